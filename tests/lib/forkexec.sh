#!/bin/sh
# tests/lib/forkexec.sh - fork (from two threads while others allocate),
# _Fork, vfork + exec and posix_spawn: every child gets a segment of its own
# and the parent's shards never count the child (tests/lib/forkexec.c); no
# fork child hangs on a lock (libunwind's, heaptop's) that another thread
# held at the fork, while every allocation is sampled; exec
# keeps the pid: the new image gets gen 1 with exec_gen 1, the old segment
# is marked EXECED (kept with HEAPTOP_KEEP=1, removed without).
. "$top_srcdir/tests/lib/common.sh"

traced 60 "$T/forkexec" fork || fail "forkexec fork (exit $?)"
# Forks while other threads take stacks (every allocation sampled).
HEAPTOP_SAMPLE_RATE=1 traced 60 "$T/forkexec" fork-sampling 100 ||
	fail "forkexec fork-sampling (exit $?)"

# exec keeps the pid.
HT_PIDFILE=$tmp/exec.pid HEAPTOP_KEEP=1 traced 30 "$T/forkexec" exec-self ||
	fail "exec-self (exit $?)"
cat "$tmp/exec.pid" >>"$HT_PIDFILE"
pid=$(head -n 1 "$tmp/exec.pid")
expect_eq "segments after exec" "$(segs "$pid" | sort | tr '\n' ' ')" \
	"/dev/shm/heaptop.$pid.0 /dev/shm/heaptop.$pid.1 "
"$T/segdump" --no-time-checks "/dev/shm/heaptop.$pid.0" >"$tmp/gen0" || fail "segdump of gen 0"
"$T/segdump" --no-time-checks "/dev/shm/heaptop.$pid.1" >"$tmp/gen1" || fail "segdump of gen 1"
expect_eq "gen 0 state (EXECED)" "$(kv "$tmp/gen0" state)" 3
expect_eq "gen 0 exec_gen" "$(kv "$tmp/gen0" exec_gen)" 0
expect_eq "gen 1 state (EXITED)" "$(kv "$tmp/gen1" state)" 2
expect_eq "gen 1 exec_gen" "$(kv "$tmp/gen1" exec_gen)" 1
expect_eq "gen 1 pid" "$(kv "$tmp/gen1" pid)" "$pid"
expect_eq "same process start time" "$(kv "$tmp/gen1" start_time_ticks)" \
	"$(kv "$tmp/gen0" start_time_ticks)"
expect_eq "gen 1 cmdline" "$(kv "$tmp/gen1" cmdline)" "/proc/self/exe after-exec"
[ "$(kv "$tmp/gen0" alloc_count)" -ge 1000 ] || fail "gen 0 lost the counts before exec"
[ "$(kv "$tmp/gen0" exit_mono_ns)" -gt 0 ] || fail "gen 0 has no exec time"

# Without HEAPTOP_KEEP both names are gone.
HT_PIDFILE=$tmp/exec2.pid traced 30 "$T/forkexec" exec-self || fail "exec-self without keep"
cat "$tmp/exec2.pid" >>"$HT_PIDFILE"
pid=$(head -n 1 "$tmp/exec2.pid")
expect_eq "segments left after exec without HEAPTOP_KEEP" "$(segs "$pid")" ""
finish
