#!/bin/sh
# tests/sitesview/snapshot.sh - heaptop's snapshots of a sampled program
# (sv_prog): at HEAPTOP_SAMPLE_RATE=1 the top site by live bytes is the
# function that holds 60%, named with its file and line, with exact bytes
# and blocks, the realloc mover leads the hotspots with its exact moves, and
# a block allocated in a dlclose'd module is named from the module's file,
# both while the process still runs (-p) and after it exited (-- CMD); the
# text report says the same; at the default rate the 60% site's share is
# within 10%; with sampling off both formats say so.
. "$top_srcdir/tests/tui/common.sh"
. "$top_srcdir/tests/sitesview/common.sh"

# snap RATE SECS ARGS...: heaptop ARGS with HEAPTOP_SAMPLE_RATE=RATE ("" for the default).
snap() {
	rate=$1 secs=$2
	shift 2
	if [ -n "$rate" ]; then
		timeout -s KILL "$secs" env HEAPTOP_SAMPLE_RATE="$rate" "$HEAPTOP" "$@"
	else
		timeout -s KILL "$secs" env -u HEAPTOP_SAMPLE_RATE "$HEAPTOP" "$@"
	fi
}
note_run() { [ -s "$1" ] && noted_pids="$noted_pids $(truth "$1" pid)"; }

# expect_site WHAT LINE FUNCTION FILE LINENO: a site line names FUNCTION at FILE:LINENO.
expect_site() {
	[ -n "$2" ] || { fail "$1: no such site"; return; }
	expect_eq "$1: function" "$(field "$2" function)" "$3"
	expect_eq "$1: file" "$(basename "$(field "$2" file)")" "$4"
	expect_eq "$1: line" "$(field "$2" line)" "$5"
}

# --- exact, after the process exited --------------------------------------------
snap 1 60 --snapshot --format json -o exact.json -- "$SVPROG" exact exact.out "$SVMOD" ||
	fail "json snapshot of sv_prog exact exited $?"
note_run exact.out
[ -s exact.json ] && [ -s exact.out ] || { fail "no snapshot or no truth"; finish; }
expect_grep "sampling on" '"sampling_available": true' exact.json
expect_grep "rate 1" '"sample_rate": 1,' exact.json
expect_grep "nothing dropped" '"sites_dropped": 0,' exact.json

top=$(site_lines exact.json sites | head -n 1)
expect_site "top site by live bytes" "$top" alloc_sixty sv_prog.c "$(truth exact.out sixty_line)"
expect_eq "its live bytes (exact)" "$(field "$top" live_bytes)" "$(truth exact.out sixty_live)"
expect_eq "its live blocks" "$(field "$top" live_blocks)" 600
expect_eq "its allocated bytes" "$(field "$top" alloc_bytes)" "$(truth exact.out sixty_alloc)"
expect_eq "its samples" "$(field "$top" samples)" 600
expect_eq "its frame index" "$(field "$top" frame_index)" 0
case $(field "$top" module) in */sv_prog) ;; *) fail "module of the top site: $(field "$top" module)" ;; esac
for k in thirty ten; do
	s=$(site_named exact.json sites "alloc_$k")
	expect_site "alloc_$k" "$s" "alloc_$k" sv_prog.c "$(truth exact.out "${k}_line")"
	expect_eq "alloc_$k live bytes" "$(field "$s" live_bytes)" "$(truth exact.out "${k}_live")"
done
second=$(site_lines exact.json sites | sed -n 2p)
expect_eq "second site by live bytes" "$(field "$second" function)" alloc_thirty
fr=$(frames_of exact.json alloc_sixty)
expect_eq "frame 0 of the top site" "$(field "$(echo "$fr" | head -n 1)" function)" alloc_sixty
echo "$fr" | grep -q '"function": "main", "file": "[^"]*sv_prog.c"' || fail "no main in the top site's stack"

mover=$(site_lines exact.json realloc_move_hotspots | head -n 1)
expect_site "top realloc-move hotspot" "$mover" grow_string sv_prog.c "$(truth exact.out grow_line)"
expect_eq "its moves (exact)" "$(field "$mover" move_count)" "$(truth exact.out moves)"
expect_eq "its bytes copied (exact)" "$(field "$mover" move_bytes)" "$(truth exact.out moved)"
expect_eq "its live bytes" "$(field "$mover" live_bytes)" "$(truth exact.out mover_live)"
[ "$(truth exact.out moves)" -ge 1000 ] || fail "sv_prog forced only $(truth exact.out moves) moves"

