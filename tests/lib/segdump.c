/*
 * tests/lib/segdump.c - an independent reader of one heaptop segment file
 * for the shell tests: checks the structure against include/heaptop/segment.h
 * and prints every header field, the summed counters, non-zero histogram
 * buckets, the timeline's state and (v4, sampling on) the pending region's
 * layout and sample totals as key=value lines.
 *
 *     segdump [--no-time-checks] /dev/shm/heaptop.<pid>.<gen>
 *
 * --no-time-checks skips the checks of the header's times (exit_mono_ns,
 * use_max_mono_ns), which tests/lib/seg_header.sh makes on its own, so that
 * tests about other things don't all fail on one timing bug.
 * Exit 0 when the segment is well formed, 1 (with one "segdump: ..." line per
 * problem on stderr) when not, 2 on usage or I/O errors.  It follows the
 * reader protocol of segment.h on its own (it does not reuse lib/stats_sum.c),
 * so the tests compare two implementations of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "heaptop.h"
#include "heaptop/segment.h"

static const char *path;
static int problems;
static int time_checks = 1;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;

	problems++;
	fprintf(stderr, "segdump: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define KV(name, v) printf("%s=%" PRIu64 "\n", (name), (uint64_t)(v))

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Is [off, off + count * size) inside [0, limit)?  Overflow-safe. */
static int region_ok(uint64_t off, uint64_t count, uint64_t size, uint64_t limit)
{
	uint64_t len;

	if (__builtin_mul_overflow(count, size, &len))
		return 0;
	return off <= limit && len <= limit - off;
}

static void check_file(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		problem("not a regular file");
	if ((st->st_mode & 07777) != 0600)
		problem("mode %o, want 600", (unsigned)(st->st_mode & 07777));
	if (st->st_uid != geteuid())
		problem("owner %u, want %u", (unsigned)st->st_uid, (unsigned)geteuid());
	KV("file_size", st->st_size);
	KV("file_mode", st->st_mode & 07777);
	KV("file_uid", st->st_uid);
}

/* Identity and layout; returns 1 when the layout can be trusted. */
static int check_header(const struct heaptop_seg_header *h, uint64_t size)
{
	int layout_ok = 1;

	if (h->version != HEAPTOP_ABI_VERSION)
		problem("version %u, want %u", h->version, HEAPTOP_ABI_VERSION);
	if (h->compat_version != HEAPTOP_ABI_COMPAT || h->compat_version > h->version)
		problem("compat_version %u, want %u", h->compat_version, HEAPTOP_ABI_COMPAT);
	if (h->header_size != sizeof(*h))
		problem("header_size %u, want %zu", h->header_size, sizeof(*h));
	if (h->seg_size != size)
		problem("seg_size %" PRIu64 " != file size %" PRIu64, h->seg_size, size);
	if (h->uid != getuid())
		problem("uid %u, want %u", h->uid, (unsigned)getuid());
	if (h->flags & ~HEAPTOP_FLAG_KEEP)
		problem("unknown header flags %#x", h->flags);
	if (h->shards_off % 64 || h->timeline_off % 64)
		problem("offsets not 64-aligned (shards %" PRIu64 ", timeline %" PRIu64 ")",
			h->shards_off, h->timeline_off);
	if (h->shards_off < h->header_size) {
		problem("shards_off %" PRIu64 " inside the header", h->shards_off);
		layout_ok = 0;
	}
	if (h->shard_size < sizeof(struct heaptop_shard) || h->shard_size % 64) {
		problem("shard_size %u (struct is %zu)", h->shard_size, sizeof(struct heaptop_shard));
		layout_ok = 0;
	}
	if (h->shard_count < 2)
		problem("shard_count %u < 2", h->shard_count);
	if (!region_ok(h->shards_off, h->shard_count, h->shard_size, h->timeline_off)) {
		problem("shards overlap the timeline or pass the end");
		layout_ok = 0;
	}
	if (h->timeline_entry_size != sizeof(struct heaptop_timeline_entry) || h->timeline_len == 0) {
		problem("timeline_entry_size %u, timeline_len %u", h->timeline_entry_size,
			h->timeline_len);
		layout_ok = 0;
	}
	if (!region_ok(h->timeline_off, h->timeline_len, h->timeline_entry_size, size)) {
		problem("timeline passes the end of the segment");
		layout_ok = 0;
	}
	for (unsigned i = 0; i < sizeof(h->reserved_layout) / sizeof(h->reserved_layout[0]); i++)
		if (h->reserved_layout[i])
			problem("reserved_layout[%u] = %" PRIu64, i, h->reserved_layout[i]);
	if (!memchr(h->cmdline, '\0', sizeof(h->cmdline)))
		problem("cmdline not NUL-terminated");
	return layout_ok;
}

