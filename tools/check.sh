#!/usr/bin/env bash
# tools/check.sh - sets heaptop up and runs every test layer: `make check` in
# the normal build (build/), again with the viewer and unit tests built
# under AddressSanitizer + UndefinedBehaviorSanitizer (build-san/), and the
# library's tests with libheaptop itself under UBSan (build-libubsan/), then
# `make distcheck` (counted as one check).  Ends with the
# line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

pass=0 fail=0 skip=0 failed_logs=
count() { # count a build's test-suite.log summary
	local log=$1/test-suite.log
	[ -f "$log" ] || { fail=$((fail + 1)); echo "check: no $log" >&2; return; }
	local p f x e s
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	x=$(sed -n 's/^# XPASS: *//p' "$log"); e=$(sed -n 's/^# ERROR: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${x:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
}

run_layer() { # name build-dir configure-flags [tests]
	local name=$1 dir=$2 flags=$3 tests=${4:-} t log
	echo "== $name: $dir"
	if ! BUILD=$dir CONFIGURE_FLAGS="$flags" "$src/tools/setup.sh"; then
		echo "check: $name build failed" >&2; fail=$((fail + 1)); return
	fi
	if [ -n "$tests" ]; then
		make -C "$dir" -j"$(nproc)" check TESTS="$tests" >"$dir/check.out" 2>&1
	else
		make -C "$dir" -j"$(nproc)" check >"$dir/check.out" 2>&1
	fi
	grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP):' "$dir/check.out" || true
	for t in $(sed -n 's/^\(FAIL\|ERROR\|XPASS\): \(.*\)$/\2/p' "$dir/check.out"); do
		log=$dir/${t%.sh}.log # the driver names a script's log without its .sh
		echo "---- $log"; tail -n 60 "$log" 2>/dev/null || echo "(no log)"
		failed_logs="$failed_logs $log"
	done
	count "$dir"
}

run_layer "tests" "$src/build" ""
run_layer "viewer and unit tests under ASan+UBSan" "$src/build-san" \
	"--enable-sanitizers=address,undefined"
# libheaptop itself under UBSan, on the library's own tests and the
# reliability suite.  (The UBSan runtime allocates inside the traced
# program, so tests that expect a program's exact allocation count from
# outside are left to the plain build; tests/rel/soak.sh belongs to `make
# check-long`.)
lib_tests=$(cd "$src" && ls tests/lib/*.sh tests/fault/*.sh tests/sites/*.sh tests/rel/*.sh |
	grep -v '^tests/rel/soak\.sh$' | tr '\n' ' ')
run_layer "libheaptop under UBSan" "$src/build-libubsan" "--enable-lib-ubsan" "$lib_tests"

# The release tarball: it must build, pass every test, install and
# uninstall out of tree with a read-only source directory.
echo "== make distcheck: $src/build"
if make -C "$src/build" distcheck >"$src/build/distcheck.out" 2>&1; then
	echo "PASS: make distcheck"
	pass=$((pass + 1))
else
	echo "FAIL: make distcheck"
	echo "---- $src/build/distcheck.out"; tail -n 60 "$src/build/distcheck.out"
	failed_logs="$failed_logs $src/build/distcheck.out"
	fail=$((fail + 1))
fi

# The failed checks again, last, where a truncated CI log still shows them.
for log in $failed_logs; do
	echo "---- failed checks in $log:"
	grep -E '^(FAIL|ERROR|not ok)' "$log" 2>/dev/null | head -n 20
done
[ "$skip" -eq 0 ] || echo "($skip skipped: see the SKIP lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
