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
 * see ht_modules_refresh), or by the next dlclose or exit.
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
	ht_modules_scan();
	return rc;
}
