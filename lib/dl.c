/*
 * lib/dl.c - following dlclose for the module table.
 *
 * dlclose is forwarded (dlsym(RTLD_NEXT)) and then the module table is
 * rescanned, so an object that went away is marked unloaded while its
 * entry (and the address range of the frames sampled in it) stays.
 *
 * dlopen is deliberately NOT interposed: glibc's dlopen looks at its return
 * address to pick the caller's namespace and the RUNPATH and $ORIGIN it
 * searches, which must stay the program's, not libheaptop's.  A new object
 * is recorded by the next sample instead (the loader's load count changed,
 * see ht_modules_refresh), or by the next dlclose or exit.  The scan is a
 * walk section (ht_walk_enter): it holds the loader's lock, which a fork
 * in another thread must not copy held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "internal.h"

static int (*next_dlclose)(void *);

HT_EXPORT int dlclose(void *handle)
{
	int (*fn)(void *) = __atomic_load_n(&next_dlclose, __ATOMIC_RELAXED);

	if (HT_UNLIKELY(!fn)) {
		*(void **)&fn = dlsym(RTLD_NEXT, "dlclose");
		if (!fn)
			return -1;
		__atomic_store_n(&next_dlclose, fn, __ATOMIC_RELAXED);
	}
	int rc = fn(handle);
	if (ht_walk_enter() == 0) { /* else the next sample's refresh or exit scans */
		ht_modules_scan();
		ht_walk_leave();
	}
	return rc;
}
