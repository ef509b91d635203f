/*
 * tests/tui/unit_format.c - the viewer's formatting (format.c) and the
 * terminal sanitiser (sanitize.c): exact strings at the unit boundaries,
 * truncation into small buffers, and bytes that must never reach a terminal.
 */
#include "harness.h"
#include "format.h"
#include "sanitize.h"
#include "heaptop/segment.h"

static void test_bytes(void)
{
	char b[FMT_BUF];

	CHECK_STR(fmt_bytes(b, sizeof(b), 0), "0 B");
	CHECK_STR(fmt_bytes(b, sizeof(b), 1023), "1023 B");
	CHECK_STR(fmt_bytes(b, sizeof(b), 1024), "1.00 KiB");
	CHECK_STR(fmt_bytes(b, sizeof(b), 1536), "1.50 KiB");
	CHECK_STR(fmt_bytes(b, sizeof(b), 3ull << 19), "1.50 MiB");
	CHECK_STR(fmt_bytes(b, sizeof(b), (1ull << 20) - 1), "1.00 MiB"); /* not "1024.00 KiB" */
	CHECK_STR(fmt_bytes(b, sizeof(b), UINT64_MAX), "16.00 EiB");
	CHECK_STR(fmt_bytes_delta(b, sizeof(b), -12), "-12 B");
	CHECK_STR(fmt_bytes_delta(b, sizeof(b), 2048), "+2.00 KiB");
	CHECK_STR(fmt_bytes_delta(b, sizeof(b), INT64_MIN), "-8.00 EiB");
	CHECK_STR(fmt_bytes(b, 4, 1536), "1.5"); /* truncated, terminated */
}

static void test_counts(void)
{
	char b[FMT_BUF];

	CHECK_STR(fmt_count(b, sizeof(b), 0), "0");
	CHECK_STR(fmt_count(b, sizeof(b), 999), "999");
	CHECK_STR(fmt_count(b, sizeof(b), 1000), "1,000");
	CHECK_STR(fmt_count(b, sizeof(b), 1234567), "1,234,567");
	CHECK_STR(fmt_count(b, sizeof(b), UINT64_MAX), "18,446,744,073,709,551,615");
	CHECK_STR(fmt_rate(b, sizeof(b), 0.0), "0/s");
	CHECK_STR(fmt_rate(b, sizeof(b), 2.5), "2.5/s");
	CHECK_STR(fmt_rate(b, sizeof(b), 12345.4), "12,345/s");
}

static void test_durations(void)
{
	char b[FMT_BUF];

	CHECK_STR(fmt_duration(b, sizeof(b), 0), "0.0ms");
	CHECK_STR(fmt_duration(b, sizeof(b), 1400000), "1.4ms");
	CHECK_STR(fmt_duration(b, sizeof(b), 850000000), "850ms");
	CHECK_STR(fmt_duration(b, sizeof(b), 3200000000ull), "3.2s");
	CHECK_STR(fmt_duration(b, sizeof(b), 725000000000ull), "12m05s");
	CHECK_STR(fmt_duration(b, sizeof(b), 3720000000000ull), "1h02m");
	CHECK_STR(fmt_duration(b, sizeof(b), 100ull * 3600 * 1000000000ull), "4d04h");
}

