/*
 * lib/loader.c - may a fork child call dl_iterate_phdr?
 *
 * dl_iterate_phdr holds the loader's write lock, a recursive mutex inside
 * ld.so's _rtld_global.  glibc resets its other loader locks in a fork
 * child but not this one: a child forked while another thread was inside
 * dlopen, dlclose or dl_iterate_phdr inherits it held by a thread that does
 * not exist there, and every later dl_iterate_phdr in the child waits
 * forever.  heaptop keeps its own walks out of forks (sample.c); the
 * program's own users of the lock it cannot.  So the lock is found once,
 * from inside a dl_iterate_phdr callback (the one recursive mutex in
 * _rtld_global that the calling thread owns), and a fork child tries it:
 * held, the child takes no stack walks and no module scans (the counts stay
 * exact).  Where the lock can't be found (not glibc, no symbol, no single
 * match) a child of a multi-threaded parent is treated as if it were held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

#if defined(__GLIBC__) && __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define HAVE_LOADER_PROBE 1
#endif

#ifdef HAVE_LOADER_PROBE
#define FIND_TRIES 8 /* a callback may also hold the loader's other lock: try later */

static pthread_mutex_t *loader_lock; /* NULL: not found (yet) */
static unsigned find_tries;

struct find_query {
	char *base;
	size_t size;
	pid_t tid;
	pthread_mutex_t *hit;
	int hits;
};

/* Inside dl_iterate_phdr: the write lock is held by this thread. */
static int find_owned(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_query *q = arg;

	(void)info;
	(void)size;
	for (size_t off = 0; off + sizeof(pthread_mutex_t) <= q->size; off += sizeof(void *)) {
		pthread_mutex_t *m = (pthread_mutex_t *)(void *)(q->base + off);
		if (m->__data.__owner == q->tid && m->__data.__count >= 1 && m->__data.__lock != 0 &&
		    m->__data.__kind == PTHREAD_MUTEX_RECURSIVE_NP) {
			q->hit = m;
			q->hits++;
		}
	}
	return 1;
}

void ht_loader_find(void)
{
	if (__atomic_load_n(&loader_lock, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&find_tries, __ATOMIC_RELAXED) >= FIND_TRIES)
		return;
	__atomic_add_fetch(&find_tries, 1, __ATOMIC_RELAXED);
	/* dlsym and dladdr1 take the loader's main lock: never inside the
	 * callback, which holds the write lock (dlopen takes them the other way). */
	struct find_query q = { dlsym(RTLD_DEFAULT, "_rtld_global"), 0, (pid_t)syscall(SYS_gettid),
				NULL, 0 };
	Dl_info di;
	const ElfW(Sym) *sym = NULL;
	if (!q.base || !dladdr1(q.base, &di, (void **)&sym, RTLD_DL_SYMENT) || !sym)
		return;
	q.size = sym->st_size;
	dl_iterate_phdr(find_owned, &q);
	/* Exactly one, and free again now that the callback returned. */
	if (q.hits == 1 && q.hit->__data.__owner != q.tid)
		__atomic_store_n(&loader_lock, q.hit, __ATOMIC_RELEASE);
}

static int parent_threaded;

void ht_loader_fork_prepare(void)
{
	if (!__libc_single_threaded)
		__atomic_store_n(&parent_threaded, 1, __ATOMIC_RELAXED);
}

int ht_loader_fork_child_stuck(void)
{
	pthread_mutex_t *m = __atomic_load_n(&loader_lock, __ATOMIC_ACQUIRE);
	int threaded = __atomic_exchange_n(&parent_threaded, 0, __ATOMIC_RELAXED);

	if (!m)
		return threaded;
	if (pthread_mutex_trylock(m) != 0)
		return 1;
	pthread_mutex_unlock(m);
	return 0;
}
#else
void ht_loader_find(void)
{
}

void ht_loader_fork_prepare(void)
{
}

int ht_loader_fork_child_stuck(void)
{
	return 1; /* unknown: no walks in any fork child */
}
#endif
