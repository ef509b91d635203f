/*
 * tui/listing.c - `heaptop -l`: the calling user's segments as a table (live
 * ones first, then the stale ones and those that cannot be read), `--clean`,
 * and `heaptop` with no arguments, which attaches to the only live one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "format.h"
#include "segread.h"

#define CMD_SHOWN 60 /* bytes of a command line shown in the table */

static int is_live(const struct seg_listing *e)
{
	return e->err == SEGREAD_OK && e->alive && e->snap.state == HEAPTOP_STATE_RUNNING;
}

static void print_header(FILE *f)
{
	fprintf(f, "%-8s %-8s %12s %12s %8s  %s\n", "PID", "STATE", "USE_CURR", "USE_MAX", "UPTIME",
		"COMMAND");
}

static void print_row(FILE *f, const struct seg_listing *e)
{
	char a[FMT_BUF], b[FMT_BUF], d[FMT_BUF];

	if (e->err != SEGREAD_OK) {
		fprintf(f, "%-8u %-8s %s: %s\n", e->pid, "error", e->name, segread_strerror(e->err));
		return;
	}
	const struct seg_snapshot *s = &e->snap;
	fprintf(f, "%-8u %-8s %12s %12s %8s  %.*s\n", s->pid, fmt_state(s->state, s->alive),
		fmt_bytes(a, sizeof(a), s->stats.use_curr), fmt_bytes(b, sizeof(b), s->stats.use_max),
		fmt_duration(d, sizeof(d), s->uptime_ns), CMD_SHOWN, s->cmdline);
}

/* Prints the live entries, then the others; returns how many were live. */
static int print_list(FILE *f, const struct seg_listing *v, int n)
{
	int live = 0, other = 0;

	for (int i = 0; i < n; i++)
		is_live(&v[i]) ? live++ : other++;
	if (live) {
		print_header(f);
		for (int i = 0; i < n; i++)
			if (is_live(&v[i]))
				print_row(f, &v[i]);
	}
	if (other) {
		fprintf(f, "%s%d segment%s of finished or unreadable processes "
			"(`heaptop -l --clean` removes the stale ones):\n",
			live ? "\n" : "", other, other == 1 ? "" : "s");
		print_header(f);
		for (int i = 0; i < n; i++)
			if (!is_live(&v[i]))
				print_row(f, &v[i]);
	}
	return live;
}

/* Lists into *v; 0, or prints why not and returns the exit code. */
static int load(struct seg_listing **v, int *n)
{
	*n = segread_list(v);
	if (*n < 0) {
		fprintf(stderr, "heaptop: cannot list /dev/shm: %s (is /dev/shm mounted?)\n", strerror(-*n));
		return EXIT_RUNTIME;
	}
	return 0;
}

int listing_run(const struct cli *c)
{
	struct seg_listing *v;
	int n;

	if (c->clean) {
		int removed = segread_remove_stale();
		if (removed < 0) {
			fprintf(stderr, "heaptop: cannot clean /dev/shm: %s\n", strerror(-removed));
			return EXIT_RUNTIME;
		}
		printf("removed %d stale segment%s\n", removed, removed == 1 ? "" : "s");
	}
	if (load(&v, &n))
		return EXIT_RUNTIME;
	if (n == 0)
		printf("no heaptop segments of yours in /dev/shm (start a program with `heaptop -- CMD`)\n");
	else
		print_list(stdout, v, n);
	free(v);
	return 0;
}

int listing_attach_only(struct cli *c)
{
	struct seg_listing *v;
	int n, live = 0;
	pid_t pid = 0;

	if (load(&v, &n))
		return EXIT_RUNTIME;
	for (int i = 0; i < n; i++)
		if (is_live(&v[i]) && (pid_t)v[i].pid != pid)
			live++, pid = (pid_t)v[i].pid;
	if (live == 1) {
		free(v);
		c->pid = pid;
		return run_attach(c);
	}
	if (live == 0)
		fprintf(stderr, "heaptop: no live traced process of yours (start one with `heaptop -- CMD`, "
			"or run it with LD_PRELOAD=libheaptop.so)\n");
	else
		fprintf(stderr, "heaptop: %d traced processes are running: choose one with `heaptop -p PID`\n",
			live);
	if (n)
		print_list(stdout, v, n);
	free(v);
	return EXIT_RUNTIME;
}
