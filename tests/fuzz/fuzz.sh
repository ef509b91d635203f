#!/bin/sh
# tests/fuzz/fuzz.sh - the short fuzz run of `make check`: 20 seconds of
# tests/fuzz/run.sh (override with HEAPTOP_FUZZ_SECONDS); skipped (77) when
# clang with libFuzzer is not installed.
exec timeout -s KILL 300 sh "$top_srcdir/tests/fuzz/run.sh" "${HEAPTOP_FUZZ_SECONDS:-20}"
