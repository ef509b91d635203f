#!/bin/sh
# tests/lib/forkexec.sh - fork (from two threads while others allocate),
# _Fork, vfork + exec and posix_spawn: every child gets a segment of its own
# and the parent's shards never count the child (tests/lib/forkexec.c); no
# fork child hangs on a lock (libunwind's, the loader's, heaptop's) that
# another thread held at the fork, while every allocation is sampled; exec
# keeps the pid: the new image gets gen 1 with exec_gen 1, the old segment
# is marked EXECED (kept with HEAPTOP_KEEP=1, removed without).
. "$top_srcdir/tests/lib/common.sh"

# run_mode NAME ARGS...: forkexec ARGS with its stderr kept in $tmp/NAME.err
# (and shown in the log).
run_mode() {
	name=$1
	shift
	traced 60 "$T/forkexec" "$@" 2>"$tmp/$name.err"
	rc=$?
	cat "$tmp/$name.err" >&2
	return $rc
}

run_mode fork fork || fail "forkexec fork (exit $?)"
# Forks from two threads at once while three others take stacks (every
# allocation sampled, the loader made slow): no child hangs, and no child
# finds a walk of ours still running at its clone (it would take no stacks
# and say so).
HEAPTOP_SAMPLE_RATE=1 run_mode sampling fork-sampling 100 ||
	fail "forkexec fork-sampling (exit $?)"
for m in fork sampling; do
	grep -q 'no call stacks' "$tmp/$m.err" &&
		fail "forkexec $m: a fork child lost its stacks (a walk ran across the fork)"
done
# The program's own thread holds the loader's lock across a fork: the child
# must not wait for it (no walks, no module scan at exit) and says so once.
HEAPTOP_SAMPLE_RATE=1 run_mode held fork-loader-held || fail "forkexec fork-loader-held (exit $?)"
expect_eq "fork-loader-held: the child's notice" \
	"$(grep -c "may have held the loader's lock: no call stacks" "$tmp/held.err")" 1

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
