/*
 * tui/segfind.c - finding heaptop segments in /dev/shm: the segment of a
 * pid (the live image, else the newest), the calling user's list, and the
 * removal of stale ones.  Opening and reading one segment is segread.c's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "segread.h"
#include "procfs.h"

#define SHM_DIR "/dev/shm"
#define LIST_MAX 65536 /* entries we are willing to list */

/*
 * The candidate open_pid keeps: the best segment of the pid seen so far.
 * A pid is reused once its process is gone, and a segment outlives its
 * process when it was kept or the process was killed, so /dev/shm can hold
 * segments of several processes that had the same pid.  The process's own
 * ones carry its start time; when that is known, they alone count (the
 * newest image first) and the others are stale.  A segment whose creator
 * could not read its start time (0) is taken only when none is the
 * process's own.  When the start time isn't known (the process is gone and
 * the caller didn't say), the newest process's newest image wins.
 */
struct pick {
	struct segread *r;
	uint64_t ticks;   /* start time of the process wanted; 0: unknown */
	int rank;         /* 2: its own, 1: start time unrecorded, 0: stale or unknown */
	uint64_t start;   /* the kept one's start time */
	uint32_t gen;     /* the kept one's exec generation */
	enum segread_err err;   /* first failure, when nothing opened */
	int err_errno;
	int found;        /* names of this pid seen */
};

/* 1 when a segment (rank, start time, generation) is a better pick than p's. */
static int better(const struct pick *p, int rank, uint64_t start, uint32_t gen)
{
	if (!p->r || rank != p->rank)
		return !p->r || rank > p->rank;
	if (start != p->start)
		return start > p->start;
	return gen > p->gen;
}

static void pick_offer(struct pick *p, const char *name)
{
	struct segread *r;
	struct seg_snapshot s;
	int e = 0;
	enum segread_err err = segread_open_name(name, &r, &e);

	p->found++;
	if (err == SEGREAD_OK && (err = segread_read_header_only(r, &s)) != SEGREAD_OK)
		segread_close(r);
	if (err != SEGREAD_OK) {
		/* "being created" wins: the caller should retry, not give up */
		if (p->err == SEGREAD_OK || err == SEGREAD_NOT_READY)
			p->err = err, p->err_errno = e;
		return;
	}
	int rank = !p->ticks ? 0 : s.start_time_ticks == p->ticks ? 2 : s.start_time_ticks == 0 ? 1 : -1;
	if (rank >= 0 && better(p, rank, s.start_time_ticks, s.exec_gen)) {
		segread_close(p->r);
		p->r = r, p->rank = rank, p->start = s.start_time_ticks, p->gen = s.exec_gen;
	} else {
		segread_close(r);
	}
}

enum segread_err segread_open_pid(pid_t pid, uint64_t start_ticks, struct segread **out,
				  int *detail_errno)
{
	struct pick p = { 0 };
	struct dirent *de;
	DIR *d;

	*out = NULL;
	if (detail_errno)
		*detail_errno = 0;
	if (pid <= 0)
		return SEGREAD_NO_PROCESS;
	p.ticks = start_ticks ? start_ticks : proc_start_ticks(pid);
	d = opendir(SHM_DIR);
	if (!d) {
		if (detail_errno)
			*detail_errno = errno;
		return SEGREAD_SYSTEM;
	}
	while ((de = readdir(d)) != NULL) {
		uint32_t npid, gen;
		if (segread_parse_name(de->d_name, &npid, &gen) == 0 && npid == (uint32_t)pid)
			pick_offer(&p, de->d_name);
	}
	closedir(d);
	if (p.r) {
		*out = p.r;
		return SEGREAD_OK;
	}
	if (p.found && p.err != SEGREAD_OK) {
		if (detail_errno)
			*detail_errno = p.err_errno;
		return p.err;
	}
	/* nothing, or only stale segments of earlier processes with this pid */
	return proc_exists(pid) || start_ticks ? SEGREAD_NO_SEGMENT : SEGREAD_NO_PROCESS;
}

/* Reads one listed name into e. */
static void list_entry(const char *name, uint32_t pid, struct seg_listing *e)
{
	struct segread *r;
	int dummy;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "/%.60s", name);
	e->pid = pid;
	e->err = segread_open_name(name, &r, &dummy);
	if (e->err == SEGREAD_OK) {
		e->err = segread_read_header_only(r, &e->snap);
		segread_close(r);
	}
	e->alive = e->err == SEGREAD_OK ? e->snap.alive : proc_exists((pid_t)pid);
}

static int by_pid_gen(const void *a, const void *b)
{
	const struct seg_listing *x = a, *y = b;
	uint32_t xp, xg, yp, yg;

	segread_parse_name(x->name, &xp, &xg);
	segread_parse_name(y->name, &yp, &yg);
	if (xp != yp)
		return xp < yp ? -1 : 1;
	return xg < yg ? -1 : xg > yg;
}

int segread_list(struct seg_listing **out)
{
	struct seg_listing *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(SHM_DIR);

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL && n < LIST_MAX) {
		uint32_t pid, gen;
		struct stat st;
		if (segread_parse_name(de->d_name, &pid, &gen) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    st.st_uid != geteuid())
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct seg_listing *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv, cap = ncap;
		}
		list_entry(de->d_name, pid, &v[n++]);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_pid_gen);
	*out = v;
	return (int)n;
}

int segread_remove_stale(void)
{
	struct seg_listing *v;
	int n = segread_list(&v), removed = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (v[i].alive)
			continue;
		if (shm_unlink(v[i].name) == 0)
			removed++;
	}
	free(v);
	return removed;
}