static void print_header(const struct heaptop_seg_header *h)
{
	KV("magic_ok", h->magic == HEAPTOP_MAGIC);
	KV("version", h->version);
	KV("compat_version", h->compat_version);
	KV("header_size", h->header_size);
	KV("flags", h->flags);
	KV("seg_size", h->seg_size);
	KV("pid", h->pid);
	KV("ppid", h->ppid);
	KV("exec_gen", h->exec_gen);
	KV("uid", h->uid);
	KV("start_time_ticks", h->start_time_ticks);
	KV("start_realtime_ns", h->start_realtime_ns);
	KV("start_mono_ns", h->start_mono_ns);
	KV("shards_off", h->shards_off);
	KV("shard_count", h->shard_count);
	KV("shard_size", h->shard_size);
	KV("timeline_off", h->timeline_off);
	KV("timeline_len", h->timeline_len);
	KV("timeline_entry_size", h->timeline_entry_size);
	KV("timeline_interval_ns", h->timeline_interval_ns);
	KV("peak_slack", h->peak_slack);
	printf("cmdline=%.*s\n", (int)strnlen(h->cmdline, sizeof(h->cmdline)), h->cmdline);
	KV("state", __atomic_load_n(&h->state, __ATOMIC_ACQUIRE));
	KV("shards_used", h->shards_used);
	KV("threads_active", h->threads_active);
	KV("threads_max", h->threads_max);
	KV("threads_total", h->threads_total);
	KV("shard_misses", h->shard_misses);
	KV("exit_mono_ns", h->exit_mono_ns);
	KV("timeline_head", h->timeline_head);
	KV("use_max_header", h->use_max);
	KV("use_max_mono_ns", h->use_max_mono_ns);
}

/* Live fields that must agree with each other. */
static void check_live(const struct heaptop_seg_header *h)
{
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	uint64_t age = mono_now() - h->start_mono_ns;

	if (state < HEAPTOP_STATE_RUNNING || state > HEAPTOP_STATE_EXECED)
		problem("state %u", state);
	if (h->shards_used < 1 || h->shards_used > h->shard_count)
		problem("shards_used %u of %u", h->shards_used, h->shard_count);
	if (h->threads_active > h->threads_max || h->threads_max > h->threads_total)
		problem("threads active %u, max %u, total %" PRIu64, h->threads_active,
			h->threads_max, h->threads_total);
	/* Times are relative to start_mono_ns, like the timeline's t_ns. */
	if (!time_checks)
		return;
	if (state == HEAPTOP_STATE_RUNNING && h->exit_mono_ns)
		problem("running, but exit_mono_ns = %" PRIu64, h->exit_mono_ns);
	if (state != HEAPTOP_STATE_RUNNING && (h->exit_mono_ns == 0 || h->exit_mono_ns > age))
		problem("state %u, exit_mono_ns %" PRIu64 " not in (0, age %" PRIu64 "]", state,
			h->exit_mono_ns, age);
	if (h->use_max_mono_ns > age)
		problem("use_max_mono_ns %" PRIu64 " is past the segment's age %" PRIu64
			" (a clock read behind start_mono_ns?)", h->use_max_mono_ns, age);
}

static const struct heaptop_shard *shard_at(const char *base, const struct heaptop_seg_header *h,
					    uint32_t i)
{
	return (const struct heaptop_shard *)(base + h->shards_off + (uint64_t)i * h->shard_size);
}

static const char *const hist_names[] = {
#define X_HNAME(id, key, desc) #key,
	HEAPTOP_HISTOGRAMS(X_HNAME)
#undef X_HNAME
};

/* Step 4 of the reader protocol, written again from the header comment. */
static void sum_shards(const char *base, const struct heaptop_seg_header *h)
{
	struct heaptop_stats sum;
	uint32_t used = h->shards_used < h->shard_count ? h->shards_used : h->shard_count;
	uint64_t owned = 0;

	memset(&sum, 0, sizeof(sum));
	for (uint32_t i = 0; i < h->shard_count; i++) {
		const struct heaptop_shard *s = shard_at(base, h, i);
		uint32_t want = i == 0 ? HEAPTOP_SHARD_SHARED : 0;

		if (s->flags != want)
			problem("shard %u flags %#x, want %#x", i, s->flags, want);
		if (i >= used) {
			if (s->owner_tid || s->owners_total || s->alloc_count)
				problem("shard %u is past shards_used but was written", i);
			continue;
		}
		if (i > 0 && s->owner_tid)
			owned++;
#define X_SUM(name, unit, desc) sum.name += __atomic_load_n(&s->name, __ATOMIC_RELAXED);
		HEAPTOP_COUNTERS(X_SUM)
#undef X_SUM
		for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
			for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
				sum.hist[k][b] += __atomic_load_n(&s->hist[k][b], __ATOMIC_RELAXED);
	}
	if (owned != h->threads_active)
		problem("%" PRIu64 " shards have an owner, threads_active is %u", owned,
			h->threads_active);
#define X_PRINT(name, unit, desc) KV(#name, sum.name);
	HEAPTOP_COUNTERS(X_PRINT)
#undef X_PRINT
	uint64_t use = sum.alloc_bytes - sum.dealloc_bytes + sum.realloc_growth_bytes -
		       sum.realloc_shrink_bytes + sum.untracked_bytes - sum.untracked_free_bytes;
	if ((int64_t)use < 0)
		use = 0;
	KV("use_curr", use);
	KV("use_max", h->use_max > use ? h->use_max : use);
	for (int k = 0; k < HEAPTOP_HIST_KINDS; k++)
		for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
			if (sum.hist[k][b])
				printf("hist.%s.%d=%" PRIu64 "\n", hist_names[k], b, sum.hist[k][b]);
}

