#!/bin/sh
# tests/lib/ctorlib.sh - another preloaded library whose constructor and
# destructor allocate, listed before and after libheaptop in LD_PRELOAD:
# the program works, the constructor's blocks are counted (ctorcheck) and,
# in the kept segment, so is the destructor's block, whichever of the two
# libraries' destructors runs first.
. "$top_srcdir/tests/lib/common.sh"

ctor=$T/.libs/libhtctor.so
[ -r "$ctor" ] || hard_error "no $ctor"
for order in "$ctor:$HEAPTOP_LIB" "$HEAPTOP_LIB:$ctor"; do
	note "LD_PRELOAD=$order"
	HT_PIDFILE=$tmp/run.pid timeout -s KILL 30 env HEAPTOP_KEEP=1 LD_PRELOAD="$order" \
		"$T/ctorcheck" || fail "ctorcheck with LD_PRELOAD=$order (exit $?)"
	cat "$tmp/run.pid" >>"$HT_PIDFILE"
	pid=$(head -n 1 "$tmp/run.pid")
	rm -f "$tmp/run.pid"
	"$T/segdump" --no-time-checks "/dev/shm/heaptop.$pid.0" >"$tmp/seg" ||
		fail "$order: segdump found problems"
	expect_eq "$order: state" "$(kv "$tmp/seg" state)" 2
	expect_eq "$order: the constructor's blocks" "$(kv "$tmp/seg" hist.alloc_size.22)" 5
	expect_eq "$order: the destructor's block" "$(kv "$tmp/seg" hist.alloc_size.23)" 1
	# Everything the constructor kept was freed by the destructor.
	rm -f "/dev/shm/heaptop.$pid.0"
	# And a real program with both.
	to 30 sh -c 'echo hello | tr a-z A-Z' >"$tmp/plain.out"
	timeout -s KILL 30 env LD_PRELOAD="$order" sh -c 'echo hello | tr a-z A-Z' >"$tmp/both.out" ||
		fail "$order: sh | tr failed"
	cmp -s "$tmp/plain.out" "$tmp/both.out" || fail "$order: output differs"
done
finish
