#!/bin/sh
# tests/lib/realprog.sh - real programs under the library produce the same
# stdout, stderr and exit code as without it: python3, perl, a bash pipeline,
# sort (also --parallel=2), gcc compiling and running a file, tar + gzip,
# xz -T2, sqlite3, make.  Every process of a run inherits LD_PRELOAD.
#
# Where a private mount namespace is allowed, the traced runs get a private
# /dev/shm and HEAPTOP_KEEP=1: each run must leave at least one segment,
# every segment must pass segdump, and the run's main segment must be EXITED.
. "$top_srcdir/tests/lib/common.sh"

cd "$tmp" || hard_error "cd $tmp"
private=0
to 10 unshare -m sh -c 'mount -t tmpfs tmpfs /dev/shm' 2>/dev/null && private=1
[ "$private" = 1 ] || note "no private /dev/shm: checking outputs only"

# check_same NAME CMD: runs the shell command CMD plainly and traced.
check_same() {
	name=$1
	cmd=$2
	to 60 sh -c "$cmd" >plain.out 2>plain.err
	rc_plain=$?
	if [ "$private" = 1 ]; then
		# shellcheck disable=SC2016
		to 60 unshare -m sh -c '
			mount -t tmpfs -o size=512m tmpfs /dev/shm || exit 99
			HEAPTOP_KEEP=1 LD_PRELOAD=$0 sh -c "$1" >traced.out 2>traced.err
			rc=$?
			for s in /dev/shm/heaptop.*; do
				[ -e "$s" ] || continue
				if ! "$2" --no-time-checks "$s" >seg.txt 2>>segdump.err; then
					echo "bad $s" >>segs.bad
				fi
				sed -n "s/^state=//p" seg.txt >>segs.states
			done
			exit $rc' "$HEAPTOP_LIB" "$cmd" "$T/segdump" 2>&1
		rc_traced=$?
		nseg=$(wc -l <segs.states 2>/dev/null || echo 0)
		[ "$nseg" -ge 1 ] || fail "$name: no segment was made"
		grep -q '^2$' segs.states 2>/dev/null || fail "$name: no segment is EXITED"
		if [ -s segs.bad ]; then
			fail "$name: $(wc -l <segs.bad) bad segments"
			cat segdump.err >&2
		fi
		note "$name: $nseg processes traced"
		rm -f segs.states segs.bad segdump.err seg.txt
	else
		ls /dev/shm | grep '^heaptop\.' >before.txt
		to 60 env LD_PRELOAD="$HEAPTOP_LIB" sh -c "$cmd" >traced.out 2>traced.err
		rc_traced=$?
		# Processes that left with _exit (dash does) leave their segment:
		# remove the new ones whose process is gone.
		ls /dev/shm | grep '^heaptop\.' | grep -vxF -f before.txt |
			while read -r s; do
				p=${s#heaptop.}
				[ -d "/proc/${p%%.*}" ] || rm -f "/dev/shm/$s"
			done
	fi
	expect_eq "$name: exit code" "$rc_traced" "$rc_plain"
	cmp -s plain.out traced.out || fail "$name: stdout differs"
	if ! cmp -s plain.err traced.err; then
		fail "$name: stderr differs"
		diff plain.err traced.err >&2
	fi
	[ -s plain.out ] || fail "$name: printed nothing (the command is broken)"
}

# Inputs.
seq 1 200000 | awk '{ print ($1 * 7919) % 100003, "line", $1 }' >numbers.txt
cat >hello.c <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	char *s = malloc(64);
	strcpy(s, "hello from a program gcc built under heaptop");
	puts(s);
	free(s);
	return 3;
}
EOF2
cat >Makefile.test <<'EOF2'
all: a.out
	./a.out; echo "a.out said $$?"
a.out: hello.c
	gcc -O1 -o $@ hello.c
EOF2

