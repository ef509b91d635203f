/*
 * realloc_str.c - workload: realloc-heavy string building.  Each round
 * grows a batch of strings concurrently (so reallocs really have to move)
 * by appending small random pieces; even-numbered strings grow their
 * buffer to the exact size needed, odd ones by 1.5x.  The strings are
 * hashed and freed at the end of the round.
 * Usage: realloc_str ROUNDS
 */
#include "bench_common.h"

#define STRINGS_PER_ROUND 64
#define MAX_TARGET_LEN 4096

struct str {
    char *buf;
    size_t len, cap, target;
    int exact;
};

static void str_append(struct str *s, uint64_t *rng)
{
    size_t piece = xs_range(rng, 1, 16), need = s->len + piece + 1, i;
    uint64_t letters = xs_next(rng);

    if (need > s->cap) {
        size_t cap = s->exact ? need : s->cap + s->cap / 2;
        char *p;

        if (cap < need)
            cap = need;
        p = realloc(s->buf, cap);
        if (!p) {
            perror("realloc");
            exit(1);
        }
        s->buf = p;
        s->cap = cap;
    }
    for (i = 0; i < piece; i++)
        s->buf[s->len++] = (char)('a' + ((letters >> (4 * i)) & 15));
    s->buf[s->len] = '\0';
}

/* FNV-1a over the string. */
static uint64_t str_hash(const struct str *s)
{
    uint64_t h = 14695981039346656037ull;
    size_t i;

    for (i = 0; i < s->len; i++)
        h = (h ^ (unsigned char)s->buf[i]) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv)
{
    long rounds = parse_iters(argc, argv), r;
    uint64_t rng = 0x2545F4914F6CDD1Dull, sum = 0;
    struct str s[STRINGS_PER_ROUND];

    for (r = 0; r < rounds; r++) {
        int i, busy = STRINGS_PER_ROUND;

        for (i = 0; i < STRINGS_PER_ROUND; i++) {
            s[i] = (struct str){ .target = xs_range(&rng, 16, MAX_TARGET_LEN),
                                 .exact = i % 2 == 0 };
        }
        while (busy > 0) {
            busy = 0;
            for (i = 0; i < STRINGS_PER_ROUND; i++) {
                if (s[i].len < s[i].target) {
                    str_append(&s[i], &rng);
                    busy++;
                }
            }
        }
        for (i = 0; i < STRINGS_PER_ROUND; i++) {
            sum = sum * 31 + str_hash(&s[i]);
            free(s[i].buf);
        }
    }
    print_checksum("realloc_str", sum);
    return 0;
}
