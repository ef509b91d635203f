/*
 * lib/procread.h - reading small /proc files without allocating; shared by
 * libheaptop (which records its start time) and the viewer (which compares
 * it), so both parse /proc/<pid>/stat the same way (lib/procread.c).
 */
#ifndef HEAPTOP_LIB_PROCREAD_H
#define HEAPTOP_LIB_PROCREAD_H

#include <stdint.h>
#include <sys/types.h>

/* Reads at most cap-1 bytes of path into buf, NUL-terminated; length, or -1. */
ssize_t ht_read_small(const char *path, char *buf, size_t cap);
/* Field 22 (start time in clock ticks) of the text of a /proc/<pid>/stat; 0 when malformed. */
uint64_t ht_stat_start_ticks(const char *stat_text);

#endif
