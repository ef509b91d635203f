/*
 * tests/harness.h - the tiny C test harness: checks that print what failed
 * and where, a summary line, and the Automake exit codes
 * (0 pass, 1 fail, 77 skip, 99 hard error).
 *
 *     CHECK(p != NULL);
 *     CHECK_EQ(d.alloc_count, 100000);     unsigned, prints both values
 *     CHECK_EQ_I(delta, -16);              signed
 *     CHECK_STR(name, "/heaptop.1.0");
 *     return test_summary("integ");
 *
 * A failed check prints "file:line: check failed: ..." to stderr and the
 * test goes on, so one run shows every failure.  Checks never allocate
 * before they fail (they print only on failure), so they can sit between
 * two counter reads of a test that counts allocations.
 */
#ifndef HEAPTOP_TESTS_HARNESS_H
#define HEAPTOP_TESTS_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_PASS 0
#define TEST_FAIL 1
#define TEST_SKIP 77
#define TEST_HARD_ERROR 99

static unsigned long test_checks, test_failures;

static inline int test_fail_(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline int test_fail_(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	test_failures++;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

/* Each check evaluates to 1 when it passed, 0 when it failed. */
#define CHECK(cond) \
	(test_checks++, (cond) ? 1 : test_fail_(__FILE__, __LINE__, "%s", #cond))

#define CHECK_EQ(a, b) test_eq_u_((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_EQ_I(a, b) test_eq_i_((int64_t)(a), (int64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_LE(a, b) test_le_u_((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) test_eq_s_((a), (b), #a, #b, __FILE__, __LINE__)

static inline int test_eq_u_(uint64_t a, uint64_t b, const char *as, const char *bs,
			     const char *file, int line)
{
	test_checks++;
	if (a == b)
		return 1;
	return test_fail_(file, line, "%s == %s (%llu != %llu)", as, bs, (unsigned long long)a,
			  (unsigned long long)b);
}

static inline int test_eq_i_(int64_t a, int64_t b, const char *as, const char *bs,
			     const char *file, int line)
{
	test_checks++;
	if (a == b)
		return 1;
	return test_fail_(file, line, "%s == %s (%lld != %lld)", as, bs, (long long)a,
			  (long long)b);
}

static inline int test_le_u_(uint64_t a, uint64_t b, const char *as, const char *bs,
			     const char *file, int line)
{
	test_checks++;
	if (a <= b)
		return 1;
	return test_fail_(file, line, "%s <= %s (%llu > %llu)", as, bs, (unsigned long long)a,
			  (unsigned long long)b);
}

static inline int test_eq_s_(const char *a, const char *b, const char *as, const char *bs,
			     const char *file, int line)
{
	test_checks++;
	if (a && b && strcmp(a, b) == 0)
		return 1;
	return test_fail_(file, line, "%s == %s (\"%s\" != \"%s\")", as, bs, a ? a : "(null)",
			  b ? b : "(null)");
}

/* Stops the test: the environment is wrong, not the code under test. */
static inline void test_hard_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static inline void test_hard_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hard error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TEST_HARD_ERROR);
}

/* Stops the test as skipped, saying why. */
static inline void test_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static inline void test_skip(const char *fmt, ...)
{
	va_list ap;

	fputs("skip: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TEST_SKIP);
}

/* Prints "name: N checks, F failed" and returns the exit code. */
static inline int test_summary(const char *name)
{
	fprintf(stderr, "%s: %lu checks, %lu failed\n", name, test_checks, test_failures);
	if (test_checks == 0)
		return TEST_HARD_ERROR; /* a test that checked nothing proves nothing */
	return test_failures ? TEST_FAIL : TEST_PASS;
}

#endif
