#!/bin/sh
# tests/view/exit_status.sh - when the launched program ends, the view keeps
# its final numbers and says how it ended (exit status, or the signal) until
# q; heaptop then exits with the program's status.
. "$top_srcdir/tests/view/common.sh"

# vprog exits with status 3 on SIGUSR2.
start_prog_view 100 30 1000 100 3
wait_screen '^ *alloc_count +1,000 '
expect ' running *$' "the state before the end"
kill -USR2 "$prog_pid"
wait_screen ' exited with status 3 *$'
expect 'the program exited with status 3; these are its final numbers \(q quits\)' "the status line"
sleep 2.5
expect ' exited with status 3 *$' "the state some time after the end"
expect '^ *alloc_count +1,000 ' "the final counters"
expect '^ \[ 64 B \.\. 128 B\) .* 1,000 100\.0%' "the final histogram"
[ ! -e view.rc ] || fail "heaptop left before q"
quit_view
[ "$view_rc" = 3 ] || fail "heaptop exited with $view_rc, not the program's 3"
[ "$(cat view.stty)" = same ] || fail "the terminal settings changed"

# Killed by a signal.
stop_view
start_prog_view 100 30 200 100
wait_screen '^ *alloc_count +200 '
kill -KILL "$prog_pid"
wait_screen ' killed by signal 9 '
expect 'the program was killed by signal 9' "the status line"
quit_view
[ "$view_rc" = 137 ] || fail "heaptop exited with $view_rc, not 128 + SIGKILL"
exit 0
