#!/bin/sh
# tests/view/launch.sh - `heaptop -- prog` shows the program's counters, the
# graph and the histogram with the numbers the program is known to reach;
# h and 1-4 switch the histogram; Tab moves the focus; --ascii draws with
# ASCII only.
. "$top_srcdir/tests/view/common.sh"

# 1000 blocks of 100 bytes: alloc_count 1,000, all in [ 64 B .. 128 B).
start_prog_view 100 30 1000 100
wait_screen '^ *alloc_count +1,000 '
expect "^ heaptop +pid $prog_pid " "the top bar names the pid"
expect ' \./vprog prog\.pid 1000 100 ' "the top bar shows the command"
expect 'running' "the state"
expect '^ *dealloc_count +0 ' "dealloc_count"
expect '^ *use_curr +[0-9.]+ KiB' "use_curr in KiB"
expect '^ *use_max +[0-9.]+ KiB' "use_max"
expect '^ *RSS +[0-9.]+ MiB heap [0-9]+%' "heap next to RSS"
expect 'realloc_growth_count +0 ' "realloc growth counter"
expect 'realloc_shrink_count +0 ' "realloc shrink counter"
expect 'realloc_move_count +0 ' "realloc move counter"
expect 'alloc_fail_count +0 ' "alloc_fail_count"
expect 'untracked ' "untracked"
expect 'threads +1 ' "threads"
expect '[0-9.]+/s' "per-second rates"
# the graph: title, scale and time axis
expect 'Heap in use over time' "the graph's title"
expect '^ +[0-9]+ KiB[┤+]' "the graph's scale"
expect '^ +0 B[┤+]█' "the graph's bottom row, filled"
expect ' 0s .*1m00s' "the time axis"
# the histogram: the bucket, its count and share
expect 'Histogram 1/4: allocation sizes' "the histogram's title"
expect '^ \[ 64 B \.\. 128 B\) █+ +1,000 100\.0%' "the histogram bar"
# 100 KB at the default rate (one sample per 512 KiB) may or may not be sampled
expect 'no allocation sampled yet|\(vprog\.c:[0-9]+\)' "the call-site pane"
expect 'no realloc move sampled yet' "the hotspots pane"
expect "program output: $tmp/prog.out" "the status line"
expect '^q Quit +\? Help +s Snapshot +m Mark +p Pause' "the key line"

keys h
wait_screen 'Histogram 2/4: realloc growth'
expect 'nothing counted yet' "an empty histogram says so"
keys 4
wait_screen 'Histogram 4/4: realloc moves'
keys 1
wait_screen 'Histogram 1/4: allocation sizes'

# Tab focuses the next pane: its title starts with '>' and is highlighted.
expect '^>Histogram 1/4' "the histogram has the focus at first"
keys Tab
wait_screen '^>Top call sites'
expect '^ Histogram 1/4' "the histogram lost the focus"
tm capture-pane -p -e -t view | grep -q '42m>Top call sites' ||
	fail "the focused title is not highlighted"
keys Tab
wait_screen '>Realloc-move hotspots'
keys Tab
wait_screen '^>Heap in use over time'
keys Tab
wait_screen '^>Histogram 1/4'

keys '?'
wait_screen 'Any key closes this help'
expect 'save a text snapshot' "the help lists the keys"
keys x
wait_screen 'Heap in use over time'
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"

# --ascii: the same screen without a byte outside ASCII.
stop_view
start_prog_view 100 30 --ascii -- 1000 100
wait_screen '^ \[ 64 B \.\. 128 B\) #+ +1,000 100\.0%'
if screen | LC_ALL=C grep -q '[^ -~]'; then
	fail "--ascii drew a non-ASCII character"
fi
quit_view
exit 0
