#!/bin/sh
# tests/fuzz/regress.sh - replays every input in tests/fuzz/regress/ (past
# crashers and seeds; not the README) through the fuzz target's entry point,
# with whatever sanitizers the build has; no clang needed.
set -u
: "${top_srcdir:?run me through make check}" "${top_builddir:?run me through make check}"
set --
for f in "$top_srcdir"/tests/fuzz/regress/*; do
	case $f in *.md) ;; *) [ -f "$f" ] && set -- "$@" "$f" ;; esac
done
[ $# -gt 0 ] || { echo "SKIP: no inputs in tests/fuzz/regress" >&2; exit 77; }
exec timeout -s KILL 120 "$top_builddir/tests/fuzz/replay" "$@"
