/*
 * prodcons.c - workload: cross-thread frees.  The main thread (producer)
 * mallocs blocks of mixed sizes and hands them over in batches through a
 * small mutex-protected queue; a consumer thread reads and frees them, so
 * every block is freed by a thread other than the one that allocated it.
 * Wake-ups use hysteresis (a sleeper is only woken once the queue is half
 * full / half empty) so the run is not dominated by futex ping-pong.
 *
 * Both threads are pinned to one CPU.  Running in parallel, the producer's
 * mallocs and the consumer's frees fight over glibc's main-arena lock and
 * the CPU time becomes bimodal (0.35 s or 1.5 s on a 2-core VM, depending
 * on scheduling), which would drown the tracker's cost.  Pinned, the run is
 * stable and every free is still a cross-thread free.  Parallel scaling is
 * churn2's job.
 * Usage: prodcons BLOCKS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "bench_common.h"

#define BATCH 256         /* pointers per hand-over */
#define QUEUE_BATCHES 16  /* batches in flight before the producer waits */
#define QUEUE_HALF (QUEUE_BATCHES / 2)

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
    if (q.count == QUEUE_HALF)
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
        if (q.count == QUEUE_HALF)
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

/* Best effort: restrict the process (and the threads it creates later) to
 * the CPU it is running on now. */
static void pin_to_current_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;

    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
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

    pin_to_current_cpu();
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
