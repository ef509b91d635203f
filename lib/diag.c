/*
 * lib/diag.c - diagnostics from inside the traced process.  They never
 * allocate (the string is built in a stack buffer and written with write(2),
 * looped on EINTR), say each thing at most once, keep errno, and can be
 * silenced with HEAPTOP_QUIET=1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

static unsigned char said[HT_SAY_KEYS];

char *ht_utoa(uint64_t v, char *buf)
{
	char tmp[21];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

void ht_say_once(unsigned key, const char *first, ...)
{
	char buf[512];
	size_t len = 0;
	va_list ap;
	int saved = errno;

	if (key < HT_SAY_KEYS && __atomic_exchange_n(&said[key], 1, __ATOMIC_RELAXED))
		return;
	if (ht_rt.cfg.quiet)
		return;
	const char *prefix = "heaptop: ";
	memcpy(buf, prefix, strlen(prefix));
	len = strlen(prefix);
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);
		if (n > sizeof(buf) - 1 - len)
			n = sizeof(buf) - 1 - len;
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	buf[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved;
}
