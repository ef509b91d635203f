#!/bin/sh
# tests/rel/threads.sh - tests/rel/threads under the preload (see threads.c):
# 100 000 short-lived threads whose thread_local and key destructors
# allocate, free and hand blocks to later threads (default and 2 shards);
# 4096 threads alive at once on small stacks with 64, 16, 2 and 4096 shards,
# their overflow visible in the header and in the viewer's snapshot; threads
# whose first allocation comes in the last destructor round.
# HEAPTOP_LONG=1 (make check-long) runs 1 000 000 threads instead.
. "$top_srcdir/tests/lib/common.sh"
R=$top_builddir/tests/rel
tlsmod=$R/.libs/tlsmod.so
[ -r "$tlsmod" ] || hard_error "no $tlsmod (make check builds it)"

n=100000
[ "${HEAPTOP_LONG:-0}" = 1 ] && n=1000000

run() { # run WHAT SECS ENV... -- ARGS...
	what=$1 secs=$2
	shift 2
	envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	note "$what"
	timeout -s KILL "$secs" env $envs LD_PRELOAD="$HEAPTOP_LIB" "$R/threads" "$@" ||
		fail "$what (exit $?)"
}

run "churn: $n threads, thread_local and key destructors" 600 -- churn $n "$tlsmod"
run "churn: 20000 threads, every one on shard 0" 120 HEAPTOP_SHARDS=2 -- churn 20000 "$tlsmod"

# The crowd frees glibc's stacks at join (no stack cache), so glibc's own
# blocks balance when every thread is gone.
nocache=GLIBC_TUNABLES=glibc.pthread.stack_cache_size=0
for shards in 64 16 2 4096; do
	run "crowd: 4096 threads at once on $shards shards" 120 $nocache HEAPTOP_SHARDS=$shards -- \
		crowd 4096
done
# The overflow as the viewer shows it: a snapshot while the crowd waits.
note "crowd: the viewer's snapshot while 4096 threads wait on 64 shards"
mkdir "$tmp/pause"
timeout -s KILL 120 env $nocache HEAPTOP_SHARDS=64 LD_PRELOAD="$HEAPTOP_LIB" \
	"$R/threads" crowd 4096 "$tmp/pause" &
crowd=$!
if wait_file "$tmp/pause/ready" 600; then
	pid=$(tail -n 1 "$HT_PIDFILE")
	to 30 "$top_builddir/heaptop" --snapshot --format json -p "$pid" >"$tmp/snap.json" 2>&1 ||
		fail "heaptop --snapshot -p of the crowd (exit $?): $(tail -n 2 "$tmp/snap.json")"
	json() { sed -n "s/^ *\"$1\": \([0-9]*\),\{0,1\}\$/\1/p" "$tmp/snap.json" | head -n 1; }
	expect_eq "snapshot: threads_active (main + 62)" "$(json threads_active)" 63
	expect_eq "snapshot: shard_misses (4096 - 62)" "$(json shard_misses)" 4034
	expect_eq "snapshot: shard_count" "$(json shard_count)" 64
else
	fail "the crowd never said it was ready"
fi
touch "$tmp/pause/go"
wait "$crowd" || fail "crowd with a snapshot (exit $?)"

run "late: 2000 threads first allocating in the last destructor round" 120 -- late 2000
finish
