#!/bin/sh
# tests/view/mark.sh - `m` sets a mark: the view says "Δ since mark
# HH:MM:SS", and after the program allocates 500 more blocks the counters
# and the histogram show +500, not the totals; `m` again clears the mark.
. "$top_srcdir/tests/view/common.sh"

start_prog_view 100 30 500 100
wait_screen '^ *alloc_count +500 '
keys m
wait_screen 'since mark [0-2][0-9]:[0-5][0-9]:[0-6][0-9]'
if [ -n "${LC_ALL:-}" ]; then
	expect 'Δ since mark [0-2][0-9]:[0-5][0-9]:[0-6][0-9]' "the mark banner"
fi
expect '^ *alloc_count +\+0 ' "alloc_count right after the mark"
expect 'Histogram 1/4: allocation sizes .*since mark' "the histogram says it shows deltas"

kill -USR1 "$prog_pid"
wait_file prog.pid.2
wait_screen '^ *alloc_count +\+500 '
expect '^ *dealloc_count +\+0 ' "dealloc_count since the mark"
expect '^ *use_curr +[0-9.]+ KiB .*\+[0-9.]+ KiB' "use_curr with its change since the mark"
expect '^ \[ 64 B \.\. 128 B\) .* 500 100\.0%' "the histogram counts since the mark"

keys m
wait_screen '^ *alloc_count +1,000 '
expect_not 'since mark [0-9]' "the mark banner after clearing"
expect '^ \[ 64 B \.\. 128 B\) .* 1,000 100\.0%' "the histogram counts from the start"
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"
exit 0
