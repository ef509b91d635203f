/*
 * tui/segread.c - opening one heaptop segment and copying it out safely
 * (the reader protocol of include/heaptop/segment.h, steps 1-6; the site
 * and module tables and the pending region of steps 7-9 are segtables.c's).
 *
 * A read has two guarded phases with the validation in between, so nothing
 * is allocated while a SIGBUS can jump out:
 *   1. copy the header (magic with acquire, then relaxed 8-byte loads);
 *   2. validate the private copy: magic, version, every size, count and
 *      offset against the mapped size, with overflow-safe arithmetic;
 *   3. sum the shards [0, shards_used) and copy the timeline entries whose
 *      sequence number says they are complete, into preallocated memory;
 *   4. the same for the site and module tables and the pending region,
 *      when the header has them and their layout fits (a damaged table
 *      loses the tables, not the counters).
 * Finding segments by pid and listing /dev/shm live in segfind.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "segread.h"
#include "procfs.h"
#include "sanitize.h"
#include "segtables.h"
#include "sigbus.h"
#include "stats_sum.h" /* ht_sum_shards, shared with the library */

/* Larger files are not ours: the library's maxima make ~80 MiB. */
#define SEG_SIZE_MAX (1ull << 30)
/* The smallest header a compatible writer has: version 1's, which ended
 * where the v2 fields begin.  Fields past a writer's header_size read as 0. */
#define SEG_HEADER_MIN HEAPTOP_HEADER_V1_SIZE

struct segread {
	const unsigned char *base; /* mapping, or the caller's buffer */
	size_t size;               /* bytes we may touch */
	void *owned;               /* aligned private copy of a misaligned buffer */
	int mapped;                /* 1: munmap(base, size) on close */
	int has_pid;               /* 1: name gave a pid, check it and liveness */
	uint32_t name_pid;
	char name[64];
};

/* ---- copying -------------------------------------------------------------- */

struct header_job {
	const unsigned char *base;
	struct heaptop_seg_header *h; /* zeroed by the caller */
	size_t len;                   /* bytes to copy: min(sizeof(*h), file size) */
};

static void copy_header(void *arg)
{
	struct header_job *j = arg;
	uint64_t magic = __atomic_load_n((const uint64_t *)(const void *)j->base, __ATOMIC_ACQUIRE);

	seg_copy_words(j->h, j->base, j->len & ~(size_t)7);
	j->h->magic = magic;
}

struct body_job {
	const unsigned char *base;
	const struct heaptop_seg_header *h;
	struct seg_snapshot *snap;
	size_t cap;                 /* points allocated */
};

/* Entry i of the ring into *p if its seq says it is complete: 1, else 0. */
static int copy_entry(const unsigned char *e, uint64_t i, struct seg_point *p)
{
	const struct heaptop_timeline_entry *te = (const void *)e;
	uint64_t want = 2 * i + 2;

	if (__atomic_load_n(&te->seq, __ATOMIC_ACQUIRE) != want)
		return 0;
	p->t_ns = __atomic_load_n(&te->t_ns, __ATOMIC_RELAXED);
	p->use_curr = __atomic_load_n(&te->use_curr, __ATOMIC_RELAXED);
	p->use_max = __atomic_load_n(&te->use_max, __ATOMIC_RELAXED);
	p->alloc_count = __atomic_load_n(&te->alloc_count, __ATOMIC_RELAXED);
	p->dealloc_count = __atomic_load_n(&te->dealloc_count, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&te->seq, __ATOMIC_RELAXED) == want;
}

static void copy_body(void *arg)
{
	struct body_job *j = arg;
	const struct heaptop_seg_header *h = j->h;
	uint64_t head = h->timeline_head;
	uint64_t first = head > j->cap ? head - j->cap : 0;

	ht_sum_shards(j->base + h->shards_off, h->shards_used, h->shard_size, &j->snap->stats);
	j->snap->npoints = 0;
	for (uint64_t i = first; i < head; i++) {
		const unsigned char *e = j->base + h->timeline_off + (i % h->timeline_len) * h->timeline_entry_size;
		if (copy_entry(e, i, &j->snap->points[j->snap->npoints]))
			j->snap->npoints++;
	}
}

/* ---- validation ------------------------------------------------------------- */

