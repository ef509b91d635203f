#!/usr/bin/env bash
#
# run.sh - heaptop performance benchmark driver (`make bench`).
#
# Builds the workloads, the comparison shims and the CPU-time runner from
# tests/bench/ with plain gcc (no autotools), then measures every workload
# under every tracker:
#   none      no tracker
#   forward   shim_forward.so: forwards the malloc family, nothing else
#   atomics   shim_atomics.so: forwarding + global relaxed atomic counters
#   heaptrack heaptrack's preload library, if heaptrack is installed, its
#             trace written to /dev/null: the traced program's share only
#   heaptrack-full  heaptrack as its users run it (`heaptrack -o FILE CMD`):
#             the traced program, heaptrack_interpret and the compressor
#             (CPU time only; callgrind can't follow the launcher's pipeline)
#   heaptop   the libheaptop.so given with --lib (HEAPTOP_SAMPLE_RATE=0)
#   heaptop-default  the same with call-site sampling at its default rate
#   heaptop-every    the same sampling every allocation (HEAPTOP_SAMPLE_RATE=1)
# CPU time runs are interleaved (each repetition runs every tracker once,
# in a rotating order) and reported as medians; every workload is also run
# once under callgrind to count instructions, which is immune to machine
# noise.  A footer checks the project's performance targets;
# a missed target never makes this script fail.  See docs/benchmark.md.
#
# Usage: run.sh --lib PATH [--reps N] [--quick] [--viewer HEAPTOP_BINARY]
#
# shellcheck disable=SC2015,SC2016,SC2086
# (SC2015: "a && b || c" guards that return early; SC2016: the python/perl
# snippets are single-quoted on purpose; SC2086: $flags and $TRACKERS are
# word lists.)

# `make bench` runs us with $(SHELL), i.e. /bin/sh: switch to bash.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
BUILD=${BENCH_BUILD_DIR:-$BENCH_DIR/build}

LIB=
REPS=
QUICK=0
VIEWER=

