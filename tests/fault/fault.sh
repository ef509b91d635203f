#!/bin/sh
# tests/fault/fault.sh - the library's own failures (shm_open, posix_fallocate,
# the segment's mmap) leave the program running untracked: same output, same
# exit code, exactly one "heaptop:" line on stderr, no segment left behind.
set -u
. "$top_srcdir/tests/fault/lib.sh"
prog=$top_builddir/tests/fault/fault-prog
shim=$top_builddir/tests/fault/.libs/libfailsys.so

plain_out=$tmp/plain.out
timeout -s KILL 30 "$prog" >"$plain_out" 2>"$tmp/plain.err"
plain_rc=$?
check "plain run exits 7" test "$plain_rc" -eq 7
grep -q '^tracking -1$' "$plain_out" || fail "plain run claims a library"

for what in shm_open fallocate mmap; do
	timeout -s KILL 30 env HEAPTOP_TEST_FAIL=$what LD_PRELOAD="$HEAPTOP_LIB:$shim" "$prog" \
		>"$tmp/$what.out" 2>"$tmp/$what.err"
	rc=$?
	check "$what: exit code unchanged ($rc)" test "$rc" -eq "$plain_rc"
	sed '/^tracking/d; /^pid/d' "$plain_out" >"$tmp/a"
	sed '/^tracking/d; /^pid/d' "$tmp/$what.out" >"$tmp/b"
	check "$what: output unchanged" cmp -s "$tmp/a" "$tmp/b"
	check "$what: reports not tracking" grep -q '^tracking 0$' "$tmp/$what.out"
	n=$(grep -c '^heaptop: ' "$tmp/$what.err")
	check "$what: exactly one diagnostic line (got $n)" test "$n" -eq 1
	check "$what: nothing else on stderr" test "$(wc -l <"$tmp/$what.err")" -eq 1
	pid=$(sed -n 's/^pid //p' "$tmp/$what.out")
	check "$what: no segment of pid $pid left behind" \
		test -z "$(ls /dev/shm | grep "^heaptop\.$pid\.")"
	sed 's/^/    /' "$tmp/$what.err"
done

# The shim itself must be harmless when it injects nothing.
timeout -s KILL 30 env LD_PRELOAD="$HEAPTOP_LIB:$shim" "$prog" >"$tmp/ok.out" 2>"$tmp/ok.err"
check "no fault: exit code unchanged" test $? -eq "$plain_rc"
check "no fault: tracking" grep -q '^tracking 1$' "$tmp/ok.out"
check "no fault: silent" test ! -s "$tmp/ok.err"
finish
