/*
 * lib/init.c - libheaptop's life cycle: lazy initialisation on the first
 * allocation, the gate page that fork children find wiped, adopting a fork
 * child, and marking the segment at exit.
 *
 * States (ht_rt.state): UNINIT -> RESOLVING -> RESOLVED -> READY or OFF.
 * RESOLVING is short and can be re-entered by the resolving thread itself
 * (dlsym calls calloc): such calls, and other threads meanwhile, are served
 * from the bootstrap pool.  While one thread creates the segment, other calls
 * forward to the real functions untracked.
 */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h" /* HAVE__DL_FIND_OBJECT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "account.h"

struct ht_real ht_next;
int ht_glibc_chunks;
struct ht_runtime ht_rt;
_Alignas(4096) union ht_gate ht_gate_page;

#define HT_RUN_CREATING (HT_RUN_OFF + 1)

/* Fallbacks for an allocator below us that lacks a function. */
static void *emul_aligned(size_t align, size_t n)
{
	void *p = NULL;
	int rc = ht_next.posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
	if (rc)
		errno = rc;
	return rc ? NULL : p;
}

static void *emul_valloc(size_t n)
{
	return emul_aligned((size_t)sysconf(_SC_PAGESIZE), n);
}

static void *emul_pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return emul_aligned(pg, n ? (n + pg - 1) & ~(pg - 1) : pg);
}

static void *emul_calloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = ht_next.malloc(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* The object that defines fn (its first mapped address), or NULL.
 * _dl_find_object (glibc >= 2.35) is a table lookup; dladdr also searches
 * the object's symbols, ~35000 instructions a call at every start-up. */
static const void *defining_object(void *fn)
{
	if (!fn)
		return NULL;
#ifdef HAVE__DL_FIND_OBJECT
	struct dl_find_object fo;
	return _dl_find_object(fn, &fo) == 0 ? fo.dlfo_map_start : NULL;
#else
	Dl_info info;
	return dladdr(fn, &info) ? info.dli_fbase : NULL;
#endif
}

/*
 * dlsym(RTLD_NEXT) finds each function separately, so an allocator that
 * lacks one (jemalloc has no pvalloc) would hand that call to glibc: a block
 * from a second allocator, which we would measure, and the program free,
 * with the first.  The optional aligned allocators therefore count only if
 * they come from the object that defines the next malloc; otherwise they are
 * emulated with posix_memalign.  The core functions are taken as found (a
 * wrapper that defines only some of them and forwards the rest is fine);
 * without one of them heaptop stays off (resolved_coherent == 0).
 */
static int resolved_coherent;

static void resolve_all(void)
{
	static const char *const optional[] = { "aligned_alloc", "memalign", "valloc", "pvalloc" };
	void **slots[] = { (void **)&ht_next.aligned_alloc, (void **)&ht_next.memalign,
		(void **)&ht_next.valloc, (void **)&ht_next.pvalloc };
	void *(*emul[])(size_t) = { NULL, NULL, emul_valloc, emul_pvalloc };

	*(void **)&ht_next.malloc = dlsym(RTLD_NEXT, "malloc");
	*(void **)&ht_next.free = dlsym(RTLD_NEXT, "free");
	*(void **)&ht_next.calloc = dlsym(RTLD_NEXT, "calloc");
	*(void **)&ht_next.realloc = dlsym(RTLD_NEXT, "realloc");
	*(void **)&ht_next.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	*(void **)&ht_next.usable = dlsym(RTLD_NEXT, "malloc_usable_size");
	const void *home = defining_object((void *)ht_next.malloc);
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		void *fn = dlsym(RTLD_NEXT, optional[i]);
		if (fn && home && defining_object(fn) == home)
			*slots[i] = fn;
		else if (emul[i])
			*slots[i] = (void *)emul[i];
		else
			*slots[i] = (void *)emul_aligned;
	}
	if (!ht_next.calloc)
		ht_next.calloc = emul_calloc;
	resolved_coherent = ht_next.malloc && ht_next.free && ht_next.realloc && ht_next.usable &&
			    ht_next.posix_memalign;
}

