/*
 * tests/sites/sites_view.h - the site and module tables of a heaptop segment
 * as the sites tests read them: map a segment read-only, walk its published
 * sites and modules, and sum a site's fields.  Follows the reader protocol of
 * include/heaptop/segment.h (steps 7-9), with checks sized for tests.
 */
#ifndef HEAPTOP_TESTS_SITES_VIEW_H
#define HEAPTOP_TESTS_SITES_VIEW_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "heaptop/segment.h"

struct sites_view {
	const struct heaptop_seg_header *h;
	size_t size;
};

/* Maps the segment at path (a /dev/shm file) read-only; 0 or -1. */
static inline int sites_view_open(struct sites_view *v, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct heaptop_seg_header)) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	v->h = m;
	v->size = (size_t)st.st_size;
	if (__atomic_load_n(&v->h->magic, __ATOMIC_ACQUIRE) != HEAPTOP_MAGIC ||
	    v->h->version < 2 || v->h->header_size < sizeof(struct heaptop_seg_header) ||
	    v->h->seg_size > v->size ||
	    v->h->sites_off + (uint64_t)v->h->sites_count * v->h->site_size > v->size ||
	    v->h->modules_off + (uint64_t)v->h->modules_count * v->h->module_size > v->size) {
		munmap(m, v->size);
		return -1;
	}
	return 0;
}

static inline const struct heaptop_site *sites_view_site(const struct sites_view *v, uint32_t i)
{
	return (const struct heaptop_site *)((const char *)v->h + v->h->sites_off +
					     (size_t)i * v->h->site_size);
}

/* The site in slot i when it is published, else NULL. */
static inline const struct heaptop_site *sites_view_published(const struct sites_view *v,
							      uint32_t i)
{
	const struct heaptop_site *s = sites_view_site(v, i);
	if (!__atomic_load_n(&s->hash, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&s->published, __ATOMIC_ACQUIRE) != 1 ||
	    s->nframes > v->h->site_max_frames)
		return NULL;
	return s;
}

static inline const struct heaptop_module *sites_view_module(const struct sites_view *v, uint32_t i)
{
	const struct heaptop_module *m = (const struct heaptop_module *)(
		(const char *)v->h + v->h->modules_off + (size_t)i * v->h->module_size);
	return __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) == 2 ? m : NULL;
}

static inline uint32_t sites_view_modules(const struct sites_view *v)
{
	uint32_t n = __atomic_load_n(&v->h->modules_used, __ATOMIC_RELAXED);
	return n < v->h->modules_count ? n : v->h->modules_count;
}

/* The fields of sites summed together (sites with the same frame 0 function). */
struct site_sum {
	uint64_t sites, alloc_samples, alloc_blocks, alloc_bytes;
	int64_t live_samples, live_blocks, live_bytes;
	uint64_t move_samples, move_count, move_bytes;
	int64_t peak_bytes;
};

static inline void site_sum_add(struct site_sum *a, const struct heaptop_site *s)
{
	a->sites++;
	a->alloc_samples += __atomic_load_n(&s->alloc_samples, __ATOMIC_RELAXED);
	a->alloc_blocks += __atomic_load_n(&s->alloc_blocks, __ATOMIC_RELAXED);
	a->alloc_bytes += __atomic_load_n(&s->alloc_bytes, __ATOMIC_RELAXED);
	a->live_samples += (int64_t)__atomic_load_n(&s->live_samples, __ATOMIC_RELAXED);
	a->live_blocks += (int64_t)__atomic_load_n(&s->live_blocks, __ATOMIC_RELAXED);
	a->live_bytes += (int64_t)__atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED);
	a->move_samples += __atomic_load_n(&s->move_samples, __ATOMIC_RELAXED);
	a->move_count += __atomic_load_n(&s->move_count, __ATOMIC_RELAXED);
	a->move_bytes += __atomic_load_n(&s->move_bytes, __ATOMIC_RELAXED);
	a->peak_bytes += (int64_t)__atomic_load_n(&s->peak_bytes, __ATOMIC_RELAXED);
}

#endif
