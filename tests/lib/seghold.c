/*
 * tests/lib/seghold.c - a small traced program for the segment tests: it
 * allocates for a while (so the timeline gets points), keeps NBLOCKS blocks of
 * BLOCK bytes live, then writes what the in-process API says into DIR/ready
 * and waits (without allocating) until DIR/go exists, so the test can read
 * its segment while it is quiescent and compare the two views.
 *
 *     seghold DIR [MS]      MS: how long to allocate (default 350)
 *
 * DIR/ready: "pid alloc_count dealloc_count alloc_bytes use_curr use_max
 * bucket_count bucket name" where bucket_count is the count of BLOCK's
 * alloc_size bucket, bucket its index, name the segment's shm name.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "htcheck.h"

#define NBLOCKS 1000
#define BLOCK 48

static void *blocks[NBLOCKS];

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Churns small blocks for ms milliseconds. */
static void churn(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		for (int i = 0; i < 512; i++) {
			void *p = malloc((size_t)(i % 200) + 1);
			free(p);
		}
	}
}

static void write_ready(const char *dir)
{
	struct heaptop_stats st;
	char buf[256], tmp[4096], final[4096];

	read_stats(&st, HEAPTOP_SCOPE_PROCESS);
	int n = snprintf(buf, sizeof(buf), "%d %llu %llu %llu %llu %llu %llu %u %s\n", (int)getpid(),
			 (unsigned long long)st.alloc_count, (unsigned long long)st.dealloc_count,
			 (unsigned long long)st.alloc_bytes, (unsigned long long)st.use_curr,
			 (unsigned long long)st.use_max,
			 (unsigned long long)st.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(BLOCK)],
			 heaptop_hist_bucket(BLOCK), heaptop_segment_name());
	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(final, sizeof(final), "%s/ready", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) != 0 || rename(tmp, final) != 0)
		test_hard_error("cannot write %s", final);
}

/* Waits for DIR/go with access() and nanosleep: nothing here allocates. */
static void wait_go(const char *dir)
{
	char go[4096];
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 };

	snprintf(go, sizeof(go), "%s/go", dir);
	for (int i = 0; i < 6000 && access(go, F_OK) != 0; i++)
		nanosleep(&ten_ms, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		test_hard_error("usage: seghold DIR [MS]");
	note_pid();
	churn(argc > 2 ? (unsigned)atoi(argv[2]) : 350);
	for (int i = 0; i < NBLOCKS; i++)
		if (!(blocks[i] = malloc(BLOCK)))
			test_hard_error("out of memory");
	write_ready(argv[1]);
	wait_go(argv[1]);
	return 0;
}