usage() {
    cat >&2 <<EOF
usage: $0 --lib PATH [--reps N] [--quick] [--viewer HEAPTOP_BINARY]
  --lib PATH      libheaptop.so to benchmark (required)
  --reps N        CPU-time repetitions per cell (default 5, --quick: 3)
  --quick         smaller workloads and fewer repetitions (< 2 minutes)
  --viewer BIN    also measure the viewer's CPU cost (skipped if absent)
environment: CC (default gcc), BENCH_BUILD_DIR (default tests/bench/build)
EOF
    exit 2
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

log() {
    echo "$*" >&2
}

bad_arg() {
    echo "run.sh: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --lib) [ $# -ge 2 ] || usage; LIB=$2; shift 2 ;;
    --reps) [ $# -ge 2 ] || usage; REPS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --viewer) [ $# -ge 2 ] || usage; VIEWER=$2; shift 2 ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$LIB" ] || usage
[ -f "$LIB" ] || bad_arg "--lib: no such file: $LIB"
LIB=$(cd "$(dirname "$LIB")" && pwd)/$(basename "$LIB")
[ -n "$REPS" ] || REPS=$([ $QUICK = 1 ] && echo 3 || echo 5)
case $REPS in '' | *[!0-9]* | 0) bad_arg "--reps must be a positive integer" ;; esac

# Same work on every run: fixed hash seeds, byte-wise collation.
export LC_ALL=C PYTHONHASHSEED=0 PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
# The heaptop columns set their own options; none may leak in from outside.
unset HEAPTOP_SAMPLE_RATE HEAPTOP_MAX_FRAMES HEAPTOP_SITES HEAPTOP_DISABLE

# ---- workload sizes ------------------------------------------------------
# "time" sizes aim at 0.3-1 s untracked on a 2-core machine; "count" sizes
# are for callgrind, which is ~50x slower.

declare -A SIZE
if [ $QUICK = 1 ]; then
    SIZE=([churn1.time]=3000000 [churn2.time]=2500000
          [realloc_str.time]=200 [prodcons.time]=2000000
          [python.time]=100000 [perl.time]=80000 [sort.time]=300000
          [churn1.count]=200000 [realloc_str.count]=15
          [churn2.count]=200000 [prodcons.count]=150000
          [python.count]=10000 [perl.count]=10000 [sort.count]=30000)
else
    SIZE=([churn1.time]=10000000 [churn2.time]=8000000
          [realloc_str.time]=600 [prodcons.time]=6000000
          [python.time]=300000 [perl.time]=250000 [sort.time]=1000000
          [churn1.count]=1000000 [realloc_str.count]=60
          [churn2.count]=800000 [prodcons.count]=600000
          [python.count]=30000 [perl.count]=30000 [sort.count]=100000)
fi

TIME_WORKLOADS="churn1 churn2 realloc_str prodcons python perl sort"
# callgrind runs one thread at a time, so the two-thread workloads count
# too: their totals moved by 0.02% between runs.
COUNT_WORKLOADS="churn1 churn2 realloc_str prodcons python perl sort"
MICRO_WORKLOADS="churn1 churn2 realloc_str prodcons"
REAL_WORKLOADS="python perl sort"

# Allocation-heavy snippets for the interpreters (argument: element count).
PY_SNIPPET='import sys
n = int(sys.argv[1])
d = {}
for i in range(n):
    k = str(i * 7919 % 1000003) * 2
    d[k] = [i, k.upper(), (i, -i)]
keys = sorted(d, key=lambda k: d[k][1])
print(len(keys), sum(len(d[k][1]) for k in keys[::97]))'

PL_SNIPPET='my $n = shift; my %h;
for my $i (1 .. $n) {
    my $k = "k" . ($i * 7919 % 1000003);
    $h{$k} = [$i, "x" x ($i % 64)];
}
my $s = 0;
$s += length($h{$_}[1]) for sort keys %h;
print scalar(keys %h), " $s\n";'

# Prefer the distribution's binaries: a PATH shim (pyenv...) would add its
# own processes to the measurement.
find_prog() {
    local p
    for p in "/usr/bin/$1" "$(command -v "$1" 2>/dev/null)"; do
        [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return; }
    done
}
PYTHON=$(find_prog python3)
PERL=$(find_prog perl)
SORT=$(find_prog sort)

have_workload() {
    case $1 in
    python) [ -n "$PYTHON" ] ;;
    perl) [ -n "$PERL" ] ;;
    sort) [ -n "$SORT" ] ;;
    *) true ;;
    esac
}

# workload_cmd NAME MODE: sets CMD to the command line of a workload.
workload_cmd() {
    local n=${SIZE[$1.$2]}
    case $1 in
    python) CMD=("$PYTHON" "$BUILD/workload.py" "$n") ;;
    perl) CMD=("$PERL" "$BUILD/workload.pl" "$n") ;;
    sort) CMD=("$SORT" --parallel=1 "$BUILD/lines.$2.txt") ;;
    *) CMD=("$BUILD/$1" "$n") ;;
    esac
}

# ---- trackers ------------------------------------------------------------

