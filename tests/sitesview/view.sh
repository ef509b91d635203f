#!/bin/sh
# tests/sitesview/view.sh - the live view's call-site panes on a sampled
# program (sv_prog at HEAPTOP_SAMPLE_RATE=1), driven in tmux as a person
# would: the Top call sites pane names alloc_sixty with its file and line
# and exact bytes, the hotspots pane names grow_string; Enter shows the
# whole stack of the selected site; Down selects the next one; > sorts;
# v switches to the peak contributors; with HEAPTOP_SAMPLE_RATE=0 the pane
# says sampling is off.
. "$top_srcdir/tests/view/common.sh"
. "$top_srcdir/tests/sitesview/common.sh"

# start_sv RATE: heaptop -- sv_prog exact in a 160x50 window (six rows of
# call sites: a library built with UBSan adds a libstdc++ site); waits until
# the program holds still (its pid then in prog.pid, for the cleanup).
start_sv() {
	HEAPTOP_SAMPLE_RATE=$1
	export HEAPTOP_SAMPLE_RATE
	rm -f truth ready prog.pid
	start_view 160 50 --lib "$HEAPTOP_LIB" --output "$tmp/prog.out" -- \
		"$SVPROG" exact "$tmp/truth" "$SVMOD" "$tmp/ready"
	wait_file "$tmp/truth"
	truth "$tmp/truth" pid >"$tmp/prog.pid"
	wait_file "$tmp/ready" 30
}

start_sv 1
line=$(truth truth sixty_line)
wait_screen 'symmod_alloc \(symmod\.c:' # the last site of the final state (a scan after ready)
expect ' Top call sites ' "the pane's title"
expect 'live[▼v] ' "sorted by live bytes, descending"
expect '586K \(600\) .*alloc_sixty \(sv_prog\.c:' "exact live bytes and samples (rate 1: no ~)"
expect 'alloc_thirty \(sv_prog\.c:' "the second site"
expect "alloc_sixty \(sv_prog\.c:$line\)" "the top site"
expect 'Realloc-move hotspots' "the hotspots pane"
expect "grow_string \(sv_prog\.c:$(truth truth grow_line)\)" "the mover leads the hotspots"
expect '\(n\): samples' "what the numbers in brackets are"

keys Tab   # histogram -> call sites
wait_screen '^>Top call sites'
keys Enter
wait_screen "^ Call site: alloc_sixty \(sv_prog\.c:$line\)"
expect 'live +585\.94 KiB \(600 samples\) in 600 blocks' "the estimates with their samples"
expect "=> #0  alloc_sixty at .*sv_prog\.c:$line in sv_prog\+0x" "frame 0, named"
expect '#1  run_site at .*sv_prog\.c:[0-9]+ in sv_prog' "frame 1"
expect '#2  main at .*sv_prog\.c:[0-9]+' "main"
keys q     # any key goes back (q does not quit here)
wait_screen '^>Top call sites'
keys Down Enter
wait_screen '^ Call site: alloc_thirty'
keys Escape
wait_screen '^>Top call sites'
keys '>'
wait_screen "call sites sorted by alloc'd, descending"
expect "alloc'd[▼v]" "the sort column moved"
keys v
wait_screen '^>Peak contributors'
expect 'at peak[▼v]' "the peak table"
keys v
wait_screen '^>Top call sites'
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"
stop_view

start_sv 0
wait_screen 'call-site sampling is off \(HEAPTOP_SAMPLE_RATE=0\)'
quit_view
exit 0