dl=$(site_named exact.json sites symmod_alloc)
expect_site "site in the dlclose'd module" "$dl" symmod_alloc symmod.c "$(truth exact.out dl_line)"
expect_eq "its live bytes" "$(field "$dl" live_bytes)" "$(truth exact.out dl_live)"
case $(field "$dl" module) in */symmod.so) ;; *) fail "module of the dl site: $(field "$dl" module)" ;; esac
grep -q '{"path": "[^"]*symmod.so", .*"loaded": false' exact.json || fail "symmod.so not listed as unloaded"
expect_grep "no symbol warnings" '"symbol_warnings": [],' exact.json
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' exact.json || fail "invalid JSON"
fi

# The text report of the same kind of run.
snap 1 60 --snapshot -o exact.txt -- "$SVPROG" exact exact2.out "$SVMOD" || fail "text snapshot exited $?"
note_run exact2.out
l=$(truth exact2.out sixty_line)
for s in "== call-site sampling ==" "every block sampled (HEAPTOP_SAMPLE_RATE=1)" \
	"== top call sites ==" "1. alloc_sixty (sv_prog.c:$l)" \
	"(600 samples) in 600 blocks" \
	"=> #0  alloc_sixty at " "sv_prog.c:$l in sv_prog+0x" \
	"== realloc-move hotspots ==" "1. grow_string (sv_prog.c:$(truth exact2.out grow_line))" \
	"symmod_alloc (symmod.c:$(truth exact2.out dl_line))" "== peak contributors =="; do
	expect_grep "text snapshot" "$s" exact.txt
done

# --- the same while the process runs, after the dlclose ------------------------------
LD_PRELOAD=$HEAPTOP_LIB HEAPTOP_SAMPLE_RATE=1 "$SVPROG" exact live.out "$SVMOD" "$tmp/ready" &
bg_pids="$bg_pids $!"
noted_pids="$noted_pids $!"
if wait_file "$tmp/ready" 300; then
	snap 1 30 --snapshot -p "$!" --format json -o live.json || fail "snapshot -p exited $?"
	expect_grep "the process runs" '"state": "running"' live.json
	dl=$(site_named live.json sites symmod_alloc)
	expect_site "dlclose'd module, process running" "$dl" symmod_alloc symmod.c "$(truth live.out dl_line)"
	expect_site "top site, process running" "$(site_lines live.json sites | head -n 1)" alloc_sixty sv_prog.c \
		"$(truth live.out sixty_line)"
else
	fail "sv_prog exact did not get ready"
fi

# --- the default rate: estimates ----------------------------------------------------------
snap "" 180 --snapshot --format json -o shares.json -- "$SVPROG" shares shares.out "$SVMOD" ||
	fail "snapshot of sv_prog shares exited $?"
note_run shares.out
[ "$(field "$(site_lines shares.json sites | head -n 1)" function)" = alloc_sixty ] ||
	fail "top site by live bytes at the default rate: $(site_lines shares.json sites | head -n 1)"
est() { sum_field shares.json sites "alloc_$1" alloc_bytes; }
a=$(est sixty) b=$(est thirty) c=$(est ten)
ta=$(truth shares.out sixty_alloc) tb=$(truth shares.out thirty_alloc) tc=$(truth shares.out ten_alloc)
n=$(sum_field shares.json sites alloc_sixty samples)
note "alloc_sixty: estimated $a of $a+$b+$c bytes ($n samples), true $ta of $ta+$tb+$tc"
awk -v a="${a:-0}" -v b="${b:-0}" -v c="${c:-0}" -v ta="$ta" -v tb="$tb" -v tc="$tc" 'BEGIN {
	if (a + b + c == 0) exit 1
	se = a / (a + b + c); st = ta / (ta + tb + tc)
	printf "# share of alloc_sixty: estimated %.4f, true %.4f (%+.1f%%)\n", se, st, 100 * (se - st) / st
	exit !(se > st * 0.9 && se < st * 1.1) }' >&2 || fail "alloc_sixty's share not within 10%"
[ "${n:-0}" -ge 100 ] || fail "only ${n:-0} samples behind alloc_sixty"
expect_grep "not exact" '"sample_rate": 524288,' shares.json

# --- sampling off -------------------------------------------------------------------------
snap 0 60 --snapshot -o off.txt -- "$SVPROG" exact off.out "$SVMOD" || fail "snapshot with rate 0 exited $?"
note_run off.out
expect_grep "sampling off, text" "call-site sampling is off (HEAPTOP_SAMPLE_RATE=0)" off.txt
snap 0 60 --snapshot --format json -o off.json -- "$SVPROG" exact off2.out "$SVMOD" || fail "json with rate 0 exited $?"
note_run off2.out
expect_grep "sampling off, json" '"sampling_available": false' off.json
expect_grep "sampling off, json" '"sampling": "off"' off.json
finish
