#!/bin/sh
# tests/view/quit.sh - `q` leaves the view cleanly: exit status 0, the
# terminal settings as they were, the view gone from the screen.  A program
# heaptop started is stopped; one it attached to (-p) keeps running.
. "$top_srcdir/tests/view/common.sh"

start_prog_view 100 30 1000 100
wait_screen '^ *alloc_count +1,000 '
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"
[ "$(cat view.stty)" = same ] || fail "the terminal settings changed"
sleep 0.2
expect_not 'Heap in use over time' "the screen after q"
expect "heaptop: stopped './vprog' \\(pid $prog_pid\\)" "heaptop says it stopped the program"
! kill -0 "$prog_pid" 2>/dev/null || fail "the launched program still runs"

# Attached with -p: q leaves the program alone.
stop_view
rm -f prog.pid view.rc view.stty
LD_PRELOAD=$HEAPTOP_LIB "$VPROG" prog.pid 700 100 </dev/null >/dev/null 2>&1 &
wait_file prog.pid
prog_pid=$(cat prog.pid)
start_view 100 30 -p "$prog_pid"
wait_screen '^ *alloc_count +700 '
expect "watching pid $prog_pid" "the status line in attach mode"
quit_view
[ "$view_rc" = 0 ] || fail "heaptop -p exited with $view_rc"
[ "$(cat view.stty)" = same ] || fail "the terminal settings changed (-p)"
kill -0 "$prog_pid" 2>/dev/null || fail "the attached program was stopped"
kill -USR2 "$prog_pid"
wait
exit 0
