/*
 * lib/modules.c - the module table in the segment: every loaded object
 * (path, load bias, PT_LOAD address range, GNU build-id) so a reader can
 * symbolize sampled frames outside the process, even after it exited.
 *
 * A scan walks dl_iterate_phdr: objects not yet recorded are appended and
 * published (protocol step 9 of include/heaptop/segment.h); recorded ones
 * that the walk no longer shows are marked unloaded and kept (and every
 * cached unwind rule is forgotten, stacks.c).  Scans run at the first
 * sample, whenever the loader's load/unload counts change (checked when a
 * sample makes a new site, and every 256 samples of a thread, sample.c),
 * after dlclose (dl.c) and at exit.  The callback takes no
 * lock of ours and never allocates; the table is append-only, so concurrent
 * scans can at worst record an object twice.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

static uint64_t scan_gen;                /* scans started */
static unsigned long long seen_adds, seen_subs; /* loader counts at the last scan */

void ht_modules_prepare(void)
{
	__atomic_store_n(&seen_adds, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&seen_subs, 0, __ATOMIC_RELAXED);
}

/* Coarse monotonic time since the segment was made (0 when the coarse clock
 * reads just behind the precise start). */
static uint64_t since_start(void)
{
	uint64_t t = ht_now_ns(1) - ht_rt.hdr->start_mono_ns;
	return t > INT64_MAX ? 0 : t;
}

static struct heaptop_module *module_at(uint32_t i)
{
	return (struct heaptop_module *)(ht_rt.modules + (size_t)i * ht_rt.hdr->module_size);
}

/* The module table may be written: tracking, sampling, and not an unadopted fork child. */
static int table_ready(void)
{
	return __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) == HT_RUN_READY &&
	       __atomic_load_n(&ht_live->malloc, __ATOMIC_RELAXED) && ht_rt.modules;
}

/* Runtime range of an object's PT_LOAD segments; 0 when it has none. */
static int load_range(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t a = UINTPTR_MAX, b = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		if (s < a)
			a = s;
		if (s + ph->p_memsz > b)
			b = s + ph->p_memsz;
	}
	*lo = a;
	*hi = b;
	return a < b ? 0 : -1;
}

/* Copies the NT_GNU_BUILD_ID descriptor of an object into m; returns its length. */
static uint16_t read_build_id(const struct dl_phdr_info *info, uint8_t *out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		size_t al = ph->p_align == 8 ? 8 : 4;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			size_t name = (n->n_namesz + al - 1) & ~(al - 1);
			size_t desc = (n->n_descsz + al - 1) & ~(al - 1);
			const char *nm = p + sizeof(*n);
			if (name > (size_t)(end - nm) || desc > (size_t)(end - nm) - name)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(nm, "GNU", 4) == 0) {
				size_t len = n->n_descsz < HEAPTOP_BUILD_ID_MAX ? n->n_descsz : HEAPTOP_BUILD_ID_MAX;
				memcpy(out, nm + name, len);
				return (uint16_t)len;
			}
			p = nm + name + desc;
		}
	}
	return 0;
}

/* The object's path: its loader name, or the executable's for the main program. */
static uint16_t fill_path(const struct dl_phdr_info *info, char *out)
{
	const char *name = info->dlpi_name;
	size_t len;

	if (name && name[0]) {
		len = strlen(name);
		memcpy(out, name, len < HEAPTOP_MODULE_PATH_MAX ? len : HEAPTOP_MODULE_PATH_MAX - 1);
	} else {
		ssize_t r = readlink("/proc/self/exe", out, HEAPTOP_MODULE_PATH_MAX);
		len = r > 0 ? (size_t)r : 0;
		if (len >= HEAPTOP_MODULE_PATH_MAX)
			out[HEAPTOP_MODULE_PATH_MAX - 1] = '\0';
	}
	return len >= HEAPTOP_MODULE_PATH_MAX ? HEAPTOP_MODULE_PATH_CUT : 0;
}

/* Entries written so far, bounded by the table's capacity. */
static uint32_t modules_in_use(const struct heaptop_seg_header *h)
{
	uint32_t n = __atomic_load_n(&h->modules_used, __ATOMIC_RELAXED);
	return n < h->modules_count ? n : h->modules_count;
}

