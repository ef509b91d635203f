/*
 * tui/launch.h - `heaptop -- CMD ARGS`: finding libheaptop.so, starting the
 * program with it preloaded and its segment kept at exit, waiting for the
 * segment, the program's exit, and removing its segments afterwards.
 * Why a program got no segment is launch_diag.c's.
 */
#ifndef HEAPTOP_TUI_LAUNCH_H
#define HEAPTOP_TUI_LAUNCH_H

#include <stddef.h>
#include <stdio.h>
#include "model.h"

struct launch_opts {
	const char *lib;     /* --lib, or NULL: search (launch_find_lib) */
	const char *output;  /* --output, or NULL: see redirect */
	int redirect;        /* 1: stdout/stderr to output (default ./heaptop-<pid>.out),
			      * stdin from /dev/null, own process group (live view);
			      * 0: inherit the terminal unless output is set (--snapshot) */
};

/* Puts the absolute path of libheaptop.so in buf: opt when given, else next
 * to this binary (build tree or ../lib), else the installed one.  0, or -1
 * with a message on stderr saying what was tried and what to do. */
int launch_find_lib(const char *opt, char *buf, size_t cap);

/* Forks and execs argv[0] (PATH searched) with lib prepended to LD_PRELOAD
 * and HEAPTOP_KEEP_PID set to the child; fills c.  0, or -1 with a message
 * on stderr (command not found, output file not writable, fork failed). */
int launch_start(char *const argv[], const char *lib, const struct launch_opts *o,
		 struct model_child *c);

/* Waits up to timeout_s (< 0: until the child exits or SIGINT/SIGTERM/SIGHUP
 * arrives) for the child's segment, which is also found after the child
 * exited (it is kept).  SEGREAD_OK with *out open, or the last error. */
enum segread_err launch_wait_segment(struct model_child *c, double timeout_s, struct segread **out);

/* Blocks until the child exits (SIGINT and SIGQUIT ignored meanwhile, as
 * system() does, so the child's death is reported); fills c->status. */
void launch_wait_exit(struct model_child *c);

/* Stops a still-running child: SIGTERM, up to 2 s, then SIGKILL; reaps it. */
void launch_stop(struct model_child *c);

/* Removes the segments of the child c (those of its pid and start time)
 * the calling user owns; returns how many. */
int launch_remove_segments(const struct model_child *c);

/* The exit code heaptop passes on: the child's status, 128+signal if killed. */
int launch_exit_code(const struct model_child *c);

/* launch_diag.c: explains on f why argv[0] produced no segment (static,
 * setuid/setgid or file-capability binary, other ELF class, library failed
 * to load, no allocation). */
void launch_explain_no_segment(FILE *f, char *const argv[], const struct model_child *c);
/* launch_diag.c: 1 (with the reason on f, unless f is NULL) when cmd can
 * never be preloaded: static, setuid/setgid to another user, file
 * capabilities for an unprivileged user, other ELF class; else 0. */
int launch_unpreloadable(FILE *f, const char *cmd);

#endif
