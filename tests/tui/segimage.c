/*
 * tests/tui/segimage.c - valid segment images with known counters (see
 * segimage.h), laid out the way lib/segment.c lays out a real one, with
 * or without the site and module tables and the pending region of sampling.
 */
#include <stdlib.h>
#include <string.h>
#include "segimage.h"

static size_t align64(size_t v)
{
	return (v + 63) & ~(size_t)63;
}

static void fill_header(struct heaptop_seg_header *h, uint32_t pid, size_t size, size_t shards_off,
			size_t tl_off)
{
	h->magic = HEAPTOP_MAGIC;
	h->version = HEAPTOP_ABI_VERSION;
	h->compat_version = HEAPTOP_ABI_COMPAT;
	h->header_size = sizeof(*h);
	h->seg_size = size;
	h->pid = pid;
	h->ppid = 1;
	h->uid = 0;
	h->start_time_ticks = 12345;
	h->start_mono_ns = 1000;
	h->shards_off = shards_off;
	h->shard_count = SEGIMAGE_SHARDS;
	h->shard_size = (uint32_t)align64(sizeof(struct heaptop_shard));
	h->timeline_off = tl_off;
	h->timeline_len = SEGIMAGE_TIMELINE;
	h->timeline_entry_size = sizeof(struct heaptop_timeline_entry);
	h->timeline_interval_ns = 100000000;
	strcpy(h->cmdline, "prog --arg");
	h->state = HEAPTOP_STATE_RUNNING;
	h->shards_used = 2;
	h->threads_active = 2;
	h->threads_max = 2;
	h->threads_total = 3;
	h->use_max = 2000;
}

static void fill_timeline(struct segimage *im)
{
	im->h->timeline_head = 11;
	for (uint64_t i = 3; i < 11; i++) {
		struct heaptop_timeline_entry *e = &im->tl[i % SEGIMAGE_TIMELINE];
		e->seq = i == 9 ? 2 * i + 1 : 2 * i + 2;
		e->t_ns = i * 100000000ull;
		e->use_curr = i * 10;
		e->use_max = i * 20;
		e->alloc_count = i;
	}
}

static void fill_shards(struct segimage *im)
{
	im->shard[0]->flags = HEAPTOP_SHARD_SHARED;
	im->shard[0]->alloc_count = 10, im->shard[0]->alloc_bytes = 1000;
	im->shard[0]->dealloc_count = 4, im->shard[0]->dealloc_bytes = 400;
	im->shard[0]->hist[HEAPTOP_HIST_ALLOC][7] = 10;
	im->shard[1]->alloc_count = 5, im->shard[1]->alloc_bytes = 500;
	im->shard[1]->dealloc_count = 2, im->shard[1]->dealloc_bytes = 600; /* frees what shard 0 made */
	im->shard[1]->untracked_bytes = 64, im->shard[1]->untracked_free_bytes = 32;
	im->shard[1]->hist[HEAPTOP_HIST_ALLOC][7] = 5;
	im->shard[2]->alloc_count = 1000; /* beyond shards_used: must not be summed */
}

/* The counters of segimage.h, split between the table and the pending
 * region (fill_pending adds the rest). */
static void fill_sites(struct segimage *im)
{
	struct heaptop_site *a = im->site[1], *b = im->site[3];

	a->hash = 0x11, a->published = 1, a->nframes = 2;
	a->frames[0] = 0x401234, a->frames[1] = 0x401300;
	a->alloc_samples = 2, a->alloc_blocks = 1, a->alloc_bytes = 200;
	a->live_samples = 1, a->live_blocks = 3, a->live_bytes = 240;
	a->peak_samples = 2, a->peak_blocks = 2, a->peak_bytes = 250;
	b->hash = 0x33, b->published = 1, b->nframes = 1;
	b->frames[0] = 0x7f0000001010;
	b->move_samples = 4, b->move_count = 1, b->move_bytes = 3000;
	b->live_bytes = 16;
	im->site[5]->hash = 0x55;
	im->h->sites_used = 3;
	im->h->samples_total = 1, im->h->move_samples_total = 3;
	im->h->peak_seq = 4, im->h->peak_use_max = 1800, im->h->peak_mono_ns = 5000;
	im->h->sites_dropped = 7;
}

/* Pending slot j of shard i names site (slot + 1) with deltas d[0..8]. */
static void pend(struct segimage *im, int i, int j, uint32_t site, const int64_t d[HEAPTOP_SITE_COUNTERS])
{
	im->pending[i]->site[j].site = site;
	for (int k = 0; k < HEAPTOP_SITE_COUNTERS; k++)
		im->pending[i]->site[j].delta[k] = (uint64_t)d[k];
}

