/*
 * tests/tui/unit_segread.c - the segment reader against hostile input:
 * a valid image read exactly, then one field broken at a time (magic,
 * version, sizes past the file, huge counts, overflowing offsets, control
 * characters in the command line), the call-site and module tables the
 * same way (counts past the end, huge nframes, unterminated paths, torn
 * records), the pending region of v4 (deltas added to the right sites,
 * ignored where they name no site, a seq that stays odd, an owner moving
 * deltas during reads, a damaged layout), and a real shm segment truncated with
 * ftruncate while it is mapped (SIGBUS must become SEGREAD_TRUNCATED, and the
 * previous SIGBUS handler must be back afterwards).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "segimage.h"
#include "segread.h"
#include "procfs.h"

/* Opens im as a buffer and reads it; the reader's verdict. */
static enum segread_err read_image(const struct segimage *im, size_t len, struct seg_snapshot *s)
{
	struct segread *r;
	enum segread_err err = segread_open_buffer(im->buf, len, &r);

	if (err != SEGREAD_OK)
		return err;
	err = segread_read(r, s);
	segread_close(r);
	return err;
}

static void test_valid(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.alloc_count, 15);
	CHECK_EQ(s.stats.alloc_bytes, 1500);
	CHECK_EQ(s.stats.dealloc_count, 6);
	CHECK_EQ(s.stats.use_curr, 532);
	CHECK_EQ(s.stats.use_max, 2000);
	CHECK_EQ(s.stats.hist[HEAPTOP_HIST_ALLOC][7], 15);
	CHECK_EQ(s.npoints, 7);               /* entries 3..10 but the torn 9 */
	if (s.npoints == 7) {
		CHECK_EQ(s.points[0].t_ns, 300000000);
		CHECK_EQ(s.points[5].alloc_count, 8);
		CHECK_EQ(s.points[6].use_curr, 100);
	}
	CHECK_EQ(s.pid, 4242);
	CHECK_EQ(s.threads_total, 3);
	CHECK_EQ(s.alive, 0);                 /* a buffer has no process */
	CHECK_STR(s.cmdline, "prog --arg");
	/* use_max follows use_curr when the header lags */
	im.h->use_max = 100;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.use_max, 532);
	/* ... and a shard's soft peak when that is higher (protocol step 4) */
	im.shard[1]->peak_use = 777;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.use_max, 777);
	im.h->use_max = 800;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.use_max, 800);
	/* a newer writer that old readers can still read */
	im.h->version = HEAPTOP_ABI_VERSION + 1;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	/* a version 1 writer: a shorter header, whatever follows it is not ours */
	im.h->version = 1;
	im.h->compat_version = 1;
	im.h->header_size = (uint32_t)offsetof(struct heaptop_seg_header, sites_off);
	im.h->sites_off = UINT64_MAX;
	im.h->sites_count = UINT32_MAX;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.alloc_count, 15);
	segread_snapshot_free(&s);
	segimage_free(&im);
}

/* Builds a fresh image, lets break() damage it, expects want. */
static void expect_err(const char *what, void (*damage)(struct segimage *), enum segread_err want)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	damage(&im);
	enum segread_err got = read_image(&im, im.size, &s);
	if (!CHECK_EQ(got, want))
		fprintf(stderr, "  (%s: got \"%s\")\n", what, segread_strerror(got));
	CHECK(s.points == NULL); /* a failed read leaves the snapshot alone */
	segimage_free(&im);
}

#define DAMAGE(name, stmt) \
	static void name(struct segimage *im) { stmt; }
DAMAGE(bad_magic, im->h->magic = 0x1234)
DAMAGE(no_magic, im->h->magic = 0)
DAMAGE(new_compat, im->h->compat_version = HEAPTOP_ABI_VERSION + 1)
DAMAGE(zero_compat, im->h->compat_version = 0)
DAMAGE(big_header, im->h->header_size = (uint32_t)im->size + 64)
DAMAGE(small_header, im->h->header_size = 64)
DAMAGE(big_seg, im->h->seg_size = im->size * 2)
DAMAGE(huge_shards, im->h->shard_count = UINT32_MAX)
DAMAGE(zero_shards, im->h->shard_count = 0)
DAMAGE(small_shard, im->h->shard_size = 64)
DAMAGE(wrap_shards_off, im->h->shards_off = UINT64_MAX - 63)
DAMAGE(past_shards_off, im->h->shards_off = im->size)
DAMAGE(odd_shards_off, im->h->shards_off += 8)
DAMAGE(used_over_count, im->h->shards_used = SEGIMAGE_SHARDS + 1)
DAMAGE(huge_used, im->h->shards_used = UINT32_MAX)
DAMAGE(huge_timeline, im->h->timeline_len = UINT32_MAX)
DAMAGE(wrap_timeline_off, im->h->timeline_off = UINT64_MAX - 63)
DAMAGE(past_timeline_off, im->h->timeline_off = im->size)
DAMAGE(small_entry, im->h->timeline_entry_size = 8)
DAMAGE(huge_entry, im->h->timeline_entry_size = UINT32_MAX - 7)
DAMAGE(overlap, im->h->timeline_off = im->h->shards_off)
DAMAGE(huge_threads, im->h->threads_active = UINT32_MAX)

