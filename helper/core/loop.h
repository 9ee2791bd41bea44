/* The daemon's one event loop: epoll for file descriptors, one timerfd for a
 * heap of timers. Everything the daemon does runs from here, on one thread. */
#ifndef OTPSMS_LOOP_H
#define OTPSMS_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

/* events: EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP as returned by epoll. */
typedef void loop_io_fn(void *arg, int fd, uint32_t events);
typedef void loop_timer_fn(void *arg);

/* Embed in the owning object; loop_timer_init before first use. */
struct loop_timer {
	uint64_t when;       /* CLOCK_MONOTONIC ms */
	size_t idx;          /* heap slot + 1; 0 when not armed */
	loop_timer_fn *fn;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

int loop_add(struct loop *l, int fd, uint32_t events, loop_io_fn *fn, void *arg);
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Safe to call from inside that fd's own callback. */
void loop_del(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg);
/* (Re)arms t to fire once, delay_ms from now. */
int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t delay_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);

/* Runs until loop_stop(); returns 0, or -1 on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* The loop's turns (an epoll_wait's events handled, timers included)
 * since the last reset: the longest is how long a client could wait on
 * someone else's work (otpsmsctl status, make bench's loop_max_ms). */
struct loop_stats {
	uint64_t turns, events;
	uint64_t max_us;             /* the longest turn */
	uint64_t over_1ms;           /* turns of 1 ms or more */
	unsigned max_events;         /* the longest turn's events */
	int max_timers;              /* and whether it ran timers */
	uint64_t max_cpu_us;         /* the longest on the CPU; loop_profile only */
};
void loop_stats(struct loop *l, struct loop_stats *st, int reset);

/* On (otpsmsd -d): each turn's CPU time is measured too (two system calls
 * per turn), and a turn of LOOP_LONG_US or more is logged at debug level
 * with its CPU time and its slowest handler, to tell a stall of the daemon's
 * own from the machine preempting it. */
#define LOOP_LONG_US 5000
void loop_profile(struct loop *l, int on);

#endif
