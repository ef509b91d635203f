/*
 * lib/segment.c - the writer side of the shared-memory segment: choosing the
 * name (/heaptop.<pid>.<exec_gen>), creating it exclusively with mode 0600,
 * reserving its memory with posix_fallocate (so a full /dev/shm fails here,
 * never as a SIGBUS later), laying out header, shards, timeline and (when
 * sampling) the site and module tables, marking
 * the previous image of this pid as exec'd, and finishing it at exit.
 * Nothing here allocates; every failure leaves the program running untracked
 * with one line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"
#include "procread.h"

_Static_assert(sizeof(struct heaptop_seg_header) <= 4096, "header must fit its page");
_Static_assert(sizeof(struct heaptop_timeline_entry) == 64, "timeline entry is one line");
_Static_assert(sizeof(struct heaptop_shard) % 64 == 0, "shards are whole cache lines");

#define MAX_EXEC_GEN 1000

static const char *errno_text(int e)
{
	switch (e) {
	case ENOSPC: return "no space left on the device (is /dev/shm full?)";
	case EACCES: return "permission denied (is /dev/shm writable?)";
	case ENOENT: return "no /dev/shm mounted";
	case EMFILE: case ENFILE: return "too many open files";
	case ENOMEM: return "out of memory";
	case EEXIST: return "too many segments for this pid";
	case EROFS: return "/dev/shm is read-only";
	default: return "system error";
	}
}

static void say_failure(const char *what, int e)
{
	char num[24], bytes[24];
	ht_say_once(HT_SAY_NO_SEGMENT, "cannot ", what, " shared memory ", ht_rt.name, " (",
		    ht_utoa(ht_rt.seg_size, bytes), " bytes): ", errno_text(e), " [errno ",
		    ht_utoa((uint64_t)e, num), "]; running untracked", NULL);
}

/* Field 22 of /proc/self/stat: the start time that tells pid reuse apart. */
static uint64_t self_start_ticks(void)
{
	char buf[1024];
	return ht_read_small("/proc/self/stat", buf, sizeof(buf)) > 0 ? ht_stat_start_ticks(buf) : 0;
}

static void read_cmdline(char *out, size_t cap)
{
	ssize_t n = ht_read_small("/proc/self/cmdline", out, cap);
	if (n <= 0)
		return;
	while (n > 0 && out[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void make_name(char *out, uint32_t pid, uint32_t gen)
{
	char a[24], b[24];
	size_t len = 0;
	const char *parts[] = { "/", HEAPTOP_SHM_PREFIX, ht_utoa(pid, a), ".", ht_utoa(gen, b) };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t n = strlen(parts[i]);
		memcpy(out + len, parts[i], n);
		len += n;
	}
	out[len] = '\0';
}

/*
 * An existing segment with our name: if it is our own previous image (same
 * pid and start time, still running), mark it exec'd and return its exec_gen
 * + 1; otherwise (a stale segment of a dead process) return 0.
 */
static uint32_t retire_predecessor(const char *name, uint64_t start_ticks)
{
	int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
	struct stat st;
	uint32_t next = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    (uint64_t)st.st_size >= sizeof(struct heaptop_seg_header)) {
		struct heaptop_seg_header *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (h != MAP_FAILED) {
			if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == HEAPTOP_MAGIC &&
			    h->pid == (uint32_t)ht_rt.pid && h->start_time_ticks == start_ticks &&
			    __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == HEAPTOP_STATE_RUNNING) {
				h->exit_mono_ns = clock_ns(CLOCK_MONOTONIC) - h->start_mono_ns;
				__atomic_store_n(&h->state, HEAPTOP_STATE_EXECED, __ATOMIC_RELEASE);
				next = h->exec_gen + 1;
				if (!(h->flags & HEAPTOP_FLAG_KEEP) && !ht_rt.cfg.keep)
					shm_unlink(name);
			}
			munmap(h, sizeof(*h));
		}
	}
	close(fd);
	return next;
}

static uint64_t align64(uint64_t v)
{
	return (v + 63) & ~63ull;
}