static void test_damage(void)
{
	expect_err("wrong magic", bad_magic, SEGREAD_NOT_HEAPTOP);
	expect_err("magic 0", no_magic, SEGREAD_NOT_READY);
	expect_err("newer compat_version", new_compat, SEGREAD_VERSION);
	expect_err("compat_version 0", zero_compat, SEGREAD_CORRUPT);
	expect_err("header_size past the file", big_header, SEGREAD_CORRUPT);
	expect_err("header_size too small", small_header, SEGREAD_CORRUPT);
	expect_err("seg_size past the file", big_seg, SEGREAD_CORRUPT);
	expect_err("shard_count huge", huge_shards, SEGREAD_CORRUPT);
	expect_err("shard_count 0", zero_shards, SEGREAD_CORRUPT);
	expect_err("shard_size too small", small_shard, SEGREAD_CORRUPT);
	expect_err("shards_off wraps", wrap_shards_off, SEGREAD_CORRUPT);
	expect_err("shards_off past the end", past_shards_off, SEGREAD_CORRUPT);
	expect_err("shards_off misaligned", odd_shards_off, SEGREAD_CORRUPT);
	expect_err("shards_used > shard_count", used_over_count, SEGREAD_CORRUPT);
	expect_err("shards_used huge", huge_used, SEGREAD_CORRUPT);
	expect_err("timeline_len huge", huge_timeline, SEGREAD_CORRUPT);
	expect_err("timeline_off wraps", wrap_timeline_off, SEGREAD_CORRUPT);
	expect_err("timeline_off past the end", past_timeline_off, SEGREAD_CORRUPT);
	expect_err("timeline entry too small", small_entry, SEGREAD_CORRUPT);
	expect_err("timeline entry huge", huge_entry, SEGREAD_CORRUPT);
	expect_err("timeline over the shards", overlap, SEGREAD_CORRUPT);
	expect_err("threads_active huge", huge_threads, SEGREAD_CORRUPT);
}

static void test_short_and_odd(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	CHECK_EQ(read_image(&im, 0, &s), SEGREAD_NOT_READY);
	CHECK_EQ(read_image(&im, 100, &s), SEGREAD_CORRUPT);
	CHECK_EQ(read_image(&im, im.size - 64, &s), SEGREAD_CORRUPT); /* shorter than seg_size */
	/* a head far in the future: every slot's seq mismatches, the loop stays bounded */
	im.h->timeline_head = UINT64_MAX;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.npoints, 0);
	im.h->timeline_head = 11;
	/* timeline_len 0: no timeline, still readable */
	im.h->timeline_len = 0;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.npoints, 0);
	im.h->timeline_len = SEGIMAGE_TIMELINE;
	/* a misaligned buffer is copied, not read with misaligned atomics */
	unsigned char *odd = malloc(im.size + 1);
	if (CHECK(odd != NULL)) {
		struct segread *r;
		memcpy(odd + 1, im.buf, im.size);
		CHECK_EQ(segread_open_buffer(odd + 1, im.size, &r), SEGREAD_OK);
		CHECK_EQ(segread_read(r, &s), SEGREAD_OK);
		CHECK_EQ(s.stats.alloc_count, 15);
		segread_close(r);
		free(odd);
	}
	segread_snapshot_free(&s);
	segimage_free(&im);
}

static void test_cmdline(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build(&im, 4242) == 0))
		return;
	strcpy(im.h->cmdline, "ls \x1b]0;owned\x07 \x1b[2J\r\n\x9b\xc2\x9b\xe2\x80\xae-x caf\xc3\xa9");
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	for (const unsigned char *p = (const unsigned char *)s.cmdline; *p; p++)
		CHECK(*p >= 0x20 && *p != 0x7f);
	CHECK(strstr(s.cmdline, "\x1b") == NULL);
	CHECK(strstr(s.cmdline, "caf\xc3\xa9") != NULL); /* valid UTF-8 survives */
	CHECK(strstr(s.cmdline, "\xe2\x80\xae") == NULL); /* bidi override does not */
	/* no NUL in the whole field: capped and terminated */
	memset(im.h->cmdline, 'a', sizeof(im.h->cmdline));
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(strlen(s.cmdline), HEAPTOP_CMDLINE_MAX);
	segread_snapshot_free(&s);
	segimage_free(&im);
}

/* ---- the site and module tables (protocol steps 7-9) ----------------------- */

static const struct seg_site *site_with(const struct seg_snapshot *s, uint64_t hash)
{
	for (size_t i = 0; i < s->nsites; i++)
		if (s->sites[i].hash == hash)
			return &s->sites[i];
	return NULL;
}

