/*
 * tests/tui/segimage.c - valid segment images with known counters (see
 * segimage.h), laid out the way lib/segment.c lays out a real one.
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

int segimage_build(struct segimage *im, uint32_t pid)
{
	size_t shard_size = align64(sizeof(struct heaptop_shard));
	size_t shards_off = align64(sizeof(struct heaptop_seg_header));
	size_t tl_off = shards_off + SEGIMAGE_SHARDS * shard_size;
	size_t size = (tl_off + SEGIMAGE_TIMELINE * sizeof(struct heaptop_timeline_entry) + 4095) & ~(size_t)4095;

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
	im->shard[0]->flags = HEAPTOP_SHARD_SHARED;
	im->shard[0]->alloc_count = 10, im->shard[0]->alloc_bytes = 1000;
	im->shard[0]->dealloc_count = 4, im->shard[0]->dealloc_bytes = 400;
	im->shard[0]->hist[HEAPTOP_HIST_ALLOC][7] = 10;
	im->shard[1]->alloc_count = 5, im->shard[1]->alloc_bytes = 500;
	im->shard[1]->dealloc_count = 2, im->shard[1]->dealloc_bytes = 600; /* frees what shard 0 made */
	im->shard[1]->untracked_bytes = 64, im->shard[1]->untracked_free_bytes = 32;
	im->shard[1]->hist[HEAPTOP_HIST_ALLOC][7] = 5;
	im->shard[2]->alloc_count = 1000; /* beyond shards_used: must not be summed */
	fill_timeline(im);
	return 0;
}

void segimage_free(struct segimage *im)
{
	free(im->buf);
	im->buf = NULL;
}
