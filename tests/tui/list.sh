#!/bin/sh
# tests/tui/list.sh - `heaptop -l`, `heaptop -l --clean` and `heaptop` with
# no arguments, in a private /dev/shm (a mount namespace) so other tests'
# segments can neither confuse the counts nor be cleaned away: a live traced
# process is listed and attached to, a killed one and a kept exited one are
# stale and --clean removes exactly those, never a live one.

# Into a mount namespace with its own /dev/shm, before anything is set up.
if [ "${HEAPTOP_TEST_IN_NS:-}" != 1 ]; then
	for how in "unshare -m" "unshare -rm"; do
		if $how sh -c 'mount -t tmpfs -o mode=1777 tmpfs /dev/shm' 2>/dev/null; then
			HEAPTOP_TEST_IN_NS=1 exec $how sh -c \
				'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec sh "$0"' "$0"
		fi
	done
	echo "SKIP: cannot make a private /dev/shm (unshare -m needs privileges)" >&2
	exit 77
fi
. "$top_srcdir/tests/tui/common.sh"

expect_eq "empty /dev/shm" "$(ls /dev/shm | wc -l)" 0
ht 20 -l >empty.txt || fail "-l on nothing exited $?"
expect_grep "-l on nothing" "no heaptop segments of yours" empty.txt
ht 20 >none.txt 2>none.err
expect_eq "heaptop with nothing to watch: exit" "$?" 1
expect_grep "nothing to watch" "no live traced process" none.err

hold 100 1000 100 0
live=$held
# a killed traced process leaves a RUNNING segment of a dead pid
hold 10 10 10 0
killed=$held
kill -KILL "$killed"; wait "$killed" 2>/dev/null
# a kept segment of a program that exited
HEAPTOP_KEEP=1 LD_PRELOAD=$HEAPTOP_LIB "$P/allocs" 3 10 3 0 0 &
kept=$!
wait "$kept"
noted_pids="$noted_pids $kept"

ht 20 -l >list.txt || fail "-l exited $?"
grep -E "^$live +running " list.txt >/dev/null || fail "live pid $live not listed as running"
grep -E "^$killed +gone " list.txt >/dev/null || fail "killed pid $killed not listed as gone"
grep -E "^$kept +exited " list.txt >/dev/null || fail "kept pid $kept not listed as exited"
expect_grep "stale section" "segments of finished or unreadable processes" list.txt

# no arguments: the only live process
ht 20 --snapshot --format json -o only.json || fail "heaptop --snapshot with one live process exited $?"
expect_eq "attached to the only live process" "$(jpnum only.json pid)" "$live"

ht 20 -l --clean >clean.txt || fail "--clean exited $?"
expect_grep "clean count" "removed 2 stale segments" clean.txt
ls /dev/shm | grep -q "^heaptop\.$live\." || fail "--clean removed the live segment"
ls /dev/shm | grep -q "^heaptop\.$killed\." && fail "--clean left the killed one"
ls /dev/shm | grep -q "^heaptop\.$kept\." && fail "--clean left the kept one"
ht 20 -l --clean >clean2.txt
expect_grep "clean again" "removed 0 stale segments" clean2.txt

# two live ones: no guessing
hold 5 10 5 0
ht 20 --snapshot >two.txt 2>two.err
expect_eq "two live processes: exit" "$?" 1
expect_grep "two live processes" "choose one with \`heaptop -p PID\`" two.err
grep -qE "^$held +running" two.txt || fail "the list of the two is not printed"
finish