static void test_tables(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.sampling, SEG_SAMPLING_ON);
	CHECK_EQ(s.sample_rate, 1);
	CHECK_EQ(s.stats.alloc_count, 15);
	CHECK_EQ(s.nsites, 2);
	CHECK_EQ(s.sites_unread, 1);          /* slot 5: claimed, never published */
	CHECK_EQ(s.sites_dropped, 7);
	const struct seg_site *a = site_with(&s, 0x11), *b = site_with(&s, 0x33);
	if (CHECK(a != NULL)) {
		CHECK_EQ(a->slot, 1);
		CHECK_EQ(a->nframes, 2);
		CHECK_EQ(a->frames[0], 0x401234);
		CHECK_EQ(a->frames[1], 0x401300);
		CHECK_EQ(a->alloc_bytes, 300);
		CHECK_EQ(a->live_bytes, 200);
		CHECK_EQ(a->peak_bytes, 250);
	}
	if (CHECK(b != NULL)) {
		CHECK_EQ(b->move_bytes, 5000);
		CHECK_EQ(b->live_bytes, 0);       /* negative sum clamped */
	}
	CHECK_EQ(s.peak_valid, 1);
	CHECK_EQ(s.peak_use_max, 1800);
	CHECK_EQ(s.peak_t_ns, 5000);
	CHECK_EQ(s.nmodules, 2);
	CHECK_EQ(s.modules_unread, 1);        /* module 2: seq 1 forever */
	if (s.nmodules == 2) {
		CHECK_STR(s.modules[0].path, "/usr/bin/prog");
		CHECK_EQ(s.modules[0].path_exact, 1);
		CHECK_EQ(s.modules[0].build_id_len, 20);
		CHECK_EQ(s.modules[0].build_id[19], 20);
		CHECK_EQ(s.modules[1].state, HEAPTOP_MODULE_UNLOADED);
		CHECK_STR(s.modules[1].path, "/tmp/lib?[31m.so");
		CHECK_EQ(s.modules[1].path_exact, 0); /* never opened: not what the target wrote */
	}
	/* a read after a read replaces the arrays (the sanitizers see leaks) */
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.nsites, 2);
	/* header-only reads leave the tables alone */
	struct segread *r;
	struct seg_snapshot h;
	if (CHECK_EQ(segread_open_buffer(im.buf, im.size, &r), SEGREAD_OK)) {
		CHECK_EQ(segread_read_header_only(r, &h), SEGREAD_OK);
		CHECK(h.sites == NULL && h.modules == NULL && h.nsites == 0);
		segread_close(r);
	}
	segread_snapshot_free(&s);
	CHECK(s.sites == NULL && s.modules == NULL && s.nsites == 0);
	segimage_free(&im);
}

/* Damages a sampled image: the read still succeeds with the counters, and
 * the tables are either ignored as a whole (want DAMAGED) or read without
 * the broken records. */
static void expect_tables(const char *what, void (*damage)(struct segimage *),
			  enum seg_sampling want, size_t nsites, size_t nmodules)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	damage(&im);
	enum segread_err got = read_image(&im, im.size, &s);
	if (!CHECK_EQ(got, SEGREAD_OK) || !CHECK_EQ(s.sampling, want) || !CHECK_EQ(s.nsites, nsites) ||
	    !CHECK_EQ(s.nmodules, nmodules))
		fprintf(stderr, "  (%s: %s, sampling %d, %zu sites, %zu modules)\n", what,
			segread_strerror(got), (int)s.sampling, s.nsites, s.nmodules);
	CHECK_EQ(s.stats.alloc_count, 15);
	if (want != SEG_SAMPLING_ON)
		CHECK(s.sites == NULL && s.modules == NULL);
	for (size_t i = 0; i < s.nsites; i++)
		CHECK_LE(s.sites[i].nframes, SEGIMAGE_FRAMES);
	for (size_t i = 0; i < s.nmodules; i++) {
		CHECK_LE(strlen(s.modules[i].path), HEAPTOP_MODULE_PATH_MAX);
		for (const unsigned char *p = (const unsigned char *)s.modules[i].path; *p; p++)
			CHECK(*p >= 0x20 && *p != 0x7f);
	}
	segread_snapshot_free(&s);
	segimage_free(&im);
}

DAMAGE(sites_past_end, im->h->sites_count = SEGIMAGE_SITES + 100)
DAMAGE(sites_huge, im->h->sites_count = UINT32_MAX)
DAMAGE(sites_off_wraps, im->h->sites_off = UINT64_MAX - 63)
DAMAGE(sites_off_past, im->h->sites_off = im->size)
DAMAGE(sites_off_odd, im->h->sites_off += 8)
DAMAGE(sites_over_shards, im->h->sites_off = im->h->shards_off)
DAMAGE(sites_over_header, im->h->sites_off = 0)
DAMAGE(site_size_small, im->h->site_size = 64)
DAMAGE(site_frames_huge, im->h->site_max_frames = UINT32_MAX)
DAMAGE(site_frames_zero, im->h->site_max_frames = 0)
DAMAGE(modules_past_end, im->h->modules_count = SEGIMAGE_MODULES + 100)
DAMAGE(modules_huge, im->h->modules_count = UINT32_MAX)
DAMAGE(module_size_small, im->h->module_size = 64)
DAMAGE(modules_over_sites, im->h->modules_off = im->h->sites_off)
DAMAGE(modules_off_wraps, im->h->modules_off = UINT64_MAX - 63)
DAMAGE(rate_zero_with_tables, im->h->sample_rate = 0)
DAMAGE(rate_zero, { im->h->sample_rate = 0; im->h->sites_count = 0; im->h->modules_count = 0;
		    im->h->pending_off = 0; })
DAMAGE(v1_header, { im->h->version = im->h->compat_version = 1; im->h->header_size = HEAPTOP_HEADER_V1_SIZE; })
DAMAGE(short_v2_header, im->h->header_size = HEAPTOP_HEADER_V1_SIZE + 64)
DAMAGE(no_modules, { im->h->modules_count = 0; im->h->modules_off = 0; })
/* records */
DAMAGE(nframes_huge, im->site[1]->nframes = 60000)
DAMAGE(nframes_over_max, im->site[1]->nframes = SEGIMAGE_FRAMES + 1)
DAMAGE(all_unpublished, { im->site[1]->published = 0; im->site[3]->published = 2; })
DAMAGE(sites_used_huge, im->h->sites_used = UINT32_MAX)
DAMAGE(sites_used_low, im->h->sites_used = 1)
DAMAGE(modules_used_huge, im->h->modules_used = UINT32_MAX)
DAMAGE(path_unterminated, memset(im->module[0]->path, 'A', HEAPTOP_MODULE_PATH_MAX))
DAMAGE(module_torn, im->module[0]->seq = 3)
DAMAGE(module_empty_range, im->module[0]->end = im->module[0]->start)
DAMAGE(module_bad_state, im->module[1]->state = 9)
DAMAGE(module_build_id_huge, im->module[0]->build_id_len = 4000)

