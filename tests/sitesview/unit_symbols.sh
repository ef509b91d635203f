#!/bin/sh
# tests/sitesview/unit_symbols.sh - runs unit_symbols on the symmod module
# libtool built, under a kill timeout.
: "${top_builddir:?run me through make check}"
d=$top_builddir/tests/sitesview
so=$d/.libs/symmod.so
[ -r "$so" ] || so=$d/symmod.so
exec timeout -s KILL 60 "$d/unit_symbols" "$so"
