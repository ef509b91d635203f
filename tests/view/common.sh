# tests/view/common.sh - sourced by the live-view tests.  It runs the rest
# of the test under a kill timeout in a private temp dir with a private tmux
# server, and cleans up whatever a failed or killed run left behind (the
# tmux server, the test program, its segments).  Helpers start heaptop in
# tmux, read the screen and wait for text to appear on it.
#
# Exit codes follow Automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u
: "${HEAPTOP_LIB:?run me through make check, or set HEAPTOP_LIB to libheaptop.so}"
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
[ -x "$top_builddir/heaptop" ] || { echo "ERROR: no $top_builddir/heaptop" >&2; exit 99; }

HEAPTOP=$top_builddir/heaptop
VPROG=$top_builddir/tests/view/prog/vprog
: "${VIEW_TIMEOUT:=60}"

# A UTF-8 locale when the system has one, so the view draws its blocks.
if locale -a 2>/dev/null | grep -qix 'C.utf-\{0,1\}8'; then
	LC_ALL=C.UTF-8
	export LC_ALL
fi

# Outer half: set up, run this very script again under the kill timeout,
# clean up after it however it ended.  tmux keeps its sockets in the temp
# dir (TMUX_TMPDIR), so every server the test started can be found.
if [ -z "${VIEW_INNER:-}" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-view.XXXXXX") || exit 99
	TMUX_TMPDIR=$tmp
	export TMUX_TMPDIR
	cleanup() {
		for s in "$tmp"/tmux-*/*; do
			[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
		done
		for f in "$tmp"/prog.pid*; do
			[ -f "$f" ] || continue
			pid=$(cat "$f")
			kill -9 "$pid" 2>/dev/null
			rm -f /dev/shm/heaptop."$pid".*
		done
		rm -rf "$tmp"
	}
	trap cleanup EXIT
	trap 'exit 99' HUP INT TERM
	VIEW_INNER=1 VIEW_TMP=$tmp timeout -s KILL "$VIEW_TIMEOUT" sh "$0" "$@"
	rc=$?
	[ "$rc" -eq 137 ] && echo "FAIL: killed after ${VIEW_TIMEOUT}s (a hang?)"
	exit "$rc"
fi

# Inner half: the test itself.
tmp=$VIEW_TMP
cd "$tmp" || exit 99
servers=0

# tmux, talking to the test's current server (a fresh one per start_view:
# a new server on a killed one's socket can race with its exit).
tm() {
	tmux -L "view$servers" -f /dev/null "$@"
}

# The screen as text.
screen() {
	tm capture-pane -p -t view
}

fail() {
	echo "FAIL: $*"
	echo "--- screen ---"
	screen 2>/dev/null
	echo "--------------"
	exit 1
}

# start_view W H ARGS...: runs `heaptop ARGS` in a W x H tmux window, in
# $tmp.  When heaptop ends, its exit status goes to $tmp/view.rc and
# "same"/"changed" (the terminal settings before and after) to
# $tmp/view.stty; the window stays for reading.
start_view() {
	w=$1
	h=$2
	shift 2
	servers=$((servers + 1))
	tm new-session -d -s view -x "$w" -y "$h" -c "$tmp" \
		sh -c 'before=$(stty -g); "$@"; rc=$?; after=$(stty -g)
		       [ "$before" = "$after" ] && echo same >view.stty || echo changed >view.stty
		       echo "$rc" >view.rc; exec sleep 600' sh "$HEAPTOP" "$@" ||
		{ echo "ERROR: cannot start tmux" >&2; exit 99; }
}

# start_prog_view W H [HEAPTOP-OPTIONS --] COUNT SIZE [STATUS [busy]]:
# `heaptop -- ./vprog prog.pid COUNT SIZE ...`, a program that allocates
# COUNT blocks of SIZE bytes; waits until it has (its pid is then in
# $prog_pid).
start_prog_view() {
	w=$1
	h=$2
	shift 2
	opts=
	case " $* " in
	*" -- "*)
		while [ "$1" != -- ]; do
			opts="$opts $1"
			shift
		done
		shift
		;;
	esac
	rm -f prog.pid view.rc view.stty
	ln -sf "$VPROG" vprog
	# shellcheck disable=SC2086 # opts are words
	start_view "$w" "$h" $opts --lib "$HEAPTOP_LIB" --output "$tmp/prog.out" -- ./vprog prog.pid "$@"
	wait_file "$tmp/prog.pid"
	prog_pid=$(cat "$tmp/prog.pid")
}

# wait_file PATH [SECS]: waits until PATH exists.
wait_file() {
	n=$(( ${2:-10} * 10 ))
	while [ ! -e "$1" ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "no $1 after ${2:-10}s"
		sleep 0.1
	done
}

# wait_screen ERE [SECS]: waits until a line of the screen matches ERE.
wait_screen() {
	n=$(( ${2:-10} * 10 ))
	until screen | grep -Eq -- "$1"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "the screen never showed /$1/ in ${2:-10}s"
		sleep 0.1
	done
}

# expect ERE WHAT: the screen shows ERE now.
expect() {
	screen | grep -Eq -- "$1" || fail "$2: no /$1/ on the screen"
}

# expect_not ERE WHAT: the screen does not show ERE.
expect_not() {
	! screen | grep -Eq -- "$1" || fail "$2: /$1/ is on the screen"
}

# keys KEY...: types keys into heaptop.
keys() {
	tm send-keys -t view "$@"
}

# stop_view: ends the tmux server of the last start_view (and what runs in it).
stop_view() {
	tm kill-server 2>/dev/null
}

# quit_view: presses q and waits for heaptop to end; its status in $view_rc.
quit_view() {
	keys q
	wait_file "$tmp/view.rc"
	view_rc=$(cat "$tmp/view.rc")
}
