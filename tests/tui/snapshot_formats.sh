#!/bin/sh
# tests/tui/snapshot_formats.sh - the two snapshot formats of one process
# that holds still (attached with -p): every counter of counters.h is in
# both with the same value, every histogram key is in the JSON with 65
# buckets, the documented keys are present, the JSON parses (when python3
# is around), and the text has its sections.
. "$top_srcdir/tests/tui/common.sh"

hold 500 200 50 20
ht 20 --snapshot -p "$held" --format json -o s.json || fail "json snapshot exited $?"
ht 20 --snapshot -p "$held" -o s.txt || fail "text snapshot exited $?"
ht 20 --snapshot -p "$held" >stdout.txt || fail "snapshot to stdout exited $?"

n=0
for c in $(counter_names) use_curr use_max alloc_avg alloc_req_avg; do
	j=$(jnum s.json "$c"); t=$(tnum s.txt "$c")
	[ -n "$j" ] || fail "json has no $c"
	expect_eq "$c in text vs json" "$t" "$j"
	n=$((n + 1))
done
[ "$n" -ge 21 ] || fail "only $n counters compared"
expect_eq "alloc_count of 500 mallocs and more" "$([ "$(jnum s.json alloc_count)" -ge 500 ] && echo ok)" ok
for h in $(histogram_names); do
	cells=$(sed -n "s/^    \"$h\": \[\(.*\)\],\{0,1\}\$/\1/p" s.json | head -n 1 | tr ',' '\n' | wc -l)
	expect_eq "buckets of $h" "$cells" 65
done
[ "$(histogram_names | wc -l)" -eq 4 ] || fail "histogram names not parsed from counters.h"
for k in format_version heaptop_version process pid ppid cmdline state alive exec_gen \
	uptime_s rss_bytes threads_active threads_max timeline timeline_points histograms \
	sampling_available sample_rate realloc_move_hotspots sites peak modules; do
	expect_grep "key $k" "\"$k\":" s.json
done
expect_eq "pid" "$(jpnum s.json pid)" "$held"
expect_grep "state" '"state": "running"' s.json
expect_grep "sampling on by default" '"sampling_available": true' s.json
expect_grep "an idle process's sites read settled" '"sites_settled": true' s.json
[ "$(jpnum s.json rss_bytes)" -gt 0 ] || fail "rss_bytes of a live process is 0"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' s.json || fail "invalid JSON"
fi
for section in "== stats (since the process started) ==" "== histograms" "== process ==" \
	"== timeline ==" "== call-site sampling ==" "== top call sites ==" "== realloc-move hotspots ==" \
	"== peak contributors ==" "[ 128 B .. 256 B)" "realloc_growth:"; do
	expect_grep "text section" "$section" s.txt
done
cmp -s s.txt stdout.txt || note "(text to -o and to stdout differ only if the process moved)"
finish