/* 1 when [off, off + count * each) lies inside [0, size), overflow-safe. */
static int region_fits(uint64_t off, uint64_t count, uint64_t each, uint64_t size, uint64_t *end)
{
	uint64_t len;
	if (__builtin_mul_overflow(count, each, &len) || __builtin_add_overflow(off, len, end))
		return 0;
	return *end <= size;
}

static enum segread_err check_header(const struct heaptop_seg_header *h, uint64_t size)
{
	uint64_t shards_end, tl_end;

	if (h->magic == 0)
		return SEGREAD_NOT_READY;
	if (h->magic != HEAPTOP_MAGIC)
		return SEGREAD_NOT_HEAPTOP;
	if (h->compat_version > HEAPTOP_ABI_VERSION)
		return SEGREAD_VERSION;
	if (h->version < h->compat_version || h->compat_version == 0)
		return SEGREAD_CORRUPT;
	if (h->header_size < SEG_HEADER_MIN || h->header_size > size || h->seg_size > size)
		return SEGREAD_CORRUPT;
	size = h->seg_size; /* the writer's view; the file may be larger */
	if (h->shard_size < sizeof(struct heaptop_shard) || h->shard_size % 64 || h->shards_off % 64 ||
	    h->shard_count == 0 || h->shards_off < h->header_size ||
	    !region_fits(h->shards_off, h->shard_count, h->shard_size, size, &shards_end))
		return SEGREAD_CORRUPT;
	if (h->shards_used > h->shard_count || h->threads_active > h->shard_count)
		return SEGREAD_CORRUPT;
	if (h->timeline_len == 0)
		return SEGREAD_OK;
	if (h->timeline_entry_size < sizeof(struct heaptop_timeline_entry) ||
	    h->timeline_entry_size % 8 || h->timeline_off % 64 || h->timeline_off < h->header_size ||
	    !region_fits(h->timeline_off, h->timeline_len, h->timeline_entry_size, size, &tl_end))
		return SEGREAD_CORRUPT;
	if (h->timeline_off < shards_end && h->shards_off < tl_end) /* overlap */
		return SEGREAD_CORRUPT;
	return SEGREAD_OK;
}

/* ---- the snapshot ---------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Identity, live fields, liveness and age from the validated header copy. */
static void fill_identity(const struct segread *r, const struct heaptop_seg_header *h,
			  struct seg_snapshot *s)
{
	snprintf(s->name, sizeof(s->name), "%s", r->name);
	s->pid = h->pid, s->ppid = h->ppid, s->exec_gen = h->exec_gen, s->uid = h->uid;
	s->state = h->state;
	s->version = h->version;
	s->start_realtime_ns = h->start_realtime_ns;
	s->start_mono_ns = h->start_mono_ns;
	s->exit_mono_ns = h->exit_mono_ns;
	s->start_time_ticks = h->start_time_ticks;
	sanitize_text(s->cmdline, sizeof(s->cmdline), h->cmdline, sizeof(h->cmdline));
	s->shard_count = h->shard_count, s->shards_used = h->shards_used;
	s->threads_active = h->threads_active, s->threads_max = h->threads_max;
	s->threads_total = h->threads_total, s->shard_misses = h->shard_misses;
	s->peak_slack = h->peak_slack;
	s->timeline_interval_ns = h->timeline_interval_ns;
	/* a coarse clock may stamp just before start: that wraps, read it as unknown */
	s->use_max_t_ns = h->use_max_mono_ns > (uint64_t)INT64_MAX ? 0 : h->use_max_mono_ns;
	s->alive = r->has_pid && proc_alive((pid_t)h->pid, h->start_time_ticks);
	s->read_mono_ns = mono_ns();
}

/* The process age: at exit (the writer stores exit_mono_ns relative to
 * start), now while it lives, else the last timeline point. */
static uint64_t snapshot_age(const struct seg_snapshot *s)
{
	if (s->exit_mono_ns)
		return s->exit_mono_ns;
	if (s->alive && s->read_mono_ns > s->start_mono_ns)
		return s->read_mono_ns - s->start_mono_ns;
	return s->npoints ? s->points[s->npoints - 1].t_ns : 0;
}

/* The site and module tables into *s when the header has sound ones. */
static enum segread_err read_tables(struct segread *r, const struct heaptop_seg_header *h,
				    struct seg_snapshot *s)
{
	struct segtables_job j = { .base = r->base, .h = h, .snap = s };
	int truncated;

