/*
 * churn1.c - workload: single-threaded malloc/free churn of mixed sizes
 * over a working set of a few thousand live blocks (see bench_common.h).
 * Usage: churn1 ITERATIONS
 */
#include "bench_common.h"

int main(int argc, char **argv)
{
    long iters = parse_iters(argc, argv);

    print_checksum("churn1", churn_run(0x9E3779B97F4A7C15ull, iters));
    return 0;
}
