/*
 * tests/demo/heaptop-demo.c - the built-in demo workload: a program whose heap
 * does the things heaptop is for, in phases a person can watch: steady churn
 * of small blocks, a cache that grows and is flushed, strings built with
 * realloc (grow in place and move), and a slow leak.  Runs for the given
 * number of seconds (default 60), then frees what it can and exits.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CHURN_SLOTS 4096
#define CACHE_MAX 20000

static void *churn[CHURN_SLOTS];
static void *cache[CACHE_MAX];
static size_t cache_len;

/* Small mixed-size blocks replaced at random: the steady background. */
static void churn_step(void)
{
	size_t i = next_rand() % CHURN_SLOTS;
	size_t size = 8u << (next_rand() % 7); /* 8 .. 512 bytes */
	free(churn[i]);
	churn[i] = malloc(size);
	if (churn[i])
		memset(churn[i], 0x5a, size);
}

/* A cache that grows by 4 KiB entries and is flushed when full: the sawtooth. */
static void cache_step(void)
{
	if (cache_len == CACHE_MAX) {
		for (size_t i = 0; i < cache_len; i++)
			free(cache[i]);
		cache_len = 0;
		return;
	}
	cache[cache_len] = malloc(4096);
	if (cache[cache_len])
		memset(cache[cache_len], 1, 4096);
	cache_len++;
}

/* A string built by appending, with realloc to exact size: moves and grows. */
static void string_step(void)
{
	char *s = NULL;
	size_t len = 0;
	int pieces = 50 + (int)(next_rand() % 200);
	for (int i = 0; i < pieces; i++) {
		char *t = realloc(s, len + 17);
		if (!t)
			break;
		s = t;
		memcpy(s + len, "0123456789abcdef", 17);
		len += 16;
	}
	free(s);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60.0;
	double start = now_s(), t;
	void **leak = NULL;
	size_t leaked = 0;

	printf("heaptop-demo: running for %.0f s (pid %d)\n", seconds, (int)getpid());
	fflush(stdout);
	while ((t = now_s() - start) < seconds) {
		for (int i = 0; i < 2000; i++)
			churn_step();
		for (int i = 0; i < 20; i++)
			cache_step();
		string_step();
		if ((next_rand() & 63) == 0) { /* the slow leak */
			void **l = realloc(leak, (leaked + 1) * sizeof(*leak));
			if (l) {
				leak = l;
				leak[leaked++] = malloc(1000);
			}
		}
		struct timespec nap = { 0, 2000000 };
		nanosleep(&nap, NULL);
	}
	for (size_t i = 0; i < CHURN_SLOTS; i++)
		free(churn[i]);
	for (size_t i = 0; i < cache_len; i++)
		free(cache[i]);
	printf("heaptop-demo: done, leaked %zu blocks on purpose\n", leaked);
	return 0;
}
