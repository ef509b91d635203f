/*
 * tui/procfs.c - reading /proc/<pid>/stat and /proc/<pid>/status for the
 * viewer (see procfs.h).  Every read is bounded; a vanished pid reads as
 * "unknown", never as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

/* Reads /proc/<pid>/<file> into buf (NUL-terminated); its length or -1. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[64];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
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

int proc_exists(pid_t pid)
{
	if (pid <= 0)
		return 0;
	return kill(pid, 0) == 0 || errno != ESRCH;
}

uint64_t proc_start_ticks(pid_t pid)
{
	char buf[1024];
	uint64_t v = 0;
	int field = 2;

	if (pid <= 0 || read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	/* The command (field 2) may hold spaces and ')': fields 3.. follow the last ')'. */
	const char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

int proc_alive(pid_t pid, uint64_t start_ticks)
{
	if (!proc_exists(pid))
		return 0;
	uint64_t now = proc_start_ticks(pid);
	return now == 0 || start_ticks == 0 || now == start_ticks;
}

uint64_t proc_rss_bytes(pid_t pid)
{
	char buf[4096];
	unsigned long long kb;

	if (pid <= 0 || read_proc(pid, "status", buf, sizeof(buf)) <= 0)
		return 0;
	const char *p = strstr(buf, "\nVmRSS:");
	if (!p || sscanf(p + 7, "%llu", &kb) != 1)
		return 0;
	return (uint64_t)kb * 1024;
}
