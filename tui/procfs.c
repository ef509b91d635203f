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
#include "procread.h"

/* Reads /proc/<pid>/<file> into buf (NUL-terminated); its length or -1. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return ht_read_small(path, buf, cap);
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

	if (pid <= 0 || read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	return ht_stat_start_ticks(buf);
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
