#!/bin/sh
# tests/hermetic.sh - runs one test (make check's LOG_COMPILER) with a
# /dev/shm of its own when it can: a mount namespace with a fresh tmpfs
# there (root, or a user namespace that allows it).  Tests name segments
# by pid, and while a suite runs the pid counter wraps (tests/rel makes
# 100000 threads): without this, a test's pid can meet a segment another
# test left, or another test's cleanup can remove a live one.  Where no
# namespace can be made, the test runs as it is, sharing /dev/shm.
# HEAPTOP_SHARED_SHM=1 turns it off.
#   hermetic.sh PROGRAM [ARGS...]
[ $# -ge 1 ] || { echo "usage: hermetic.sh PROGRAM [ARGS...]" >&2; exit 99; }
if [ -z "${HEAPTOP_SHARED_SHM:-}" ] && unshare -m true 2>/dev/null; then
	exec unshare -m sh -c '
		mount -t tmpfs -o mode=1777 heaptop-test-shm /dev/shm 2>/dev/null ||
			echo "# hermetic.sh: cannot mount a private /dev/shm; sharing it" >&2
		exec "$@"' sh "$@"
fi
exec "$@"
