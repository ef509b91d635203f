#!/bin/sh
# tests/lib/sigstorm.sh - a signal storm whose handler allocates, aimed at a
# thread that owns its shard and at one on the shared shard 0
# (HEAPTOP_SHARDS=2): no hang, every call counted exactly once (tracked, or
# untracked when it interrupted heaptop), nothing left live.
. "$top_srcdir/tests/lib/common.sh"

traced 60 "$T/sigstorm" 20000 main || fail "sigstorm main (exit $?)"
traced 60 "$T/sigstorm" 20000 thread || fail "sigstorm thread (exit $?)"
HEAPTOP_SHARDS=2 traced 60 "$T/sigstorm" 20000 thread || fail "sigstorm on shard 0 (exit $?)"
finish
