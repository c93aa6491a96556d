#!/usr/bin/env python3
# Ad-hoc, run beside loadtests/run.sh for 20261205-043049 (python3 pg-processes.py pg-processes.log): which PostgreSQL process took the CPU.
# Ad-hoc: which PostgreSQL process takes the CPU, sampled every 0.25 s, with its title; backends that ended (their last
# ticks, and the postmaster's reaped-children time); pg_stat_activity when PostgreSQL is busy.
import os, time, subprocess, re, sys
HZ = os.sysconf('SC_CLK_TCK')
prev = {}
names = {}
out = open(sys.argv[1], 'a', buffering=1)
PERIOD = 0.25
def pg_pids():
    pids = []
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            with open(f'/proc/{p}/comm') as f:
                if f.read().strip() != 'postgres': continue
            with open(f'/proc/{p}/cmdline','rb') as f:
                cmd = f.read().replace(b'\0', b' ').decode(errors='replace').strip()
            with open(f'/proc/{p}/stat') as f:
                st = f.read()
            fields = st[st.rindex(')')+2:].split()
            ticks = int(fields[11]) + int(fields[12])
            reaped = int(fields[13]) + int(fields[14])
            pids.append((int(p), cmd, ticks, reaped))
        except Exception:
            pass
    return pids
def port():
    for pid, cmd, _, _ in pg_pids():
        m = re.search(r'-p (\d+)', cmd)
        if m: return m.group(1)
prev_reaped = {}
while True:
    time.sleep(PERIOD)
    now = time.time()
    cur = pg_pids()
    seen = set()
    busy = []
    total = 0
    for pid, cmd, ticks, reaped in cur:
        seen.add(pid)
        d = ticks - prev.get(pid, ticks)
        prev[pid] = ticks
        names[pid] = cmd
        total += d
        if d >= 3: busy.append((d, pid, cmd))
        if pid in prev_reaped and reaped - prev_reaped[pid] >= 3:
            busy.append((reaped - prev_reaped[pid], pid, 'REAPED CHILDREN of ' + cmd))
            total += reaped - prev_reaped[pid]
        prev_reaped[pid] = reaped
    gone = [p for p in prev if p not in seen]
    stamp = time.strftime('%H:%M:%S', time.gmtime(now)) + f'.{int(now*100)%100:02d}'
    for p in gone:
        out.write(f'{stamp} ended {p} with {prev[p]/HZ:.1f} s CPU: {names.get(p, "?")[:100]}\n')
        del prev[p]
    if busy:
        out.write(f'{stamp} total {total/HZ/PERIOD:.2f} cores: ' + ' | '.join(f'{pid} {d/HZ/PERIOD:.2f} {cmd[:100]}' for d, pid, cmd in sorted(busy, reverse=True)) + '\n')
    if total / HZ / PERIOD >= 0.6:
        p = port()
        if p:
            try:
                r = subprocess.run(['psql', '-h', '127.0.0.1', '-p', p, '-U', 'citypass', '-d', 'citypass', '-At', '-c',
                    "select pid, backend_type, state, now()-query_start, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()"],
                    capture_output=True, text=True, timeout=3)
                out.write('  activity: ' + r.stdout.strip().replace('\n', '\n  activity: ') + r.stderr + '\n')
            except Exception as e:
                out.write(f'  activity failed: {e}\n')
