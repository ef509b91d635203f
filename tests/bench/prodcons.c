/*
 * prodcons.c - workload: cross-thread frees.  The main thread (producer)
 * mallocs blocks of mixed sizes and hands them over in batches through a
 * small mutex-protected queue; a consumer thread reads and frees them, so
 * every block is freed by a thread other than the one that allocated it.
 * Usage: prodcons BLOCKS
 */
#include <pthread.h>

#include "bench_common.h"

#define BATCH 256        /* pointers per hand-over */
#define QUEUE_BATCHES 8  /* batches in flight before the producer waits */

struct batch {
    int n;
    uint64_t *ptr[BATCH];
};

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    struct batch slot[QUEUE_BATCHES];
    int head, count, done;
};

static struct queue q = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .not_empty = PTHREAD_COND_INITIALIZER,
    .not_full = PTHREAD_COND_INITIALIZER,
};

static void queue_push(const struct batch *b)
{
    pthread_mutex_lock(&q.lock);
    while (q.count == QUEUE_BATCHES)
        pthread_cond_wait(&q.not_full, &q.lock);
    q.slot[(q.head + q.count) % QUEUE_BATCHES] = *b;
    q.count++;
    pthread_cond_signal(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
}

/* Returns 0 once the producer is done and the queue is drained. */
static int queue_pop(struct batch *b)
{
    int got = 0;

    pthread_mutex_lock(&q.lock);
    while (q.count == 0 && !q.done)
        pthread_cond_wait(&q.not_empty, &q.lock);
    if (q.count > 0) {
        *b = q.slot[q.head];
        q.head = (q.head + 1) % QUEUE_BATCHES;
        q.count--;
        got = 1;
        pthread_cond_signal(&q.not_full);
    }
    pthread_mutex_unlock(&q.lock);
    return got;
}

static void queue_finish(void)
{
    pthread_mutex_lock(&q.lock);
    q.done = 1;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
}

static void *consumer_main(void *arg)
{
    uint64_t *sum = arg;
    struct batch b;
    int i;

    while (queue_pop(&b)) {
        for (i = 0; i < b.n; i++) {
            *sum += *b.ptr[i];
            free(b.ptr[i]);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long blocks = parse_iters(argc, argv), i;
    uint64_t rng = 0xBF58476D1CE4E5B9ull, sum = 0;
    struct batch b = { .n = 0 };
    pthread_t consumer;

    if (pthread_create(&consumer, NULL, consumer_main, &sum) != 0) {
        fprintf(stderr, "prodcons: pthread_create failed\n");
        return 1;
    }
    for (i = 0; i < blocks; i++) {
        uint64_t *p = xmalloc(pick_size(&rng)); /* pick_size() >= 8 */

        *p = xs_next(&rng) >> 8;
        b.ptr[b.n++] = p;
        if (b.n == BATCH) {
            queue_push(&b);
            b.n = 0;
        }
    }
    if (b.n > 0)
        queue_push(&b);
    queue_finish();
    pthread_join(consumer, NULL);
    print_checksum("prodcons", sum);
    return 0;
}
