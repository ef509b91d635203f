#!/bin/sh
# tests/tui/exit_status.sh - `heaptop --snapshot -- CMD` exits with CMD's
# status (128+N when a signal N killed it), a program that lives for a
# millisecond still has its final state captured, and nothing is left in
# /dev/shm afterwards.
. "$top_srcdir/tests/tui/common.sh"

ht 30 --snapshot -o f.txt -- false
expect_eq "heaptop --snapshot -- false" "$?" 1
ht 30 --snapshot -o s.txt -- sh -c 'exit 3'
expect_eq "exit 3 passes through" "$?" 3
ht 30 --snapshot -o k.txt -- sh -c 'kill -TERM $$'
expect_eq "killed by SIGTERM" "$?" 143
expect_grep "signal shown" "killed by signal 15" k.txt

ht 30 --snapshot --format json -o q.json -- "$P/quick"
expect_eq "quick program's status" "$?" 0
base=$(jnum q.json alloc_count)
h=$(jhist q.json alloc_size 4)      # malloc(10)
k=$(jhist q.json alloc_size 10)     # malloc(1000)
m=$(jhist q.json alloc_size 17)     # malloc(100000)
[ "${h:-0}" -ge 1 ] && [ "${k:-0}" -ge 1 ] && [ "${m:-0}" -ge 1 ] ||
	fail "quick's three mallocs not all in the histogram ($h $k $m)"
[ "${base:-0}" -ge 3 ] || fail "quick: alloc_count $base < 3"
expect_grep "quick exited" '"state": "exited"' q.json
pid=$(jpnum q.json pid)
[ -n "$pid" ] || fail "no pid in the snapshot"
ls /dev/shm | grep -q "^heaptop\.$pid\." && fail "quick's segment left in /dev/shm"

# a program that execs: the snapshot is of the last image, and every
# image's segment is removed
ht 30 --snapshot --format json -o x.json -- sh -c "exec '$P/allocs' 20 100 0 0 4"
expect_eq "exec'd program's status" "$?" 4
expect_grep "last image's command line" "\"cmdline\": \"$P/allocs 20 100 0 0 4\"" x.json
gen=$(jpnum x.json exec_gen)
[ "${gen:-0}" -ge 1 ] || fail "exec_gen of the exec'd image is ${gen:-none}"
pid=$(jpnum x.json pid)
ls /dev/shm | grep -q "^heaptop\.$pid\." && fail "segments of $pid left in /dev/shm"
finish
