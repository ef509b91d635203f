#!/bin/sh
# tests/fuzz/run.sh - fuzz the viewer's segment reader with libFuzzer:
#     tests/fuzz/run.sh SECONDS [WORKDIR]
# Builds tests/fuzz/fuzz_segread.c with clang -fsanitize=fuzzer,address,
# undefined, seeds the corpus with real segments (a program run under
# libheaptop with HEAPTOP_KEEP=1 and small shard/timeline settings, its
# /dev/shm/heaptop.* copied) and with tests/fuzz/regress/, then fuzzes for
# SECONDS.  A crash leaves its input in WORKDIR: copy it into
# tests/fuzz/regress/ so every `make check` replays it, then fix the reader.
# Needs top_srcdir, top_builddir (a configured build) and HEAPTOP_LIB, as
# `make check` sets them.  Exits 77 (skip) without clang and libFuzzer.
set -u
secs=${1:?usage: tests/fuzz/run.sh SECONDS [WORKDIR]}
: "${top_srcdir:?set top_srcdir (make check does)}"
: "${top_builddir:?set top_builddir (make check does)}"
: "${HEAPTOP_LIB:=$top_builddir/lib/.libs/libheaptop.so}"
CC=${FUZZ_CC:-clang}
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/heaptop-fuzz.XXXXXX")}
mkdir -p "$work/corpus" || exit 99

# libFuzzer present?
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' >"$work/probe.c"
if ! "$CC" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
	echo "SKIP: $CC cannot build libFuzzer targets (install clang and libclang-rt-dev)" >&2
	exit 77
fi

s=$top_srcdir
"$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top_builddir" -I"$s/include" -I"$s/lib" -I"$s/tui" \
	"$s/tests/fuzz/fuzz_segread.c" "$s/tui/segread.c" "$s/tui/segtables.c" "$s/tui/segfind.c" "$s/tui/sigbus.c" "$s/tui/procfs.c" "$s/lib/procread.c" \
	"$s/tui/sanitize.c" "$s/tui/model.c" "$s/tui/model_sites.c" "$s/tui/symbols.c" "$s/tui/symfile.c" \
	"$s/tui/strpool.c" "$s/tui/format.c" "$s/tui/snapshot_text.c" "$s/tui/snapshot_sites_text.c" \
	"$s/tui/snapshot_sites_json.c" \
	"$s/tui/snapshot_json.c" "$s/lib/stats_sum.c" $(pkg-config --cflags --libs libdw) -o "$work/fuzz_segread" ||
	{ echo "ERROR: cannot build the fuzz target" >&2; exit 99; }

# Seeds: real segments of small configurations (tens of KiB, so mutations
# are fast): without sampling, and with small site and module tables.
seed() { # NAME ENV ARGS...: run ARGS under the library, keep its segments as seeds
	name=$1 opts=$2; shift 2
	sh -c 'echo $$ >"$0/pid"; exec env LD_PRELOAD="$HEAPTOP_LIB" HEAPTOP_KEEP=1 \
		HEAPTOP_SHARDS=2 HEAPTOP_TIMELINE=16 $1 "$@" >/dev/null 2>&1' "$work" "$opts" "$@"
	pid=$(cat "$work/pid")
	for f in /dev/shm/heaptop."$pid".*; do
		[ -e "$f" ] || continue
		cp "$f" "$work/corpus/$name.${f##*.}" && rm -f "$f"
	done
}
prog=$top_builddir/tests/tui/prog/allocs
[ -x "$prog" ] || prog=ls
nosample="HEAPTOP_SAMPLE_RATE=0"
sample="HEAPTOP_SAMPLE_RATE=1 HEAPTOP_SITES=16 HEAPTOP_MODULES=16 HEAPTOP_MAX_FRAMES=4"
seed small "$nosample" "$prog" 10 100 5 3 0
seed large "$nosample" "$prog" 5000 300 100 200 0
seed sampled "$sample" "$prog" 50 100 5 30 0
for f in "$s"/tests/fuzz/regress/*; do
	case $f in *.md) ;; *) [ -f "$f" ] && cp "$f" "$work/corpus/" ;; esac
done
echo "# fuzzing for $secs s with $(ls "$work/corpus" | wc -l) seeds in $work" >&2

"$work/fuzz_segread" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" 2>"$work/fuzz.log"
rc=$?
tail -n 12 "$work/fuzz.log" >&2
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the fuzzer found a crash; input(s): $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null)" >&2
	echo "      copy them into tests/fuzz/regress/ and fix the reader" >&2
	exit 1
fi
[ -n "${2:-}" ] || rm -rf "$work"
exit 0
