#!/bin/sh
# tests/lib/exits.sh - every exit path (exit, return, _exit, quick_exit,
# abort, kill -9, allocations in atexit handlers and static destructors):
# output and exit code unchanged by the library; with HEAPTOP_KEEP=1 the
# segment says EXITED after a clean exit (with the exit handlers' blocks
# counted) and RUNNING when no destructor could run; without it the name is
# removed on a clean exit, and stays behind (stale) otherwise.
. "$top_srcdir/tests/lib/common.sh"
ulimit -c 0

# mode exit-code state-with-keep bucket-of-the-handler's-block
while read -r mode code state bucket; do
	to 30 "$T/exits" "$mode" >"$tmp/plain.out" 2>"$tmp/plain.err"
	rc_plain=$?
	HT_PIDFILE=$tmp/run.pid HEAPTOP_KEEP=1 traced 30 "$T/exits" "$mode" \
		>"$tmp/traced.out" 2>"$tmp/traced.err"
	rc_traced=$?
	cat "$tmp/run.pid" >>"$HT_PIDFILE"
	pid=$(head -n 1 "$tmp/run.pid")
	rm -f "$tmp/run.pid"
	expect_eq "$mode: exit code without the library" "$rc_plain" "$code"
	expect_eq "$mode: exit code under the library" "$rc_traced" "$code"
	cmp -s "$tmp/plain.out" "$tmp/traced.out" || fail "$mode: output differs"
	# (the shell may add its own "Aborted"/"Killed" line to both)
	grep -q heaptop "$tmp/traced.err" && fail "$mode: stderr: $(cat "$tmp/traced.err")"
	expect_eq "$mode: stderr lines" "$(wc -l <"$tmp/traced.err")" "$(wc -l <"$tmp/plain.err")"
	seg=/dev/shm/heaptop.$pid.0
	if [ ! -f "$seg" ]; then
		fail "$mode: HEAPTOP_KEEP=1 but no $seg"
		continue
	fi
	"$T/segdump" --no-time-checks "$seg" >"$tmp/seg" || fail "$mode: segdump found problems"
	expect_eq "$mode: state" "$(kv "$tmp/seg" state)" "$state"
	if [ "$bucket" != - ]; then
		expect_eq "$mode: the exit handler's block counted" \
			"$(kv "$tmp/seg" "hist.alloc_size.$bucket")" 1
	fi
	rm -f "$seg"

	# Without HEAPTOP_KEEP: removed on a clean exit, left behind otherwise.
	HT_PIDFILE=$tmp/run.pid traced 30 "$T/exits" "$mode" >/dev/null 2>&1
	cat "$tmp/run.pid" >>"$HT_PIDFILE"
	pid=$(head -n 1 "$tmp/run.pid")
	rm -f "$tmp/run.pid"
	if [ "$state" = 2 ]; then
		expect_eq "$mode: segments left after a clean exit" "$(segs "$pid")" ""
	else
		expect_eq "$mode: stale segment (no destructor ran)" "$(segs "$pid")" \
			"/dev/shm/heaptop.$pid.0"
	fi
done <<EOF2
exit 3 2 -
return 6 2 -
_exit 4 1 -
quick_exit 5 1 21
abort 134 1 -
kill9 137 1 -
atexit 7 2 19
dtor 8 2 20
EOF2
finish