/* Step 5: every entry of the window is checked; the writers are done or paused. */
static void check_timeline(const char *base, const struct heaptop_seg_header *h)
{
	const struct heaptop_timeline_entry *ring =
		(const struct heaptop_timeline_entry *)(base + h->timeline_off);
	uint64_t head = __atomic_load_n(&h->timeline_head, __ATOMIC_ACQUIRE);
	uint64_t first = head > h->timeline_len ? head - h->timeline_len : 0;
	uint64_t valid = 0, invalid = 0, prev_t = 0, prev_alloc = 0, prev_max = 0;
	/* The smallest gap between two points before the last one, and the
	 * last gap (the exit's forced point may come at any time). */
	uint64_t min_gap = UINT64_MAX, last_gap = UINT64_MAX;
	const struct heaptop_timeline_entry *last = NULL;

	for (uint64_t i = first; i < head; i++) {
		const struct heaptop_timeline_entry *e = &ring[i % h->timeline_len];
		uint64_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		struct heaptop_timeline_entry copy = *e;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);

		if (s1 != 2 * i + 2 || s2 != s1) {
			invalid++;
			continue;
		}
		valid++;
		if (copy.t_ns < prev_t)
			problem("timeline entry %" PRIu64 ": t_ns %" PRIu64 " < previous %" PRIu64, i,
				copy.t_ns, prev_t);
		if (copy.alloc_count < prev_alloc)
			problem("timeline entry %" PRIu64 ": alloc_count went down", i);
		if (copy.use_max < prev_max || copy.use_curr > copy.use_max)
			problem("timeline entry %" PRIu64 ": use_max %" PRIu64 " (previous %" PRIu64
				"), use_curr %" PRIu64, i, copy.use_max, prev_max, copy.use_curr);
		if (copy.reserved[0] || copy.reserved[1])
			problem("timeline entry %" PRIu64 ": reserved fields not zero", i);
		if (valid > 1) {
			if (last_gap < min_gap)
				min_gap = last_gap;
			last_gap = copy.t_ns - prev_t;
		}
		prev_t = copy.t_ns;
		prev_alloc = copy.alloc_count;
		prev_max = copy.use_max;
		last = e;
	}
	/* Slots past the head have never been written. */
	for (uint64_t i = head; i < h->timeline_len; i++)
		if (ring[i].seq)
			problem("timeline slot %" PRIu64 " past the head has seq %" PRIu64, i, ring[i].seq);
	KV("timeline_valid", valid);
	KV("timeline_invalid", invalid);
	if (last) {
		KV("tl_last_t_ns", last->t_ns);
		KV("tl_last_use_curr", last->use_curr);
		KV("tl_last_use_max", last->use_max);
		KV("tl_last_alloc_count", last->alloc_count);
		KV("tl_last_dealloc_count", last->dealloc_count);
	}
	if (last_gap != UINT64_MAX)
		KV("tl_last_gap_ns", last_gap);
	if (min_gap != UINT64_MAX)
		KV("tl_min_gap_ns", min_gap);
}

/* ---- the pending region (v4, protocol step 7) --------------------------------- */

/* The region's layout as libheaptop writes it: present exactly when sampling
 * is on, after the module table, one entry per shard of our struct's size;
 * 1 when its entries can be read. */