	s->sampling = segtables_check(h);
	if (s->sampling != SEG_SAMPLING_ON)
		return SEGREAD_OK;
	if (segtables_prepare(&j) != 0) {
		errno = ENOMEM;
		return SEGREAD_SYSTEM;
	}
	truncated = sigbus_guard(segtables_copy, &j) != 0;
	segtables_release(&j);
	if (truncated)
		return SEGREAD_TRUNCATED;
	segtables_finish(&j);
	return SEGREAD_OK;
}

/* The whole read into *s (zeroed by the caller); s->points allocated here. */
static enum segread_err read_into(struct segread *r, struct seg_snapshot *s, int with_points)
{
	struct heaptop_seg_header h;
	struct header_job hj = { r->base, &h, r->size < sizeof(h) ? r->size : sizeof(h) };
	enum segread_err err;

	if (r->size < SEG_HEADER_MIN)
		return r->size == 0 ? SEGREAD_NOT_READY : SEGREAD_CORRUPT;
	memset(&h, 0, sizeof(h));
	if (sigbus_guard(copy_header, &hj) != 0)
		return SEGREAD_TRUNCATED;
	err = check_header(&h, r->size);
	if (err != SEGREAD_OK)
		return err;
	if (h.header_size < sizeof(h)) /* an older writer: what we copied past its header is not header */
		memset((char *)&h + h.header_size, 0, sizeof(h) - h.header_size);
	if (r->has_pid && h.pid != r->name_pid)
		return SEGREAD_CORRUPT;
	struct body_job bj = { r->base, &h, s, 0 };
	if (with_points && h.timeline_len) {
		bj.cap = h.timeline_head < h.timeline_len ? (size_t)h.timeline_head : h.timeline_len;
		s->points = bj.cap ? calloc(bj.cap, sizeof(*s->points)) : NULL;
		if (bj.cap && !s->points) {
			errno = ENOMEM;
			return SEGREAD_SYSTEM;
		}
	}
	if (sigbus_guard(copy_body, &bj) != 0) {
		segread_snapshot_free(s);
		return SEGREAD_TRUNCATED;
	}
	if (with_points && (err = read_tables(r, &h, s)) != SEGREAD_OK) {
		segread_snapshot_free(s);
		return err;
	}
	s->stats.use_max = h.use_max > s->stats.use_max ? h.use_max : s->stats.use_max;
	/* Never below a peak the timeline already showed (lib/timeline.c). */
	if (s->npoints && s->points[s->npoints - 1].use_max > s->stats.use_max)
		s->stats.use_max = s->points[s->npoints - 1].use_max;
	fill_identity(r, &h, s);
	s->uptime_ns = snapshot_age(s);
	return SEGREAD_OK;
}

enum segread_err segread_read(struct segread *r, struct seg_snapshot *snap)
{
	struct seg_snapshot s;
	memset(&s, 0, sizeof(s));
	enum segread_err err = read_into(r, &s, 1);
	if (err != SEGREAD_OK)
		return err;
	segread_snapshot_free(snap);
	*snap = s;
	return SEGREAD_OK;
}

enum segread_err segread_read_header_only(struct segread *r, struct seg_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	return read_into(r, snap, 0);
}

void segread_snapshot_free(struct seg_snapshot *snap)
{
	free(snap->points);
	free(snap->sites);
	free(snap->modules);
	snap->points = NULL;
	snap->sites = NULL;
	snap->modules = NULL;
	snap->npoints = snap->nsites = snap->nmodules = 0;
}

/* ---- opening ------------------------------------------------------------------- */

int segread_parse_name(const char *name, uint32_t *pid, uint32_t *gen)
{
	uint64_t v[2] = { 0, 0 };
	const char *p = name + (name[0] == '/');

	if (strncmp(p, HEAPTOP_SHM_PREFIX, strlen(HEAPTOP_SHM_PREFIX)) != 0)
		return -1;
	p += strlen(HEAPTOP_SHM_PREFIX);
	for (int k = 0; k < 2; k++) {
		const char *start = p;
		for (; *p >= '0' && *p <= '9' && p - start < 10; p++)
			v[k] = v[k] * 10 + (uint64_t)(*p - '0');
		if (p == start || v[k] > UINT32_MAX || *p != (k == 0 ? '.' : '\0'))
			return -1;
		p++;
	}
	*pid = (uint32_t)v[0];
	*gen = (uint32_t)v[1];
	return 0;
}

