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
	HT_SEGFILE=$tmp/run.seg timeout -s KILL 30 env HEAPTOP_KEEP=1 LD_PRELOAD="$order" \
		"$T/ctorcheck" || fail "ctorcheck with LD_PRELOAD=$order (exit $?)"
	seg=/dev/shm$(head -n 1 "$tmp/run.seg")
	cat "$tmp/run.seg" >>"$HT_SEGFILE"
	rm -f "$tmp/run.seg"
	"$T/segdump" --no-time-checks "$seg" >"$tmp/seg" ||
		fail "$order: segdump found problems"
	expect_eq "$order: state" "$(kv "$tmp/seg" state)" 2
	expect_eq "$order: the constructor's blocks" "$(kv "$tmp/seg" hist.alloc_size.22)" 5
	expect_eq "$order: the destructor's block" "$(kv "$tmp/seg" hist.alloc_size.23)" 1
	# Everything the constructor kept was freed by the destructor.
	rm -f "$seg"
	# And a real program with both.
	printf 'b\nc\na\n' >"$tmp/in.txt"
	to 30 sort "$tmp/in.txt" >"$tmp/plain.out"
	timeout -s KILL 30 env LD_PRELOAD="$order" sort "$tmp/in.txt" >"$tmp/both.out" ||
		fail "$order: sort failed"
	cmp -s "$tmp/plain.out" "$tmp/both.out" || fail "$order: output differs"
done
finish
