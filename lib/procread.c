/*
 * lib/procread.c - small /proc readers that never allocate: safe inside the
 * traced process (called while the library initialises) and in the viewer.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "procread.h"

ssize_t ht_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < cap) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

uint64_t ht_stat_start_ticks(const char *stat_text)
{
	/* The command (field 2) may hold spaces and ')': fields 3.. follow the last ')'. */
	const char *p = strrchr(stat_text, ')');
	uint64_t v = 0;
	int field = 2;

	if (!p)
		return 0;
	for (; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}
