#!/bin/sh
# tests/lib/failure.sh - when the segment can't be made, the program runs
# normally: same output, same exit code, exactly one "heaptop:" line on
# stderr (none with HEAPTOP_QUIET=1), not tracking, nothing left in /dev/shm.
# Real failures, not injected ones (tests/fault/ injects them): in a private
# mount namespace (unshare -m) /dev/shm becomes a read-only tmpfs, a full
# one, one too small for HEAPTOP_SHARDS / HEAPTOP_TIMELINE, one only root
# may write (the program runs as nobody), and no /dev/shm at all.
# HEAPTOP_DISABLE=1: untracked, silent, no segment.
. "$top_srcdir/tests/lib/common.sh"

# expect_untracked CASE [ENV...]: runs `exits exit` and `exits probe` under
# the library in the current /dev/shm, compares with the plain run.
expect_untracked() {
	case=$1
	shift
	lines=${want_lines:-1}
	timeout -s KILL 30 $as_user env "$@" LD_PRELOAD="$HEAPTOP_LIB" "$T/exits" exit \
		>"$tmp/t.out" 2>"$tmp/t.err"
	rc=$?
	expect_eq "$case: exit code" "$rc" 3
	cmp -s "$tmp/plain.out" "$tmp/t.out" || fail "$case: output differs"
	expect_eq "$case: stderr lines" "$(wc -l <"$tmp/t.err")" "$lines"
	expect_eq "$case: heaptop lines" "$(grep -c '^heaptop: ' "$tmp/t.err")" "$lines"
	sed 's/^/    /' "$tmp/t.err" >&2
	timeout -s KILL 30 $as_user env "$@" LD_PRELOAD="$HEAPTOP_LIB" "$T/exits" probe \
		>"$tmp/p.out" 2>/dev/null
	expect_eq "$case: tracking" "$(sed -n 's/^tracking=//p' "$tmp/p.out")" "0 stats=-19"
	expect_eq "$case: segments left" "$(ls /dev/shm 2>/dev/null | grep -c '^heaptop\.')" 0
}

if [ "${1:-}" = --inner ]; then
	# In the private mount namespace: everything below is invisible outside.
	as_user=
	to 30 "$T/exits" exit >"$tmp/plain.out" 2>/dev/null
	expect_eq "plain run: exit code" "$?" 3

	mount -t tmpfs -o ro,size=4m tmpfs /dev/shm || hard_error "mount ro tmpfs"
	expect_untracked "read-only /dev/shm"
	want_lines=0 expect_untracked "read-only /dev/shm, HEAPTOP_QUIET=1" HEAPTOP_QUIET=1

	mount -t tmpfs -o size=64k tmpfs /dev/shm || hard_error "mount small tmpfs"
	dd if=/dev/zero of=/dev/shm/fill bs=4096 2>/dev/null
	expect_untracked "full /dev/shm"
	rm -f /dev/shm/fill
	[ -z "$(ls /dev/shm)" ] || fail "full /dev/shm: left $(ls /dev/shm)"

	mount -t tmpfs -o size=4m tmpfs /dev/shm || hard_error "mount 4m tmpfs"
	expect_untracked "4 MiB /dev/shm, HEAPTOP_SHARDS=4096" HEAPTOP_SHARDS=4096
	expect_untracked "4 MiB /dev/shm, HEAPTOP_TIMELINE=1048576" HEAPTOP_TIMELINE=1048576
	# The same tmpfs with the default options: tracking works (the cases above
	# failed for the reason they were meant to fail for).
	traced 30 "$T/exits" probe >"$tmp/p.out" 2>"$tmp/p.err"
	expect_eq "4 MiB /dev/shm, defaults: tracking" \
		"$(sed -n 's/^tracking=//p' "$tmp/p.out")" "1 stats=0"
	[ -s "$tmp/p.err" ] && fail "4 MiB /dev/shm, defaults: stderr $(cat "$tmp/p.err")"

	if command -v setpriv >/dev/null; then
		mount -t tmpfs -o size=4m,mode=0755 tmpfs /dev/shm || hard_error "mount tmpfs"
		as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
		if $as_user test -x "$T/exits" && $as_user test -r "$HEAPTOP_LIB"; then
			expect_untracked "/dev/shm writable by root only"
		else
			note "skipped the unwritable case: nobody can't reach the build tree"
		fi
		as_user=
	fi

	mount -t tmpfs tmpfs /dev || hard_error "mount tmpfs on /dev"
	expect_untracked "no /dev/shm"
	finish
fi

# Outside: can this machine give us a private mount namespace?
to 10 unshare -m sh -c 'mount -t tmpfs -o size=4k tmpfs /dev/shm' 2>/dev/null ||
	skip "unshare -m with a tmpfs mount is not permitted here"

# HEAPTOP_DISABLE=1 in the real /dev/shm.
to 30 "$T/exits" exit >"$tmp/plain.out" 2>/dev/null
HT_PIDFILE=$tmp/dis.pid HEAPTOP_DISABLE=1 traced 30 "$T/exits" exit >"$tmp/d.out" 2>"$tmp/d.err"
expect_eq "HEAPTOP_DISABLE=1: exit code" "$?" 3
cmp -s "$tmp/plain.out" "$tmp/d.out" || fail "HEAPTOP_DISABLE=1: output differs"
[ -s "$tmp/d.err" ] && fail "HEAPTOP_DISABLE=1: stderr $(cat "$tmp/d.err")"
cat "$tmp/dis.pid" >>"$HT_PIDFILE"
expect_eq "HEAPTOP_DISABLE=1: segment" "$(segs "$(cat "$tmp/dis.pid")")" ""
HEAPTOP_DISABLE=1 traced 30 "$T/exits" probe >"$tmp/p.out" 2>/dev/null
expect_eq "HEAPTOP_DISABLE=1: tracking" "$(sed -n 's/^tracking=//p' "$tmp/p.out")" "0 stats=-19"

to 60 unshare -m "${SHELL:-/bin/sh}" "$0" --inner || fail "inside the private /dev/shm"
finish
