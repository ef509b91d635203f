#!/bin/sh
# tests/sites/sites.sh - runs tests/sites/sites_prog under the preload, one
# mode per run (see sites_prog.c), each under a kill timeout with its
# segment removed afterwards; then reads the dl run's kept segment after
# the process exited (read_sites).
set -u
: "${HEAPTOP_LIB:?run me through make check, or set HEAPTOP_LIB to libheaptop.so}"
: "${top_builddir:=.}"
S=$top_builddir/tests/sites
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-sites.XXXXXX") || exit 99
failures=0

cleanup() {
	[ -f "$tmp/pids" ] && while read -r pid; do rm -f /dev/shm/heaptop."$pid".*; done <"$tmp/pids"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

# run SECS MODE [ENV=...]... -- ARGS: the program keeps its pid through the
# execs, so the pid noted is the segment's.
run() {
	secs=$1 mode=$2
	shift 2
	envs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs="$envs $1"; shift; done
	[ $# -gt 0 ] && shift
	echo "# sites_prog $mode$envs $*" >&2
	timeout -s KILL "$secs" sh -c 'echo $$ >>"$0/pids"; exec env "$@"' "$tmp" \
		LD_PRELOAD="$HEAPTOP_LIB" HEAPTOP_KEEP=1 $envs "$S/sites_prog" "$mode" "$@"
}

check() {
	rc=$1
	shift
	[ "$rc" -eq 0 ] || { echo "FAIL: $* (exit $rc)" >&2; failures=$((failures + 1)); }
}

run 60 exact HEAPTOP_SAMPLE_RATE=1;            check $? "exact at rate 1"
run 60 many HEAPTOP_SAMPLE_RATE=1;             check $? "24 sites through 8 pending slots, exact"
run 60 wide HEAPTOP_SAMPLE_RATE=1;             check $? "200000 live blocks at rate 1, exact"
run 120 shares;                                check $? "shares at the default rate"
run 60 deep HEAPTOP_SAMPLE_RATE=1;             check $? "deep recursion, 32 frames"
run 60 deep HEAPTOP_SAMPLE_RATE=1 HEAPTOP_MAX_FRAMES=64; check $? "deep recursion, 64 frames"
run 60 nounwind HEAPTOP_SAMPLE_RATE=1;         check $? "code without unwind tables"
run 60 noalloc HEAPTOP_SAMPLE_RATE=1;          check $? "capture allocates nothing after warm-up"
run 60 threads HEAPTOP_SAMPLE_RATE=1;          check $? "threads at rate 1"
run 60 fork HEAPTOP_SAMPLE_RATE=1;             check $? "fork child starts empty"
run 60 off HEAPTOP_SAMPLE_RATE=0;             check $? "sampling off"

dlmod=$S/.libs/dlmod.so
[ -r "$dlmod" ] || dlmod=$S/dlmod.so
frame=$(run 60 dl HEAPTOP_SAMPLE_RATE=1 -- "$dlmod")
check $? "dlopen/dlclose module entry"
pid=$(tail -n 1 "$tmp/pids")
if [ -n "$frame" ]; then
	timeout -s KILL 30 "$S/read_sites" /dev/shm/heaptop."$pid".0 "$frame" dlmod
	check $? "reading the dl run's segment after exit"
else
	check 1 "the dl run printed no frame"
fi

[ "$failures" -eq 0 ] || { echo "$failures run(s) failed" >&2; exit 1; }
exit 0
