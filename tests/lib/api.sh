#!/bin/sh
# tests/lib/api.sh - the in-process API (include/heaptop.h) without the
# library, under the preload, and linked in the way heaptop.pc says, with
# --as-needed in force (Debian and Ubuntu toolchains link that way): a
# program that references only the weak API must still get libheaptop.
# See tests/lib/apiuse.c.
. "$top_srcdir/tests/lib/common.sh"

prog=$T/apiuse
# apiuse must name no malloc-family function, or the as-needed check below
# proves nothing (a strong malloc reference keeps the library by itself).
own=$(nm -u "$prog" 2>/dev/null | grep -wE 'malloc|free|calloc|realloc|posix_memalign')
[ -z "$own" ] || hard_error "apiuse references the malloc family itself: $own"

note "absent: no preload, not linked"
timeout -s KILL 30 "$prog" absent || fail "the API without the library (exit $?)"

note "tracking: preloaded"
timeout -s KILL 30 env LD_PRELOAD="$HEAPTOP_LIB" "$prog" tracking ||
	fail "the API under the preload (exit $?)"

# Linked in: heaptop.pc from this build, pointed at the built library and
# the source headers.
pc=$top_builddir/heaptop.pc
command -v pkg-config >/dev/null 2>&1 || skip "no pkg-config"
[ -r "$pc" ] || hard_error "no $pc"
libdir=$(dirname "$HEAPTOP_LIB")
flags=$(pkg-config --define-variable=libdir="$libdir" \
	--define-variable=includedir="$top_srcdir/include" --cflags --libs "$pc") ||
	hard_error "pkg-config cannot read $pc"
note "linked: cc -Wl,--as-needed ... $flags"
# shellcheck disable=SC2086 # $flags is a list of compiler flags
${CC:-cc} -o "$tmp/apiuse-linked" -I"$top_srcdir/tests" -I"$top_srcdir/tests/lib" \
	"$top_srcdir/tests/lib/apiuse.c" -Wl,--as-needed $flags ||
	hard_error "cannot build apiuse against heaptop.pc"
readelf -d "$tmp/apiuse-linked" | grep -q 'NEEDED.*libheaptop' ||
	fail "linked with heaptop.pc's flags, the program does not need libheaptop"
timeout -s KILL 30 env LD_LIBRARY_PATH="$libdir" "$tmp/apiuse-linked" tracking ||
	fail "the API linked in through heaptop.pc (exit $?)"
finish
