/*
 * tests/tui/prog/allocs.c - a workload with a known allocation pattern for
 * the viewer's tests, run under the preload:
 *     allocs N SIZE KEEP GROW EXIT [HOLD_FILE]
 * mallocs N blocks of SIZE bytes, reallocs the first GROW of them to
 * 4*SIZE, frees all but the first KEEP, then either exits with EXIT or, when
 * HOLD_FILE is given, creates that file and waits for a signal (so a test
 * can attach with -p to a process whose counters no longer move), for at
 * most 60 s.
 * Everything else it does is the same for every N, so two runs differ by
 * exactly the pattern.  Built with -fno-builtin: every call stays.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_BLOCKS 100000

static void *blocks[MAX_BLOCKS];

static long arg(char **argv, int i)
{
	return strtol(argv[i], NULL, 10);
}

int main(int argc, char **argv)
{
	if (argc < 6)
		return 99;
	long n = arg(argv, 1), size = arg(argv, 2), keep = arg(argv, 3), grow = arg(argv, 4);
	if (n < 0 || n > MAX_BLOCKS || keep > n || grow > n)
		return 99;
	free(malloc(1)); /* the library starts on the first allocation: make one even for N = 0 */
	for (long i = 0; i < n; i++)
		if (!(blocks[i] = malloc((size_t)size)))
			return 98;
	for (long i = 0; i < grow; i++) {
		void *q = realloc(blocks[i], (size_t)size * 4);
		if (!q)
			return 98;
		blocks[i] = q;
	}
	for (long i = keep; i < n; i++)
		free(blocks[i]);
	if (argc > 6) {
		int fd = open(argv[6], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			return 97;
		close(fd);
		alarm(60); /* a test that dies must not leave us behind */
		for (;;)
			pause();
	}
	return (int)arg(argv, 5);
}
