/*
 * lib/pool.c - the bootstrap pool: a static bump allocator that serves the
 * calls made before the real allocator is known (dlsym's own calloc, other
 * threads during that moment).  Blocks are never reused or freed; free(),
 * realloc() and malloc_usable_size() recognise them by address for the rest
 * of the process's life.  Each block is preceded by a 16-byte header: its
 * size, then a word that reads as glibc's "mmapped chunk" bit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include "internal.h"

_Alignas(4096) char ht_pool[HT_POOL_SIZE];
static size_t pool_used;

void *ht_pool_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	if (n > HT_POOL_SIZE || align > HT_POOL_SIZE / 4) {
		errno = ENOMEM;
		return NULL;
	}
	size_t used = __atomic_load_n(&pool_used, __ATOMIC_RELAXED);
	for (;;) {
		size_t start = (used + 16 + align - 1) & ~(align - 1);
		size_t end = start + ((n + 15) & ~(size_t)15);
		if (end > HT_POOL_SIZE) {
			ht_say_once(HT_SAY_POOL_FULL, "bootstrap pool exhausted before the allocator was "
				    "resolved", NULL);
			errno = ENOMEM;
			return NULL;
		}
		if (__atomic_compare_exchange_n(&pool_used, &used, end, 1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			*(size_t *)(ht_pool + start - 16) = n;
			/* Where glibc keeps a chunk's size: "mmapped", so the
			 * hooks' inline fast paths leave pool blocks to the
			 * paths that recognise them. */
			*(size_t *)(ht_pool + start - 8) = 2;
			return ht_pool + start; /* static storage: already zero */
		}
	}
}

size_t ht_pool_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}
