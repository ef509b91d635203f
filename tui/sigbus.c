/*
 * tui/sigbus.c - the SIGBUS guard (see sigbus.h): sigsetjmp before the
 * call, siglongjmp out of the handler.  The viewer is single-threaded, and
 * the handler is only in place while a guarded call runs.
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include "sigbus.h"

static sigjmp_buf *volatile bus_jump; /* set only while a guarded call runs */

static void on_sigbus(int sig)
{
	sigjmp_buf *j = bus_jump;

	if (j)
		siglongjmp(*j, 1);
	signal(sig, SIG_DFL); /* not ours: die as if we had no handler */
	raise(sig);
}

int sigbus_guard(void (*fn)(void *), void *arg)
{
	struct sigaction sa, old;
	sigjmp_buf jb;
	volatile int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old) != 0)
		return -1;
	if (sigsetjmp(jb, 1) == 0) {
		bus_jump = &jb;
		fn(arg);
	} else {
		rc = -1;
	}
	bus_jump = NULL;
	sigaction(SIGBUS, &old, NULL);
	return rc;
}
