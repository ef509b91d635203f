/*
 * tui/keys.h - what each key of the live view does.  A handler changes the
 * view's choices or the model (mark, pause) and returns flags saying what
 * the loop must do next; it never draws.  The key table here is also what
 * the key line and the `?` screen show.
 */
#ifndef HEAPTOP_TUI_KEYS_H
#define HEAPTOP_TUI_KEYS_H

#include <stddef.h>
#include "model.h"
#include "viewstate.h"

enum key_flag {
	KF_REDRAW = 1 << 0,      /* draw again from the widgets' values */
	KF_UPDATE = 1 << 1,      /* recompute the widgets' values, then draw */
	KF_RESCAN = 1 << 2,      /* read the segment now */
	KF_RESIZE = 1 << 3,      /* lay out for the new screen size */
	KF_RESCHEDULE = 1 << 4,  /* the refresh delay changed */
	KF_QUIT = 1 << 5,        /* leave the view */
};

struct key_doc {
	const char *keys;        /* as shown: "q", "Tab", "1-4" */
	const char *label;       /* one word for the key line, NULL to leave it out */
	const char *desc;        /* a sentence for the help screen */
};

/* The key table; *n gets its length. */
const struct key_doc *keys_docs(size_t *n);
/* Acts on key (a byte or an enum crt_key); returns enum key_flag bits. */
int keys_handle(struct view *v, struct model *m, int key);

#endif