static void test_tables_damage(void)
{
	const enum seg_sampling D = SEG_SAMPLING_DAMAGED, ON = SEG_SAMPLING_ON;

	expect_tables("sites_count past the end", sites_past_end, D, 0, 0);
	expect_tables("sites_count huge", sites_huge, D, 0, 0);
	expect_tables("sites_off wraps", sites_off_wraps, D, 0, 0);
	expect_tables("sites_off past the end", sites_off_past, D, 0, 0);
	expect_tables("sites_off misaligned", sites_off_odd, D, 0, 0);
	expect_tables("sites over the shards", sites_over_shards, D, 0, 0);
	expect_tables("sites over the header", sites_over_header, D, 0, 0);
	expect_tables("site_size too small", site_size_small, D, 0, 0);
	expect_tables("site_max_frames huge", site_frames_huge, D, 0, 0);
	expect_tables("site_max_frames 0", site_frames_zero, D, 0, 0);
	expect_tables("modules_count past the end", modules_past_end, D, 0, 0);
	expect_tables("modules_count huge", modules_huge, D, 0, 0);
	expect_tables("module_size too small", module_size_small, D, 0, 0);
	expect_tables("modules over the sites", modules_over_sites, D, 0, 0);
	expect_tables("modules_off wraps", modules_off_wraps, D, 0, 0);
	expect_tables("sample_rate 0 with tables", rate_zero_with_tables, D, 0, 0);
	expect_tables("sampling off", rate_zero, SEG_SAMPLING_OFF, 0, 0);
	expect_tables("a version 1 writer", v1_header, SEG_SAMPLING_NONE, 0, 0);
	expect_tables("a v2 header cut short", short_v2_header, SEG_SAMPLING_NONE, 0, 0);
	expect_tables("no module table", no_modules, ON, 2, 0);
	expect_tables("nframes huge", nframes_huge, ON, 1, 2);
	expect_tables("nframes over site_max_frames", nframes_over_max, ON, 1, 2);
	expect_tables("nothing published", all_unpublished, ON, 0, 2);
	expect_tables("sites_used huge", sites_used_huge, ON, 2, 2);
	expect_tables("sites_used too low", sites_used_low, ON, 1, 2);
	expect_tables("modules_used huge", modules_used_huge, ON, 2, 2);
	expect_tables("unterminated path", path_unterminated, ON, 2, 2);
	expect_tables("torn module seq", module_torn, ON, 2, 1);
	expect_tables("module with an empty range", module_empty_range, ON, 2, 1);
	expect_tables("module with a bad state", module_bad_state, ON, 2, 1);
	expect_tables("build-id length huge", module_build_id_huge, ON, 2, 1);
}

/* An odd peak_seq (a copy in progress forever) leaves the peak invalid. */
static void test_peak_torn(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	im.h->peak_seq = 5;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.peak_valid, 0);
	CHECK_EQ(s.nsites, 2);
	for (size_t i = 0; i < s.nsites; i++)
		CHECK_EQ(s.sites[i].peak_bytes, 0);
	CHECK_EQ(s.peak_use_max, 0);
	/* an unterminated path is cut and never opened */
	im.h->peak_seq = 4;
	memset(im.module[0]->path, 'A', HEAPTOP_MODULE_PATH_MAX);
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	if (CHECK(s.nmodules == 2)) {
		CHECK_EQ(strlen(s.modules[0].path), HEAPTOP_MODULE_PATH_MAX);
		CHECK_EQ(s.modules[0].path_exact, 0);
	}
	segread_snapshot_free(&s);
	segimage_free(&im);
}

/* ---- the pending region (v4, protocol step 7) ------------------------------- */

/* Reads im and finds its two sites (hash 0x11 and 0x33); 0, or -1 (with a
 * failed check) when the read or a site is missing. */
static int read_pair(struct segimage *im, struct seg_snapshot *s, const struct seg_site **a,
		     const struct seg_site **b)
{
	*a = *b = NULL;
	if (!CHECK_EQ(read_image(im, im->size, s), SEGREAD_OK) || !CHECK_EQ(s->sampling, SEG_SAMPLING_ON))
		return -1;
	*a = site_with(s, 0x11), *b = site_with(s, 0x33);
	return CHECK(*a != NULL) && CHECK(*b != NULL) ? 0 : -1;
}

/* Every site counter of the image's two sites and the sample totals as the
 * table and header have them alone (no pending deltas added). */
