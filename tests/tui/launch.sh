#!/bin/sh
# tests/tui/launch.sh - `heaptop -- CMD` outside a terminal: the live view
# refuses to start with a message, the program it started is stopped, its
# output went to ./heaptop-<pid>.out (or --output), the message says where,
# and no segment of it is left in /dev/shm.  Also LD_PRELOAD given by the
# user is kept behind libheaptop.
. "$top_srcdir/tests/tui/common.sh"

ht 30 -- "$P/allocs" 10 10 10 0 0 "$tmp/ready" </dev/null >out.txt 2>err.txt
rc=$?
[ "$rc" -ne 0 ] || fail "the live view without a terminal exited 0"
expect_grep "no terminal" "terminal" err.txt
pid=$(sed -n "s/.*(pid \([0-9]*\)).*/\1/p" err.txt | head -n 1)
if [ -n "$pid" ]; then
	noted_pids="$noted_pids $pid"
	[ -e "heaptop-$pid.out" ] || fail "no heaptop-$pid.out in the working directory"
	kill -0 "$pid" 2>/dev/null && fail "the started program ($pid) still runs"
	ls /dev/shm | grep -q "^heaptop\.$pid\." && fail "segment of $pid left in /dev/shm"
	expect_grep "says where the output is" "heaptop-$pid.out" err.txt
else
	fail "no pid in the messages:"; sed 's/^/| /' err.txt >&2
fi

# --output, and the user's own LD_PRELOAD kept after ours (in a sanitizer build,
# ASan must be told that a preload ahead of it is fine)
ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=libc.so.6 ht 30 --snapshot --output prog.out -o env.txt -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"; echo "KEEP=$HEAPTOP_KEEP_PID pid=$$"'
expect_eq "snapshot with --output: exit" "$?" 0
expect_grep "program output in --output" "LD_PRELOAD=$(readlink -f "$HEAPTOP_LIB"):libc.so.6" prog.out
sed -n 's/^KEEP=\([0-9]*\) pid=\([0-9]*\)$/\1 \2/p' prog.out >keep.txt
read -r keep self <keep.txt || fail "no KEEP line in prog.out"
expect_eq "HEAPTOP_KEEP_PID is the program's own pid" "${keep:-}" "${self:-x}"
expect_grep "output named in the snapshot" "prog.out" env.txt
finish
