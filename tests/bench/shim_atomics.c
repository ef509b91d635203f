/*
 * shim_atomics.c - benchmark comparison point "the seed's design": the
 * forwarding shim (shim_forward.c, included below) plus process-global
 * counters updated with relaxed atomic read-modify-writes on every call,
 * shared by all threads:
 *   alloc/dealloc counts and bytes, current and peak use (peak via a CAS
 *   loop), realloc grow/shrink/move counts and bytes, and four log2
 *   histograms of 65 buckets (alloc sizes, freed sizes, realloc growth
 *   and shrink deltas).
 * Freed sizes come from the real allocator's malloc_usable_size(), as the
 * seed did; allocations count the requested size, so use_curr is only an
 * approximation - it exists to cost what the seed cost, not to be exact.
 *
 * Set SHIM_ATOMICS_DUMP=1 to print the totals to stderr at exit.
 */
#define SHIM_WITH_HOOKS 1
#include "shim_forward.c"

#include <stdio.h>

enum { HIST_ALLOC, HIST_FREE, HIST_GROW, HIST_SHRINK, HIST_COUNT };

#define HIST_BUCKETS 65

struct shim_counters {
    uint64_t alloc_count, alloc_bytes;
    uint64_t dealloc_count, dealloc_bytes;
    uint64_t use_curr, use_max;
    uint64_t grow_count, grow_bytes;
    uint64_t shrink_count, shrink_bytes;
    uint64_t move_count, move_bytes;
    uint64_t hist[HIST_COUNT][HIST_BUCKETS];
};

/* Deliberately one shared, non-static object: every thread hits it. */
struct shim_counters shim_atomics_counters;

#define C (&shim_atomics_counters)

static inline void count(uint64_t *counter, uint64_t v)
{
    __atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

static inline unsigned bucket(size_t size)
{
    return size ? 64 - (unsigned)__builtin_clzll(size) : 0;
}

static inline void histogram(int which, size_t size)
{
    count(&C->hist[which][bucket(size)], 1);
}

/* Adjust current use (delta may be "negative", i.e. wrap) and the peak. */
static inline void use_add(uint64_t delta)
{
    uint64_t now = __atomic_add_fetch(&C->use_curr, delta, __ATOMIC_RELAXED);
    uint64_t max = __atomic_load_n(&C->use_max, __ATOMIC_RELAXED);

    while ((int64_t)now > (int64_t)max &&
           !__atomic_compare_exchange_n(&C->use_max, &max, now, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static inline void hook_alloc(void *p, size_t size)
{
    (void)p;
    count(&C->alloc_count, 1);
    count(&C->alloc_bytes, size);
    histogram(HIST_ALLOC, size);
    use_add(size);
}

static inline void count_free(size_t usable)
{
    count(&C->dealloc_count, 1);
    count(&C->dealloc_bytes, usable);
    histogram(HIST_FREE, usable);
    use_add(-(uint64_t)usable);
}

static inline void hook_free(void *p)
{
    count_free(real.usable(p));
}

static inline size_t hook_realloc_before(void *old)
{
    return real.usable(old);
}

static inline void hook_realloc(void *old, size_t old_usable, void *p,
                                size_t size)
{
    if (!p) {
        if (size == 0) /* glibc: realloc(p, 0) frees p */
            count_free(old_usable);
        return;
    }
    if (size >= old_usable) {
        count(&C->grow_count, 1);
        count(&C->grow_bytes, size - old_usable);
        histogram(HIST_GROW, size - old_usable);
    } else {
        count(&C->shrink_count, 1);
        count(&C->shrink_bytes, old_usable - size);
        histogram(HIST_SHRINK, old_usable - size);
    }
    if (p != old) {
        count(&C->move_count, 1);
        count(&C->move_bytes, old_usable);
    }
    use_add((uint64_t)size - old_usable);
}

__attribute__((destructor)) static void shim_atomics_dump(void)
{
    if (!getenv("SHIM_ATOMICS_DUMP"))
        return;
    fprintf(stderr,
            "shim_atomics: allocs %llu (%llu B) frees %llu (%llu B) "
            "peak %llu B grows %llu shrinks %llu moves %llu\n",
            (unsigned long long)C->alloc_count,
            (unsigned long long)C->alloc_bytes,
            (unsigned long long)C->dealloc_count,
            (unsigned long long)C->dealloc_bytes,
            (unsigned long long)C->use_max,
            (unsigned long long)C->grow_count,
            (unsigned long long)C->shrink_count,
            (unsigned long long)C->move_count);
}
