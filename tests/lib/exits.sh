#!/bin/sh
# tests/lib/exits.sh - every exit path (exit, return, _exit, quick_exit,
# abort, kill -9, allocations in atexit / at_quick_exit handlers and static
# destructors): output and exit code unchanged by the library; with
# HEAPTOP_KEEP=1 the segment says EXITED after a clean exit (with the exit
# handlers' blocks counted) and RUNNING after a crash; without it the name
# is removed on a clean exit, and stays behind (stale) after a crash.
# _exit and quick_exit are clean exits: dash ends every shell, and forked
# children end, with _exit.  The last check runs shell pipelines (dash) in a
# private /dev/shm: nothing may be left behind.
. "$top_srcdir/tests/lib/common.sh"
ulimit -c 0

# mode exit-code state-with-keep bucket-of-the-handler's-block
while read -r mode code state bucket; do
	to 30 "$T/exits" "$mode" >"$tmp/plain.out" 2>"$tmp/plain.err"
	rc_plain=$?
	HT_SEGFILE=$tmp/run.seg HEAPTOP_KEEP=1 traced 30 "$T/exits" "$mode" \
		>"$tmp/traced.out" 2>"$tmp/traced.err"
	rc_traced=$?
	seg=/dev/shm$(head -n 1 "$tmp/run.seg")
	cat "$tmp/run.seg" >>"$HT_SEGFILE"
	rm -f "$tmp/run.seg"
	expect_eq "$mode: exit code without the library" "$rc_plain" "$code"
	expect_eq "$mode: exit code under the library" "$rc_traced" "$code"
	cmp -s "$tmp/plain.out" "$tmp/traced.out" || fail "$mode: output differs"
	# (the shell may add its own "Aborted"/"Killed" line to both)
	grep -q "^heaptop:" "$tmp/traced.err" && fail "$mode: stderr: $(cat "$tmp/traced.err")"
	expect_eq "$mode: stderr lines" "$(wc -l <"$tmp/traced.err")" "$(wc -l <"$tmp/plain.err")"
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
	HT_SEGFILE=$tmp/run.seg traced 30 "$T/exits" "$mode" >/dev/null 2>&1
	seg=/dev/shm$(head -n 1 "$tmp/run.seg")
	cat "$tmp/run.seg" >>"$HT_SEGFILE"
	rm -f "$tmp/run.seg"
	if [ "$state" = 2 ]; then
		[ -e "$seg" ] && fail "$mode: $seg left after a clean exit"
	else
		[ -e "$seg" ] || fail "$mode: $seg should stay behind (no destructor ran)"
	fi
done <<EOF2
exit 3 2 -
return 6 2 -
_exit 4 2 -
quick_exit 5 2 21
abort 134 1 -
kill9 137 1 -
atexit 7 2 19
dtor 8 2 20
EOF2

# Shell scripts: dash leaves with _exit, and so do its forked subshells.
if to 10 unshare -m sh -c 'mount -t tmpfs tmpfs /dev/shm' 2>/dev/null; then
	# shellcheck disable=SC2016
	to 60 unshare -m sh -c '
		mount -t tmpfs tmpfs /dev/shm || exit 99
		LD_PRELOAD=$0 sh -c "echo hello | tr a-z A-Z; x=\$(echo sub); echo \$x" >"$1/sh.out"
		ls /dev/shm >"$1/left"' "$HEAPTOP_LIB" "$tmp"
	expect_eq "shell pipeline output" "$(cat "$tmp/sh.out")" "HELLO
sub"
	expect_eq "segments left by a shell pipeline" "$(wc -l <"$tmp/left")" 0
else
	note "no private /dev/shm: shell pipeline check skipped"
fi
finish
