#!/bin/sh
# tests/lib/allocators.sh - heaptop over another allocator preloaded after
# it (LD_PRELOAD="libheaptop.so:libjemalloc.so.2", the same for mimalloc):
# dlsym(RTLD_NEXT) must keep that allocator in the chain, the counters stay
# exact (integ, stress) and the malloc family behaves as that allocator does
# alone (conform, compared with a run that preloads only the allocator).
# Skipped (77) when neither allocator is installed.
. "$top_srcdir/tests/lib/common.sh"

found=0
for name in jemalloc mimalloc; do
	so=
	for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib \
		"/usr/lib/$(uname -m)-linux-gnu"; do
		[ -r "$dir/lib$name.so.2" ] && so=$dir/lib$name.so.2 && break
	done
	if [ -z "$so" ]; then
		note "lib$name.so.2 not installed: skipped"
		continue
	fi
	found=$((found + 1))
	under="$HEAPTOP_LIB:$so"
	note "$name: $so"
	extra=
	# jemalloc has no pvalloc: a plain run would hand glibc's block to jemalloc's free.
	nm -D --defined-only "$so" 2>/dev/null | grep -qw pvalloc || extra=HT_NO_PVALLOC=1

	timeout -s KILL 60 env HT_ALLOCATOR=$name LD_PRELOAD="$under" "$T/integ" ||
		fail "$name: integ (exit $?)"
	timeout -s KILL 60 env HEAPTOP_SHARDS=4 LD_PRELOAD="$under" "$T/stress" cross 16 2000 4 ||
		fail "$name: stress cross (exit $?)"
	timeout -s KILL 60 env LD_PRELOAD="$under" "$T/stress" tls 5000 ||
		fail "$name: stress tls (exit $?)"
	timeout -s KILL 60 env LD_PRELOAD="$under" "$T/stress" many 1024 ||
		fail "$name: stress many (exit $?)"

	timeout -s KILL 30 env $extra LD_PRELOAD="$so" "$T/conform" >"$tmp/plain.out" 2>"$tmp/plain.err"
	rc_plain=$?
	timeout -s KILL 30 env $extra LD_PRELOAD="$under" "$T/conform" >"$tmp/traced.out" 2>"$tmp/traced.err"
	rc_traced=$?
	expect_eq "$name: conform without heaptop" "$rc_plain" 0
	expect_eq "$name: conform under heaptop" "$rc_traced" 0
	cat "$tmp/traced.err" >&2
	diff -u "$tmp/plain.out" "$tmp/traced.out" >&2 ||
		fail "$name: the malloc family behaves differently under heaptop"
done
[ "$found" -gt 0 ] || skip "neither jemalloc nor mimalloc is installed"
finish