# heaptrack's launcher script finds its preload library at
# $(dirname $(readlink -f heaptrack))/../lib/heaptrack/; do the same.
find_heaptrack() {
    local bin dir cand
    bin=$(command -v heaptrack 2>/dev/null) || return
    dir=$(dirname "$(readlink -f "$bin")")
    for cand in "$dir/../lib/heaptrack/libheaptrack_preload.so" \
        /usr/lib/heaptrack/libheaptrack_preload.so \
        /usr/lib/*-linux-gnu/heaptrack/libheaptrack_preload.so; do
        [ -f "$cand" ] && { readlink -f "$cand"; return; }
    done
}
HEAPTRACK_LIB=$(find_heaptrack)
HEAPTRACK_BIN=
[ -n "$HEAPTRACK_LIB" ] && HEAPTRACK_BIN=$(command -v heaptrack 2>/dev/null)

TRACKERS="none forward atomics"
[ -n "$HEAPTRACK_LIB" ] && TRACKERS="$TRACKERS heaptrack"
[ -n "$HEAPTRACK_BIN" ] && TRACKERS="$TRACKERS heaptrack-full"
TRACKERS="$TRACKERS heaptop heaptop-default heaptop-every"

# tracker_env NAME: sets TENV to the cputime -e options for a tracker.
# heaptrack is preloaded directly (as /usr/bin/heaptrack does) with its
# trace written to /dev/null: this measures the traced program only, not
# heaptrack_interpret/compression, and leaves no output files behind.
# heaptrack-full wraps the command in the launcher instead (tracker_cmd).
tracker_env() {
    case $1 in
    none) TENV=() ;;
    forward) TENV=(-e "LD_PRELOAD=$BUILD/shim_forward.so") ;;
    atomics) TENV=(-e "LD_PRELOAD=$BUILD/shim_atomics.so") ;;
    heaptrack) TENV=(-e "LD_PRELOAD=$HEAPTRACK_LIB"
                     -e "DUMP_HEAPTRACK_OUTPUT=/dev/null") ;;
    heaptrack-full) TENV=() ;;
    heaptop) TENV=(-e "LD_PRELOAD=$LIB" -e "HEAPTOP_SAMPLE_RATE=0") ;;
    heaptop-default) TENV=(-e "LD_PRELOAD=$LIB") ;;
    heaptop-every) TENV=(-e "LD_PRELOAD=$LIB" -e "HEAPTOP_SAMPLE_RATE=1") ;;
    esac
}

# tracker_cmd TRACKER: wraps CMD in the tracker's launcher, if it has one.
# heaptrack's launcher adds its own lines to stdout and writes its trace
# to $OUT/ht-trace.* (removed after the run).
tracker_cmd() {
    case $1 in
    heaptrack-full) CMD=("$HEAPTRACK_BIN" -o "$OUT/ht-trace" "${CMD[@]}") ;;
    esac
}

# foreign TRACKER: true for the other tools' columns, whose failures are
# reported but never counted against heaptop.
foreign() {
    case $1 in heaptrack | heaptrack-full) true ;; *) false ;; esac
}

# ---- build ---------------------------------------------------------------

build() {
    local cc=${CC:-gcc} flags="-O2 -Wall -Wextra -Werror" w
    mkdir -p "$BUILD" || die "cannot create $BUILD"
    for w in churn1 churn2 realloc_str prodcons gen_lines cputime; do
        $cc $flags -o "$BUILD/$w" "$BENCH_DIR/$w.c" -pthread ||
            die "build of $w failed"
    done
    for w in shim_forward shim_atomics; do
        $cc $flags -fPIC -shared -o "$BUILD/$w.so" "$BENCH_DIR/$w.c" -ldl ||
            die "build of $w failed"
    done
    # Script files, not -c/-e: heaptrack's trace keeps the command line on
    # one line, and its interpreter rejects a trace whose arguments hold
    # newlines.
    printf '%s\n' "$PY_SNIPPET" >"$BUILD/workload.py" &&
        printf '%s\n' "$PL_SNIPPET" >"$BUILD/workload.pl" ||
        die "cannot write the interpreter workloads"
    for w in time count; do
        "$BUILD/gen_lines" "${SIZE[sort.$w]}" >"$BUILD/lines.$w.txt" ||
            die "cannot generate sort input"
    done
}

# ---- CPU time ------------------------------------------------------------

RES=$BUILD/results
OUT=$BUILD/out
FAILED_RUNS=0

# run_timed WORKLOAD TRACKER: one measured run; appends the CPU seconds
# (or "fail") to $RES/cpu.W.T and flags output that differs from the
# untracked reference.
run_timed() {
    local w=$1 t=$2 line cpu status
    workload_cmd "$w" time
    tracker_env "$t"
    tracker_cmd "$t"
    rm -f "$RES/line"
    (cd "$OUT" && "$BUILD/cputime" -o "$RES/line" "${TENV[@]}" -- "${CMD[@]}" \
        >"$OUT/$w.$t.out" 2>"$OUT/$w.$t.err")
    rm -f "$OUT"/ht-trace.*
    line=$(cat "$RES/line" 2>/dev/null)
    cpu=$(echo "$line" | sed -n 's/^cpu=\([0-9.]*\) .*/\1/p')
    status=$(echo "$line" | sed -n 's/.* status=\([0-9]*\)$/\1/p')
    if [ -z "$cpu" ] || [ "$status" != 0 ]; then
        echo fail >>"$RES/cpu.$w.$t"
        cp "$OUT/$w.$t.err" "$RES/err.$w.$t" 2>/dev/null
        log "  $w under $t failed (status ${status:-?}), see $RES/err.$w.$t"
        foreign "$t" || FAILED_RUNS=$((FAILED_RUNS + 1))
        return
    fi
    echo "$cpu" >>"$RES/cpu.$w.$t"
    [ "$t" = heaptrack-full ] && return # its launcher writes to stdout too
    if ! cmp -s "$OUT/$w.$t.out" "$OUT/$w.ref"; then
        touch "$RES/badout.$w.$t"
        foreign "$t" || FAILED_RUNS=$((FAILED_RUNS + 1))
    fi
}

