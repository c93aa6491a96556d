#!/usr/bin/env python3
"""Prints the Lua text of ScanScript.Script in a ScanScript.cs (the raw string between new($$\"\"\" and \"\"\");), with the
record field's name put in and the indentation taken off: what redis-server runs. Used by run.sh and levers.sh.
   scan-lua.py PATH/TO/ScanScript.cs"""
import re
import sys
import textwrap

source = open(sys.argv[1], encoding='utf-8').read()
body = re.search(r'Script = new\(\$\$"""\n(.*?)\n\s*"""\);', source, re.S).group(1)
print(textwrap.dedent(body).replace('{{ScanStreamFields.Record}}', 'record'))
