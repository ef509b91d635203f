#!/bin/sh
# tests/view/resize.sh - the view follows the terminal's size: after each
# resize every part is drawn once, where that size puts it, with nothing
# left over from the old layout, down to 80x24.
. "$top_srcdir/tests/view/common.sh"

# check_layout W H GRAPH_ROW: the screen is W x H and laid out for it.
check_layout() {
	s=$(screen)
	rows=$(printf '%s\n' "$s" | wc -l)
	[ "$rows" -eq "$2" ] || fail "${1}x$2: $rows rows on the screen"
	# tmux reports lines without trailing blanks; none may be wider than W
	printf '%s\n' "$s" | while IFS= read -r line; do
		[ "$(printf '%s' "$line" | wc -m)" -le "$1" ] || exit 1
	done || fail "${1}x$2: a line is wider than $1"
	for part in '^ heaptop +pid' 'Heap in use over time' 'Histogram 1/4' \
		    ' Top call sites' 'Realloc-move hotspots' ' alloc_count +1,000 ' \
		    '^q Quit +\? Help'; do
		n=$(printf '%s\n' "$s" | grep -Ec -- "$part")
		[ "$n" -eq 1 ] || fail "${1}x$2: /$part/ is on the screen $n times"
	done
	printf '%s\n' "$s" | sed -n "${3}p" | grep -q '^ Heap in use over time' ||
		fail "${1}x$2: the graph does not start on row $3"
	printf '%s\n' "$s" | sed -n "${2}p" | grep -q '^q Quit' ||
		fail "${1}x$2: the key line is not the last row"
}

start_prog_view 100 30 1000 100
wait_screen '^ *alloc_count +1,000 '
check_layout 100 30 8

tm resize-window -t view -x 80 -y 24
wait_screen '^q Quit .*Sort +\+ - 1s$'
sleep 0.3
check_layout 80 24 8

# 120 columns and more: the counters take three columns and fewer rows.
tm resize-window -t view -x 132 -y 40
wait_screen 'alloc_count +1,000 .*realloc_growth_count'
sleep 0.3
check_layout 132 40 6

tm resize-window -t view -x 100 -y 30
wait_screen 'realloc_growth_count +0 0/s$'
sleep 0.3
check_layout 100 30 8

# Too small to be useful: it says so instead of drawing garbage.
tm resize-window -t view -x 30 -y 8
wait_screen 'heaptop needs 40x12'
tm resize-window -t view -x 100 -y 30
wait_screen 'Heap in use over time'
sleep 0.3
check_layout 100 30 8
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"
exit 0