static void check_table_only(struct segimage *im, const char *what)
{
	struct seg_snapshot s = { 0 };
	const struct seg_site *a, *b;
	unsigned long before = test_failures;

	if (read_pair(im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_samples, 2);
		CHECK_EQ(a->alloc_blocks, 1);
		CHECK_EQ(a->alloc_bytes, 200);
		CHECK_EQ(a->live_samples, 1);
		CHECK_EQ(a->live_blocks, 3);
		CHECK_EQ(a->live_bytes, 240);
		CHECK_EQ(b->move_samples, 4);
		CHECK_EQ(b->move_count, 1);
		CHECK_EQ(b->move_bytes, 3000);
		CHECK_EQ(b->live_bytes, 16);
		CHECK_EQ(s.samples_total, 1);
		CHECK_EQ(s.move_samples_total, 3);
		CHECK_EQ(s.nsites, 2);
	}
	if (test_failures != before)
		fprintf(stderr, "  (%s)\n", what);
	segread_snapshot_free(&s);
}

/* Lays the pending entries out again size bytes apart (a newer writer's
 * larger entries), the old places zeroed; 0, or -1 when they don't fit. */
static int restride(struct segimage *im, uint32_t size)
{
	struct heaptop_shard_pending e[SEGIMAGE_SHARDS];
	unsigned char *base = im->buf + im->h->pending_off;

	if (im->h->pending_off + (uint64_t)size * SEGIMAGE_SHARDS > im->size)
		return -1;
	for (int i = 0; i < SEGIMAGE_SHARDS; i++)
		e[i] = *im->pending[i];
	memset(base, 0, (size_t)im->h->pending_size * SEGIMAGE_SHARDS);
	for (int i = 0; i < SEGIMAGE_SHARDS; i++) {
		im->pending[i] = (struct heaptop_shard_pending *)(base + (size_t)i * size);
		*im->pending[i] = e[i];
	}
	im->h->pending_size = size;
	return 0;
}

/* Deltas land on the sites they name, in counter order; slots naming no
 * copied site and entries past shards_used are ignored; totals add up. */
static void test_pending(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };
	const struct seg_site *a, *b;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	if (read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_samples, 3);
		CHECK_EQ(a->alloc_blocks, 3);
		CHECK_EQ(a->alloc_bytes, 300);
		CHECK_EQ(a->live_samples, 2);
		CHECK_EQ(a->live_blocks, 2);
		CHECK_EQ(a->live_bytes, 200);      /* 240 - 40: a negative delta */
		CHECK_EQ(a->move_bytes, 0);
		CHECK_EQ(a->peak_bytes, 250);      /* peaks have no deltas */
		CHECK_EQ(b->move_samples, 5);
		CHECK_EQ(b->move_count, 5);
		CHECK_EQ(b->move_bytes, 5000);
		CHECK_EQ(b->live_bytes, 0);        /* 16 - 24: below 0 after the delta, clamped */
		CHECK_EQ(b->alloc_bytes, 0);
		CHECK_EQ(s.samples_total, 3);
		CHECK_EQ(s.move_samples_total, 5);
		CHECK_EQ(s.pending_unsettled, 0);
		CHECK_EQ(s.nsites, 2);
		CHECK_EQ(s.sites_unread, 1);
	}
	/* clamped after the deltas, not before: -30 in the table, +50 pending */
	im.site[3]->live_bytes = (uint64_t)-30;
	im.pending[0]->site[2].delta[5] = 50;
	if (read_pair(&im, &s, &a, &b) == 0)
		CHECK_EQ(b->live_bytes, 20);
	/* a third shard in use: its entry counts now */
	im.h->shards_used = 3;
	if (read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_bytes, 1300);
		CHECK_EQ(a->live_bytes, 1200);
		CHECK_EQ(s.samples_total, 1003);
		CHECK_EQ(s.move_samples_total, 1005);
	}
	im.h->shards_used = 2;
	/* slots j >= pending_sites are not in use: shard 1's slot 3 drops out */
	im.h->pending_sites = 3;
	if (read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_bytes, 200);
		CHECK_EQ(b->move_bytes, 5000);     /* shard 0's slot 2 still counts */
	}
	im.h->pending_sites = 0;
	if (read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(b->move_bytes, 3000);
		CHECK_EQ(s.samples_total, 3);      /* entries still count their samples */
	}
	im.h->pending_sites = HEAPTOP_PENDING_SITES;
	/* larger entries than ours (a newer writer): read with their stride */
	if (CHECK(restride(&im, 1088) == 0) && read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_bytes, 300);
		CHECK_EQ(b->move_bytes, 5000);
		CHECK_EQ(s.samples_total, 3);
		CHECK_EQ(s.move_samples_total, 5);
	}
	/* the slot its deltas name is unpublished now: they are dropped, not misplaced */
	im.site[1]->published = 0;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.nsites, 1);
	if (CHECK(site_with(&s, 0x33) != NULL))
		CHECK_EQ(site_with(&s, 0x33)->alloc_bytes, 0);
	segread_snapshot_free(&s);
	segimage_free(&im);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A seq that stays odd (an owner killed mid-move): the read still returns,
 * soon, with the last copy and says it never settled. */
static void test_pending_odd(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };
	const struct seg_site *a, *b;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	im.pending[1]->seq = 7;
	uint64_t t0 = now_ns();
	if (read_pair(&im, &s, &a, &b) == 0) {
		CHECK_EQ(a->alloc_bytes, 300);
		CHECK_EQ(b->move_bytes, 5000);
		CHECK_EQ(s.samples_total, 3);
	}
	CHECK_LE(now_ns() - t0, 2000000000ull);
	CHECK_EQ(s.pending_unsettled, 1);
	im.pending[1]->seq = 8;
	CHECK_EQ(read_image(&im, im.size, &s), SEGREAD_OK);
	CHECK_EQ(s.pending_unsettled, 0);
	segread_snapshot_free(&s);
	segimage_free(&im);
}

