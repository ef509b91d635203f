/*
 * tui/sigbus.h - running a piece of code that touches a mapping which may
 * be truncated under it, so that the SIGBUS becomes an error return instead
 * of the end of the viewer.
 */
#ifndef HEAPTOP_TUI_SIGBUS_H
#define HEAPTOP_TUI_SIGBUS_H

/* Runs fn(arg) with a SIGBUS handler installed for the call only (the
 * previous one is restored); 0 when fn completed, -1 when a SIGBUS cut it
 * short.  fn must not allocate or take locks: it may be abandoned midway. */
int sigbus_guard(void (*fn)(void *), void *arg);

#endif
