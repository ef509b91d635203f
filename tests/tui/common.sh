# tests/tui/common.sh - sourced by the viewer's shell tests: a private temp
# dir removed on exit together with the segments of the pids the test noted,
# kill timeouts, and checks.  Every test ends with `finish`.
# Exit codes follow Automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u
: "${HEAPTOP_LIB:?run me through make check, or set HEAPTOP_LIB to libheaptop.so}"
: "${top_builddir:?run me through make check, or set top_builddir}"
: "${top_srcdir:?run me through make check, or set top_srcdir}"
[ -r "$HEAPTOP_LIB" ] || { echo "ERROR: no library at $HEAPTOP_LIB" >&2; exit 99; }

HEAPTOP=$top_builddir/heaptop
P=$top_builddir/tests/tui/prog
[ -x "$HEAPTOP" ] || { echo "ERROR: no viewer at $HEAPTOP" >&2; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-tui.XXXXXX") || exit 99
failures=0
noted_pids=
bg_pids=

cleanup() {
	for pid in $bg_pids; do kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	for pid in $noted_pids; do rm -f /dev/shm/heaptop."$pid".*; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM
cd "$tmp" || exit 99

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "# $*" >&2; }
finish() {
	[ "$failures" -eq 0 ] && exit 0
	echo "$failures check(s) failed" >&2
	exit 1
}

# ht SECS ARGS...: runs the viewer under a kill timeout.
ht() {
	secs=$1; shift
	timeout -s KILL "$secs" "$HEAPTOP" "$@"
}

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# expect_grep WHAT PATTERN FILE: FILE must hold the fixed string PATTERN.
expect_grep() { grep -qF -- "$2" "$3" || { fail "$1: no '$2' in $3:"; sed 's/^/| /' "$3" >&2; }; }

# jnum FILE KEY: the first top-level number "KEY": N in a JSON snapshot.
jnum() { sed -n "s/^  \"$2\": \(-\{0,1\}[0-9][0-9.]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

# jpnum FILE KEY: a number of the "process" object.
jpnum() { sed -n "s/^    \"$2\": \(-\{0,1\}[0-9][0-9.]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

# jhist FILE NAME BUCKET: bucket BUCKET (0-based) of histogram NAME.
jhist() {
	sed -n "s/^    \"$2\": \[\(.*\)\],\{0,1\}\$/\1/p" "$1" | head -n 1 |
		tr -d ' ' | cut -d, -f$(($3 + 1))
}

# tnum FILE KEY: the raw value of a counter line of a text snapshot.
tnum() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# counter_names: the counters of include/heaptop/counters.h, one per line.
counter_names() {
	sed -n 's/^[[:space:]]*X(\([a-z_]*\),.*/\1/p' "$top_srcdir/include/heaptop/counters.h"
}

# histogram_names: the keys of HEAPTOP_HISTOGRAMS.
histogram_names() {
	sed -n 's/^[[:space:]]*X([A-Z]*, \([a-z_]*\),.*/\1/p' "$top_srcdir/include/heaptop/counters.h"
}

# wait_file PATH [TENTHS]: waits until PATH exists (default 10 s).
wait_file() {
	n=${2:-100}
	while [ ! -e "$1" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -e "$1" ]
}

# hold N SIZE KEEP GROW: starts prog/allocs under the preload in the
# background (it kills itself after 60 s), waits until it holds still; sets
# $held to its pid.
hold() {
	rm -f "$tmp/ready"
	LD_PRELOAD=$HEAPTOP_LIB "$P/allocs" "$@" 0 "$tmp/ready" &
	held=$!
	bg_pids="$bg_pids $held"
	noted_pids="$noted_pids $held"
	wait_file "$tmp/ready" || { echo "ERROR: allocs did not get ready" >&2; exit 99; }
}
