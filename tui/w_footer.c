/*
 * tui/w_footer.c - the two bottom rows of the live view: a status line (the
 * last action's result, else what became of the program, else where its
 * output goes) and the key line, built from the key table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "keys.h"
#include "widgets.h"

void w_footer_update(struct w_footer *w, const struct model *m, const struct ui *ui)
{
	const struct model_child *ch = &m->child;

	w->paused = m->paused;
	w->marked = m->has_mark;
	w->delay_s = ui->delay_s;
	w->status_elem = CE_STATUS;
	if (ui->status[0]) {
		snprintf(w->status, sizeof(w->status), "%s", ui->status);
		w->status_elem = ui->status_elem;
	} else if (ch->launched && ch->exited) {
		if (WIFSIGNALED(ch->status))
			snprintf(w->status, sizeof(w->status),
				 "the program was killed by signal %d; these are its final numbers (q quits)",
				 WTERMSIG(ch->status));
		else
			snprintf(w->status, sizeof(w->status),
				 "the program exited with status %d; these are its final numbers (q quits)",
				 WEXITSTATUS(ch->status));
		w->status_elem = CE_WARNING;
	} else if (m->cur.state == HEAPTOP_STATE_EXITED || !m->cur.alive) {
		snprintf(w->status, sizeof(w->status),
			 "the process has ended; these are its final numbers (q quits)");
		w->status_elem = CE_WARNING;
	} else if (m->last_err != SEGREAD_OK) {
		snprintf(w->status, sizeof(w->status), "cannot read the segment: %s",
			 segread_strerror(m->last_err));
		w->status_elem = CE_WARNING;
	} else if (ch->launched) {
		snprintf(w->status, sizeof(w->status), "program output: %s", ch->output);
	} else {
		snprintf(w->status, sizeof(w->status), "watching pid %u (segment %s)",
			 (unsigned)m->cur.pid, m->cur.name);
	}
}

/* The key line's label for a key, which may depend on the state. */
static const char *key_label(const struct w_footer *w, const struct key_doc *d, char *buf,
			     size_t cap)
{
	if (strcmp(d->keys, "p") == 0 && w->paused)
		return "Resume";
	if (strcmp(d->keys, "m") == 0 && w->marked)
		return "Unmark";
	if (strcmp(d->keys, "+ -") == 0) {
		snprintf(buf, cap, "%gs", w->delay_s);
		return buf;
	}
	return d->label;
}

void w_footer_draw(const struct w_footer *w, const struct ui *ui, struct canvas *c)
{
	const struct layout *l = &ui->layout;
	const struct key_doc *docs;
	size_t n;
	int x = l->keys.x, end = l->keys.x + l->keys.w;
	char buf[32];

	canvas_text(c, l->status.x + 1, l->status.y, l->status.w - 1, w->status_elem, w->status);
	docs = keys_docs(&n);
	for (size_t i = 0; i < n && x < end; i++) {
		const char *label = key_label(w, &docs[i], buf, sizeof(buf));
		if (!label)
			continue;
		if (x + text_width(docs[i].keys) + 1 + text_width(label) > end)
			break; /* never a half-shown key */
		x += canvas_text(c, x, l->keys.y, end - x, CE_KEY, docs[i].keys);
		x += 1 + canvas_text(c, x + 1, l->keys.y, end - x - 1, CE_KEY_LABEL, label);
		x += 2;
	}
}