/* Appends an entry for a newly seen object. */
static void module_add(const struct dl_phdr_info *info, uintptr_t lo, uintptr_t hi, uint64_t gen)
{
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint32_t i = __atomic_fetch_add(&h->modules_used, 1, __ATOMIC_RELAXED);

	if (i >= h->modules_count) {
		__atomic_add_fetch(&h->modules_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	struct heaptop_module *m = module_at(i);
	__atomic_store_n(&m->seq, 1, __ATOMIC_RELAXED);
	m->state = HEAPTOP_MODULE_LOADED;
	m->base = info->dlpi_addr;
	m->start = lo;
	m->end = hi;
	m->load_mono_ns = since_start();
	m->seen_gen = gen;
	m->build_id_len = read_build_id(info, m->build_id);
	m->flags = fill_path(info, m->path);
	__atomic_store_n(&m->seq, 2, __ATOMIC_RELEASE);
}

static int scan_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	uint64_t gen = *(const uint64_t *)arg;
	struct heaptop_seg_header *h = ht_rt.hdr;
	uintptr_t lo, hi;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		__atomic_store_n(&seen_adds, info->dlpi_adds, __ATOMIC_RELAXED);
		__atomic_store_n(&seen_subs, info->dlpi_subs, __ATOMIC_RELAXED);
	}
	if (load_range(info, &lo, &hi) != 0)
		return 0;
	uint32_t n = modules_in_use(h);
	for (uint32_t i = 0; i < n; i++) {
		struct heaptop_module *m = module_at(i);
		if (__atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) != 2 ||
		    __atomic_load_n(&m->state, __ATOMIC_RELAXED) != HEAPTOP_MODULE_LOADED ||
		    m->base != info->dlpi_addr || m->start != lo || m->end != hi)
			continue;
		if (__atomic_load_n(&m->seen_gen, __ATOMIC_RELAXED) < gen)
			__atomic_store_n(&m->seen_gen, gen, __ATOMIC_RELAXED);
		return 0;
	}
	module_add(info, lo, hi, gen);
	return 0;
}

void ht_modules_scan(void)
{
	if (!table_ready())
		return;
	struct heaptop_seg_header *h = ht_rt.hdr;
	uint64_t gen = __atomic_add_fetch(&scan_gen, 1, __ATOMIC_RELAXED);

	dl_iterate_phdr(scan_one, &gen);
	uint32_t n = modules_in_use(h);
	for (uint32_t i = 0; i < n; i++) {
		struct heaptop_module *m = module_at(i);
		if (__atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) != 2 ||
		    __atomic_load_n(&m->state, __ATOMIC_RELAXED) != HEAPTOP_MODULE_LOADED ||
		    __atomic_load_n(&m->seen_gen, __ATOMIC_RELAXED) >= gen)
			continue;
		__atomic_store_n(&m->unload_mono_ns, since_start(), __ATOMIC_RELAXED);
		__atomic_store_n(&m->state, HEAPTOP_MODULE_UNLOADED, __ATOMIC_RELEASE);
		ht_stack_forget(); /* its addresses may hold other code next */
	}
	__atomic_add_fetch(&h->modules_gen, 1, __ATOMIC_RELEASE);
}

/* dl_iterate_phdr callback that only reads the loader's counts. */
static int read_counts(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		c[0] = info->dlpi_adds;
		c[1] = info->dlpi_subs;
	}
	return 1;
}

void ht_modules_refresh(void)
{
	unsigned long long c[2] = { 0, 0 };

	if (!table_ready())
		return;
	dl_iterate_phdr(read_counts, c);
	if (c[0] != __atomic_load_n(&seen_adds, __ATOMIC_RELAXED) ||
	    c[1] != __atomic_load_n(&seen_subs, __ATOMIC_RELAXED) || c[0] == 0)
		ht_modules_scan();
}

struct range_query {
	uintptr_t addr, lo, hi;
	int found;
};

static int find_range(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct range_query *q = arg;
	uintptr_t lo, hi;

	(void)size;
	if (load_range(info, &lo, &hi) != 0 || q->addr < lo || q->addr >= hi)
		return 0;
	q->lo = lo;
	q->hi = hi;
	q->found = 1;
	return 1;
}

int ht_modules_range_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	struct range_query q = { addr, 0, 0, 0 };

	dl_iterate_phdr(find_range, &q);
	*lo = q.lo;
	*hi = q.hi;
	return q.found ? 0 : -1;
}
