#!/bin/sh
# tests/view/snapshot_key.sh - `s` writes a text snapshot named
# heaptop-<pid>-<YYYYmmdd-HHMMSS>.txt into --snapshot-dir and shows its path;
# every counter in it (the list comes from counters.h) equals the JSON
# snapshot `heaptop -p PID --snapshot --format json` takes at the same
# paused moment, and both agree with the screen.
. "$top_srcdir/tests/view/common.sh"

mkdir snaps
# 2000 blocks of 3000 bytes, then the program sleeps: the numbers hold still.
start_prog_view 100 30 --snapshot-dir snaps -- 2000 3000
wait_screen '^ *alloc_count +2,000 '
keys p
wait_screen 'PAUSED'
"$HEAPTOP" -p "$prog_pid" --snapshot --format json -o snap.json || fail "heaptop --snapshot failed"
keys s
wait_screen 'snapshot saved to '
path=$(screen | sed -n 's/^ *snapshot saved to \([^ ]*\).*/\1/p')
case "$path" in
snaps/heaptop-"$prog_pid"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9].txt) ;;
*) fail "the snapshot's name '$path' is not snaps/heaptop-$prog_pid-YYYYmmdd-HHMMSS.txt" ;;
esac
[ -s "$path" ] || fail "no snapshot at $path"

# value_text NAME / value_json NAME: the first value of a counter in each file.
value_text() {
	sed -n "s/^$1  *\(-\{0,1\}[0-9][0-9]*\) .*/\1/p" "$path" | head -n 1
}
value_json() {
	sed -n "s/^ *\"$1\": *\(-\{0,1\}[0-9][0-9]*\).*/\1/p" snap.json | head -n 1
}

names=$(sed -n 's/^[[:space:]]*X(\([a-z_][a-z_]*\),.*/\1/p' "$top_srcdir/include/heaptop/counters.h")
[ -n "$names" ] || fail "no counters found in counters.h"
for name in $names use_curr use_max alloc_avg; do
	t=$(value_text "$name")
	j=$(value_json "$name")
	[ -n "$t" ] || fail "$name is missing from the text snapshot"
	[ -n "$j" ] || fail "$name is missing from the JSON snapshot"
	[ "$t" = "$j" ] || fail "$name: text snapshot says $t, JSON says $j"
done
[ "$(value_text alloc_count)" = 2000 ] || fail "alloc_count is $(value_text alloc_count), not 2000"

# The screen shows the same moment: 2000 blocks, all in [ 2 KiB .. 4 KiB).
expect '^ *alloc_count +2,000 ' "alloc_count on the screen"
expect '^ \[ 2 KiB \.\. 4 KiB\) .* 2,000 100\.0%' "the histogram on the screen"
grep -Eq '^ *\[ 2 KiB \.\. 4 KiB\) +2000 ' "$path" || fail "the text snapshot's histogram"
use=$(value_text use_curr)
screen_use=$(screen | sed -n 's/^ *use_curr  *\([0-9.]* [KMG]*i*B\) .*/\1/p')
[ -n "$screen_use" ] || fail "no use_curr on the screen"
grep -q "^use_curr .* $screen_use " "$path" ||
	fail "the screen's use_curr ($screen_use) is not the snapshot's ($use bytes)"

keys p
wait_screen 'resumed'
quit_view
[ "$view_rc" = 0 ] || fail "heaptop exited with $view_rc"
exit 0
