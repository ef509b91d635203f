/*
 * churn2.c - workload: the churn1 loop on two threads at once, each with
 * its own working set and PRNG seed; exercises per-thread scalability of
 * the tracker.  Usage: churn2 ITERATIONS (per thread)
 */
#include <pthread.h>

#include "bench_common.h"

struct worker {
    pthread_t tid;
    uint64_t seed;
    long iters;
    uint64_t sum;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    w->sum = churn_run(w->seed, w->iters);
    return NULL;
}

int main(int argc, char **argv)
{
    long iters = parse_iters(argc, argv);
    struct worker w[2] = {
        { .seed = 0x9E3779B97F4A7C15ull, .iters = iters },
        { .seed = 0xD1B54A32D192ED03ull, .iters = iters },
    };
    int i;

    for (i = 0; i < 2; i++) {
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "churn2: pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < 2; i++)
        pthread_join(w[i].tid, NULL);
    print_checksum("churn2", w[0].sum ^ (w[1].sum * 3));
    return 0;
}