# has PROG: true when PROG is installed; otherwise false and a note, or a
# failure for python3, perl and gcc: with bash and sort (coreutils) they are
# the real programs this test must cover, and tools/setup.sh installs them.
has() {
	command -v "$1" >/dev/null && return 0
	case $1 in
	python3 | /usr/bin/python3 | perl | gcc) fail "$1 is not installed (tools/setup.sh installs it)" ;;
	*) note "skipped: $1 is not installed" ;;
	esac
	return 1
}

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if has "$py"; then
	check_same python3 "$py -c 'import json, collections
d = collections.Counter(w for w in open(\"numbers.txt\").read().split() if w.isdigit())
print(len(d), sum(d.values()), json.dumps(sorted(d.items())[:5]))
raise SystemExit(4)'"
fi
has perl &&
	check_same perl "perl -e 'my %h; while (<>) { \$h{(split)[0] % 97}++ } print join(\",\", map { \"\$_=\$h{\$_}\" } sort { \$a <=> \$b } keys %h), \"\\n\"; exit 5' numbers.txt"
check_same "bash pipeline" "bash -c 'for i in \$(seq 1 3000); do echo \"item \$i\"; done | grep 7 | sort -r | uniq -c | head -n 40 | wc -l; cat numbers.txt | cut -d\" \" -f1 | sort -n | tail -n 3'"
check_same sort "sort -k1,1n -k3,3n numbers.txt | md5sum"
check_same "sort --parallel=2" "sort --parallel=2 -S 2M -n numbers.txt | md5sum"
has gcc && check_same gcc "gcc -O2 -Wall -o hello hello.c && ./hello"
has gzip &&
	check_same "tar + gzip" "mkdir -p t/d && cp numbers.txt hello.c t/d/ && tar -C t -czf t.tgz d && rm -rf t2 && mkdir t2 && tar -C t2 -xzf t.tgz && cmp t/d/numbers.txt t2/d/numbers.txt && tar -tzf t.tgz | sort"
has xz &&
	check_same "xz -T2" "cat numbers.txt numbers.txt numbers.txt > big.txt && xz -T2 -3 -k -c big.txt > big.xz && xz -T2 -d -c big.xz | md5sum && md5sum < big.txt"
has sqlite3 &&
	check_same sqlite3 "sqlite3 :memory: 'create table t(a, b); with recursive c(x) as (select 1 union all select x + 1 from c where x < 20000) insert into t select x, x * x from c; select count(*), sum(b) % 1000003, max(a) from t; select b from t where a % 4999 = 0 order by b;'"
has make && has gcc &&
	check_same make "rm -f a.out && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f Makefile.test"

# C++ (built at -O0: the optimiser may elide new/delete pairs): operator
# new / delete reach malloc / free through libstdc++, and
# are counted exactly (thread scope around them).
if has g++; then
	cat >newdel.cc <<'EOF2'
#include <cstdio>
#include <string>
#include <vector>
#include "heaptop.h"
int main()
{
	struct heaptop_measure m;
	struct heaptop_stats d;
	if (heaptop_measure_begin(&m, HEAPTOP_SCOPE_THREAD) != 0) {
		std::puts("not tracking");
		return 2;
	}
	int *a = new int[1000];
	std::vector<long> *v = new std::vector<long>(3000);
	delete v;
	delete[] a;
	if (heaptop_measure_end(&m, &d) != 0)
		return 2;
	std::printf("alloc %llu dealloc %llu req %llu use %lld\n", (unsigned long long)d.alloc_count,
		    (unsigned long long)d.dealloc_count, (unsigned long long)d.alloc_req_bytes,
		    (long long)d.use_curr);
	return 0;
}
EOF2
	if g++ -O0 -fno-builtin -I"$top_srcdir/include" -o newdel newdel.cc; then
		traced 30 ./newdel >newdel.out 2>&1 || fail "C++ new/delete: exit $?"
		# new int[1000], new vector (the object, then its 3000 longs); two deletes free all three.
		expect_eq "C++ new/delete counted" "$(cat newdel.out)" \
			"alloc 3 dealloc 3 req $((4000 + 24 + 24000)) use 0"
	else
		note "g++ cannot build the C++ check: skipped"
	fi
fi
finish
