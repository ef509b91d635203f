/*
 * shim_forward.c - benchmark baseline "forwarding shim": an LD_PRELOAD
 * interposer for the whole malloc family that does nothing but forward to
 * the next allocator (resolved lazily with dlsym(RTLD_NEXT)).  Its cost is
 * the floor any preload-based heap tool pays.
 *
 * Calls made while dlsym() itself is resolving the real functions are served
 * from a small static bootstrap pool; pool blocks are never returned.
 *
 * shim_atomics.c reuses this file: it defines SHIM_WITH_HOOKS, includes this
 * file and then defines the hook_* functions declared below.  Built alone,
 * the hooks are empty and compile away.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the real allocator, resolved once ---------------------------------- */

struct real_allocator {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*usable)(void *);
    void *(*reallocarray)(void *, size_t, size_t);
};

static struct real_allocator real;
static int real_ready;     /* set (release) once `real` is complete */
static int real_resolving; /* set while one thread runs dlsym() */

/* ---- hooks -------------------------------------------------------------- */

#ifdef SHIM_WITH_HOOKS
/* Defined by the file that includes this one. */
static inline void hook_alloc(void *p, size_t size);
static inline void hook_free(void *p);
static inline size_t hook_realloc_before(void *old);
static inline void hook_realloc(void *old, size_t old_usable, void *p,
                                size_t size);
#else
static inline void hook_alloc(void *p, size_t size)
{
    (void)p;
    (void)size;
}

static inline void hook_free(void *p)
{
    (void)p;
}

static inline size_t hook_realloc_before(void *old)
{
    (void)old;
    return 0;
}

static inline void hook_realloc(void *old, size_t old_usable, void *p,
                                size_t size)
{
    (void)old;
    (void)old_usable;
    (void)p;
    (void)size;
}
#endif

/* ---- bootstrap pool ----------------------------------------------------- */

#define POOL_SIZE (64 * 1024)
#define POOL_HEADER 16 /* keeps blocks 16-byte aligned; holds the size */

static _Alignas(16) unsigned char pool[POOL_SIZE];
static size_t pool_used;

static int in_pool(const void *p)
{
    const unsigned char *c = p;
    return c >= pool && c < pool + POOL_SIZE;
}

static void *pool_alloc(size_t size)
{
    size_t need, at;

    if (size > POOL_SIZE)
        return NULL;
    need = POOL_HEADER + ((size + 15) & ~(size_t)15);
    at = __atomic_fetch_add(&pool_used, need, __ATOMIC_RELAXED);
    if (at + need > POOL_SIZE)
        return NULL;
    memcpy(pool + at, &size, sizeof(size));
    return pool + at + POOL_HEADER; /* static storage: already zeroed */
}

static size_t pool_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - POOL_HEADER, sizeof(size));
    return size;
}

/* ---- lazy resolution ---------------------------------------------------- */

#define RESOLVE(field, name)                    \
    do {                                        \
        void *sym_ = dlsym(RTLD_NEXT, name);    \
        memcpy(&r.field, &sym_, sizeof(sym_));  \
    } while (0)

/*
 * Returns 1 when `real` is usable.  Returns 0 to a caller that arrives
 * while resolution is in progress (dlsym's own allocations, or another
 * thread racing the very first call): it must use the bootstrap pool.
 */
static int real_resolve(void)
{
    struct real_allocator r;

    if (__atomic_load_n(&real_ready, __ATOMIC_ACQUIRE))
        return 1;
    if (__atomic_exchange_n(&real_resolving, 1, __ATOMIC_ACQ_REL))
        return 0;
    RESOLVE(malloc, "malloc");
    RESOLVE(calloc, "calloc");
    RESOLVE(realloc, "realloc");
    RESOLVE(free, "free");
    RESOLVE(posix_memalign, "posix_memalign");
    RESOLVE(aligned_alloc, "aligned_alloc");
    RESOLVE(memalign, "memalign");
    RESOLVE(valloc, "valloc");
    RESOLVE(pvalloc, "pvalloc");
    RESOLVE(usable, "malloc_usable_size");
    RESOLVE(reallocarray, "reallocarray");
    real = r;
    __atomic_store_n(&real_ready, 1, __ATOMIC_RELEASE);
    return 1;
}

static inline int real_ok(void)
{
    if (__builtin_expect(__atomic_load_n(&real_ready, __ATOMIC_ACQUIRE), 1))
        return 1;
    return real_resolve();
}

/* ---- the interposed functions ------------------------------------------- */

void *malloc(size_t size)
{
    void *p;

    if (!real_ok())
        return pool_alloc(size);
    p = real.malloc(size);
    if (p)
        hook_alloc(p, size);
    return p;
}

void *calloc(size_t n, size_t size)
{
    size_t total;
    void *p;

    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if (!real_ok())
        return pool_alloc(total);
    p = real.calloc(n, size);
    if (p)
        hook_alloc(p, total);
    return p;
}

void free(void *p)
{
    if (!p || in_pool(p))
        return;
    if (!real_ok())
        return; /* cannot happen: real pointers exist only once resolved */
    hook_free(p);
    real.free(p);
}

/* realloc of a bootstrap block: move it to the real heap. */
static void *pool_realloc(void *old, size_t size)
{
    size_t old_size = pool_size(old);
    void *p = malloc(size);

    if (p)
        memcpy(p, old, old_size < size ? old_size : size);
    return p;
}

void *realloc(void *old, size_t size)
{
    size_t old_usable;
    void *p;

    if (old && in_pool(old))
        return pool_realloc(old, size);
    if (!real_ok())
        return old ? NULL : pool_alloc(size);
    if (!old) {
        p = real.realloc(NULL, size);
        if (p)
            hook_alloc(p, size);
        return p;
    }
    old_usable = hook_realloc_before(old);
    p = real.realloc(old, size);
    hook_realloc(old, old_usable, p, size);
    return p;
}

void *reallocarray(void *old, size_t n, size_t size)
{
    size_t total, old_usable;
    void *p;

    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if ((old && in_pool(old)) || !real_ok() || !real.reallocarray)
        return realloc(old, total);
    if (!old) {
        p = real.reallocarray(NULL, n, size);
        if (p)
            hook_alloc(p, total);
        return p;
    }
    old_usable = hook_realloc_before(old);
    p = real.reallocarray(old, n, size);
    hook_realloc(old, old_usable, p, total);
    return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    int rc;

    if (!real_ok())
        return ENOMEM;
    rc = real.posix_memalign(out, align, size);
    if (rc == 0)
        hook_alloc(*out, size);
    return rc;
}

/* Shared body of the functions returning an aligned block or NULL. */
#define FORWARD_ALIGNED(call, size)   \
    do {                              \
        void *p;                      \
        if (!real_ok()) {             \
            errno = ENOMEM;           \
            return NULL;              \
        }                             \
        p = (call);                   \
        if (p)                        \
            hook_alloc(p, (size));    \
        return p;                     \
    } while (0)

void *aligned_alloc(size_t align, size_t size)
{
    FORWARD_ALIGNED(real.aligned_alloc(align, size), size);
}

void *memalign(size_t align, size_t size)
{
    FORWARD_ALIGNED(real.memalign(align, size), size);
}

void *valloc(size_t size)
{
    FORWARD_ALIGNED(real.valloc(size), size);
}

void *pvalloc(size_t size)
{
    FORWARD_ALIGNED(real.pvalloc(size), size);
}

size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    if (in_pool(p))
        return pool_size(p);
    if (!real_ok())
        return 0;
    return real.usable(p);
}
