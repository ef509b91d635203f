#!/bin/sh
# tests/rel/unpreload.sh - programs LD_PRELOAD can't reach, and secure
# execution (reliability.md §4).  `heaptop --snapshot -- CMD` must say
# plainly why CMD made no segment, and be right: tests/rel/probe reports
# from inside that it really ran without the library.
#   - static and static-pie binaries (built here with $CC -static);
#   - setuid to another user, setgid to another group, a setuid-root file
#     that the user (nobody) may execute but not read (mode 4711), and file
#     capabilities for an unprivileged user: the kernel asks for secure
#     execution (AT_SECURE) and the loader ignores LD_PRELOAD;
#   - not the other way round: a setuid file of our own user runs normally
#     and is traced;
#   - secure_getenv: probe_linked (libheaptop linked in, so loaded even in
#     secure execution) made setuid: HEAPTOP_SHARDS and HEAPTOP_DISABLE are
#     in its environment but ignored; honoured in a plain run.
# The set-id cases need root (to hand files to nobody); without root, only
# the static cases run.
. "$top_srcdir/tests/lib/common.sh"
R=$top_builddir/tests/rel
HEAPTOP=$top_builddir/heaptop
[ -x "$HEAPTOP" ] || hard_error "no viewer at $HEAPTOP"
ran=0