measure_cpu() {
    local rep w t i n start order
    set -- $TRACKERS
    n=$#
    for w in $TIME_WORKLOADS; do
        have_workload "$w" || continue
        # Warm-up run (page cache, binaries), also the reference output.
        workload_cmd "$w" time
        (cd "$OUT" && "${CMD[@]}" >"$OUT/$w.ref" 2>/dev/null) ||
            die "untracked warm-up of $w failed"
    done
    for rep in $(seq 1 "$REPS"); do
        log "cpu time: repetition $rep/$REPS"
        for w in $TIME_WORKLOADS; do
            have_workload "$w" || continue
            # Rotate the tracker order so no tracker always runs first.
            start=$(((rep - 1) % n))
            order=
            for i in $(seq 0 $((n - 1))); do
                set -- $TRACKERS
                shift $(((start + i) % n))
                order="$order $1"
            done
            for t in $order; do
                run_timed "$w" "$t"
            done
        done
    done
    rm -f "$OUT"/*.out "$OUT"/*.ref
}

# ---- instruction counts (callgrind) --------------------------------------

# The Debian `valgrind` is a shell script around a dynamically linked
# launcher; a preloaded tracker would be loaded into both (heaptrack then
# even unsets LD_PRELOAD, so the real client runs untraced).  So, when we
# can find it, exec the static tool binary directly through `cputime -x`,
# which puts the tracker into the client's environment only.
find_callgrind() {
    local arch dir
    command -v valgrind >/dev/null 2>&1 || return
    case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    i?86) arch=x86 ;;
    *) arch=$(uname -m) ;;
    esac
    for dir in /usr/libexec/valgrind /usr/lib/valgrind \
        /usr/lib/*-linux-gnu/valgrind /usr/local/libexec/valgrind \
        /usr/local/lib/valgrind; do
        if [ -x "$dir/callgrind-$arch-linux" ]; then
            VG_LIB=$dir
            VG_TOOL=$dir/callgrind-$arch-linux
            VG_LAUNCHER=$(command -v valgrind.bin 2>/dev/null ||
                command -v valgrind)
            return
        fi
    done
    VG_LAUNCHER=$(command -v valgrind) # fallback: through the launcher
}
VG_TOOL=
VG_LIB=
VG_LAUNCHER=

# run_counted WORKLOAD TRACKER: one callgrind run, stores Ir in $RES/ir.W.T
# (or "fail" when the program failed).  The untracked run's output is the
# reference the others are compared with.
run_counted() {
    local w=$1 t=$2 ir vg status
    [ "$t" = heaptrack-full ] && return
    workload_cmd "$w" count
    tracker_env "$t"
    if [ -n "$VG_TOOL" ]; then
        vg=("$BUILD/cputime" -x -e "VALGRIND_LIB=$VG_LIB"
            -e "VALGRIND_LAUNCHER=$VG_LAUNCHER" "${TENV[@]}" --
            "$VG_TOOL" --tool=callgrind)
    else
        [ "$t" = heaptrack ] && return # it would trace the launcher only
        vg=("$BUILD/cputime" -x "${TENV[@]}" -- "$VG_LAUNCHER"
            --tool=callgrind)
    fi
    rm -f "$RES/vg.log"
    (cd "$OUT" && "${vg[@]}" --callgrind-out-file=/dev/null \
        --log-file="$RES/vg.log" "${CMD[@]}" >"$OUT/$w.$t.out" \
        2>"$OUT/$w.$t.err")
    status=$?
    ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$RES/vg.log" | tail -1)
    if [ -z "$ir" ] || [ "$status" != 0 ]; then
        echo fail >"$RES/ir.$w.$t"
        cat "$OUT/$w.$t.err" "$RES/vg.log" >"$RES/err.$w.$t.callgrind" 2>/dev/null
        log "  callgrind: $w under $t failed (status $status)," \
            "see $RES/err.$w.$t.callgrind"
        foreign "$t" || FAILED_RUNS=$((FAILED_RUNS + 1))
        return
    fi
    echo "$ir" >"$RES/ir.$w.$t"
    if [ "$t" = none ]; then
        cp "$OUT/$w.$t.out" "$OUT/$w.count.ref"
    elif ! cmp -s "$OUT/$w.$t.out" "$OUT/$w.count.ref"; then
        touch "$RES/irbadout.$w.$t"
        foreign "$t" || FAILED_RUNS=$((FAILED_RUNS + 1))
    fi
}

measure_instructions() {
    local w t
    for w in $COUNT_WORKLOADS; do
        have_workload "$w" || continue
        log "instructions: $w"
        for t in $TRACKERS; do
            run_counted "$w" "$t"
        done
    done
    rm -f "$OUT"/*.out "$OUT"/*.ref "$RES/vg.log"
}

# ---- viewer cost (HOOK) --------------------------------------------------
# HOOK: measure the CPU the viewer burns while watching a busy program.
# Skipped unless --viewer names an executable.  The viewer runs for
# VIEWER_SECONDS (env, default 10) in a pseudo-terminal with the
# arguments VIEWER_ARGS (env, default "-p %p"; "%p" is replaced by the busy
# program's pid).
# Adjust the command line and the busy program below once tui/ settles.
VIEWER_SECONDS=${VIEWER_SECONDS:-$([ $QUICK = 1 ] && echo 5 || echo 10)}
VIEWER_RESULT=

measure_viewer() {
    local busy_pid line cpu wall args
    [ -n "$VIEWER" ] || return
    if [ ! -x "$VIEWER" ]; then
        VIEWER_RESULT="skipped: $VIEWER is not an executable"
        return
    fi
    log "viewer: ${VIEWER_SECONDS}s while churn2 runs under heaptop"
    (cd "$OUT" && HEAPTOP_SAMPLE_RATE=0 LD_PRELOAD=$LIB \
        exec "$BUILD/churn2" 1000000000 >/dev/null 2>&1) &
    busy_pid=$!
    sleep 1
    rm -f "$RES/viewer"
    args=${VIEWER_ARGS--p %p}
    args=${args//%p/$busy_pid}
    # script(1) gives the TUI a pseudo-terminal; timeout ends it.  The
    # viewer is a descendant of cputime, so its CPU time is what we get.
    (cd "$OUT" && TERM=xterm "$BUILD/cputime" -o "$RES/viewer" -- \
        script -qec "timeout -s INT -k 2 $VIEWER_SECONDS $(printf %q "$VIEWER") $args" \
        /dev/null >/dev/null 2>&1 </dev/null)
    kill "$busy_pid" 2>/dev/null
    wait "$busy_pid" 2>/dev/null
    # Killed, it could not remove its segment (docs/segment.md naming).
    rm -f /dev/shm/heaptop."$busy_pid".*
    line=$(cat "$RES/viewer" 2>/dev/null)
    cpu=$(echo "$line" | sed -n 's/^cpu=\([0-9.]*\) .*/\1/p')
    wall=$(echo "$line" | sed -n 's/.* wall=\([0-9.]*\) .*/\1/p')
    if [ -n "$cpu" ] && [ -n "$wall" ]; then
        VIEWER_RESULT=$(awk -v c="$cpu" -v w="$wall" -v s="$VIEWER_SECONDS" '
            BEGIN { printf "%.3f s CPU over %.1f s = %.2f%% of one core%s",
                c, w, 100 * c / w,
                (w < s - 1) ? " (viewer exited early!)" : "" }')
    else
        VIEWER_RESULT="failed to run $VIEWER"
    fi
}

# ---- report --------------------------------------------------------------

# median: of the numbers on stdin ("nan" if none).
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "nan"
              else if (NR % 2) print v[(NR + 1) / 2]
              else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# has_fail FILE: true if a run recorded in FILE failed.
has_fail() {
    grep -q fail "$1" 2>/dev/null
}

# cpu_ratio W T BASE: median over repetitions of the paired ratio T/BASE
# (pairing runs of the same repetition cancels slow drifts of the machine).
cpu_ratio() {
    local a=$RES/cpu.$1.$2 b=$RES/cpu.$1.$3
    [ -s "$a" ] && [ -s "$b" ] && ! has_fail "$a" && ! has_fail "$b" ||
        { echo nan; return; }
    paste "$a" "$b" | awk '$2 > 0 { print $1 / $2 }' | median
}

cpu_median() {
    local f=$RES/cpu.$1.$2
    [ -s "$f" ] && ! has_fail "$f" || { echo nan; return; }
    median <"$f"
}

# spread W: largest (max-min)/median over the trackers of a row, in %.
cpu_spread() {
    local t f worst=0 s
    for t in $TRACKERS; do
        f=$RES/cpu.$1.$t
        [ -s "$f" ] && ! has_fail "$f" || continue
        s=$(sort -g "$f" | awk '{ v[NR] = $1 } END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            if (m > 0) printf "%.0f", 100 * (v[NR] - v[1]) / m; else print 0 }')
        [ "$s" -gt "$worst" ] && worst=$s
    done
    echo "$worst"
}

ir_ratio() {
    local a=$RES/ir.$1.$2 b=$RES/ir.$1.$3
    [ -s "$a" ] && [ -s "$b" ] && ! has_fail "$a" && ! has_fail "$b" ||
        { echo nan; return; }
    awk -v x="$(cat "$a")" -v y="$(cat "$b")" 'BEGIN { print x / y }'
}

header() {
    local t
    printf "%-12s" workload
    for t in $TRACKERS; do printf " %17s" "$t"; done
}

print_cpu_table() {
    local w t cell med ratio
    echo "CPU time (user+sys of the traced program, and of the tracker's own" \
        "processes for heaptrack-full), median of $REPS" \
        "interleaved runs; ratio = median of per-run tracker/untracked"
    header
    printf "  spread\n"
    for w in $TIME_WORKLOADS; do
        have_workload "$w" || continue
        printf "%-12s" "$w"
        for t in $TRACKERS; do
            med=$(cpu_median "$w" "$t")
            ratio=$(cpu_ratio "$w" "$t" none)
            if [ "$med" = nan ]; then
                cell="FAILED"
            elif [ "$t" = none ]; then
                cell=$(printf "%.3fs" "$med")
            else
                cell=$(printf "%.3fs %5.2fx" "$med" "$ratio")
            fi
            [ -e "$RES/badout.$w.$t" ] && cell="$cell!"
            printf " %17s" "$cell"
        done
        printf "  %5s%%\n" "$(cpu_spread "$w")"
    done
}

print_ir_table() {
    local w t cell ir
    echo "Instructions executed (callgrind Ir, one run, smaller sizes);" \
        "ratio = tracker/untracked"
    header
    printf "\n"
    for w in $COUNT_WORKLOADS; do
        have_workload "$w" || continue
        printf "%-12s" "$w"
        for t in $TRACKERS; do
            if [ ! -s "$RES/ir.$w.$t" ]; then
                cell="n/a"
            elif has_fail "$RES/ir.$w.$t"; then
                cell="FAILED"
            else
                ir=$(cat "$RES/ir.$w.$t")
                cell=$(awk -v i="$ir" 'BEGIN { printf "%.1fM", i / 1e6 }')
                [ "$t" = none ] ||
                    cell="$cell $(printf "%6.3fx" "$(ir_ratio "$w" "$t" none)")"
            fi
            [ -e "$RES/irbadout.$w.$t" ] && cell="$cell!"
            printf " %17s" "$cell"
        done
        printf "\n"
    done
}

# target LABEL VALUE LIMIT: one footer line.
target() {
    local verdict
    if [ "$2" = nan ]; then
        verdict="n/a (no data)"
    else
        verdict=$(awk -v v="$2" -v l="$3" 'BEGIN {
            print (v <= l) ? "PASS" : "FAIL" }')
    fi
    printf "  %-44s %7s  <= %-5s  %s\n" "$1" \
        "$([ "$2" = nan ] && echo - || printf "%.3fx" "$2")" "$3" "$verdict"
}

# targets_each WORKLOADS LABEL RATIO_FN TRACKER BASE LIMIT: one footer line
# per workload present, RATIO_FN (cpu_ratio or ir_ratio) of TRACKER/BASE.
targets_each() {
    local w
    for w in $1; do
        have_workload "$w" || continue
        target "$2, $w" "$($3 "$w" "$4" "$5")" "$6"
    done
}

print_targets() {
    echo "Targets (informational: a FAIL here does not fail the benchmark)"
    printf "  %-44s %7s  %-8s  %s\n" "check" "value" "target" "meets target?"
    targets_each "$MICRO_WORKLOADS" "heaptop/forward CPU time" cpu_ratio heaptop forward 1.20
    targets_each "$REAL_WORKLOADS" "heaptop/untracked instructions" ir_ratio heaptop none 1.03
    target "heaptop/atomics CPU time, churn2" "$(cpu_ratio churn2 heaptop atomics)" 0.50
    # Call-site sampling (docs/sampling.md): the default rate costs at most
    # 3% over counters only, sampling everything stays below heaptrack.
    targets_each "$COUNT_WORKLOADS" "default/rate-0 instructions" ir_ratio heaptop-default heaptop 1.03
    [ -n "$HEAPTRACK_LIB" ] || return
    targets_each "$COUNT_WORKLOADS" "every/heaptrack instructions" ir_ratio heaptop-every heaptrack 1.00
    targets_each "$TIME_WORKLOADS" "every/heaptrack CPU time" cpu_ratio heaptop-every heaptrack 1.00
    [ -n "$HEAPTRACK_BIN" ] || return
    # "Well below" what heaptrack costs its users: at most three quarters.
    targets_each "$TIME_WORKLOADS" "every/heaptrack-full CPU time" cpu_ratio heaptop-every heaptrack-full 0.75
}

report() {
    echo
    echo "heaptop benchmark - $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
        "$(uname -r)$([ $QUICK = 1 ] && echo ', --quick')"
    echo "  heaptop   = $LIB (HEAPTOP_SAMPLE_RATE=0; heaptop-default: rate unset," \
        "heaptop-every: HEAPTOP_SAMPLE_RATE=1)"
    echo "  heaptrack = ${HEAPTRACK_LIB:-not installed (column skipped)}" \
        "$([ -n "$HEAPTRACK_LIB" ] && echo '(trace to /dev/null)')"
    echo "  heaptrack-full = ${HEAPTRACK_BIN:-not installed (column skipped)}" \
        "$([ -n "$HEAPTRACK_BIN" ] && echo '-o FILE CMD (interpreter and compressor included)')"
    echo
    print_cpu_table
    echo
    if [ -n "$VG_LAUNCHER" ]; then
        print_ir_table
    else
        echo "Instructions: valgrind not installed, skipped"
    fi
    echo
    print_targets
    if [ -n "$VIEWER" ]; then
        echo
        echo "Viewer cost (HOOK): $VIEWER_RESULT"
    fi
    echo
    echo "'!' = output differed from the untracked run;" \
        "spread = worst (max-min)/median of the row's cells."
    echo "Raw numbers: $RES"
}

# ---- main ----------------------------------------------------------------

log "building into $BUILD"
build
rm -rf "$RES" "$OUT"
mkdir -p "$RES" "$OUT" || die "cannot create $RES"
measure_cpu
find_callgrind
if [ -n "$VG_LAUNCHER" ]; then
    measure_instructions
else
    log "valgrind not found: instruction counts skipped"
fi
measure_viewer
report | tee "$BUILD/report.txt"
rm -rf "$OUT"

# Only a broken measurement fails the run, never a missed target.
if [ "$FAILED_RUNS" -gt 0 ]; then
    echo "run.sh: $FAILED_RUNS run(s) failed or produced wrong output" >&2
    exit 1
fi
exit 0
