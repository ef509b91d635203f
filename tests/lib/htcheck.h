/*
 * tests/lib/htcheck.h - helpers for test programs that run under
 * LD_PRELOAD=libheaptop.so and check its counters through the in-process API
 * (include/heaptop.h).  The programs are built without linking the library,
 * so the API is weak: without the preload it is absent.
 *
 *     struct ht_snap a, b;
 *     snap(&a); ...code under test...; snap(&b);
 *     struct heaptop_stats want = {0};
 *     want.alloc_count = 1; ...
 *     CHECK_DELTA(&a, &b, &want);   every counter, use_curr and bucket
 *
 * A snapshot reads both scopes; CHECK_DELTA compares the expected delta with
 * the process-scope delta and with the thread-scope delta, so it is only for
 * code that runs while no other thread allocates.
 */
#ifndef HEAPTOP_TESTS_HTCHECK_H
#define HEAPTOP_TESTS_HTCHECK_H

#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "heaptop.h"

struct ht_snap {
	struct heaptop_stats proc;
	struct heaptop_stats thread;
};

/* 1 when libheaptop is loaded: its API is weak in programs run under the
 * preload, and linked in (never NULL) in the TSan builds. */
static inline int ht_loaded(void)
{
#ifdef HEAPTOP_BUILDING_LIB
	return 1;
#else
	return heaptop_stats_read != NULL;
#endif
}

/* Reads scope into *st; not tracking under the preload is a hard error. */
static inline void read_stats(struct heaptop_stats *st, enum heaptop_scope scope)
{
	if (!ht_loaded())
		test_hard_error("libheaptop is not loaded (run me with LD_PRELOAD=$HEAPTOP_LIB)");
	int rc = heaptop_stats_read(st, scope);
	if (rc != 0)
		test_hard_error("heaptop_stats_read(scope %d) failed: %d", (int)scope, rc);
}

/* Reads both scopes (the calling thread must own a shard). */
static inline void snap(struct ht_snap *s)
{
	read_stats(&s->thread, HEAPTOP_SCOPE_THREAD);
	read_stats(&s->proc, HEAPTOP_SCOPE_PROCESS);
}

/* *d = *b - *a for every counter, use_curr and bucket (use_max = b's). */
static inline void stats_delta(const struct heaptop_stats *a, const struct heaptop_stats *b,
			       struct heaptop_stats *d)
{
#define HT_X_DELTA(name, unit, desc) d->name = b->name - a->name;
	HEAPTOP_COUNTERS(HT_X_DELTA)
#undef HT_X_DELTA
	d->use_curr = b->use_curr - a->use_curr;
	d->use_max = b->use_max;
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++)
			d->hist[k][i] = b->hist[k][i] - a->hist[k][i];
}

/* Compares every counter, use_curr and bucket of got with want; 1 if equal. */
static inline int check_stats_eq(const struct heaptop_stats *got, const struct heaptop_stats *want,
				 const char *what, const char *file, int line)
{
	unsigned long before = test_failures;

#define HT_X_CMP(name, unit, desc)                                                          \
	test_checks++;                                                                      \
	if (got->name != want->name)                                                        \
		test_fail_(file, line, "%s: %s delta %llu, want %llu", what, #name,         \
			   (unsigned long long)got->name, (unsigned long long)want->name);
	HEAPTOP_COUNTERS(HT_X_CMP)
#undef HT_X_CMP
	test_checks++;
	if (got->use_curr != want->use_curr)
		test_fail_(file, line, "%s: use_curr delta %lld, want %lld", what,
			   (long long)got->use_curr, (long long)want->use_curr);
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int i = 0; i < HEAPTOP_HIST_BUCKETS; i++) {
			test_checks++;
			if (got->hist[k][i] != want->hist[k][i])
				test_fail_(file, line, "%s: hist[%d][%d] delta %llu, want %llu", what,
					   k, i, (unsigned long long)got->hist[k][i],
					   (unsigned long long)want->hist[k][i]);
		}
	return test_failures == before;
}