/* Older writers and no region: the table and header alone. */
static void test_pending_absent(void)
{
	struct segimage im;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	/* v4 without the region */
	im.h->pending_off = 0;
	check_table_only(&im, "v4, pending_off 0");
	/* a v3 writer: the fields were reserved, zero */
	im.h->version = im.h->compat_version = 3;
	im.h->pending_size = im.h->pending_sites = 0;
	check_table_only(&im, "v3");
	/* ... and whatever is there (the region's bytes included) is not ours to read */
	im.h->pending_off = im.h->sites_off;
	im.h->pending_size = 8;
	im.h->pending_sites = UINT32_MAX;
	check_table_only(&im, "v3 with garbage in the reserved fields");
	segimage_free(&im);
}

DAMAGE(pending_past_end, im->h->pending_off = im->size)
DAMAGE(pending_last_cut, im->h->pending_off = im->size - im->h->pending_size * SEGIMAGE_SHARDS + 64)
DAMAGE(pending_off_wraps, im->h->pending_off = UINT64_MAX - 63)
DAMAGE(pending_off_odd, im->h->pending_off += 8)
DAMAGE(pending_over_sites, im->h->pending_off = im->h->sites_off)
DAMAGE(pending_over_modules, im->h->pending_off = im->h->modules_off)
DAMAGE(pending_over_shards, im->h->pending_off = im->h->shards_off)
DAMAGE(pending_over_timeline, im->h->pending_off = im->h->timeline_off)
DAMAGE(pending_over_header, im->h->pending_off = 64)
DAMAGE(pending_sites_over, im->h->pending_sites = HEAPTOP_PENDING_SITES + 1)
DAMAGE(pending_sites_huge, im->h->pending_sites = UINT32_MAX)
DAMAGE(pending_size_small, im->h->pending_size = sizeof(struct heaptop_shard_pending) - 8)
DAMAGE(pending_size_zero, im->h->pending_size = 0)
DAMAGE(pending_size_odd, im->h->pending_size += 4)
DAMAGE(pending_size_huge, im->h->pending_size = UINT32_MAX - 7)
DAMAGE(pending_without_sampling,
       { im->h->sample_rate = 0; im->h->sites_count = 0; im->h->modules_count = 0; })

static void test_pending_damage(void)
{
	const enum seg_sampling D = SEG_SAMPLING_DAMAGED;

	expect_tables("pending_off past the end", pending_past_end, D, 0, 0);
	expect_tables("last pending entry past the end", pending_last_cut, D, 0, 0);
	expect_tables("pending_off wraps", pending_off_wraps, D, 0, 0);
	expect_tables("pending_off misaligned", pending_off_odd, D, 0, 0);
	expect_tables("pending over the sites", pending_over_sites, D, 0, 0);
	expect_tables("pending over the modules", pending_over_modules, D, 0, 0);
	expect_tables("pending over the shards", pending_over_shards, D, 0, 0);
	expect_tables("pending over the timeline", pending_over_timeline, D, 0, 0);
	expect_tables("pending over the header", pending_over_header, D, 0, 0);
	expect_tables("pending_sites > HEAPTOP_PENDING_SITES", pending_sites_over, D, 0, 0);
	expect_tables("pending_sites huge", pending_sites_huge, D, 0, 0);
	expect_tables("pending_size too small", pending_size_small, D, 0, 0);
	expect_tables("pending_size 0", pending_size_zero, D, 0, 0);
	expect_tables("pending_size not a multiple of 8", pending_size_odd, D, 0, 0);
	expect_tables("pending_size huge", pending_size_huge, D, 0, 0);
	expect_tables("a pending region without sampling", pending_without_sampling, D, 0, 0);
}

/* ---- an owner moving deltas while we read ------------------------------------ */

struct mover {
	struct segimage *im;
	int stop;
	uint64_t moves;
};

