#!/bin/sh
# tests/lib/stress_tsan.sh - the stress program with the library's sources
# built in under ThreadSanitizer (see tests/lib.am): no data race reported
# in shard claiming / hand-back, the shared shard, use_max publishing, the
# timeline and the API, and the totals still exact.  Built here on demand;
# skipped (77) when the compiler can't build it.
#
# Sampling is off (HEAPTOP_SAMPLE_RATE=0): libunwind's per-thread cache
# destructor locks a mutex after TSan has torn the thread down and crashes
# inside TSan's interceptor (docs/testing.md).
. "$top_srcdir/tests/lib/common.sh"

prog=$T/stress_tsan
# Can this compiler build and run a TSan program at all?  If not: skip.
cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
if ! ${cc:-cc} -fsanitize=thread -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 || ! "$tmp/t"; then
	skip "${cc:-cc} cannot build or run -fsanitize=thread programs"
fi
if ! MAKEFLAGS= to 300 make -j2 -C "$top_builddir" tests/lib/stress_tsan >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" >&2
	hard_error "make tests/lib/stress_tsan failed"
fi
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
export TSAN_OPTIONS
run() { # run ENV... -- ARGS
	note "stress_tsan $*"
	timeout -s KILL 120 env HEAPTOP_SAMPLE_RATE=0 "$@" || fail "stress_tsan $* (exit $?)"
}
run HEAPTOP_SHARDS=4 "$prog" cross 8 400 4
run HEAPTOP_SHARDS=2 "$prog" cross 6 300 2
run HEAPTOP_SHARDS=8 "$prog" tls 400
run HEAPTOP_SHARDS=16 "$prog" many 96
run HEAPTOP_PEAK_SLACK=4096 "$prog" peak 4 1 4096
finish
