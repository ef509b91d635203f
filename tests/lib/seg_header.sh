#!/bin/sh
# tests/lib/seg_header.sh - the segment a traced program creates, read by an
# independent reader (segdump) while the program waits and after it exited:
# identity (magic, versions, sizes, mode 0600, owner, pid, ppid, start time
# from /proc, cmdline, options), layout (offsets in range and 64-aligned,
# shard 0 shared), the timeline's seq protocol and times, the counters equal
# to what the in-process API said, state RUNNING then EXITED; the name kept
# with HEAPTOP_KEEP=1 or HEAPTOP_KEEP_PID=<pid>, removed otherwise.
. "$top_srcdir/tests/lib/common.sh"

dir=$tmp/hold
mkdir "$dir"
HEAPTOP_KEEP=1 HEAPTOP_SHARDS=8 HEAPTOP_TIMELINE=32 HEAPTOP_INTERVAL_MS=100 \
	traced 60 "$T/seghold" "$dir" 350 &
bg=$!
if ! wait_file "$dir/ready"; then
	kill -9 "$bg" 2>/dev/null
	hard_error "seghold did not get ready"
fi
read -r pid alloc dealloc abytes use umax bcount bucket name <"$dir/ready"
seg=/dev/shm$name
case $name in
/heaptop.$pid.*) ;;
*) fail "segment name '$name' is not /heaptop.$pid.<n>" ;;
esac
[ -f "$seg" ] || fail "no segment $seg for the running program"
ticks=$(start_ticks "$pid")
ppid=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f2)

if ! "$T/segdump" "$seg" >"$tmp/running"; then
	fail "segdump found problems in the running segment"
fi
r=$tmp/running
expect_eq "magic" "$(kv "$r" magic_ok)" 1
expect_eq "state while running" "$(kv "$r" state)" 1
expect_eq "pid" "$(kv "$r" pid)" "$pid"
expect_eq "ppid" "$(kv "$r" ppid)" "$ppid"
expect_eq "start_time_ticks vs /proc/$pid/stat" "$(kv "$r" start_time_ticks)" "$ticks"
expect_eq "exec_gen" "$(kv "$r" exec_gen)" 0
expect_eq "uid" "$(kv "$r" uid)" "$(id -u)"
expect_eq "file owner" "$(kv "$r" file_uid)" "$(id -u)"
expect_eq "file mode (decimal 0600)" "$(kv "$r" file_mode)" 384
expect_eq "seg_size vs file size" "$(kv "$r" seg_size)" "$(stat -c %s "$seg")"
expect_eq "flags (HEAPTOP_FLAG_KEEP)" "$(kv "$r" flags)" 1
expect_eq "shard_count (HEAPTOP_SHARDS)" "$(kv "$r" shard_count)" 8
expect_eq "timeline_len (HEAPTOP_TIMELINE)" "$(kv "$r" timeline_len)" 32
expect_eq "timeline_interval_ns (HEAPTOP_INTERVAL_MS)" "$(kv "$r" timeline_interval_ns)" 100000000
expect_eq "cmdline" "$(kv "$r" cmdline)" "$T/seghold $dir 350"
expect_eq "exit_mono_ns while running" "$(kv "$r" exit_mono_ns)" 0
expect_eq "threads_active" "$(kv "$r" threads_active)" 1
expect_eq "threads_total" "$(kv "$r" threads_total)" 1
expect_eq "shards_used (shard 0 and the main thread's)" "$(kv "$r" shards_used)" 2
# The program is quiescent: the segment must say exactly what the API said.
expect_eq "alloc_count vs API" "$(kv "$r" alloc_count)" "$alloc"
expect_eq "dealloc_count vs API" "$(kv "$r" dealloc_count)" "$dealloc"
expect_eq "alloc_bytes vs API" "$(kv "$r" alloc_bytes)" "$abytes"
expect_eq "use_curr vs API" "$(kv "$r" use_curr)" "$use"
expect_eq "use_max vs API" "$(kv "$r" use_max)" "$umax"
expect_eq "alloc_size bucket $bucket vs API" "$(kv "$r" "hist.alloc_size.$bucket")" "$bcount"
expect_eq "untracked_count" "$(kv "$r" untracked_count)" 0
expect_eq "timeline_invalid" "$(kv "$r" timeline_invalid)" 0
# The pending region (v4, sampling on by default): one entry per shard, in
# the segment, 64-aligned, 8 site slots each, no entry odd while quiescent.
poff=$(kv "$r" pending_off) psize=$(kv "$r" pending_size)
[ "${poff:-0}" -gt 0 ] && [ $((poff % 64)) -eq 0 ] || fail "pending_off ${poff:-none}"
[ "${psize:-0}" -gt 0 ] && [ $((psize % 64)) -eq 0 ] || fail "pending_size ${psize:-none}"
[ $((${poff:-0} + 8 * ${psize:-0})) -le "$(kv "$r" seg_size)" ] || fail "pending region past the end"
expect_eq "pending_sites" "$(kv "$r" pending_sites)" 8
expect_eq "pending_odd while quiescent" "$(kv "$r" pending_odd)" 0
valid=$(kv "$r" timeline_valid)
# A point at start, then one per 100 ms of allocating: at least 3 in 350 ms.
[ "${valid:-0}" -ge 3 ] || fail "only ${valid:-0} timeline points after 350 ms at 100 ms"
[ "$(kv "$r" tl_last_alloc_count)" -le "$alloc" ] || fail "timeline point from the future"
# At most one point per interval: while it runs, every gap is >= 100 ms.
gap_at_least() { # name value
	[ -n "$2" ] && [ "$2" -ge 100000000 ] || fail "$1: timeline points ${2:-?} ns apart (interval 100 ms)"
}
gap_at_least "running" "$(kv "$r" tl_min_gap_ns)"
gap_at_least "running, last point" "$(kv "$r" tl_last_gap_ns)"

