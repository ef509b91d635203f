/*
 * tests/lib/sigstorm.c - a signal storm whose handler allocates, landing in
 * the middle of heaptop's bookkeeping (tests/lib/sigstorm.sh).
 *
 *   sigstorm SIGNALS main|thread
 *
 * A victim (the main thread, or a second thread: with HEAPTOP_SHARDS=2 that
 * one writes the shared shard 0 with atomic adds) allocates and frees in a loop while a sender thread sends
 * it SIGNALS SIGUSR1s (pthread_kill) and an interval timer adds SIGALRMs;
 * the handler mallocs and frees.  It must not hang, and the counters must
 * balance: every call is counted once, either as tracked or (when the signal
 * interrupted heaptop itself) as untracked, and nothing stays live.
 *
 * glibc's malloc is not async-signal-safe in general; the test keeps it
 * safe by using different sizes in the handler and in the loop, with their
 * tcache bins warmed and never emptied or overfilled, so neither ever takes
 * the arena lock.  What remains is heaptop's own re-entrancy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "htcheck.h"

#define LOOP_SIZE 48     /* the victim's loop */
#define HANDLER_SIZE 200 /* the handler's blocks: another tcache bin */
#define LIVE 4           /* fewer than glibc's 7 tcache entries per bin */

static uint64_t handler_calls, handler_allocs;
static int sender_done;
static pthread_t victim;
static uint64_t nsignals;

static void handler(int sig)
{
	int saved = errno;
	void *p = malloc(HANDLER_SIZE);

	(void)sig;
	if (p) {
		((volatile char *)p)[0] = 1;
		__atomic_fetch_add(&handler_allocs, 1, __ATOMIC_RELAXED);
	}
	free(p);
	__atomic_fetch_add(&handler_calls, 1, __ATOMIC_RELAXED);
	errno = saved;
}

static int go, victim_ready, victim_done;

static void wait_flag(int *flag)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		usleep(100);
}

static void *sender(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	wait_flag(&go);
	for (uint64_t i = 0; i < nsignals; i++) {
		pthread_kill(victim, SIGUSR1);
		if (i % 8 == 0)
			sched_yield();
	}
	__atomic_store_n(&sender_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Fills both tcache bins so that the loop and the handler never leave them. */
static void warm_tcache(void)
{
	void *p[7], *q[7];

	for (int i = 0; i < 7; i++) {
		p[i] = malloc(LOOP_SIZE);
		q[i] = malloc(HANDLER_SIZE);
	}
	for (int i = 0; i < 7; i++) {
		free(p[i]);
		free(q[i]);
	}
}

static void storm_signals(int how)
{
	sigset_t both;

	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGALRM);
	pthread_sigmask(how, &both, NULL);
}

/* Waits for go, allocates until the sender is done, then blocks the storm. */
static void *victim_loop(void *arg)
{
	uint64_t *ops = arg;
	void *live[LIVE];

	wait_flag(&go);
	storm_signals(SIG_UNBLOCK);
	while (!__atomic_load_n(&sender_done, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < LIVE; i++)
			live[i] = malloc(LOOP_SIZE);
		for (int i = 0; i < LIVE; i++)
			free(live[i]);
		*ops += LIVE;
	}
	storm_signals(SIG_BLOCK); /* no handler runs after this */
	__atomic_store_n(&victim_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The victim as a thread of its own: warmed up before the baseline. */
static void *victim_thread(void *arg)
{
	warm_tcache();
	__atomic_store_n(&victim_ready, 1, __ATOMIC_RELEASE);
	return victim_loop(arg);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct heaptop_stats a, b;
	struct itimerval it = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	pthread_t s;
	uint64_t ops = 0;
	int in_thread = argc > 2 && strcmp(argv[2], "thread") == 0;

	nsignals = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	/* Threads first (their creation allocates), then the baseline, then go. */
	storm_signals(SIG_BLOCK); /* inherited by the threads; the victim unblocks */
	if (in_thread) {
		if (pthread_create(&victim, NULL, victim_thread, &ops) != 0)
			test_hard_error("pthread_create");
		wait_flag(&victim_ready);
	} else {
		victim = pthread_self();
		warm_tcache();
	}
	if (pthread_create(&s, NULL, sender, NULL) != 0)
		test_hard_error("pthread_create");
	read_stats(&a, HEAPTOP_SCOPE_PROCESS);
	setitimer(ITIMER_REAL, &it, NULL);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	if (in_thread)
		wait_flag(&victim_done);
	else
		victim_loop(&ops);
	setitimer(ITIMER_REAL, &off, NULL);
	read_stats(&b, HEAPTOP_SCOPE_PROCESS); /* before the joins: they free glibc's blocks */
	pthread_join(s, NULL);
	if (in_thread)
		pthread_join(victim, NULL);

	uint64_t calls = __atomic_load_n(&handler_calls, __ATOMIC_RELAXED);
	uint64_t hallocs = __atomic_load_n(&handler_allocs, __ATOMIC_RELAXED);
	uint64_t tracked = b.alloc_count - a.alloc_count, untracked = b.untracked_count - a.untracked_count;
	uint64_t tracked_free = b.dealloc_count - a.dealloc_count;
	uint64_t untracked_free = b.untracked_free_count - a.untracked_free_count;

	fprintf(stderr, "sigstorm (%s): %llu handler calls, %llu loop blocks, %llu untracked\n",
		in_thread ? "thread" : "main", (unsigned long long)calls, (unsigned long long)ops,
		(unsigned long long)untracked);
	CHECK(calls >= 100); /* the storm really happened during the loop */
	CHECK_EQ(hallocs, calls);
	/* Every call counted exactly once, tracked or untracked. */
	CHECK_EQ(tracked + untracked, ops + hallocs);
	CHECK_EQ(tracked_free + untracked_free, ops + hallocs);
	/* A handler's malloc and free happen in the same context: both balance. */
	CHECK_EQ(tracked, tracked_free);
	CHECK_EQ(untracked, untracked_free);
	CHECK_EQ(b.use_curr, a.use_curr);
	CHECK_EQ(b.alloc_fail_count - a.alloc_fail_count, 0);
	return test_summary("sigstorm");
}