static int check_pending_layout(const struct heaptop_seg_header *h, uint64_t size)
{
	uint64_t after_modules = region_ok(h->modules_off, h->modules_count, h->module_size, size)
					 ? h->modules_off + (uint64_t)h->modules_count * h->module_size
					 : UINT64_MAX; /* a module table past the end: nothing fits after it */

	if (h->reserved_v4_layout)
		problem("reserved_v4_layout = %" PRIu64, h->reserved_v4_layout);
	if (h->sample_rate == 0) {
		if (h->pending_off || h->pending_size || h->pending_sites)
			problem("sampling off, but a pending region (off %" PRIu64 ", size %u, sites %u)",
				h->pending_off, h->pending_size, h->pending_sites);
		return 0;
	}
	if (h->pending_off == 0) {
		problem("sampling on, but no pending region");
		return 0;
	}
	if (h->pending_size != sizeof(struct heaptop_shard_pending) ||
	    h->pending_sites != HEAPTOP_PENDING_SITES) {
		problem("pending_size %u (struct is %zu), pending_sites %u (want %u)", h->pending_size,
			sizeof(struct heaptop_shard_pending), h->pending_sites, HEAPTOP_PENDING_SITES);
		return 0;
	}
	if (h->pending_off % 64 || h->pending_off < after_modules ||
	    !region_ok(h->pending_off, h->shard_count, h->pending_size, size)) {
		problem("pending region at %" PRIu64 " (%u entries): misaligned, before the end of the "
			"module table (%" PRIu64 ") or past the end", h->pending_off, h->shard_count,
			after_modules);
		return 0;
	}
	return 1;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static const struct heaptop_shard_pending *pending_at(const char *base,
						      const struct heaptop_seg_header *h, uint32_t i)
{
	return (const struct heaptop_shard_pending *)(base + h->pending_off +
						      (uint64_t)i * h->pending_size);
}

/* One entry of a shard in use: its slots name sites of the table or none,
 * and what the writer never fills is zero.  Returns 1 when seq is odd. */
static int check_pending_entry(const struct heaptop_shard_pending *p,
			       const struct heaptop_seg_header *h, uint32_t i)
{
	uint64_t seq = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);

	if (p->reserved)
		problem("pending entry %u: reserved = %" PRIu64, i, p->reserved);
	for (uint32_t j = 0; j < HEAPTOP_PENDING_SITES; j++) {
		const struct heaptop_pending_site *e = &p->site[j];
		uint32_t site = __atomic_load_n(&e->site, __ATOMIC_RELAXED);
		if (site > h->sites_count || e->reserved || (j >= h->pending_sites && site))
			problem("pending entry %u slot %u: site %u of %u, reserved %u", i, j, site,
				h->sites_count, e->reserved);
	}
	return seq % 2;
}

/* Checks the region and prints its layout and the sample totals with it. */
static void check_pending(const char *base, const struct heaptop_seg_header *h, uint64_t size)
{
	uint64_t samples = __atomic_load_n(&h->samples_total, __ATOMIC_RELAXED);
	uint64_t moves = __atomic_load_n(&h->move_samples_total, __ATOMIC_RELAXED);
	uint64_t pending_samples = 0, pending_moves = 0, odd = 0;
	uint32_t used = h->shards_used < h->shard_count ? h->shards_used : h->shard_count;

	if (h->version < 4 || h->header_size < sizeof(*h))
		return;
	KV("pending_off", h->pending_off);
	KV("pending_size", h->pending_size);
	KV("pending_sites", h->pending_sites);
	if (check_pending_layout(h, size)) {
		for (uint32_t i = 0; i < h->shard_count; i++) {
			const struct heaptop_shard_pending *p = pending_at(base, h, i);
			if (i >= used) {
				if (!all_zero(p, sizeof(*p)))
					problem("pending entry %u is past shards_used but was written", i);
				continue;
			}
			odd += check_pending_entry(p, h, i);
			pending_samples += __atomic_load_n(&p->samples, __ATOMIC_RELAXED);
			pending_moves += __atomic_load_n(&p->move_samples, __ATOMIC_RELAXED);
		}
	}
	KV("pending_samples", pending_samples);
	KV("pending_move_samples", pending_moves);
	KV("pending_odd", odd);
	KV("samples_total", samples + pending_samples);
	KV("move_samples_total", moves + pending_moves);
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc == 3 && strcmp(argv[1], "--no-time-checks") == 0) {
		time_checks = 0;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: segdump [--no-time-checks] /dev/shm/heaptop.PID.GEN\n");
		return 2;
	}
	path = argv[1];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "segdump: %s: %s\n", path, strerror(errno));
		return 2;
	}
	check_file(&st);
	if ((uint64_t)st.st_size < sizeof(struct heaptop_seg_header)) {
		problem("%lld bytes: smaller than the header", (long long)st.st_size);
		return 1;
	}
	const char *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		fprintf(stderr, "segdump: %s: mmap: %s\n", path, strerror(errno));
		return 2;
	}
	const struct heaptop_seg_header *h = (const void *)base;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != HEAPTOP_MAGIC) {
		problem("bad magic %#" PRIx64, h->magic);
		return 1;
	}
	print_header(h);
	if (check_header(h, (uint64_t)st.st_size)) {
		check_live(h);
		sum_shards(base, h);
		check_timeline(base, h);
		check_pending(base, h, (uint64_t)st.st_size);
	}
	KV("problems", problems);
	fflush(stdout);
	return problems ? 1 : 0;
}