static void fill_pending(struct segimage *im)
{
	static const int64_t a[] = { 1, 2, 100, 1, -1, -40, 0, 0, 0 };   /* slot 1 */
	static const int64_t b[] = { 0, 0, 0, 0, 0, -24, 1, 4, 2000 };   /* slot 3 */
	static const int64_t junk[] = { 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 };

	pend(im, 1, 3, 2, a);
	im->pending[1]->samples = 2, im->pending[1]->seq = 6;
	pend(im, 0, 2, 4, b);
	im->pending[0]->move_samples = 2, im->pending[0]->seq = 2;
	pend(im, 0, 0, 0, junk);                     /* no site */
	pend(im, 1, 1, 6, junk);                     /* slot 5: never published */
	pend(im, 1, 7, SEGIMAGE_SITES + 1, junk);    /* past the table */
	pend(im, 2, 0, 2, junk);                     /* shard 2: past shards_used */
	im->pending[2]->samples = 1000, im->pending[2]->move_samples = 1000;
}
static void fill_modules(struct segimage *im)
{
	struct heaptop_module *m0 = im->module[0], *m1 = im->module[1];

	m0->seq = 2, m0->state = HEAPTOP_MODULE_LOADED;
	m0->start = 0x400000, m0->end = 0x402000;
	m0->build_id_len = 20;
	for (int i = 0; i < 20; i++)
		m0->build_id[i] = (uint8_t)(i + 1);
	strcpy(m0->path, "/usr/bin/prog");
	m1->seq = 2, m1->state = HEAPTOP_MODULE_UNLOADED;
	m1->base = 0x7f0000000000, m1->start = 0x7f0000001000, m1->end = 0x7f0000002000;
	strcpy(m1->path, "/tmp/lib\033[31m.so");
	im->module[2]->seq = 1;
	im->h->modules_used = 3;
}

static int build(struct segimage *im, uint32_t pid, int sampled)
{
	size_t shard_size = align64(sizeof(struct heaptop_shard));
	size_t shards_off = align64(sizeof(struct heaptop_seg_header));
	size_t tl_off = shards_off + SEGIMAGE_SHARDS * shard_size;
	size_t site_size = align64(sizeof(struct heaptop_site) + 8 * SEGIMAGE_FRAMES);
	size_t module_size = align64(sizeof(struct heaptop_module));
	size_t sites_off = align64(tl_off + SEGIMAGE_TIMELINE * sizeof(struct heaptop_timeline_entry));
	size_t modules_off = sites_off + SEGIMAGE_SITES * site_size;
	size_t pending_size = align64(sizeof(struct heaptop_shard_pending));
	size_t pending_off = align64(modules_off + SEGIMAGE_MODULES * module_size);
	size_t end = sampled ? pending_off + SEGIMAGE_SHARDS * pending_size : sites_off;
	size_t size = (end + 4095) & ~(size_t)4095;

	memset(im, 0, sizeof(*im));
	im->buf = aligned_alloc(4096, size);
	if (!im->buf)
		return -1;
	memset(im->buf, 0, size);
	im->size = size;
	im->h = (struct heaptop_seg_header *)im->buf;
	for (int i = 0; i < SEGIMAGE_SHARDS; i++)
		im->shard[i] = (struct heaptop_shard *)(im->buf + shards_off + (size_t)i * shard_size);
	im->tl = (struct heaptop_timeline_entry *)(im->buf + tl_off);
	fill_header(im->h, pid, size, shards_off, tl_off);
	fill_shards(im);
	fill_timeline(im);
	if (!sampled)
		return 0;
	im->h->sample_rate = 1;
	im->h->sites_off = sites_off, im->h->sites_count = SEGIMAGE_SITES;
	im->h->site_size = (uint32_t)site_size, im->h->site_max_frames = SEGIMAGE_FRAMES;
	im->h->modules_off = modules_off, im->h->modules_count = SEGIMAGE_MODULES;
	im->h->module_size = (uint32_t)module_size;
	im->h->pending_off = pending_off, im->h->pending_size = (uint32_t)pending_size;
	im->h->pending_sites = HEAPTOP_PENDING_SITES;
	for (int i = 0; i < SEGIMAGE_SHARDS; i++)
		im->pending[i] = (struct heaptop_shard_pending *)(im->buf + pending_off + (size_t)i * pending_size);
	for (int i = 0; i < SEGIMAGE_SITES; i++)
		im->site[i] = (struct heaptop_site *)(im->buf + sites_off + (size_t)i * site_size);
	for (int i = 0; i < SEGIMAGE_MODULES; i++)
		im->module[i] = (struct heaptop_module *)(im->buf + modules_off + (size_t)i * module_size);
	fill_sites(im);
	fill_pending(im);
	fill_modules(im);
	return 0;
}

int segimage_build(struct segimage *im, uint32_t pid)
{
	return build(im, pid, 0);
}

int segimage_build_sampled(struct segimage *im, uint32_t pid)
{
	return build(im, pid, 1);
}

void segimage_free(struct segimage *im)
{
	free(im->buf);
	im->buf = NULL;
}
