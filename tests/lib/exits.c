/*
 * tests/lib/exits.c - every way out of a process (tests/lib/exits.sh):
 *
 *   exits exit | return | _exit | quick_exit | abort | kill9 | atexit | dtor
 *   exits probe     prints "tracking=T stats=R": heaptop_tracking() and what
 *                   heaptop_stats_read() returned (-1 -1: no library)
 *
 * Each mode allocates, prints one line, and leaves its own way with its own
 * exit code; "atexit", "dtor" and "quick_exit" also allocate (and free) in
 * their exit handlers / static destructor, with sizes nothing else uses, so
 * the script can find those blocks in the kept segment.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "htcheck.h"

#define ATEXIT_SIZE 300000      /* alloc_size bucket 19 */
#define DTOR_SIZE 600000        /* bucket 20 */
#define QUICK_EXIT_SIZE 1200000 /* bucket 21 */

static int dtor_allocates;

static void alloc_and_free(size_t n)
{
	char *p = malloc(n);
	if (p)
		p[0] = 1;
	free(p);
}

static void at_exit_handler(void)
{
	alloc_and_free(ATEXIT_SIZE);
}

static void at_quick_exit_handler(void)
{
	alloc_and_free(QUICK_EXIT_SIZE);
}

__attribute__((destructor)) static void static_dtor(void)
{
	if (dtor_allocates)
		alloc_and_free(DTOR_SIZE);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char *keep = strdup("a block that stays live at exit");

	note_pid();
	printf("mode %s: %s\n", mode, keep);
	fflush(stdout);
	if (!strcmp(mode, "exit"))
		exit(3);
	if (!strcmp(mode, "return"))
		return 6;
	if (!strcmp(mode, "_exit"))
		_exit(4);
	if (!strcmp(mode, "quick_exit")) {
		at_quick_exit(at_quick_exit_handler);
		quick_exit(5);
	}
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "kill9"))
		raise(SIGKILL);
	if (!strcmp(mode, "atexit")) {
		atexit(at_exit_handler);
		exit(7);
	}
	if (!strcmp(mode, "probe")) {
		struct heaptop_stats st;
		printf("tracking=%d stats=%d\n", ht_loaded() ? heaptop_tracking() : -1,
		       ht_loaded() ? heaptop_stats_read(&st, HEAPTOP_SCOPE_PROCESS) : -1);
		return 0;
	}
	if (!strcmp(mode, "dtor")) {
		dtor_allocates = 1;
		return 8;
	}
	test_hard_error("unknown mode '%s'", mode);
}