int ht_segment_create(void)
{
	const struct ht_config *c = &ht_rt.cfg;
	uint64_t start_ticks = self_start_ticks();
	uint64_t shard_size = align64(sizeof(struct heaptop_shard));
	uint64_t shards_off = align64(sizeof(struct heaptop_seg_header));
	uint64_t timeline_off = shards_off + shard_size * c->shards;
	uint64_t timeline_end = timeline_off + (uint64_t)c->timeline_len * sizeof(struct heaptop_timeline_entry);
	int sampling = c->sample_rate != 0;
	uint64_t site_size = align64(sizeof(struct heaptop_site) + 8ull * c->max_frames);
	uint64_t sites_off = align64(timeline_end);
	uint64_t modules_off = sites_off + (sampling ? site_size * c->sites : 0);
	uint64_t module_size = align64(sizeof(struct heaptop_module));
	uint64_t pending_size = align64(sizeof(struct heaptop_shard_pending));
	uint64_t pending_off = align64(modules_off + (sampling ? module_size * c->modules : 0));
	uint64_t size = pending_off + (sampling ? pending_size * c->shards : 0);
	uint32_t pred_gen = 0;
	int fd = -1;

	size = (size + 4095) & ~4095ull;
	ht_rt.seg_size = size;
	for (uint32_t g = 0; g < MAX_EXEC_GEN; g++) {
		make_name(ht_rt.name, (uint32_t)ht_rt.pid, g);
		fd = shm_open(ht_rt.name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			break;
		uint32_t next = retire_predecessor(ht_rt.name, start_ticks);
		if (next > pred_gen)
			pred_gen = next;
	}
	if (fd < 0) {
		say_failure("create", errno);
		return -1;
	}
	int rc = posix_fallocate(fd, 0, (off_t)size);
	if (rc != 0) {
		say_failure("reserve", rc);
		shm_unlink(ht_rt.name);
		close(fd);
		return -1;
	}
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int map_errno = errno;
	close(fd);
	if (base == MAP_FAILED) {
		say_failure("map", map_errno);
		shm_unlink(ht_rt.name);
		return -1;
	}

	struct heaptop_seg_header *h = base;
	h->version = HEAPTOP_ABI_VERSION;
	h->compat_version = HEAPTOP_ABI_COMPAT;
	h->header_size = sizeof(*h);
	h->flags = c->keep ? HEAPTOP_FLAG_KEEP : 0;
	h->seg_size = size;
	h->pid = (uint32_t)ht_rt.pid;
	h->ppid = (uint32_t)getppid();
	h->exec_gen = pred_gen;
	h->uid = (uint32_t)getuid();
	h->start_time_ticks = start_ticks;
	h->start_realtime_ns = clock_ns(CLOCK_REALTIME);
	h->start_mono_ns = clock_ns(CLOCK_MONOTONIC);
	h->shards_off = shards_off;
	h->shard_count = c->shards;
	h->shard_size = (uint32_t)shard_size;
	h->timeline_off = timeline_off;
	h->timeline_len = c->timeline_len;
	h->timeline_entry_size = sizeof(struct heaptop_timeline_entry);
	h->timeline_interval_ns = c->interval_ms * 1000000ull;
	h->peak_slack = c->peak_slack;
	if (sampling) {
		h->sites_off = sites_off;
		h->sites_count = c->sites;
		h->site_size = (uint32_t)site_size;
		h->site_max_frames = c->max_frames;
		h->modules_off = modules_off;
		h->modules_count = c->modules;
		h->module_size = (uint32_t)module_size;
		h->sample_rate = c->sample_rate;
		h->pending_off = pending_off;
		h->pending_size = (uint32_t)pending_size;
		h->pending_sites = HEAPTOP_PENDING_SITES;
	}
	read_cmdline(h->cmdline, sizeof(h->cmdline));
	h->state = HEAPTOP_STATE_RUNNING;
	h->shards_used = 1;

	ht_rt.hdr = h;
	ht_rt.shards = (char *)base + shards_off;
	ht_rt.timeline = (struct heaptop_timeline_entry *)((char *)base + timeline_off);
	ht_rt.sites = sampling ? (char *)base + sites_off : NULL;
	ht_rt.modules = sampling ? (char *)base + modules_off : NULL;
	ht_rt.pending = sampling ? (char *)base + pending_off : NULL;
	ht_shard_at(0)->flags = HEAPTOP_SHARD_SHARED;
	__atomic_store_n(&h->magic, HEAPTOP_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void ht_segment_finish(uint32_t state)
{
	struct heaptop_seg_header *h = ht_rt.hdr;

	if (!h)
		return;
	ht_timeline_point(1);
	h->exit_mono_ns = clock_ns(CLOCK_MONOTONIC) - h->start_mono_ns;
	__atomic_store_n(&h->state, state, __ATOMIC_RELEASE);
	if (!ht_rt.cfg.keep)
		shm_unlink(ht_rt.name);
}
