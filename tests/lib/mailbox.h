/*
 * tests/lib/mailbox.h - a mailbox through which test threads hand blocks to
 * each other, so that a block is freed (or realloc'ed) by another thread
 * than the one that allocated it, maybe after that thread exited
 * (tests/lib/stress.c, tests/rel/sites_stress.c).
 *
 *     static void *slots[1024];
 *     static struct mailbox box = MAILBOX_INIT(slots);
 *     mailbox_put(&box, p, my_free);     the box full: my_free(p) here
 *     p = mailbox_take(&box);            NULL when empty
 *
 * The box itself never allocates: the caller gives it static slots.
 */
#ifndef HEAPTOP_TESTS_MAILBOX_H
#define HEAPTOP_TESTS_MAILBOX_H

#include <pthread.h>
#include <stddef.h>

struct mailbox {
	pthread_mutex_t lock;
	void **slots;
	unsigned cap, n;
};

/* A static initialiser for a box holding at most the length of array slots. */
#define MAILBOX_INIT(slots) \
	{ PTHREAD_MUTEX_INITIALIZER, (slots), sizeof(slots) / sizeof((slots)[0]), 0 }

/* Leaves p in the box for another thread; frees it with drop() when full. */
static inline void mailbox_put(struct mailbox *box, void *p, void (*drop)(void *))
{
	pthread_mutex_lock(&box->lock);
	if (box->n < box->cap) {
		box->slots[box->n++] = p;
		p = NULL;
	}
	pthread_mutex_unlock(&box->lock);
	if (p)
		drop(p);
}

/* The block last put in the box, taken out of it; NULL when it is empty. */
static inline void *mailbox_take(struct mailbox *box)
{
	void *p = NULL;

	pthread_mutex_lock(&box->lock);
	if (box->n > 0)
		p = box->slots[--box->n];
	pthread_mutex_unlock(&box->lock);
	return p;
}

#endif
