/*
 * tests/lib/apiuse.c - the in-process API (include/heaptop.h) as a program
 * that uses heaptop sees it, in the three ways it can meet the library:
 *
 *   apiuse absent     run without the library: the weak API is NULL and the
 *                     measure helpers return -ENOSYS ("not tracking");
 *   apiuse tracking   preloaded, or linked in through heaptop.pc: exact
 *                     counts of ten strdup() calls, and the segment's name.
 *
 * The program itself names no malloc-family function (it allocates through
 * strdup, never frees): what it references of libheaptop is the weak API
 * alone, so a link with --as-needed keeps the library only when heaptop.pc
 * asks for it explicitly (tests/lib/api.sh checks both).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "htcheck.h"

#define COPIES 10
static const char text[] = "heaptop in-process API"; /* 23 bytes with its NUL */

static void check_absent(void)
{
	struct heaptop_measure m;
	struct heaptop_stats d;

	CHECK(heaptop_stats_read == NULL);
	CHECK(heaptop_tracking == NULL);
	CHECK(heaptop_segment_name == NULL);
	CHECK_EQ_I(heaptop_measure_begin(&m, HEAPTOP_SCOPE_PROCESS), -ENOSYS);
	CHECK_EQ_I(heaptop_measure_end(&m, &d), -ENOSYS);
	CHECK_EQ_I(heaptop_measure_begin(&m, HEAPTOP_SCOPE_THREAD), -ENOSYS);
	CHECK_EQ_I(heaptop_measure_end(&m, &d), -ENOSYS);
}

static void check_tracking(void)
{
	struct heaptop_measure m;
	struct heaptop_stats d;
	char want[64];
	char *keep[COPIES];

	if (!CHECK(heaptop_stats_read != NULL) || !CHECK(heaptop_tracking != NULL) ||
	    !CHECK(heaptop_segment_name != NULL))
		return; /* the library is not there: nothing more to ask it */
	note_pid();
	CHECK_EQ(heaptop_tracking(), 1);
	snprintf(want, sizeof(want), "/heaptop.%ld.", (long)getpid());
	const char *name = heaptop_segment_name();
	if (CHECK(name != NULL))
		CHECK(strncmp(name, want, strlen(want)) == 0);

	if (!CHECK_EQ_I(heaptop_measure_begin(&m, HEAPTOP_SCOPE_THREAD), 0))
		return;
	for (int i = 0; i < COPIES; i++)
		keep[i] = strdup(text);
	if (!CHECK_EQ_I(heaptop_measure_end(&m, &d), 0))
		return;
	for (int i = 0; i < COPIES; i++)
		CHECK(keep[i] != NULL && strcmp(keep[i], text) == 0);
	CHECK_EQ(d.alloc_count, COPIES);
	CHECK_EQ(d.alloc_req_bytes, COPIES * sizeof(text));
	CHECK_EQ(d.dealloc_count, 0);
	CHECK_EQ(d.hist[HEAPTOP_HIST_ALLOC][heaptop_hist_bucket(sizeof(text))], COPIES);
	CHECK_EQ(d.use_curr, d.alloc_bytes);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		test_hard_error("usage: apiuse absent|tracking");
	if (strcmp(argv[1], "absent") == 0)
		check_absent();
	else if (strcmp(argv[1], "tracking") == 0)
		check_tracking();
	else
		test_hard_error("unknown mode %s", argv[1]);
	return test_summary(argv[1]);
}