# viewer WHAT WANT_EXIT MESSAGE [--as-nobody] -- CMD...: heaptop --snapshot
# -- CMD exits WANT_EXIT, says MESSAGE (nothing when MESSAGE is empty) and
# CMD's own report is left in $tmp/probe.out.
viewer() {
	what=$1 want=$2 msg=$3
	shift 3
	as=
	[ "$1" = --as-nobody ] && { as="setpriv --reuid=65534 --regid=65534 --clear-groups"; shift; }
	shift
	$as timeout -s KILL 30 "$HEAPTOP" --snapshot --lib "$HEAPTOP_LIB" -- "$@" \
		>"$tmp/probe.out" 2>"$tmp/viewer.err"
	rc=$?
	expect_eq "$what: heaptop's exit status" "$rc" "$want"
	if [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/viewer.err"; then
		fail "$what: heaptop did not say '$msg'"
		sed 's/^/| /' "$tmp/viewer.err" >&2
	fi
	ran=$((ran + 1))
}

# probe_says WHAT KEY VALUE: the probe's report has KEY=VALUE.
probe_says() {
	expect_eq "$1: the program's $2" "$(kv "$tmp/probe.out" "$2")" "$3"
}

# --- static binaries ---------------------------------------------------------------
cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
for kind in static static-pie; do
	if ! ${cc:-cc} -$kind -O1 -I"$top_srcdir/include" -o "$tmp/$kind" \
		"$top_srcdir/tests/rel/probe.c" >"$tmp/cc.log" 2>&1; then
		note "$kind: ${cc:-cc} -$kind failed (no libc.a?), not checked"
		continue
	fi
	viewer "$kind binary" 1 "is statically linked: nothing can be preloaded" -- "$tmp/$kind"
	probe_says "$kind binary" loaded 0
	probe_says "$kind binary" secure 0
done

# --- secure execution -----------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	note "not root: can't hand files to another user; set-id cases not checked"
	[ "$ran" -gt 0 ] || skip "no static binary could be built and not root"
	finish
fi
nogroup=$(id -gn 65534 2>/dev/null) || nogroup=65534
# Files nobody may reach: $tmp and $tmp/x searchable, not readable.
chmod 0711 "$tmp"
mkdir "$tmp/x" && chmod 0711 "$tmp/x" || hard_error "mkdir $tmp/x"
nobody_ok=1
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
	'test -r "$1" && test -x "$2"' sh "$HEAPTOP_LIB" "$HEAPTOP" 2>/dev/null || nobody_ok=0

# A copy of the probe; mode and owner as given.
copy() { # copy NAME SRC OWNER:GROUP MODE
	cp "$2" "$tmp/x/$1" && chown "$3" "$tmp/x/$1" && chmod "$4" "$tmp/x/$1" ||
		hard_error "cannot make $tmp/x/$1"
}

# Does the kernel honour set-id bits here (nosuid mount, no_new_privs)?
copy suid "$R/probe" nobody:root 4755
"$tmp/x/suid" >"$tmp/probe.out" 2>&1
if [ "$(kv "$tmp/probe.out" secure)" != 1 ]; then
	note "a setuid file does not run in secure mode here (nosuid mount or no_new_privs)"
	[ "$ran" -gt 0 ] || skip "set-id bits are ignored here and no static binary could be built"
	finish
fi

viewer "setuid to nobody" 1 "is setuid or setgid: the loader ignores LD_PRELOAD" -- "$tmp/x/suid"
probe_says "setuid to nobody" secure 1
probe_says "setuid to nobody" loaded 0

copy sgid "$R/probe" root:"$nogroup" 2755
viewer "setgid to $nogroup" 1 "is setuid or setgid: the loader ignores LD_PRELOAD" -- "$tmp/x/sgid"
probe_says "setgid to $nogroup" secure 1
probe_says "setgid to $nogroup" loaded 0

# Our own setuid file changes no id: no secure execution, traced as usual.
copy own "$R/probe" root:root 4755
viewer "setuid to ourselves" 0 "" -- "$tmp/x/own"
probe_says "setuid to ourselves" secure 0
probe_says "setuid to ourselves" loaded 1
grep -q "setuid" "$tmp/viewer.err" && fail "setuid to ourselves: heaptop blamed the setuid bit"

if [ "$nobody_ok" = 1 ]; then
	# Execute-only setuid root, run by nobody: the viewer can't read the file.
	copy xonly "$R/probe" root:root 4711
	viewer "execute-only setuid root, run by nobody" 1 \
		"is setuid or setgid: the loader ignores LD_PRELOAD" --as-nobody -- "$tmp/x/xonly"
	probe_says "execute-only setuid root" secure 1
	probe_says "execute-only setuid root" loaded 0
	# File capabilities raise nobody's privileges: secure execution too.
	copy caps "$R/probe" root:root 0755
	if command -v setcap >/dev/null 2>&1 && setcap cap_net_raw+ep "$tmp/x/caps" 2>/dev/null; then
		viewer "file capabilities, run by nobody" 1 "is given file capabilities" \
			--as-nobody -- "$tmp/x/caps"
		probe_says "file capabilities" secure 1
		probe_says "file capabilities" loaded 0
	else
		note "setcap is missing or refused: file capabilities not checked"
	fi
else
	note "nobody can't read $HEAPTOP_LIB or run $HEAPTOP: nobody's cases not checked"
fi

# --- secure_getenv ---------------------------------------------------------------------
# probe_linked finds libheaptop through its absolute RUNPATH, which the
# loader honours in secure mode too; as nobody (the setuid owner) it must
# be able to read it.
PL=$R/probe_linked
HEAPTOP_SHARDS=5 to 30 "$PL" >"$tmp/probe.out" 2>&1 || fail "probe_linked, plain (exit $?)"
probe_says "plain run" secure 0
probe_says "plain run, HEAPTOP_SHARDS=5" shards 5
HEAPTOP_DISABLE=1 to 30 "$PL" >"$tmp/probe.out" 2>&1 || fail "probe_linked, disabled (exit $?)"
probe_says "plain run, HEAPTOP_DISABLE=1" loaded 1
probe_says "plain run, HEAPTOP_DISABLE=1" tracking 0
if [ "$nobody_ok" = 1 ]; then
	copy secure "$PL" nobody:root 4755
	HEAPTOP_SHARDS=5 HEAPTOP_DISABLE=1 to 30 "$tmp/x/secure" >"$tmp/probe.out" 2>&1 ||
		fail "probe_linked, setuid (exit $?)"
	probe_says "secure execution" secure 1
	probe_says "secure execution, HEAPTOP_SHARDS=5 in the environment" env_shards 5
	probe_says "secure execution, HEAPTOP_DISABLE=1 ignored" tracking 1
	probe_says "secure execution, HEAPTOP_SHARDS=5 ignored" shards 64
	ran=$((ran + 1))
fi
finish
