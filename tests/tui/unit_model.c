/*
 * tests/tui/unit_model.c - the model and the snapshot writers on an image
 * the test changes between scans: counters and history after init, rates,
 * the mark (deltas of counters, use_curr and histograms), JSON keys and
 * escaping, the text report saying it shows deltas, and the call sites of
 * a sampled image (orders, names, changes since a mark, both writers).
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
	CHECK(strstr(tx, "call-site sampling is off (HEAPTOP_SAMPLE_RATE=0)") != NULL);
	CHECK(strstr(js, "\"sampling_available\": false") != NULL);
	CHECK(strstr(js, "\"sampling\": \"off\"") != NULL);
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

/* The call sites of a sampled image: orders, the frames they are named
 * after (no symbols: module+offset), changes since a mark by stack
 * identity, and both writers. */
static void test_sites(void)
{
	struct segimage im;
	struct model m = { 0 };
	struct segread *r;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	CHECK_EQ(segread_open_buffer(im.buf, im.size, &r), SEGREAD_OK);
	CHECK_EQ(model_init(&m, r), SEGREAD_OK);
	CHECK_EQ(m.nsites, 2);
	CHECK(model_sampling_note(&m.cur) == NULL);
	CHECK_EQ(model_site_count(&m, SITE_BY_LIVE), 2);
	CHECK_EQ(model_site_count(&m, SITE_MOVERS_BY_BYTES), 1);
	CHECK_EQ(model_site_count(&m, SITE_PEAK_BY_BYTES), 1);
	const struct model_site *a = model_site_at(&m, SITE_BY_LIVE, 0);
	const struct model_site *b = model_site_at(&m, SITE_MOVERS_BY_BYTES, 0);
	CHECK(model_site_at(&m, SITE_BY_LIVE, 2) == NULL);
	if (CHECK(a && b)) {
		char buf[256];
		CHECK_EQ(a->s->hash, 0x11);
		CHECK_EQ(a->v.live_bytes, 200);
		CHECK_EQ(a->v.peak_bytes, 250);
		/* /usr/bin/prog is no file here: the frame is prog+offset */
		CHECK_STR(symbols_format(&a->where, buf, sizeof(buf)), "prog+0x401234");
		CHECK_EQ(b->s->hash, 0x33);
		CHECK_STR(symbols_format(&b->where, buf, sizeof(buf)), "lib?[31m.so+0x1010"); /* sanitised */
		CHECK(model_site_find(&m, 0x33, 0x7f0000001010) == b);
		CHECK(model_site_find(&m, 0x33, 0x1) == NULL);
	}
	/* ascending by live reads the order backwards: b (0) before a (200) */
	CHECK(model_site_at(&m, SITE_BY_LIVE, 1) == b);

	/* a mark, then site 0x11 allocates 100 more bytes and frees 50 */
	model_toggle_mark(&m);
	im.site[1]->alloc_samples += 1, im.site[1]->alloc_bytes += 100, im.site[1]->alloc_blocks += 1;
	im.site[1]->live_bytes -= 50;
	CHECK_EQ(model_scan(&m), SEGREAD_OK);
	a = model_site_find(&m, 0x11, 0x401234);
	if (CHECK(a != NULL)) {
		CHECK_EQ(a->v.alloc_bytes, 100);
		CHECK_EQ_I(a->v.live_bytes, -50);
		CHECK_EQ(a->total.alloc_bytes, 400);
		CHECK_EQ(a->v.peak_bytes, 250); /* never a change */
	}
	char *js = render(&m, 1), *tx = render(&m, 0);
	CHECK(strstr(js, "\"sampling_available\": true") != NULL);
	CHECK(strstr(js, "\"sample_rate\": 1,") != NULL);
	CHECK(strstr(js, "\"sites_dropped\": 7,") != NULL);
	CHECK(strstr(js, "\"realloc_move_hotspots\": [\n    {\"function\": \"\", \"file\": \"\", \"line\": 0, "
			 "\"module\": \"/tmp/lib?[31m.so\", \"offset\": 4112,") != NULL);
	CHECK(strstr(js, "\"alloc_bytes\": 400,") != NULL);     /* top level: totals */
	CHECK(strstr(js, "{\"addr\": \"0x401234\", \"function\": \"\"") != NULL);
	CHECK(strstr(js, "\"loaded\": false") != NULL);
	CHECK(strstr(js, "cannot open it") != NULL);            /* the missing /usr/bin/prog */
	CHECK(strstr(tx, "== top call sites ==\nby live bytes, changes since the mark\n1. ") != NULL);
	CHECK(strstr(tx, "allocated  +100 B (1 sample) in +1 block") != NULL);
	CHECK(strstr(tx, "live       -50 B (0 samples) in 0 blocks") != NULL);
	CHECK(strstr(tx, "=> #0  ?? in prog+0x401234") != NULL);
	CHECK(strstr(tx, "dropped    7 samples found no site slot") != NULL);
	CHECK(strstr(tx, "unread     1 sites and 1 module entries") != NULL);
	CHECK(strstr(tx, "== peak contributors ==\nby live bytes when use_max reached 1.76 KiB") != NULL);
	CHECK(strstr(tx, "the other lines are changes since the mark") != NULL);
	CHECK(strstr(js, "\"sites_settled\": true,") != NULL);
	CHECK(strstr(tx, "unsettled") == NULL);
	free(js);
	free(tx);
	/* A pending seq that stays odd through every retry: the reports say so. */
	im.pending[1]->seq = 7;
	CHECK_EQ(model_scan(&m), SEGREAD_OK);
	js = render(&m, 1), tx = render(&m, 0);
	CHECK(strstr(js, "\"sites_settled\": false,") != NULL);
	CHECK(strstr(tx, "unsettled  a thread kept moving its latest site deltas") != NULL);
	free(js);
	free(tx);
	im.pending[1]->seq = 8;
	CHECK_EQ(model_scan(&m), SEGREAD_OK);
	CHECK_EQ(m.cur.pending_unsettled, 0);
	model_toggle_mark(&m);
	a = model_site_find(&m, 0x11, 0x401234);
	CHECK(a && a->v.alloc_bytes == 400);
	model_free(&m);
	segimage_free(&im);
}

int main(void)
{
	test_scan_and_mark();
	test_json_text();
	test_sites();
	return test_summary("unit_model");
}
