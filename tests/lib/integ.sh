#!/bin/sh
# tests/lib/integ.sh - tests/lib/integ under the preload: exact counters of
# every entry point (see integ.c), with the default options and with the
# options that change the paths the counts take: HEAPTOP_PEAK_SLACK (when
# use deltas are published: use_max must stay exact in one thread) and
# HEAPTOP_SHARDS=2 (the helper thread lands on the shared shard 0).
. "$top_srcdir/tests/lib/common.sh"

for opts in "" HEAPTOP_PEAK_SLACK=0 HEAPTOP_PEAK_SLACK=4096 HEAPTOP_PEAK_SLACK=1m \
	HEAPTOP_SHARDS=2; do
	note "integ ${opts:-(defaults)}"
	timeout -s KILL 60 env $opts LD_PRELOAD="$HEAPTOP_LIB" "$T/integ" ||
		fail "integ with ${opts:-default options} (exit $?)"
done
finish
