#!/bin/sh
# tests/rel/rawclone.sh - children of the raw clone system call (no atfork
# handlers ran) under the preload, see rawclone.c: a segment of their own,
# the parent's untouched; with HEAPTOP_KEEP=1 the children's kept segments
# are read back with segdump (their pid and parent, EXITED, exactly their
# 20 000 blocks); raw clones while threads allocate, sampling off and every
# allocation sampled: no child hangs; clone(CLONE_VM | CLONE_VFORK) + exec.
. "$top_srcdir/tests/lib/common.sh"
R=$top_builddir/tests/rel

traced 60 "$R/rawclone" basic || fail "rawclone basic (exit $?)"

# The same with the children's segments kept: read them after they exited.
HT_SEGFILE=$tmp/kept HEAPTOP_KEEP=1 traced 60 "$R/rawclone" basic ||
	fail "rawclone basic, HEAPTOP_KEEP=1 (exit $?)"
parent=$(sed -n 1p "$tmp/kept")
kids=0
while read -r name; do
	echo "$name" >>"$HT_SEGFILE"
	[ "$name" = "$parent" ] && continue
	kids=$((kids + 1))
	"$T/segdump" --no-time-checks "/dev/shm$name" >"$tmp/kid" 2>&1 ||
		{ fail "segdump $name: $(tail -n 3 "$tmp/kid")"; continue; }
	kpid=${name#/heaptop.}
	kpid=${kpid%%.*}
	ppid=${parent#/heaptop.}
	ppid=${ppid%%.*}
	expect_eq "$name: pid" "$(kv "$tmp/kid" pid)" "$kpid"
	expect_eq "$name: ppid" "$(kv "$tmp/kid" ppid)" "$ppid"
	expect_eq "$name: state (EXITED)" "$(kv "$tmp/kid" state)" 2
	expect_eq "$name: alloc_count" "$(kv "$tmp/kid" alloc_count)" 20000
done <"$tmp/kept"
expect_eq "children with a segment" "$kids" 3

traced 120 "$R/rawclone" busy 100 || fail "rawclone busy, sampling off (exit $?)"
HEAPTOP_SAMPLE_RATE=1 traced 120 "$R/rawclone" busy 100 ||
	fail "rawclone busy, every allocation sampled (exit $?)"
traced 60 "$R/rawclone" vfork || fail "rawclone vfork (exit $?)"
finish