touch "$dir/go"
wait "$bg"
rc=$?
expect_eq "exit code" "$rc" 0
[ -f "$seg" ] || fail "HEAPTOP_KEEP=1 but $seg was removed at exit"
if [ -f "$seg" ]; then
	"$T/segdump" "$seg" >"$tmp/exited" || fail "segdump found problems in the exited segment"
	e=$tmp/exited
	expect_eq "state after exit" "$(kv "$e" state)" 2
	[ "$(kv "$e" exit_mono_ns)" -gt 0 ] || fail "exit_mono_ns not set at exit"
	expect_eq "timeline points (one more at exit)" "$(kv "$e" timeline_valid)" $((valid + 1))
	[ "$(kv "$e" tl_last_alloc_count)" -ge "$alloc" ] || fail "exit point misses counts"
	expect_eq "exit point = final counters" "$(kv "$e" tl_last_alloc_count)" "$(kv "$e" alloc_count)"
	expect_eq "threads_active after exit (main never hands its shard back)" "$(kv "$e" threads_active)" 1
	rm -f "$seg"
fi

# A program whose peak comes right at its start (most short programs): the
# time of the peak must still lie within the program's life.
mkdir "$tmp/early"
touch "$tmp/early/go"
HEAPTOP_KEEP=1 traced 30 "$T/seghold" "$tmp/early" 0 || fail "seghold 0 ms failed"
read -r pid4 f2 f3 f4 f5 f6 f7 f8 name4 <"$tmp/early/ready"
"$T/segdump" "/dev/shm$name4" >"$tmp/early.dump" ||
	fail "segdump found problems in the segment of a short program"
expect_eq "short program: state" "$(kv "$tmp/early.dump" state)" 2
rm -f "/dev/shm$name4"

# The timeline ring wraps: 16 slots, 100 ms apart, 4 s of allocating (40
# points: a wide margin on a loaded machine).
mkdir "$tmp/wrap"
touch "$tmp/wrap/go"
HEAPTOP_KEEP=1 HEAPTOP_TIMELINE=16 traced 30 "$T/seghold" "$tmp/wrap" 4000 ||
	fail "seghold 4 s failed"
read -r pid5 f2 f3 f4 f5 f6 f7 f8 name5 <"$tmp/wrap/ready"
"$T/segdump" "/dev/shm$name5" >"$tmp/wrap.dump" ||
	fail "segdump found problems in a wrapped timeline"
head5=$(kv "$tmp/wrap.dump" timeline_head)
[ "${head5:-0}" -gt 16 ] || fail "timeline did not wrap (head ${head5:-none})"
expect_eq "wrapped timeline: valid points" "$(kv "$tmp/wrap.dump" timeline_valid)" 16
expect_eq "wrapped timeline: invalid points" "$(kv "$tmp/wrap.dump" timeline_invalid)" 0
gap_at_least "wrapped (all but the exit point)" "$(kv "$tmp/wrap.dump" tl_min_gap_ns)"
rm -f "/dev/shm$name5"

# Without HEAPTOP_KEEP the name goes away at exit.
mkdir "$tmp/nokeep"
touch "$tmp/nokeep/go"
traced 30 "$T/seghold" "$tmp/nokeep" 10 || fail "seghold without KEEP failed"
read -r pid2 f2 f3 f4 f5 f6 f7 f8 name2 <"$tmp/nokeep/ready"
[ -e "/dev/shm$name2" ] && fail "without HEAPTOP_KEEP, /dev/shm$name2 is left"

# HEAPTOP_KEEP_PID keeps exactly the segment of that pid.
mkdir "$tmp/keeppid"
touch "$tmp/keeppid/go"
to 30 sh -c 'export HEAPTOP_KEEP_PID=$$ LD_PRELOAD="$HEAPTOP_LIB"; exec "$0" "$1" 10' \
	"$T/seghold" "$tmp/keeppid" || fail "seghold with HEAPTOP_KEEP_PID failed"
read -r pid3 f2 f3 f4 f5 f6 f7 f8 name3 <"$tmp/keeppid/ready"
[ -f "/dev/shm$name3" ] || fail "HEAPTOP_KEEP_PID did not keep /dev/shm$name3"
"$T/segdump" --no-time-checks "/dev/shm$name3" >"$tmp/keeppid.dump" || fail "segdump (keep pid)"
expect_eq "HEAPTOP_KEEP_PID: flags" "$(kv "$tmp/keeppid.dump" flags)" 1
expect_eq "HEAPTOP_KEEP_PID: state" "$(kv "$tmp/keeppid.dump" state)" 2
rm -f "/dev/shm$name3"
finish
