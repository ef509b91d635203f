/*
 * gen_lines.c - generates the deterministic input file for the `sort`
 * real-program workload: LINES lines of 5..44 random lowercase letters.
 * Usage: gen_lines LINES > file
 */
#include "bench_common.h"

int main(int argc, char **argv)
{
    long lines = parse_iters(argc, argv), i;
    uint64_t rng = 0x94D049BB133111EBull;
    char line[64];

    for (i = 0; i < lines; i++) {
        size_t len = xs_range(&rng, 5, 44), j;

        for (j = 0; j < len; j++)
            line[j] = (char)('a' + xs_next(&rng) % 26);
        line[len] = '\n';
        fwrite(line, 1, len + 1, stdout);
    }
    return ferror(stdout) ? 1 : 0;
}
