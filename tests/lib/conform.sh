#!/bin/sh
# tests/lib/conform.sh - the conformance table (tests/lib/conform.c) run
# plainly and under the preload: return classes, errno, *memptr and usable
# sizes must be identical, and under the preload every row's counter delta
# must be the one docs/counters.md predicts.
. "$top_srcdir/tests/lib/common.sh"

to 30 "$T/conform" >"$tmp/plain.out" 2>"$tmp/plain.err"
rc_plain=$?
traced 30 "$T/conform" >"$tmp/traced.out" 2>"$tmp/traced.err"
rc_traced=$?
cat "$tmp/traced.err" >&2
expect_eq "exit code without the library" "$rc_plain" 0
expect_eq "exit code under the library" "$rc_traced" 0
[ -s "$tmp/plain.out" ] || fail "no table printed"
if ! diff -u "$tmp/plain.out" "$tmp/traced.out" >&2; then
	fail "the malloc family behaves differently under the library"
fi
# The traced run really checked counters (the plain one can't).
grep -q "^conform: [0-9]* checks, 0 failed" "$tmp/traced.err" || fail "traced run's summary"
plain_checks=$(sed -n 's/^conform: \([0-9]*\) checks.*/\1/p' "$tmp/plain.err")
traced_checks=$(sed -n 's/^conform: \([0-9]*\) checks.*/\1/p' "$tmp/traced.err")
[ "${traced_checks:-0}" -gt $((${plain_checks:-0} + 1000)) ] ||
	fail "the traced run checked no counters ($traced_checks vs $plain_checks checks)"
finish
