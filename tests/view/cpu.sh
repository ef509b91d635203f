#!/bin/sh
# tests/view/cpu.sh - the viewer is cheap: watching a program that
# allocates as fast as it can, at the default refresh of 1 s, heaptop uses
# less than 1% of a core.
. "$top_srcdir/tests/view/common.sh"

# cpu_ticks PID: user + system time of PID, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

start_prog_view 100 30 100 100 0 busy
wait_screen '^ *alloc_count +[0-9,]{7,} '
# heaptop started the program, so it is the program's parent
viewer=$(sed 's/.*) //' "/proc/$prog_pid/stat" | awk '{ print $2 }')
grep -q heaptop "/proc/$viewer/comm" || fail "pid $viewer is not heaptop"
hz=$(getconf CLK_TCK)
secs=5
before=$(cpu_ticks "$viewer")
sleep "$secs"
after=$(cpu_ticks "$viewer")
used=$((after - before))
echo "# heaptop used $used ticks of $hz/s in ${secs}s"
# 1% of a core for $secs seconds is secs * hz / 100 ticks
[ $((used * 100)) -lt $((secs * hz)) ] || fail "heaptop used $used ticks (>= 1% of a core)"
expect 'alloc_count +[0-9,]+ [0-9,]{5,}/s' "the busy program's allocation rate"
quit_view
exit 0