const struct ht_real *ht_resolve(void)
{
	int st = __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE);
	int expect = HT_RUN_UNINIT;

	if (st >= HT_RUN_RESOLVED)
		return &ht_next;
	if (st != HT_RUN_UNINIT ||
	    !__atomic_compare_exchange_n(&ht_rt.state, &expect, HT_RUN_RESOLVING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return NULL; /* someone (maybe dlsym under us) is resolving: use the pool */
	int saved = errno;
	resolve_all();
	errno = saved;
	__atomic_store_n(&ht_rt.state, HT_RUN_RESOLVED, __ATOMIC_RELEASE);
	return &ht_next;
}

/* Fills the gate with ht_next, malloc last: a NULL malloc means "cold path". */
static void gate_open(void)
{
	struct ht_real r = ht_next;
	void *(*m)(size_t) = r.malloc;

	r.malloc = NULL;
	ht_gate_page.fn = r;
	__atomic_store_n(&ht_gate_page.fn.malloc, m, __ATOMIC_RELEASE);
}

static void go_off(void)
{
	gate_open();
	__atomic_store_n(&ht_rt.state, HT_RUN_OFF, __ATOMIC_RELEASE);
}

/* Zeroes the gate in a fork child (the kernel does it too where it can). */
static void gate_wipe(void)
{
	memset(&ht_gate_page, 0, sizeof(ht_gate_page.fn));
}

/* The pid of the last fork child our atfork handler ran in (see adopt_fork_child). */
static pid_t atfork_child_pid;

static void fork_child(void)
{
	ht_sample_fork_child();
	gate_wipe();
	atfork_child_pid = getpid();
}

static int gate_init(void)
{
	/* Best effort (a page of .bss is private anonymous memory on Linux, and
	 * WIPEONFORK needs 4.14): pthread_atfork covers fork() where it fails. */
	(void)madvise(&ht_gate_page, sizeof(ht_gate_page), MADV_WIPEONFORK);
	return 0;
}

/*
 * Decides whether ht_usable() may read glibc's chunk headers: only when the
 * next malloc is glibc's own and the header agrees with malloc_usable_size()
 * on small plain and aligned blocks.  Only small sizes: freeing an mmapped
 * block would raise glibc's dynamic mmap threshold and change how the
 * program's own large blocks are placed (mmapped chunks are never read
 * inline anyway).
 */
static void check_glibc_chunks(void)
{
	static const size_t sizes[] = { 0, 1, 24, 25, 100, 1000, 4096 };
	void *libc_malloc = dlsym(RTLD_NEXT, "__libc_malloc");
	int ok = libc_malloc && libc_malloc == (void *)ht_next.malloc;

	for (size_t i = 0; ok && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = ht_next.malloc(sizes[i]), *q = NULL;
		if (ht_next.posix_memalign(&q, 64, sizes[i]) != 0)
			q = NULL;
		ht_glibc_chunks = 1;
		if (p && ht_usable(p) != ht_next.usable(p))
			ok = 0;
		if (q && ht_usable(q) != ht_next.usable(q))
			ok = 0;
		ht_glibc_chunks = 0;
		ht_next.free(p);
		ht_next.free(q);
	}
	ht_glibc_chunks = ok;
}

static void finish_image(void);

/* First tracked call of the process: options, segment, gate. */
static void start_tracking(void)
{
	ht_config_read(&ht_rt.cfg);
	if (ht_rt.cfg.disable) {
		go_off();
		return;
	}
	if (!resolved_coherent) {
		ht_say_once(HT_SAY_NO_USABLE, "no free, realloc, posix_memalign or ",
			    "malloc_usable_size below heaptop; running untracked", NULL);
		go_off();
		return;
	}
	if (gate_init() != 0 || ht_threads_init() != 0 ||
	    pthread_atfork(ht_sample_fork_prepare, ht_sample_fork_parent, fork_child) != 0) {
		ht_say_once(HT_SAY_NO_SEGMENT, "cannot set up per-thread state; running untracked",
			    NULL);
		go_off();
		return;
	}
	check_glibc_chunks();
	ht_rt.pid = getpid();
	ht_sample_prepare();
	if (ht_segment_create() != 0) {
		go_off();
		return;
	}
	ht_timeline_point(1);
	gate_open();
	(void)at_quick_exit(finish_image);
	__atomic_store_n(&ht_rt.state, HT_RUN_READY, __ATOMIC_RELEASE);
}

/* A fork child (gate wiped): leave the parent's segment alone, make our own. */
static void adopt_fork_child(void)
{
	struct ht_thread *t = &ht_self;

	/* The parent's segment is the parent's (still shared): unmap it, never write it. */
	if (ht_rt.hdr)
		munmap(ht_rt.hdr, ht_rt.seg_size);
	ht_rt.hdr = NULL;
	ht_thread_reset(t);
	ht_rt.pid = getpid();
	ht_config_read(&ht_rt.cfg);
	/*
	 * A child made without our atfork handlers (raw clone, _Fork) may hold
	 * copies of the loader's and libunwind's locks taken by another thread
	 * in the middle of a stack walk: one more walk, or the module scan at
	 * exit, would wait forever.  It counts exactly but samples no stacks
	 * (tests/rel/rawclone.sh).
	 */
	if (atfork_child_pid != ht_rt.pid)
		ht_rt.cfg.sample_rate = 0;
	ht_sample_prepare();
	if (ht_segment_create() != 0) {
		go_off();
		return;
	}
	ht_timeline_point(1);
	gate_open();
}

const struct ht_real *ht_cold_path(void)
{
	struct ht_thread *t = &ht_self;
	const struct ht_real *r = ht_resolve();

	if (!r || t->busy)
		return r;
	int st = __atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE);
	int saved = errno;
	t->busy = 1;
	if (st == HT_RUN_RESOLVED) {
		int expect = HT_RUN_RESOLVED;
		if (__atomic_compare_exchange_n(&ht_rt.state, &expect, HT_RUN_CREATING, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			start_tracking();
	} else if (st == HT_RUN_READY && !__atomic_load_n(&ht_live->malloc, __ATOMIC_RELAXED)) {
		adopt_fork_child();
	} else if (st == HT_RUN_OFF && !__atomic_load_n(&ht_live->malloc, __ATOMIC_RELAXED)) {
		gate_open(); /* a fork child of an untracked process stays untracked */
	}
	t->busy = 0;
	errno = saved;
	return r;
}

/*
 * Runs when the library is loaded: start now, so that a program that never
 * allocates still gets a segment (with zeros) that a viewer can read.  Lazy
 * initialisation in the hooks stays: ld.so and other constructors may
 * allocate before this runs.
 */
__attribute__((constructor)) static void ht_start(void)
{
	if (!ht_live->malloc)
		ht_cold_path();
	/* Before the program starts threads that could fork (loader.c); what
	 * the loader allocates meanwhile is not the program's. */
	struct ht_thread *t = &ht_self;
	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) == HT_RUN_READY &&
	    ht_rt.cfg.sample_rate && !t->busy && ht_walk_enter() == 0) {
		struct heaptop_shard *s = ht_gate(t);
		ht_gate_close(t);
		t->busy = 1;
		ht_loader_find();
		t->busy = 0;
		if (s)
			ht_gate_open(t, s);
		ht_walk_leave();
	}
}

