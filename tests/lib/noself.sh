#!/bin/sh
# tests/lib/noself.sh - after warm-up libheaptop allocates nothing through
# the hooks or the allocator chain for itself: a counting allocator under
# it sees exactly the calls heaptop counted for the program, and
# untracked_count stays put (tests/lib/noself.c), with owned shards and
# with every worker on the shared shard (HEAPTOP_SHARDS=2).
. "$top_srcdir/tests/lib/common.sh"

shim=$T/.libs/libhtcountshim.so
[ -r "$shim" ] || hard_error "no $shim"
for shards in 64 2; do
	timeout -s KILL 60 env HEAPTOP_SHARDS=$shards HEAPTOP_INTERVAL_MS=100 \
		LD_PRELOAD="$HEAPTOP_LIB:$shim" "$T/noself" || fail "noself, $shards shards (exit $?)"
done
finish
