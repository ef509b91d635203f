#!/bin/sh
# tests/rel/soak.sh - the long runs of `make check-long` (not in `make
# check`): each still under a kill timeout, each the same exact checks as
# its short form.  Set HEAPTOP_SOAK_SCALE (default 1) to multiply the
# lengths.
#   - tests/lib/stress cross: 64 threads, 16 shards, 500 000 rounds;
#   - tests/lib/sigstorm: 1 000 000 signals at the main thread, 5 000 000
#     at another (own shard, shard 0, and with every allocation sampled);
#   - tests/rel/rawclone busy: 2000 raw clones while threads allocate,
#     sampling off and at rate 1;
#   - tests/lib/forkexec fork-sampling: 5000 forks while threads take stacks;
#   - tests/rel/sites_stress exact: 16 threads, 30 000 rounds at rate 1 (and
#     the TSan build, 8 threads, 3000 rounds, when it was built);
#   - the segment reader's fuzzer for $HEAPTOP_FUZZ_SECONDS (default 600).
# tests/rel/threads.sh runs its 1 000 000-thread churn in check-long too.
. "$top_srcdir/tests/lib/common.sh"
R=$top_builddir/tests/rel
k=${HEAPTOP_SOAK_SCALE:-1}

soak() { # soak WHAT SECS ENV... -- CMD ARGS...
	what=$1 secs=$(($2 * k))
	shift 2
	envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	note "$what"
	start=$(date +%s)
	timeout -s KILL "$secs" env $envs "$@" >"$tmp/out" 2>&1 ||
		{ fail "$what (exit $?)"; tail -n 20 "$tmp/out" >&2; }
	note "  $(($(date +%s) - start)) s"
}
P="LD_PRELOAD=$HEAPTOP_LIB"

soak "stress cross: 64 threads on 16 shards, $((500000 * k)) rounds" 900 $P HEAPTOP_SHARDS=16 -- \
	"$T/stress" cross 64 $((500000 * k)) 16
soak "sigstorm: $((1000000 * k)) signals, main" 900 $P -- "$T/sigstorm" $((1000000 * k)) main
soak "sigstorm: $((5000000 * k)) signals, thread" 900 $P -- "$T/sigstorm" $((5000000 * k)) thread
soak "sigstorm: $((5000000 * k)) signals on shard 0" 900 $P HEAPTOP_SHARDS=2 -- \
	"$T/sigstorm" $((5000000 * k)) thread
soak "sigstorm: $((5000000 * k)) signals, every allocation sampled" 900 $P HEAPTOP_SAMPLE_RATE=1 -- \
	"$T/sigstorm" $((5000000 * k)) thread
soak "rawclone: $((2000 * k)) raw clones while threads allocate" 900 $P -- \
	"$R/rawclone" busy $((2000 * k))
soak "rawclone: $((2000 * k)) raw clones, every allocation sampled" 900 $P HEAPTOP_SAMPLE_RATE=1 -- \
	"$R/rawclone" busy $((2000 * k))
soak "forkexec: $((5000 * k)) forks while threads take stacks" 900 $P HEAPTOP_SAMPLE_RATE=1 -- \
	"$T/forkexec" fork-sampling $((5000 * k))
soak "sites_stress: 16 threads, $((30000 * k)) rounds at rate 1" 900 $P HEAPTOP_SAMPLE_RATE=1 \
	HEAPTOP_PEAK_SLACK=0 -- "$R/sites_stress" exact 16 $((30000 * k))
if [ -x "$R/sites_tsan" ]; then
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$top_srcdir/tests/rel/tsan.supp"
	export TSAN_OPTIONS
	soak "sites_tsan: 8 threads, $((3000 * k)) rounds at rate 1" 1800 HEAPTOP_SAMPLE_RATE=1 \
		HEAPTOP_PEAK_SLACK=0 -- "$R/sites_tsan" exact 8 $((3000 * k))
fi
fuzz=${HEAPTOP_FUZZ_SECONDS:-600}
note "fuzzing the segment reader for $fuzz s"
timeout -s KILL $((fuzz + 300)) sh "$top_srcdir/tests/fuzz/run.sh" "$fuzz" >"$tmp/fuzz" 2>&1
case $? in
0) ;;
77) note "  fuzzer skipped: $(tail -n 1 "$tmp/fuzz")" ;;
*) fail "fuzzing the segment reader"; tail -n 20 "$tmp/fuzz" >&2 ;;
esac
finish
