/*
 * tui/procfs.h - the few facts the viewer takes from /proc about a pid:
 * does it exist, when did it start (to tell pid reuse apart), its RSS.
 */
#ifndef HEAPTOP_TUI_PROCFS_H
#define HEAPTOP_TUI_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* 1 when a process (zombies included) has this pid, 0 when none (ESRCH);
 * pid <= 0 is never a process. */
int proc_exists(pid_t pid);
/* Field 22 of /proc/<pid>/stat (start time in clock ticks), 0 when unknown. */
uint64_t proc_start_ticks(pid_t pid);
/* 1 when pid exists and started at start_ticks (unknown start times match). */
int proc_alive(pid_t pid, uint64_t start_ticks);
/* VmRSS of /proc/<pid>/status in bytes, 0 when unknown or gone. */
uint64_t proc_rss_bytes(pid_t pid);

#endif
