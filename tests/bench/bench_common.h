/*
 * bench_common.h - shared helpers for the heaptop benchmark workloads:
 * the fixed-seed xorshift PRNG, the size distribution, argument parsing,
 * checksum printing and the malloc/free churn loop used by churn1/churn2.
 */
#ifndef HEAPTOP_BENCH_COMMON_H
#define HEAPTOP_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64: deterministic, cheap, never returns 0 for a non-zero state. */
static inline uint64_t xs_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Uniform-ish value in [lo, hi]. */
static inline size_t xs_range(uint64_t *state, size_t lo, size_t hi)
{
    return lo + (size_t)(xs_next(state) % (hi - lo + 1));
}

/*
 * Mixed size distribution: 90% small (8..512 B), 9% medium (513 B..4 KiB),
 * 1% large (4 KiB..64 KiB).
 */
static inline size_t pick_size(uint64_t *state)
{
    unsigned roll = (unsigned)(xs_next(state) % 100);
    if (roll < 90)
        return xs_range(state, 8, 512);
    if (roll < 99)
        return xs_range(state, 513, 4096);
    return xs_range(state, 4097, 64 * 1024);
}

/* Parse the single positive iteration-count argument, or exit. */
static inline long parse_iters(int argc, char **argv)
{
    char *end = NULL;
    long n = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || *end != '\0' || n <= 0) {
        fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]);
        exit(2);
    }
    return n;
}

static inline void print_checksum(const char *name, uint64_t sum)
{
    printf("%s checksum %016llx\n", name, (unsigned long long)sum);
}

static inline void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (!p) {
        perror("malloc");
        exit(1);
    }
    return p;
}

/* Number of live blocks each churn working set keeps. */
#define CHURN_SLOTS 4096

/* A live block remembers its size so it can be verified before freeing. */
struct churn_slot {
    unsigned char *ptr;
    size_t size;
};

/*
 * Fill a slot with a fresh block of a random size.  Only the first and last
 * bytes are written so the loop stays allocator-bound rather than
 * memset-bound.
 */
static inline void churn_fill(struct churn_slot *s, uint64_t *rng)
{
    s->size = pick_size(rng);
    s->ptr = xmalloc(s->size);
    s->ptr[0] = (unsigned char)s->size;
    s->ptr[s->size - 1] = (unsigned char)(s->size >> 3);
}

/* Fold a slot's bytes into the checksum and free it. */
static inline uint64_t churn_drop(struct churn_slot *s)
{
    uint64_t v = (uint64_t)s->ptr[0] * 31u + s->ptr[s->size - 1] + s->size;
    free(s->ptr);
    s->ptr = NULL;
    return v;
}

/*
 * Single-threaded churn: fill a working set of CHURN_SLOTS blocks, then
 * `iters` times replace a randomly chosen block with a new one of a random
 * size, then free everything.  Returns a checksum of the work done.
 */
static inline uint64_t churn_run(uint64_t seed, long iters)
{
    struct churn_slot *slots = calloc(CHURN_SLOTS, sizeof(*slots));
    uint64_t rng = seed, sum = 0;
    long i;

    if (!slots) {
        perror("calloc");
        exit(1);
    }
    for (i = 0; i < CHURN_SLOTS; i++)
        churn_fill(&slots[i], &rng);
    for (i = 0; i < iters; i++) {
        struct churn_slot *s = &slots[xs_next(&rng) % CHURN_SLOTS];
        sum = sum * 1099511628211ull + churn_drop(s);
        churn_fill(s, &rng);
    }
    for (i = 0; i < CHURN_SLOTS; i++)
        sum += churn_drop(&slots[i]);
    free(slots);
    return sum;
}

#endif
