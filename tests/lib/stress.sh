#!/bin/sh
# tests/lib/stress.sh - tests/lib/stress under the preload: totals exact with
# cross-thread frees, threads exiting mid-run and more threads than shards
# (HEAPTOP_SHARDS=4, 16 threads: the overflow shard); 4096 threads alive at
# once; 100000 short-lived threads whose thread_local and key destructors
# allocate after heaptop's own destructor; the use_max bound with threads.
. "$top_srcdir/tests/lib/common.sh"

# run NAME ENV...: stress $args under $preload (default: the library alone).
run() {
	name=$1
	shift
	note "stress $name"
	timeout -s KILL 60 env "$@" LD_PRELOAD="${preload:-$HEAPTOP_LIB}" "$T/stress" $args ||
		fail "stress $name (exit $?)"
}

args="cross 16 5000 4"; run "cross, 16 threads on 4 shards" HEAPTOP_SHARDS=4
args="cross 8 5000 64"; run "cross, 8 threads on 64 shards" HEAPTOP_SHARDS=64
args="cross 16 2000 2"; run "cross, every worker on shard 0" HEAPTOP_SHARDS=2
# The same with a counting allocator below heaptop: every call heaptop
# forwarded, glibc's included, must be in the totals exactly.
shim=$T/.libs/libhtcountshim.so
[ -r "$shim" ] || hard_error "no $shim"
preload=$HEAPTOP_LIB:$shim
args="cross 16 5000 4"; run "cross, 16 threads on 4 shards, counted below" HEAPTOP_SHARDS=4 STRESS_WANT_SHIM=1
args="tls 20000"; run "tls, 20000 threads, counted below" STRESS_WANT_SHIM=1
preload=
args="many 4096"; run "4096 threads at once" HEAPTOP_SHARDS=64
args="tls 100000"; run "100000 threads with thread_local and key destructors" HEAPTOP_QUIET=0
for slack in 0 4096 65536; do
	args="peak 8 4 $slack"; run "use_max bound, slack $slack" HEAPTOP_PEAK_SLACK=$slack
done
finish
