#!/bin/sh
# tests/tui/snapshot_exact.sh - `heaptop --snapshot -- CMD` reports exact
# counters: two runs of prog/allocs that differ only by a known pattern
# (1000 malloc(100), 300 of them grown to 400 bytes, 1000 frees, 7 kept)
# must differ by exactly that pattern in the JSON snapshot, and the run's
# exit status must pass through.
. "$top_srcdir/tests/tui/common.sh"

snap() { # OUT ARGS...: a JSON snapshot of prog/allocs ARGS
	out=$1; shift
	ht 30 --snapshot --format json -o "$out" -- "$P/allocs" "$@"
}

snap base.json 0 100 0 0 0 || fail "baseline run exited $?"
snap run.json 1000 100 7 300 5
rc=$?
expect_eq "exit status of the traced program" "$rc" 5
[ -s base.json ] && [ -s run.json ] || { fail "no snapshot written"; finish; }

d() { echo $(( $(jnum run.json "$1") - $(jnum base.json "$1") )); }
expect_eq "alloc_count delta" "$(d alloc_count)" 1000
expect_eq "alloc_req_bytes delta" "$(d alloc_req_bytes)" 100000
expect_eq "dealloc_count delta" "$(d dealloc_count)" 993
expect_eq "realloc_growth_count delta" "$(d realloc_growth_count)" 300
expect_eq "realloc_shrink_count delta" "$(d realloc_shrink_count)" 0
expect_eq "alloc_fail_count" "$(jnum run.json alloc_fail_count)" 0
# usable bytes: at least what was asked, at most a chunk's rounding more
# (the allocator may hand out a slightly larger free chunk whole)
ub=$(d alloc_bytes)
[ "$ub" -ge 100000 ] && [ "$ub" -le $((1000 * (100 + 48))) ] ||
	fail "alloc_bytes delta $ub for 1000 malloc(100)"
# histogram: 100 bytes land in bucket 7 [64, 128); growth by 300 usable bytes or so in bucket 9
b7=$(( $(jhist run.json alloc_size 7) - $(jhist base.json alloc_size 7) ))
expect_eq "alloc_size bucket [64,128) delta" "$b7" 1000
g=0
for b in $(seq 0 64); do g=$((g + $(jhist run.json realloc_growth "$b"))); done
expect_eq "realloc_growth histogram total" "$g" "$(jnum run.json realloc_growth_count)"
# process facts
expect_grep "state" '"state": "exited"' run.json
expect_grep "exit status" '"exit_status": 5' run.json
expect_grep "cmdline" "\"cmdline\": \"$P/allocs 1000 100 7 300 5\"" run.json
[ "$(jnum run.json use_max)" -ge "$(jnum run.json use_curr)" ] || fail "use_max < use_curr"
# nothing left behind in /dev/shm
pid=$(jpnum run.json pid)
[ -n "$pid" ] && ls /dev/shm | grep -q "^heaptop\.$pid\." && fail "segment of $pid left in /dev/shm"
finish
