# tests/fault/lib.sh - tiny shell test helpers: a private temp dir removed on
# exit, check/fail that count, and finish that sets the Automake exit code.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heaptop-test.XXXXXX")
failures=0
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # check "description" command...
	desc=$1; shift
	if "$@"; then echo "ok: $desc"; else fail "$desc"; fi
}
finish() { [ "$failures" -eq 0 ] && exit 0; echo "$failures check(s) failed"; exit 1; }
