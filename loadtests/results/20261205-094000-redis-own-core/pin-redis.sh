#!/bin/bash
# Re-pin every redis-server (and its threads) to CPU 1; everything else the runner starts inherits CPU 0.
log=/tmp/rd/pin.log; : > $log
while true; do
  for pid in $(pgrep -x redis-server); do
    cur=$(taskset -p $pid 2>/dev/null | awk '{print $NF}')
    if [[ "$cur" != "2" ]]; then taskset -a -p -c 1 $pid >> $log 2>&1; echo "$(date +%T) pinned $pid" >> $log; fi
  done
  sleep 0.5
done
