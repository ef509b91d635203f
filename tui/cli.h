/*
 * tui/cli.h - what the command line asked for (parsed by main.c), and the
 * modes that carry it out: run.c (attach or launch, live view or one
 * snapshot) and listing.c (`-l`, `--clean`, picking the only process).
 */
#ifndef HEAPTOP_TUI_CLI_H
#define HEAPTOP_TUI_CLI_H

#include <sys/types.h>
#include "view.h"

/* Exit codes of heaptop itself (a launched program's status passes through). */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

enum cli_format { CLI_TEXT, CLI_JSON };

struct cli {
	pid_t pid;                /* -p, 0 when not given */
	char **cmd;               /* argv after "--" (NULL-terminated), NULL when none */
	int list, clean;          /* -l, --clean */
	int snapshot;             /* --snapshot */
	enum cli_format format;   /* --format */
	const char *snap_file;    /* -o, NULL: stdout */
	const char *lib;          /* --lib */
	const char *output;       /* --output */
	struct view_opts view;    /* -d, --snapshot-dir, --ascii */
};

/* Attaches to c->pid: live view, or one snapshot; returns the exit code. */
int run_attach(const struct cli *c);
/* Runs c->cmd under libheaptop: live view, or to completion and one
 * snapshot; returns the exit code (the program's with --snapshot). */
int run_launch(const struct cli *c);
/* Prints the calling user's segments (after removing the stale ones with
 * --clean); returns the exit code. */
int listing_run(const struct cli *c);
/* No pid and no command: attach to the user's only live traced process, or
 * print the list; returns the exit code. */
int listing_attach_only(struct cli *c);

#endif