/*
 * Marks the segment exited, once: from exit() (our destructor), _exit() and
 * _Exit() (interposed below: dash ends every subshell with _exit) and
 * quick_exit() (at_quick_exit).  The counters stay valid and the hooks keep
 * working.  A vfork child (another pid sharing our memory) finishes nothing.
 */
static void finish_image(void)
{
	static int finished;

	if (__atomic_load_n(&ht_rt.state, __ATOMIC_ACQUIRE) != HT_RUN_READY || !ht_live->malloc ||
	    ht_rt.pid != getpid() || __atomic_exchange_n(&finished, 1, __ATOMIC_ACQ_REL))
		return;
	struct ht_thread *t = &ht_self;
	int saved = errno;
	uint8_t was_busy = t->busy;
	t->busy = 1;
	struct heaptop_shard *s = ht_gate(t);
	if (t->state == HT_THREAD_OWNER && s && ht_unpub(t)) {
		ht_gate_close(t);
		ht_publish(t);
		ht_gate_open(t, s);
	}
	/* The final word on what was loaded; skipped in a fork child that may
	 * hold a copy of the loader's lock (sample.c: walks and fork). */
	if (ht_walk_enter() == 0) {
		ht_modules_scan();
		ht_walk_leave();
	}
	ht_segment_finish(HEAPTOP_STATE_EXITED);
	t->busy = was_busy;
	errno = saved;
}

__attribute__((destructor)) static void ht_fini(void)
{
	finish_image();
}

/* The next _exit / _Exit, or the raw system call when there is none. */
static __attribute__((noreturn)) void exit_now(const char *name, int status)
{
	void (*next)(int) = NULL;

	*(void **)&next = dlsym(RTLD_NEXT, name);
	if (next)
		next(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

HT_EXPORT __attribute__((noreturn)) void _exit(int status)
{
	finish_image();
	exit_now("_exit", status);
}

HT_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
	finish_image();
	exit_now("_Exit", status);
}