static void put(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* One move of shard 1's entry as an owner makes it: seq odd, the deltas
 * (slot 1's alloc_bytes by d, samples by n) between table and entry, seq even. */
static void move(struct segimage *im, int64_t d, int64_t n)
{
	struct heaptop_shard_pending *e = im->pending[1];
	uint64_t seq = get(&e->seq);

	put(&e->seq, seq + 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put(&im->site[1]->alloc_bytes, get(&im->site[1]->alloc_bytes) + (uint64_t)d);
	put(&e->site[3].delta[2], get(&e->site[3].delta[2]) - (uint64_t)d);
	put(&im->h->samples_total, get(&im->h->samples_total) + (uint64_t)n);
	put(&e->samples, get(&e->samples) - (uint64_t)n);
	__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Moves shard 1's deltas into the table and back in bursts of 20 us with
 * pauses of 20 us: reads inside a burst see seqs change, reads inside a
 * pause settle. */
static void *mover_thread(void *arg)
{
	struct mover *m = arg;

	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		uint64_t t = now_ns();
		while (now_ns() - t < 20000) {
			move(m->im, 100, 2);
			move(m->im, -100, -2);
			m->moves += 2;
		}
		while (now_ns() - t < 40000)
			;
	}
	return NULL;
}

/* Every read that settled has the exact sums; an owner moving deltas
 * between the table and its entry never shows through. */
static void test_pending_race(void)
{
	struct segimage im;
	struct seg_snapshot s = { 0 };
	struct mover m = { &im, 0, 0 };
	pthread_t t;
	unsigned settled = 0, wrong = 0, reads = 0;

	if (!CHECK(segimage_build_sampled(&im, 4242) == 0))
		return;
	if (!CHECK(pthread_create(&t, NULL, mover_thread, &m) == 0)) {
		segimage_free(&im);
		return;
	}
	/* 0.3 s, longer (up to 5 s) while fewer than 20 reads settled: a busy machine */
	uint64_t start = now_ns();
	for (uint64_t el = 0; el < 300000000ull || (settled < 20 && el < 5000000000ull);
	     el = now_ns() - start, reads++) {
		const struct seg_site *a;
		if (read_image(&im, im.size, &s) != SEGREAD_OK || !(a = site_with(&s, 0x11))) {
			wrong++;
			continue;
		}
		if (s.pending_unsettled)
			continue;
		settled++;
		wrong += a->alloc_bytes != 300 || s.samples_total != 3;
	}
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	fprintf(stderr, "# pending race: %u reads, %u settled, %u wrong, %llu moves\n", reads, settled,
		wrong, (unsigned long long)m.moves);
	CHECK(settled > 0);
	CHECK_EQ(wrong, 0);
	segread_snapshot_free(&s);
	segimage_free(&im);
}

static int sentinel_hits;
static void sentinel(int sig)
{
	(void)sig;
	sentinel_hits++;
}

/* A real shm segment, mapped, then truncated under the reader. */
static void test_truncation(void)
{
	char name[64];
	struct segimage im;
	struct segread *r;
	struct seg_snapshot s = { 0 };
	struct sigaction sa = { 0 }, now;
	int e;

	snprintf(name, sizeof(name), "/heaptop.%d.977", (int)getpid());
	if (!CHECK(segimage_build(&im, (uint32_t)getpid()) == 0))
		return;
	im.h->start_time_ticks = proc_start_ticks(getpid());
	shm_unlink(name);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (!CHECK(fd >= 0) || !CHECK(write(fd, im.buf, im.size) == (ssize_t)im.size))
		goto out;
	sa.sa_handler = sentinel;
	sigaction(SIGBUS, &sa, NULL);

	CHECK_EQ(segread_open_name(name + 1, &r, &e), SEGREAD_OK);
	CHECK_EQ(segread_read(r, &s), SEGREAD_OK);
	CHECK_EQ(s.stats.alloc_count, 15);
	CHECK_EQ(s.alive, 1); /* our pid and our start time */
	uint64_t other_start = im.h->start_time_ticks + 1; /* as if the pid had been reused */
	CHECK(pwrite(fd, &other_start, 8, offsetof(struct heaptop_seg_header, start_time_ticks)) == 8);
	CHECK_EQ(segread_read(r, &s), SEGREAD_OK);
	CHECK_EQ(s.alive, 0);
	CHECK(ftruncate(fd, 4096) == 0); /* the header survives, the shards do not */
	CHECK_EQ(segread_read(r, &s), SEGREAD_TRUNCATED);
	CHECK_EQ(s.stats.alloc_count, 15); /* the last good copy stays */
	CHECK(ftruncate(fd, 0) == 0);
	CHECK_EQ(segread_read(r, &s), SEGREAD_TRUNCATED);
	segread_close(r);
	sigaction(SIGBUS, NULL, &now);
	CHECK(now.sa_handler == sentinel);
	CHECK_EQ(sentinel_hits, 0);
	/* a sampled image cut inside its site table: the tables copy hits SIGBUS */
	segimage_free(&im);
	if (CHECK(segimage_build_sampled(&im, (uint32_t)getpid()) == 0)) {
		im.h->start_time_ticks = proc_start_ticks(getpid());
		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, im.buf, im.size, 0) == (ssize_t)im.size);
		CHECK_EQ(segread_open_name(name + 1, &r, &e), SEGREAD_OK);
		CHECK_EQ(segread_read(r, &s), SEGREAD_OK);
		CHECK_EQ(s.nsites, 2);
		CHECK(ftruncate(fd, (off_t)(im.h->sites_off & ~(uint64_t)4095)) == 0);
		CHECK_EQ(segread_read(r, &s), SEGREAD_TRUNCATED);
		CHECK_EQ(s.nsites, 2); /* the last good copy stays */
		/* cut inside the pending entries of shards in use, after the tables */
		uint64_t cut = (im.h->pending_off + 2ull * im.h->pending_size + 4095) & ~(uint64_t)4095;
		CHECK(cut < im.h->pending_off + (uint64_t)SEGIMAGE_SHARDS * im.h->pending_size);
		im.h->shards_used = SEGIMAGE_SHARDS;
		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, im.buf, im.size, 0) == (ssize_t)im.size);
		CHECK(ftruncate(fd, (off_t)cut) == 0);
		CHECK_EQ(segread_read(r, &s), SEGREAD_TRUNCATED);
		CHECK_EQ(s.samples_total, 3); /* the last good copy stays */
		segread_close(r);
		CHECK_EQ(sentinel_hits, 0);
		CHECK(ftruncate(fd, 0) == 0);
	}
	/* a file that is too short from the start */
	CHECK_EQ(segread_open_name(name, &r, &e), SEGREAD_OK);
	CHECK_EQ(segread_read(r, &s), SEGREAD_NOT_READY);
	segread_close(r);
	/* group/other access is refused */
	CHECK(fchmod(fd, 0644) == 0);
	CHECK_EQ(segread_open_name(name, &r, &e), SEGREAD_NOT_OWNER);
