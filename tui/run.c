/*
 * tui/run.c - the two ways heaptop watches a process: attaching to a pid
 * (-p) and starting a command (-- CMD), each ending in the live view or in
 * one snapshot.  Every failure says what happened and what to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "launch.h"
#include "snapshot.h"

/* How long the live view waits for a started program's segment. */
#define SEGMENT_WAIT_S 5.0

static void say_segread_error(const char *subject, enum segread_err err, int detail)
{
	if (err == SEGREAD_SYSTEM && detail)
		fprintf(stderr, "heaptop: %s: %s: %s\n", subject, segread_strerror(err), strerror(detail));
	else
		fprintf(stderr, "heaptop: %s: %s\n", subject, segread_strerror(err));
}

/* Writes the snapshot where -o says (stdout by default); the exit code. */
static int write_snapshot(const struct cli *c, const struct model *m)
{
	FILE *f = c->snap_file ? fopen(c->snap_file, "w") : stdout;
	int rc;

	if (!f) {
		fprintf(stderr, "heaptop: cannot write the snapshot to '%s': %s (choose another file with -o)\n",
			c->snap_file, strerror(errno));
		return EXIT_RUNTIME;
	}
	rc = c->format == CLI_JSON ? snapshot_write_json(f, m) : snapshot_write_text(f, m);
	if (c->snap_file && fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "heaptop: cannot write the snapshot to '%s': %s\n",
			c->snap_file ? c->snap_file : "standard output", strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* Opens pid's segment, retrying for a second while it is being created. */
static enum segread_err open_pid_retry(pid_t pid, struct segread **r, int *detail)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	enum segread_err err = SEGREAD_NOT_READY;

	for (int i = 0; i < 50 && err == SEGREAD_NOT_READY; i++) {
		if (i)
			nanosleep(&tick, NULL);
		err = segread_open_pid(pid, 0, r, detail);
	}
	return err;
}

int run_attach(const struct cli *c)
{
	struct model m = { 0 };
	struct segread *r;
	char subject[64];
	int detail, rc;

	snprintf(subject, sizeof(subject), "pid %d", (int)c->pid);
	enum segread_err err = open_pid_retry(c->pid, &r, &detail);
	if (err == SEGREAD_OK)
		err = model_init(&m, r);
	if (err != SEGREAD_OK) {
		say_segread_error(subject, err, detail);
		model_free(&m);
		return EXIT_RUNTIME;
	}
	rc = c->snapshot ? write_snapshot(c, &m) : view_run(&m, &c->view);
	model_free(&m);
	return rc;
}

/* --snapshot -- CMD: run to completion, then write the final state. */
static int launch_snapshot(const struct cli *c, struct model *m)
{
	struct segread *r;
	int detail;

	launch_wait_exit(&m->child);
	enum segread_err err = segread_open_pid(m->child.pid, m->child.start_ticks, &r, &detail);
	if (err == SEGREAD_NO_SEGMENT || err == SEGREAD_NO_PROCESS) {
		launch_explain_no_segment(stderr, c->cmd, &m->child);
		return EXIT_RUNTIME;
	}
	if (err == SEGREAD_OK)
		err = model_init(m, r);
	if (err != SEGREAD_OK) {
		say_segread_error(c->cmd[0], err, detail);
		return EXIT_RUNTIME;
	}
	int rc = write_snapshot(c, m);
	return rc ? rc : launch_exit_code(&m->child);
}

static void say_child_end(const struct cli *c, const struct model_child *ch, int stopped)
{
	if (stopped)
		fprintf(stderr, "heaptop: stopped '%s' (pid %d) as the view closed; its output is in %s\n",
			c->cmd[0], (int)ch->pid, ch->output);
	else
		fprintf(stderr, "heaptop: '%s' (pid %d) exited with status %d; its output is in %s\n",
			c->cmd[0], (int)ch->pid, launch_exit_code(ch), ch->output);
}

/* Waits for a started program's segment: a few seconds, then, unless the
 * program can never be preloaded, until it exits or the user gives up. */
static enum segread_err wait_segment(const struct cli *c, struct model_child *ch, struct segread **r)
{
	enum segread_err err = launch_wait_segment(ch, SEGMENT_WAIT_S, r);

	if (err == SEGREAD_OK || ch->exited || launch_unpreloadable(NULL, c->cmd[0]))
		return err;
	fprintf(stderr, "heaptop: '%s' (pid %d) has made no heaptop segment in %.0f s (it starts on the "
		"first allocation); waiting until it does or exits: press Ctrl-C to give up\n",
		c->cmd[0], (int)ch->pid, SEGMENT_WAIT_S);
	return launch_wait_segment(ch, -1, r);
}

/* -- CMD with the live view. */
static int launch_view(const struct cli *c, struct model *m)
{
	struct segread *r;
	enum segread_err err = wait_segment(c, &m->child, &r);

	if (err == SEGREAD_NO_SEGMENT || err == SEGREAD_NO_PROCESS || err == SEGREAD_NOT_READY) {
		launch_explain_no_segment(stderr, c->cmd, &m->child);
		if (!m->child.exited) {
			launch_stop(&m->child);
			fprintf(stderr, "heaptop: stopped '%s' (pid %d): there is nothing to watch\n",
				c->cmd[0], (int)m->child.pid);
		}
		return EXIT_RUNTIME;
	}
	if (err == SEGREAD_OK)
		err = model_init(m, r);
	if (err != SEGREAD_OK) {
		say_segread_error(c->cmd[0], err, 0);
		launch_stop(&m->child);
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "heaptop: the output of '%s' goes to %s\n", c->cmd[0], m->child.output);
	int rc = view_run(m, &c->view);
	int was_running = !m->child.exited;
	launch_stop(&m->child);
	say_child_end(c, &m->child, was_running);
	return rc ? rc : was_running ? 0 : launch_exit_code(&m->child);
}

int run_launch(const struct cli *c)
{
	struct launch_opts o = { c->lib, c->output, !c->snapshot };
	struct model m = { 0 };
	char lib[PATH_MAX];
	int rc;

	if (launch_find_lib(c->lib, lib, sizeof(lib)) != 0)
		return EXIT_RUNTIME;
	if (launch_start(c->cmd, lib, &o, &m.child) != 0)
		return EXIT_RUNTIME;
	rc = c->snapshot ? launch_snapshot(c, &m) : launch_view(c, &m);
	model_free(&m);
	launch_remove_segments(&m.child);
	return rc;
}
