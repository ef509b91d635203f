# tests/lib/common.sh - sourced by the shell tests of tests/lib/: a private
# temp dir removed on exit (with every segment of the pids our programs
# noted in $HT_PIDFILE), kill timeouts, and check helpers.
#
# Each test ends with `finish`, which exits 0 when no `fail` was called.
# Exit codes follow Automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u
: "${HEAPTOP_LIB:?run me through make check, or set HEAPTOP_LIB to libheaptop.so}"
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
[ -r "$HEAPTOP_LIB" ] || { echo "ERROR: no library at $HEAPTOP_LIB" >&2; exit 99; }

T=$top_builddir/tests/lib                   # the test programs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-test.XXXXXX") || exit 99
HT_PIDFILE=$tmp/pids
HT_SEGFILE=$tmp/segs
export HT_PIDFILE HT_SEGFILE
failures=0

# Removes the segments our programs noted (tests/lib/htcheck.h note_pid:
# names in $HT_SEGFILE, and every segment of the pids in $HT_PIDFILE, for
# programs killed before they could say), then the temp dir.
remove_noted_segments() {
	if [ -f "$HT_SEGFILE" ]; then
		while read -r name; do
			rm -f "/dev/shm$name"
		done <"$HT_SEGFILE"
	fi
	[ -f "$HT_PIDFILE" ] || return 0
	while read -r pid; do
		rm -f /dev/shm/heaptop."$pid".*
	done <"$HT_PIDFILE"
}
cleanup() {
	remove_noted_segments
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}
hard_error() {
	echo "ERROR: $*" >&2
	exit 99
}
note() {
	echo "# $*" >&2
}
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	exit 0
}

# to SECS CMD...: runs CMD under a kill timeout (a hang is the usual failure).
to() {
	secs=$1
	shift
	timeout -s KILL "$secs" "$@"
}

# traced SECS CMD...: the same with libheaptop preloaded into CMD (only:
# timeout itself runs untraced).
traced() {
	secs=$1
	shift
	timeout -s KILL "$secs" env LD_PRELOAD="$HEAPTOP_LIB" "$@"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# kv FILE KEY: the value of KEY in segdump output FILE.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# segs PID: the segment files of PID, one per line (none: empty).
segs() {
	ls /dev/shm/ 2>/dev/null | grep "^heaptop\.$1\." | sed 's|^|/dev/shm/|'
}

# start_ticks PID: field 22 of /proc/PID/stat.
start_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

# wait_file PATH [TENTHS]: waits until PATH exists (default 20 s).
wait_file() {
	n=${2:-200}
	while [ ! -e "$1" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ -e "$1" ]
}
