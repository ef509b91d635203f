#!/bin/sh
# tests/rel/sites_tsan.sh - call-site sampling from many threads at once
# (tests/rel/sites_stress.c): the site table's lock-free insert, the live
# map with frees and reallocs from other threads, realloc moves and peak
# copies (HEAPTOP_PEAK_SLACK=0).  First under the preload, where every
# sample (HEAPTOP_SAMPLE_RATE=1) must add up exactly; then the same program
# with the library compiled in under ThreadSanitizer: no data race, and the
# same sums.  The TSan half is skipped (with a note) when the compiler
# can't build TSan programs.
. "$top_srcdir/tests/lib/common.sh"
R=$top_builddir/tests/rel

run() { # run WHAT SECS PROGRAM ARGS...
	what=$1 secs=$2
	shift 2
	note "$what"
	timeout -s KILL "$secs" env HEAPTOP_PEAK_SLACK=0 $rate "$@" || fail "$what (exit $?)"
}

rate=HEAPTOP_SAMPLE_RATE=1
run "preload, every block sampled" 120 env LD_PRELOAD="$HEAPTOP_LIB" "$R/sites_stress" exact 8 300
rate=HEAPTOP_SAMPLE_RATE=4096
run "preload, sampled by bytes" 120 env LD_PRELOAD="$HEAPTOP_LIB" "$R/sites_stress" any 8 300

cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
if ! ${cc:-cc} -fsanitize=thread -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 || ! "$tmp/t"; then
	note "${cc:-cc} cannot build or run -fsanitize=thread programs: TSan half not run"
	finish
fi
if ! MAKEFLAGS= to 300 make -j2 -C "$top_builddir" tests/rel/sites_tsan >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" >&2
	hard_error "make tests/rel/sites_tsan failed"
fi
# Known races, each waiting for its fix in the library, are suppressed by name.
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$top_srcdir/tests/rel/tsan.supp"
export TSAN_OPTIONS
rate=HEAPTOP_SAMPLE_RATE=1
run "TSan, every block sampled" 300 "$R/sites_tsan" exact 4 150
rate=HEAPTOP_SAMPLE_RATE=4096
run "TSan, sampled by bytes" 300 "$R/sites_tsan" any 4 150
finish
