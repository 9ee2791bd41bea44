#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

struct loop_fd {
	loop_io_fn *fn;
	void *arg;
};

struct loop {
	int epfd;
	int tfd;
	int stop;
	struct loop_fd *fds;         /* indexed by fd */
	size_t nfds;
	struct loop_timer **heap;    /* min-heap on when */
	size_t nheap, capheap;
	uint64_t armed;              /* what tfd is set to, 0 if disarmed */
	struct loop_stats st;        /* since the last loop_stats(reset) */
	int profile;                 /* loop_profile(): CPU time, long turns logged */
};

static uint64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
loop_profile(struct loop *l, int on)
{
	l->profile = on;
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct loop *
loop_new(void)
{
	struct loop *l;
	struct epoll_event ev = { .events = EPOLLIN };

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd == -1 || l->tfd == -1)
		goto fail;
	ev.data.fd = l->tfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) == -1)
		goto fail;
	return l;
fail:
	loop_free(l);
	return NULL;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->epfd != -1)
		close(l->epfd);
	if (l->tfd != -1)
		close(l->tfd);
	free(l->fds);
	free(l->heap);
	free(l);
}

int
loop_add(struct loop *l, int fd, uint32_t events, loop_io_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct loop_fd *n;
	size_t nn;

	if (fd < 0)
		return -1;
	if ((size_t)fd >= l->nfds) {
		nn = l->nfds ? l->nfds : 64;
		while (nn <= (size_t)fd)
			nn *= 2;
		if ((n = realloc(l->fds, nn * sizeof(*n))) == NULL)
			return -1;
		memset(n + l->nfds, 0, (nn - l->nfds) * sizeof(*n));
		l->fds = n;
		l->nfds = nn;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->fds[fd].fn = fn;
	l->fds[fd].arg = arg;
	return 0;
}

int
loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds)
		return;
	/* The fd may already be closed (curl closes before telling us). */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].fn = NULL;
	l->fds[fd].arg = NULL;
}

/* Timers: a binary min-heap; idx is the slot + 1 so 0 means unarmed. */

static void
heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a + 1;
	l->heap[b]->idx = b + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	while (i > 0 && l->heap[(i - 1) / 2]->when > l->heap[i]->when) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct loop *l, size_t i)
{
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (l->heap[i]->when <= l->heap[c]->when)
			break;
		heap_swap(l, i, c);
		i = c;
	}
}

/* Sets tfd for the earliest timer. When the earliest moved later (it was
 * cancelled, or set again for later: curl does both all the time), tfd is
 * left as it is: its early wakeup finds nothing due and re-arms then, one
 * system call instead of one per change. An empty heap disarms, so an idle
 * daemon has no wakeup. */
static void
rearm(struct loop *l)
{
	struct itimerspec its;
	uint64_t when = l->nheap ? l->heap[0]->when : 0;

	if (when == l->armed || (when != 0 && l->armed != 0 && when > l->armed))
		return;
	memset(&its, 0, sizeof(its));
	if (when != 0) {
		/* Absolute time: no drift between computing and arming. */
		its.it_value.tv_sec = when / 1000;
		its.it_value.tv_nsec = (when % 1000) * 1000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal_f("timerfd_settime: %s", strerror(errno));
	l->armed = when;
}

void
loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg)
{
	t->when = 0;
	t->idx = 0;
	t->fn = fn;
	t->arg = arg;
}

int
loop_timer_armed(const struct loop_timer *t)
{
	return t->idx != 0;
}

static void
heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx - 1;

	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i + 1;
		heap_down(l, i);
		heap_up(l, i);
	}
	t->idx = 0;
}

int
loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t delay_ms)
{
	struct loop_timer **n;
	size_t nc;

	if (t->idx != 0)
		heap_remove(l, t);
	if (l->nheap == l->capheap) {
		nc = l->capheap ? l->capheap * 2 : 64;
		if ((n = realloc(l->heap, nc * sizeof(*n))) == NULL)
			return -1;
		l->heap = n;
		l->capheap = nc;
	}
	t->when = now_ms() + delay_ms;
	l->heap[l->nheap] = t;
	t->idx = ++l->nheap;
	heap_up(l, t->idx - 1);
	rearm(l);
	return 0;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (t->idx == 0)
		return;
	heap_remove(l, t);
	rearm(l);
}

static void
run_timers(struct loop *l)
{
	uint64_t exp, now = now_ms();
	struct loop_timer *t;
	size_t budget = l->nheap;   /* timers re-armed for "now" wait a turn */

	while (read(l->tfd, &exp, sizeof(exp)) > 0)
		;
	l->armed = (uint64_t)-1;     /* force a rearm below */
	while (budget-- > 0 && l->nheap > 0 && l->heap[0]->when <= now) {
		t = l->heap[0];
		heap_remove(l, t);
		t->fn(t->arg);
	}
	l->armed = (uint64_t)-1;
	rearm(l);
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[64];
	struct loop_fd *f;
	int i, n, fd, timers, slow_fd;
	uint64_t t0, c0 = 0, busy, cpu, h0, slow;

	l->stop = 0;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, 64, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_err_f("epoll_wait: %s", strerror(errno));
			return -1;
		}
		t0 = h0 = mono_us();
		if (l->profile)
			c0 = cpu_us();
		timers = 0;
		slow = 0;
		slow_fd = -1;
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == l->tfd) {
				run_timers(l);
				timers = 1;
			} else if ((size_t)fd < l->nfds && l->fds[fd].fn != NULL) {
				/* A handler may have closed this fd earlier in
				 * the batch; handlers tolerate a spurious
				 * wakeup (EAGAIN). */
				f = &l->fds[fd];
				f->fn(f->arg, fd, evs[i].events);
			}
			if (l->profile) {
				busy = mono_us();
				if (busy - h0 > slow) {
					slow = busy - h0;
					slow_fd = fd;
				}
				h0 = busy;
			}
		}
		/* How long the loop was away from epoll: the wait every
		 * client behind this turn had on top of its own work. */
		busy = mono_us() - t0;
		if (l->profile) {
			cpu = cpu_us() - c0;
			if (cpu > l->st.max_cpu_us)
				l->st.max_cpu_us = cpu;
			/* Wall time well over CPU time: the thread was
			 * preempted (a busy machine), not stalled by itself. */
			if (busy >= LOOP_LONG_US)
				log_debug("loop: a turn of %llu us (%llu us on the "
				    "CPU), %d events; the longest handler %llu us "
				    "(%s %d)", (unsigned long long)busy,
				    (unsigned long long)cpu, n,
				    (unsigned long long)slow, slow_fd == l->tfd ?
				    "timers, fd" : "fd", slow_fd);
		}
		l->st.turns++;
		l->st.events += (uint64_t)n;
		if (busy >= 1000)
			l->st.over_1ms++;
		if (busy > l->st.max_us) {
			l->st.max_us = busy;
			l->st.max_events = (unsigned)n;
			l->st.max_timers = timers;
		}
	}
	return 0;
}

void
loop_stats(struct loop *l, struct loop_stats *st, int reset)
{
	*st = l->st;
	if (reset)
		memset(&l->st, 0, sizeof(l->st));
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}
