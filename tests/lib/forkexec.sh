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

# exec keeps the pid.  (The generations are the first free numbers: 0 and
# 1 unless a dead process with the same pid left stale segments.)
HT_SEGFILE=$tmp/exec.seg HEAPTOP_KEEP=1 traced 30 "$T/forkexec" exec-self ||
	fail "exec-self (exit $?)"
cat "$tmp/exec.seg" >>"$HT_SEGFILE"
before=/dev/shm$(sed -n 1p "$tmp/exec.seg")
after=/dev/shm$(sed -n 2p "$tmp/exec.seg")
"$T/segdump" --no-time-checks "$before" >"$tmp/gen0" || fail "segdump of the image before exec"
"$T/segdump" --no-time-checks "$after" >"$tmp/gen1" || fail "segdump of the image after exec"
pid=$(kv "$tmp/gen0" pid)
gen0=$(kv "$tmp/gen0" exec_gen)
expect_eq "before exec: state (EXECED)" "$(kv "$tmp/gen0" state)" 3
expect_eq "after exec: state (EXITED)" "$(kv "$tmp/gen1" state)" 2
expect_eq "after exec: exec_gen" "$(kv "$tmp/gen1" exec_gen)" $((gen0 + 1))
expect_eq "after exec: pid" "$(kv "$tmp/gen1" pid)" "$pid"
expect_eq "same process start time" "$(kv "$tmp/gen1" start_time_ticks)" \
	"$(kv "$tmp/gen0" start_time_ticks)"
expect_eq "after exec: cmdline" "$(kv "$tmp/gen1" cmdline)" \
	"/proc/self/exe after-exec ${before#/dev/shm}"
[ "$(kv "$tmp/gen0" alloc_count)" -ge 1000 ] || fail "gen 0 lost the counts before exec"
[ "$(kv "$tmp/gen0" exit_mono_ns)" -gt 0 ] || fail "gen 0 has no exec time"
# The usual case, checked when no stale segment of this pid was in the way.
if [ "$gen0" = 0 ] && [ "$before" = "/dev/shm/heaptop.$pid.0" ]; then
	expect_eq "after exec: name" "$after" "/dev/shm/heaptop.$pid.1"
fi

# Without HEAPTOP_KEEP both names are gone.
HT_SEGFILE=$tmp/exec2.seg traced 30 "$T/forkexec" exec-self || fail "exec-self without keep"
cat "$tmp/exec2.seg" >>"$HT_SEGFILE"
while read -r name; do
	[ -e "/dev/shm$name" ] && fail "/dev/shm$name left after exec + exit without HEAPTOP_KEEP"
done <"$tmp/exec2.seg"
expect_eq "exec without keep: images" "$(wc -l <"$tmp/exec2.seg")" 2
finish