/* Checks the owner, mode and size of an open segment (protocol step 1). */
static enum segread_err check_file(int fd, struct stat *st)
{
	if (fstat(fd, st) != 0)
		return SEGREAD_SYSTEM;
	if (!S_ISREG(st->st_mode))
		return SEGREAD_NOT_HEAPTOP;
	if ((st->st_uid != geteuid() && geteuid() != 0) || (st->st_mode & 077))
		return SEGREAD_NOT_OWNER;
	if ((uint64_t)st->st_size > SEG_SIZE_MAX)
		return SEGREAD_CORRUPT;
	return SEGREAD_OK;
}

enum segread_err segread_open_name(const char *name, struct segread **out, int *detail_errno)
{
	struct segread *r;
	struct stat st;
	uint32_t gen;
	int fd;

	*out = NULL;
	if (detail_errno)
		*detail_errno = 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out_errno;
	snprintf(r->name, sizeof(r->name), "/%s", name + (name[0] == '/'));
	r->has_pid = segread_parse_name(r->name, &r->name_pid, &gen) == 0;
	fd = shm_open(r->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		goto out_free;
	enum segread_err err = check_file(fd, &st);
	if (err != SEGREAD_OK) {
		int e = errno;
		close(fd);
		free(r);
		if (detail_errno)
			*detail_errno = err == SEGREAD_SYSTEM ? e : 0;
		return err;
	}
	r->size = (size_t)st.st_size;
	if (r->size >= SEG_HEADER_MIN) {
		void *p = mmap(NULL, r->size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			errno = e;
			goto out_free;
		}
		r->base = p;
		r->mapped = 1;
	}
	close(fd); /* the mapping keeps the object */
	*out = r;
	return SEGREAD_OK;

out_free:
	free(r);
out_errno:
	if (detail_errno)
		*detail_errno = errno;
	return errno == ENOENT ? SEGREAD_NO_SEGMENT : errno == EACCES ? SEGREAD_NOT_OWNER : SEGREAD_SYSTEM;
}

enum segread_err segread_open_buffer(const void *buf, size_t len, struct segread **out)
{
	struct segread *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return SEGREAD_SYSTEM;
	snprintf(r->name, sizeof(r->name), "(buffer)");
	r->base = buf;
	r->size = len;
	if ((uintptr_t)buf % 64 && len) { /* 8-byte atomic loads need alignment */
		r->owned = aligned_alloc(64, (len + 63) & ~(size_t)63);
		if (!r->owned) {
			free(r);
			return SEGREAD_SYSTEM;
		}
		memcpy(r->owned, buf, len);
		r->base = r->owned;
	}
	*out = r;
	return SEGREAD_OK;
}

void segread_close(struct segread *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)r->base, r->size);
	free(r->owned);
	free(r);
}

const char *segread_strerror(enum segread_err e)
{
	switch (e) {
	case SEGREAD_OK:
		return "no error";
	case SEGREAD_NO_PROCESS:
		return "no such process (check the pid, or start the program with `heaptop -- CMD`)";
	case SEGREAD_NO_SEGMENT:
		return "the process has no heaptop segment (was it started with heaptop or "
		       "LD_PRELOAD=libheaptop.so? static and setuid binaries can't be preloaded)";
	case SEGREAD_NOT_OWNER:
		return "the segment belongs to another user or is accessible to others "
		       "(run heaptop as the user who runs the program)";
	case SEGREAD_NOT_HEAPTOP:
		return "not a heaptop segment (wrong magic number); remove it if nothing uses it";
	case SEGREAD_VERSION:
		return "the segment was written by a newer, incompatible libheaptop "
		       "(use the heaptop viewer of the same release as the library)";
	case SEGREAD_CORRUPT:
		return "the segment is corrupt (its sizes or offsets do not fit the file); "
		       "if the process is gone, `heaptop -l --clean` removes it";
	case SEGREAD_TRUNCATED:
		return "the segment shrank while being read (truncated or replaced); try again";
	case SEGREAD_NOT_READY:
		return "the segment is still being created; try again in a moment";
	case SEGREAD_SYSTEM:
		return "cannot open or map the segment";
	}
	return "unknown error";
}
