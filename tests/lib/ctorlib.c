/*
 * tests/lib/ctorlib.c - another preloaded library whose constructor and
 * destructor allocate (tests/lib/ctorlib.sh preloads it before and after
 * libheaptop).  The sizes are ones nothing else uses, so the test can find
 * exactly these blocks in the counters.
 */
#include <stdlib.h>
#include <string.h>

#define CTOR_SIZE 3000000 /* alloc_size bucket 22 */
#define DTOR_SIZE 5000000 /* bucket 23 */
#define CTOR_BLOCKS 5

static char *kept[CTOR_BLOCKS];

__attribute__((constructor)) static void ctorlib_init(void)
{
	for (int i = 0; i < CTOR_BLOCKS; i++) {
		kept[i] = malloc(CTOR_SIZE);
		if (kept[i])
			memset(kept[i], i, 64);
	}
	for (int i = 0; i < 2; i++) { /* two of them are freed right away */
		free(kept[i]);
		kept[i] = NULL;
	}
}

__attribute__((destructor)) static void ctorlib_fini(void)
{
	char *p = malloc(DTOR_SIZE);
	if (p)
		p[0] = 1;
	free(p);
	for (int i = 0; i < CTOR_BLOCKS; i++)
		free(kept[i]);
}
