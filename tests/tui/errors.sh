#!/bin/sh
# tests/tui/errors.sh - every bad input gets a message that says what went
# wrong and what to do, and a non-zero exit: 2 for usage errors, 1 for the
# rest (no such process, no segment, another user's or group-readable
# segment, wrong magic, newer version, corrupt, truncated file, command not
# found, a static binary).
. "$top_srcdir/tests/tui/common.sh"

# expect_error WHAT CODE MESSAGE ARGS...: heaptop ARGS exits CODE and says MESSAGE.
expect_error() {
	what=$1 code=$2 msg=$3; shift 3
	ht 20 "$@" >out.txt 2>err.txt
	rc=$?
	expect_eq "$what: exit status" "$rc" "$code"
	expect_grep "$what: message" "$msg" err.txt
	grep -q '^heaptop: ' err.txt || fail "$what: message does not start with 'heaptop: '"
}

# usage errors
expect_error "unknown option" 2 "unknown option '--bogus'" --bogus
expect_error "bad pid" 2 "invalid pid 'abc'" -p abc
expect_error "negative pid" 2 "invalid pid '-5'" -p -5
expect_error "missing value" 2 "option needs a value" --format
expect_error "bad format" 2 "unknown snapshot format 'xml'" --snapshot --format xml -p 1
expect_error "bad delay" 2 "invalid delay '0'" -d 0 -p 1
expect_error "-o without --snapshot" 2 "only apply with --snapshot" -o x.txt -p 1
expect_error "pid and command" 2 "not both" -p 1 -- true
expect_error "list and pid" 2 "take no pid" -l -p 1
expect_error "--output without a command" 2 "only apply when heaptop starts" --output x -p 1

# runtime errors about the process
max=$(cat /proc/sys/kernel/pid_max)
expect_error "no such process" 1 "no such process" --snapshot -p $((max + 1))
sleep 30 &
sleeper=$!
bg_pids="$bg_pids $sleeper"
noted_pids="$noted_pids $sleeper"
expect_error "no segment" 1 "was it started with heaptop or LD_PRELOAD=libheaptop.so? static and setuid binaries can't be preloaded" --snapshot -p "$sleeper"

# crafted segments for a live pid
for kind in magic:"not a heaptop segment" version:"newer, incompatible libheaptop" \
	corrupt:"is corrupt" mode:"another user or is accessible to others" \
	short:"is corrupt"; do
	"$P/mkseg" "${kind%%:*}" "$sleeper" || { fail "mkseg ${kind%%:*}"; continue; }
	expect_error "${kind%%:*} segment" 1 "${kind#*:}" --snapshot -p "$sleeper"
	rm -f /dev/shm/heaptop."$sleeper".*
done
"$P/mkseg" valid "$sleeper" && ht 20 --snapshot -p "$sleeper" >valid.txt 2>&1 ||
	fail "a valid crafted segment was not read"
expect_eq "crafted segment's alloc_count" "$(tnum valid.txt alloc_count)" 15
rm -f /dev/shm/heaptop."$sleeper".*

# another user: only root can make a file another user cannot read
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	"$P/mkseg" valid "$sleeper"
	chmod 0600 /dev/shm/heaptop."$sleeper".0
	setpriv --reuid=65534 --regid=65534 --clear-groups timeout -s KILL 20 "$HEAPTOP" \
		--snapshot -p "$sleeper" >out.txt 2>err.txt
	expect_eq "other user's segment: exit" "$?" 1
	expect_grep "other user's segment" "belongs to another user" err.txt
	rm -f /dev/shm/heaptop."$sleeper".*
fi

# the launcher
expect_error "command not found" 1 "command not found: 'no-such-command-xyz'" --snapshot -- no-such-command-xyz
static=
for f in /sbin/ldconfig /usr/sbin/ldconfig /bin/busybox; do
	if [ -x "$f" ] && file "$f" 2>/dev/null | grep -q 'static'; then static=$f; break; fi
done
if [ -n "$static" ]; then
	expect_error "static binary" 1 "is statically linked" --snapshot -- "$static" --version
else
	note "no static binary found: not checked"
fi
expect_error "unusable --lib" 1 "cannot use --lib" --snapshot --lib /nonexistent.so -- true
finish