out:
	segread_snapshot_free(&s);
	if (fd >= 0)
		close(fd);
	shm_unlink(name);
	segimage_free(&im);
}

/* Puts an image of our pid in /dev/shm as heaptop.<pid>.<gen>, made by a
 * process that started at start (exec generation exec_gen, state state). */
static int plant(struct segimage *im, unsigned gen, uint64_t start, uint32_t exec_gen, uint32_t state)
{
	char name[64];
	int fd, ok;

	snprintf(name, sizeof(name), "/heaptop.%d.%u", (int)getpid(), gen);
	im->h->start_time_ticks = start;
	im->h->exec_gen = exec_gen;
	im->h->state = state;
	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, im->buf, im->size) == (ssize_t)im->size;
	close(fd);
	return ok ? 0 : -1;
}

static void unplant(unsigned gen)
{
	char name[64];

	snprintf(name, sizeof(name), "/heaptop.%d.%u", (int)getpid(), gen);
	shm_unlink(name);
}

/* Which of our pid's segments open_pid picks (its start time; 0: none). */
static uint64_t picked(uint64_t start_ticks, enum segread_err *err)
{
	struct segread *r;
	struct seg_snapshot s = { 0 };
	int e;
	uint64_t got = 0;

	*err = segread_open_pid(getpid(), start_ticks, &r, &e);
	if (*err != SEGREAD_OK)
		return 0;
	if (segread_read_header_only(r, &s) == SEGREAD_OK)
		got = s.start_time_ticks * 100 + s.exec_gen;
	segread_close(r);
	return got;
}

/*
 * A reused pid: segments that earlier processes with our pid left behind
 * (kept, or killed) are never taken for ours, whatever their generation,
 * state or directory order; ours is, newest image first.  Picks are shown
 * as start * 100 + exec generation.
 */
static void test_pid_reuse(void)
{
	struct segimage im;
	enum segread_err err;
	uint64_t me = proc_start_ticks(getpid());

	if (!CHECK(me > 2) || !CHECK(segimage_build(&im, (uint32_t)getpid()) == 0))
		return;
	/* stale ones only: an older and a newer process, a higher generation, running */
	CHECK(plant(&im, 971, me - 2, 7, HEAPTOP_STATE_RUNNING) == 0);
	CHECK(plant(&im, 972, me + 1, 3, HEAPTOP_STATE_EXITED) == 0);
	CHECK_EQ(picked(0, &err), 0);
	CHECK_EQ(err, SEGREAD_NO_SEGMENT);
	CHECK_EQ(picked(me, &err), 0);
	/* a segment whose maker could not read its start time: taken, as nothing better is there */
	CHECK(plant(&im, 973, 0, 0, HEAPTOP_STATE_EXITED) == 0);
	CHECK_EQ(picked(me, &err), 0);
	CHECK_EQ(err, SEGREAD_OK);
	/* ours, two images (an exec): the newest, under either spelling of our start time */
	CHECK(plant(&im, 974, me, 0, HEAPTOP_STATE_EXECED) == 0);
	CHECK(plant(&im, 975, me, 1, HEAPTOP_STATE_EXITED) == 0);
	CHECK_EQ(picked(0, &err), me * 100 + 1);
	CHECK_EQ(picked(me, &err), me * 100 + 1);
	/* a process that is gone (another start time asked for): its own segments only */
	CHECK_EQ(picked(me + 1, &err), (me + 1) * 100 + 3);
	CHECK_EQ(picked(me - 2, &err), (me - 2) * 100 + 7);
	for (unsigned g = 971; g <= 975; g++)
		unplant(g);
	segimage_free(&im);
}

static void test_names(void)
{
	uint32_t pid, gen;
	struct segread *r;
	int e;

	CHECK(segread_parse_name("heaptop.12.3", &pid, &gen) == 0 && pid == 12 && gen == 3);
	CHECK(segread_parse_name("/heaptop.12.0", &pid, &gen) == 0);
	CHECK(segread_parse_name("heaptop.12", &pid, &gen) != 0);
	CHECK(segread_parse_name("heaptop.12.3x", &pid, &gen) != 0);
	CHECK(segread_parse_name("heaptop..3", &pid, &gen) != 0);
	CHECK(segread_parse_name("heaptop.99999999999.3", &pid, &gen) != 0);
	CHECK(segread_parse_name("other.12.3", &pid, &gen) != 0);
	CHECK_EQ(segread_open_name("heaptop.0.999999", &r, &e), SEGREAD_NO_SEGMENT);
	CHECK_EQ(segread_open_pid(0, 0, &r, &e), SEGREAD_NO_PROCESS);
	CHECK_EQ(segread_open_pid(getpid(), 0, &r, &e), SEGREAD_NO_SEGMENT);
	for (int k = SEGREAD_OK; k <= SEGREAD_SYSTEM; k++)
		CHECK(strlen(segread_strerror((enum segread_err)k)) > 5);
}

int main(void)
{
	test_valid();
	test_damage();
	test_short_and_odd();
	test_cmdline();
	test_tables();
	test_tables_damage();
	test_peak_torn();
	test_pending();
	test_pending_odd();
	test_pending_absent();
	test_pending_damage();
	test_pending_race();
	test_truncation();
	test_names();
	test_pid_reuse();
	return test_summary("unit_segread");
}