static void test_buckets(void)
{
	char b[FMT_BUF];

	CHECK_STR(fmt_bucket(b, sizeof(b), 0), "0 B");
	CHECK_STR(fmt_bucket(b, sizeof(b), 1), "[ 1 B .. 2 B)");
	CHECK_STR(fmt_bucket(b, sizeof(b), 7), "[ 64 B .. 128 B)");
	CHECK_STR(fmt_bucket(b, sizeof(b), 10), "[ 512 B .. 1 KiB)");
	CHECK_STR(fmt_bucket(b, sizeof(b), 11), "[ 1 KiB .. 2 KiB)");
	CHECK_STR(fmt_bucket(b, sizeof(b), 64), "[ 8 EiB .. 16 EiB)");
	CHECK_STR(fmt_bucket(b, sizeof(b), 65), "?");
	/* the label names the bucket heaptop_hist_bucket() puts a size in */
	CHECK_EQ(heaptop_hist_bucket(100), 7);
	CHECK_EQ(heaptop_hist_bucket(1024), 11);
	CHECK_STR(fmt_state(HEAPTOP_STATE_RUNNING, 1), "running");
	CHECK_STR(fmt_state(HEAPTOP_STATE_RUNNING, 0), "gone");
	CHECK_STR(fmt_state(HEAPTOP_STATE_EXITED, 0), "exited");
	CHECK_STR(fmt_state(77, 1), "unknown");
}

static void test_sanitize(void)
{
	char out[64];

	sanitize_text(out, sizeof(out), "plain text", 10);
	CHECK_STR(out, "plain text");
	sanitize_text(out, sizeof(out), "a\x1b[31mb\tc\x7f", 11);
	CHECK_STR(out, "a?[31mb?c?");
	sanitize_text(out, sizeof(out), "\xc2\x9b" "1m", 4);     /* C1 CSI in UTF-8 */
	CHECK_STR(out, "??1m");
	sanitize_text(out, sizeof(out), "\x9b\xff\xc0\xaf", 4);   /* stray, invalid, overlong */
	CHECK_STR(out, "????");
	sanitize_text(out, sizeof(out), "\xed\xa0\x80", 3);       /* a surrogate */
	CHECK_STR(out, "???");
	sanitize_text(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac", 9);
	CHECK_STR(out, "caf\xc3\xa9 \xe2\x82\xac");
	sanitize_text(out, sizeof(out), "x\xe2\x80\xaey", 5);     /* RIGHT-TO-LEFT OVERRIDE */
	CHECK_STR(out, "x???y");
	sanitize_text(out, sizeof(out), "ab\0cd", 5);             /* stops at NUL */
	CHECK_STR(out, "ab");
	sanitize_text(out, 4, "\xc3\xa9\xc3\xa9", 4);            /* never half a character */
	CHECK_STR(out, "\xc3\xa9");
	sanitize_text(out, 1, "abc", 3);
	CHECK_STR(out, "");
}

static void test_estimates(void)
{
	char b[FMT_BUF];
	const unsigned B = FMT_EST_BYTES, S = FMT_EST_SHORT;

	CHECK_STR(fmt_estimate(b, sizeof(b), 12897484, 41, B), "~12.30 MiB (41 samples)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 300, 3, B | FMT_EST_EXACT), "300 B (3 samples)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 1234, 1, 0), "~1,234 (1 sample)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 0, 0, B), "~0 B (0 samples)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 1536, 3, B | FMT_EST_SIGNED), "+~1.50 KiB (3 samples)");
	CHECK_STR(fmt_estimate(b, sizeof(b), -1536, -3, B | FMT_EST_SIGNED), "-~1.50 KiB (-3 samples)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 12897484, 41, B | S), "~12.3M (41)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 512, 2, B | S | FMT_EST_EXACT), "512B (2)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 1023 * 1024, 123456, B | S), "~1023K (123k)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 1023 * 1024 + 1000, 999999, B | S), "~1.0M (1.0M)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 150 << 20, 5, B | S), "~150M (5)");
	CHECK_STR(fmt_estimate(b, sizeof(b), 12345, 7, S), "~12.3k (7)");
	CHECK_STR(fmt_estimate(b, sizeof(b), INT64_MAX, INT64_MAX, B | S), "~8.0E (9.2E)");
	CHECK(strlen(fmt_estimate(b, sizeof(b), INT64_MIN, INT64_MIN, B | FMT_EST_SIGNED)) < FMT_BUF);
}

int main(void)
{
	test_bytes();
	test_counts();
	test_durations();
	test_buckets();
	test_sanitize();
	test_estimates();
	return test_summary("unit_format");
}