/* The expected delta of *want between snapshots a and b, in both scopes. */
#define CHECK_DELTA(a, b, want) check_delta_((a), (b), (want), __FILE__, __LINE__)
static inline int check_delta_(const struct ht_snap *a, const struct ht_snap *b,
			       const struct heaptop_stats *want, const char *file, int line)
{
	struct heaptop_stats d;
	int ok;

	stats_delta(&a->proc, &b->proc, &d);
	ok = check_stats_eq(&d, want, "process scope", file, line);
	stats_delta(&a->thread, &b->thread, &d);
	return check_stats_eq(&d, want, "thread scope", file, line) && ok;
}

/* Adds one allocation of req requested bytes and usable bytes to *want. */
static inline void want_alloc(struct heaptop_stats *want, size_t req, size_t usable)
{
	want->alloc_count++;
	want->alloc_bytes += usable;
	want->alloc_req_bytes += req;
	want->hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(req)]++;
	want->use_curr += usable;
}

/* Adds one free of a block of usable bytes to *want. */
static inline void want_free(struct heaptop_stats *want, size_t usable)
{
	want->dealloc_count++;
	want->dealloc_bytes += usable;
	want->use_curr -= usable;
}

/*
 * Adds a successful realloc of a live block to *want: old_u usable bytes
 * before, new_u after, req asked, moved or not (the counting rules of
 * docs/counters.md).
 */
static inline void want_realloc(struct heaptop_stats *want, size_t old_u, size_t new_u,
				size_t req, int moved)
{
	if (new_u > old_u) {
		want->realloc_growth_count++;
		want->realloc_growth_bytes += new_u - old_u;
		want->hist[HEAPTOP_HIST_GROWTH][heaptop_hist_bucket(new_u - old_u)]++;
	} else if (new_u < old_u) {
		want->realloc_shrink_count++;
		want->realloc_shrink_bytes += old_u - new_u;
		want->hist[HEAPTOP_HIST_SHRINK][heaptop_hist_bucket(old_u - new_u)]++;
	} else {
		want->realloc_same_count++;
	}
	if (moved) {
		size_t copied = old_u < req ? old_u : req;
		want->realloc_move_count++;
		want->realloc_move_bytes += copied;
		want->hist[HEAPTOP_HIST_MOVE][heaptop_hist_bucket(copied)]++;
	}
	want->use_curr += new_u - old_u;
}

/*
 * Allocates and frees n blocks of size bytes (a size nothing else in the
 * caller uses) and checks that the process counted exactly those; *b gets
 * the stats after, *a must hold those before.
 */
static inline void check_own_churn(const struct heaptop_stats *a, struct heaptop_stats *b,
				   unsigned n, size_t size)
{
	unsigned k = heaptop_hist_bucket(size);

	for (unsigned i = 0; i < n; i++)
		free(malloc(size));
	read_stats(b, HEAPTOP_SCOPE_PROCESS);
	CHECK_EQ(b->alloc_count - a->alloc_count, n);
	CHECK_EQ(b->dealloc_count - a->dealloc_count, n);
	CHECK_EQ(b->hist[HEAPTOP_HIST_ALLOC][k] - a->hist[HEAPTOP_HIST_ALLOC][k], n);
}

/* Appends line to the file named by $var, if set (no stdio, no allocation). */
static inline void note_line(const char *var, const char *line)
{
	const char *path = getenv(var);
	size_t n = strlen(line);

	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, n) != (ssize_t)n)
		test_hard_error("cannot write %s", path);
	close(fd);
}

/*
 * Appends "<pid>" to $HT_PIDFILE and, under the library, "<segment name>" to
 * $HT_SEGFILE: the shell test removes this pid's segments at cleanup even
 * when the program dies before removing them itself, and finds this
 * process's segment by name (the generation is not always 0: a dead process
 * with the same pid may have left a stale segment behind).
 */
static inline void note_pid(void)
{
	char buf[80];

	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	note_line("HT_PIDFILE", buf);
	if (ht_loaded() && heaptop_segment_name()) {
		snprintf(buf, sizeof(buf), "%s\n", heaptop_segment_name());
		note_line("HT_SEGFILE", buf);
	}
}

#endif
