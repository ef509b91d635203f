/*
 * tests/lib/unit_hist.c - heaptop_hist_bucket() (include/heaptop/counters.h):
 * bucket 0 is size 0, bucket k+1 holds [2^k, 2^(k+1)), SIZE_MAX lands in 64.
 * Checked against an independent definition (count the bits) at 0..4, at
 * every power of two and one either side, and at the extremes.  Also the
 * library's fast-path bucket (lib/account.h), which must agree below 2^63.
 */
#include <stdint.h>
#include "harness.h"
#include "heaptop/counters.h"
#include "account.h"

/* The number of significant bits of v: the bucket by definition. */
static unsigned bits_of(unsigned long long v)
{
	unsigned n = 0;

	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

static void check_small_sizes(void)
{
	CHECK_EQ(heaptop_hist_bucket(0), 0);
	CHECK_EQ(heaptop_hist_bucket(1), 1);
	CHECK_EQ(heaptop_hist_bucket(2), 2);
	CHECK_EQ(heaptop_hist_bucket(3), 2);
	CHECK_EQ(heaptop_hist_bucket(4), 3);
	CHECK_EQ(heaptop_hist_bucket(100), 7); /* [64, 128) */
}

static void check_powers_of_two(void)
{
	for (unsigned k = 0; k < 64; k++) {
		unsigned long long p = 1ull << k;

		CHECK_EQ(heaptop_hist_bucket(p), k + 1);
		CHECK_EQ(heaptop_hist_bucket(p), bits_of(p));
		CHECK_EQ(heaptop_hist_bucket(p - 1), bits_of(p - 1));
		CHECK_EQ(heaptop_hist_bucket(p + 1), bits_of(p + 1));
		/* The last size of a bucket and the first of the next one. */
		if (k > 0)
			CHECK_EQ(heaptop_hist_bucket(p - 1), k);
		if (k > 1)
			CHECK_EQ(heaptop_hist_bucket(p + 1), k + 1);
	}
}

static void check_extremes(void)
{
	CHECK_EQ(heaptop_hist_bucket(SIZE_MAX), 64);
	CHECK_EQ(heaptop_hist_bucket(UINT64_MAX), 64);
	CHECK_EQ(heaptop_hist_bucket(SIZE_MAX / 2), 63);
	CHECK_EQ(heaptop_hist_bucket(SIZE_MAX / 2 + 1), 64);
	CHECK(heaptop_hist_bucket(SIZE_MAX) < HEAPTOP_HIST_BUCKETS);
}

/* ht_bucket(), the fast path's version for sizes below 2^63. */
static void check_fast_bucket(void)
{
	for (unsigned k = 0; k < 63; k++) {
		uint64_t p = 1ull << k;

		CHECK_EQ(ht_bucket(p), heaptop_hist_bucket(p));
		CHECK_EQ(ht_bucket(p - 1), heaptop_hist_bucket(p - 1));
		CHECK_EQ(ht_bucket(p + 1), heaptop_hist_bucket(p + 1));
	}
	for (uint64_t v = 0; v < 5000; v++)
		if (!CHECK_EQ(ht_bucket(v), heaptop_hist_bucket(v)))
			break;
	CHECK_EQ(ht_bucket(INT64_MAX), 63);
	CHECK_EQ(ht_bucket((uint64_t)INT64_MAX - 1), heaptop_hist_bucket((uint64_t)INT64_MAX - 1));
}

/* Every bucket is reachable and buckets never decrease with the size. */
static void check_monotonic(void)
{
	unsigned prev = 0;
	int seen[HEAPTOP_HIST_BUCKETS] = { 0 };
	unsigned long long v = 0;

	for (int i = 0; i < 4096; i++, v = v * 3 / 2 + 1) {
		unsigned b = heaptop_hist_bucket(v);
		if (!CHECK(b >= prev && b < HEAPTOP_HIST_BUCKETS))
			break;
		seen[b] = 1;
		prev = b;
		if (v > UINT64_MAX / 3)
			break;
	}
	for (int k = 0; k <= 64; k++)
		seen[heaptop_hist_bucket(k ? 1ull << (k - 1) : 0)] = 1;
	for (int b = 0; b < HEAPTOP_HIST_BUCKETS; b++)
		CHECK(seen[b]);
}

int main(void)
{
	check_small_sizes();
	check_powers_of_two();
	check_extremes();
	check_monotonic();
	check_fast_bucket();
	return test_summary("unit_hist");
}
