/*
 * tests/tui/unit_model.c - the model and the snapshot writers on an image
 * the test changes between scans: counters and history after init, rates,
 * the mark (deltas of counters, use_curr and histograms), JSON keys and
 * escaping, and the text report saying it shows deltas.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include "harness.h"
#include "segimage.h"
#include "model.h"
#include "snapshot.h"

/* Writes a snapshot of m into a string (free it). */
static char *render(const struct model *m, int json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		test_hard_error("open_memstream failed");
	CHECK_EQ(json ? snapshot_write_json(f, m) : snapshot_write_text(f, m), 0);
	fclose(f);
	return out;
}

/* The number after "key": on the first line holding it at or after from. */
static long long json_num(const char *doc, const char *from, const char *key)
{
	char pat[96];
	long long v = -999999;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	const char *p = strstr(from ? strstr(doc, from) : doc, pat);
	if (p)
		sscanf(p + strlen(pat), "%lld", &v);
	return v;
}

/* The raw value of a counter line of the text report. */
static long long text_num(const char *doc, const char *key)
{
	char pat[96];
	long long v = -999999;

	snprintf(pat, sizeof(pat), "\n%s ", key);
	const char *p = strstr(doc, pat);
	if (p)
		sscanf(p + strlen(pat), "%lld", &v);
	return v;
}

static void test_scan_and_mark(void)
{
	struct segimage im;
	struct model m = { 0 };
	struct segread *r;
	struct heaptop_stats v;

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	CHECK_EQ(segread_open_buffer(im.buf, im.size, &r), SEGREAD_OK);
	CHECK_EQ(model_init(&m, r), SEGREAD_OK);
	CHECK_EQ(m.cur.stats.alloc_count, 15);
	CHECK_EQ(m.nhist, 7);                   /* the timeline's valid points */
	CHECK(m.cur.points == NULL);

	im.shard[0]->alloc_count += 100;
	im.shard[0]->alloc_bytes += 10000;
	CHECK_EQ(model_scan(&m), SEGREAD_OK);
	CHECK_EQ(m.cur.stats.alloc_count, 115);
	CHECK_EQ(m.prev.stats.alloc_count, 15);
	CHECK(m.interval_s > 0);
	CHECK(m.alloc_rate > 99.0 / m.interval_s && m.alloc_rate < 101.0 / m.interval_s);

	model_toggle_mark(&m);
	CHECK_EQ(m.has_mark, 1);
	im.shard[1]->alloc_count += 5;
	im.shard[1]->dealloc_count += 1;
	im.shard[1]->dealloc_bytes += 200;
	im.shard[1]->hist[HEAPTOP_HIST_GROWTH][12] += 3;
	CHECK_EQ(model_scan(&m), SEGREAD_OK);
	model_view_stats(&m, &v);
	CHECK_EQ(v.alloc_count, 5);
	CHECK_EQ_I((int64_t)v.use_curr, -200);
	CHECK_EQ(v.hist[HEAPTOP_HIST_GROWTH][12], 3);
	CHECK_EQ(v.hist[HEAPTOP_HIST_ALLOC][7], 0);
	CHECK_EQ(v.use_max, 10332); /* the current peak, not a delta */

	char *js = render(&m, 1), *tx = render(&m, 0);
	CHECK_EQ(json_num(js, NULL, "alloc_count"), 120);       /* top level: absolute */
	CHECK_EQ(json_num(js, "\"mark\"", "alloc_count"), 5);   /* mark: deltas */
	CHECK_EQ(json_num(js, "\"mark\"", "use_curr"), -200);
	CHECK_EQ(json_num(js, NULL, "use_curr"), 532 + 10000 - 200);
	CHECK_EQ(json_num(js, NULL, "alloc_avg"), 11500 / 120);
	CHECK(strstr(tx, "since the mark") != NULL);
	CHECK_EQ(text_num(tx, "alloc_count"), 5);
	CHECK_EQ(text_num(tx, "use_curr"), -200);
	CHECK(strstr(tx, "[ 2 KiB .. 4 KiB)") != NULL);         /* growth bucket 12 */
	CHECK(strstr(tx, "sampling not available") != NULL);
	free(js);
	free(tx);

	model_toggle_mark(&m);
	CHECK_EQ(m.has_mark, 0);
	model_view_stats(&m, &v);
	CHECK_EQ(v.alloc_count, 120);
	js = render(&m, 1);
	CHECK(strstr(js, "\"mark\"") == NULL);
	free(js);
	model_free(&m);
	segimage_free(&im);
}

static void test_json_text(void)
{
	struct segimage im;
	struct model m = { 0 };
	struct segread *r;

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	strcpy(im.h->cmdline, "say \"hi\" c:\\dir");
	im.h->state = HEAPTOP_STATE_EXITED;
	im.h->exit_mono_ns = 2500000000ull;
	CHECK_EQ(segread_open_buffer(im.buf, im.size, &r), SEGREAD_OK);
	CHECK_EQ(model_init(&m, r), SEGREAD_OK);
	CHECK_EQ(m.cur.uptime_ns, 2500000000ull);
	char *js = render(&m, 1), *tx = render(&m, 0);
	CHECK(strstr(js, "\"cmdline\": \"say \\\"hi\\\" c:\\\\dir\"") != NULL);
	CHECK(strstr(js, "\"state\": \"exited\"") != NULL);
	CHECK(strstr(js, "\"uptime_s\": 2.500000") != NULL);
	CHECK(strstr(js, "\"alloc_size\": [0, 0, 0, 0, 0, 0, 0, 15, 0") != NULL);
#define T_X_KEY(name, unit, desc) \
	CHECK(json_num(js, NULL, #name) == text_num(tx, #name) && json_num(js, NULL, #name) >= 0);
	HEAPTOP_COUNTERS(T_X_KEY)
#undef T_X_KEY
	CHECK(strstr(tx, "stats (since the process started)") != NULL);
	CHECK(strstr(tx, "uptime     2.5s") != NULL);
	free(js);
	free(tx);
	model_free(&m);
	segimage_free(&im);
}

int main(void)
{
	test_scan_and_mark();
	test_json_text();
	return test_summary("unit_model");
}
