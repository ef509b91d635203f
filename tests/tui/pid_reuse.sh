#!/bin/sh
# tests/tui/pid_reuse.sh - a pid that comes round again.  Segments that
# earlier processes with the same pid left behind (kept after an exec, so of
# a higher generation; killed, so still "running") are never taken for the
# program heaptop launched: its snapshot is its own, and heaptop removes its
# segments only, leaving the others.  `heaptop -p` on a live process with
# stale namesakes reads the live one.  Runs in a pid namespace of its own
# (ns_last_pid decides who gets which pid) with its own /dev/shm.

if [ "${HEAPTOP_TEST_IN_PIDNS:-}" != 1 ]; then
	if unshare -m -p -f --mount-proc sh -c 'echo 50 >/proc/sys/kernel/ns_last_pid' 2>/dev/null; then
		HEAPTOP_TEST_IN_PIDNS=1 exec unshare -m -p -f --mount-proc sh -c \
			'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec sh "$0"' "$0"
	fi
	echo "SKIP: cannot make a pid namespace with a private /dev/shm (needs root)" >&2
	exit 77
fi
. "$top_srcdir/tests/tui/common.sh"

# next_pid N: the next process started gets pid N.
next_pid() { echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid; }
# count_of PID: segments of PID in /dev/shm.
count_of() { ls /dev/shm | grep -c "^heaptop\.$1\."; }

# Stale namesakes for pids 100..103: a killed holder's "running" segment,
# then an exec'd shell's two kept ones (exec generations 0 and 1).
for p in 100 101 102 103; do
	next_pid "$p"
	LD_PRELOAD=$HEAPTOP_LIB "$P/allocs" 60 100 60 0 0 "$tmp/hold.$p" &
	wait_file "$tmp/hold.$p" || fail "holder for $p did not start"
	kill -KILL $! && wait $! 2>/dev/null
	next_pid "$p"
	HEAPTOP_KEEP=1 LD_PRELOAD=$HEAPTOP_LIB sh -c "exec '$P/allocs' 50 100 50 0 0" ||
		fail "stale maker for $p exited $?"
done
before=$(count_of 100)
[ "$before" -ge 3 ] || fail "only $before stale segments of pid 100"

# timeout (98) runs heaptop (99), which launches allocs as pid 100.
next_pid 98
ht 30 --snapshot --format json -o run.json -- "$P/allocs" 1000 100 7 0 5
expect_eq "exit status of the traced program" "$?" 5
expect_eq "pid of the launched program" "$(jpnum run.json pid)" 100
expect_grep "its command line" '"cmdline": "'"$P"'/allocs 1000 100 7 0 5"' run.json
expect_grep "its state" '"state": "exited"' run.json
n=$(jnum run.json alloc_count)
[ "${n:-0}" -ge 1000 ] && [ "${n:-0}" -lt 1100 ] || fail "alloc_count $n, not the launched program's"
expect_eq "stale segments of 100 kept, its own removed" "$(count_of 100)" "$before"

# A live holder at pid 101 among its stale namesakes, attached with -p.
next_pid 101
LD_PRELOAD=$HEAPTOP_LIB "$P/allocs" 2000 100 2000 0 0 "$tmp/live" &
bg_pids="$bg_pids $!"
if wait_file "$tmp/live"; then
	expect_eq "pid of the live holder" "$!" 101
	ht 30 --snapshot --format json -p 101 -o live.json || fail "snapshot -p 101 exited $?"
	expect_grep "the live one" '"state": "running"' live.json
	n=$(jnum live.json alloc_count)
	[ "${n:-0}" -ge 2000 ] && [ "${n:-0}" -lt 2100 ] || fail "alloc_count $n, not the live holder's"
else
	fail "the live holder did not start"
fi
finish
