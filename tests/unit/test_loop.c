/* helper/core/loop.c: the timerfd is set only when the earliest timer moves
 * earlier (issue 16: curl cancels and re-sets its timer for later all the
 * time, and each change cost a timerfd_settime), an empty heap disarms it,
 * timers still fire on time after an early wakeup, and the loop measures its
 * longest turn (otpsmsctl status, make bench's loop_max_ms).
 *
 * The source is compiled in with timerfd_settime counted. */
#include <config.h>

#include <sys/timerfd.h>

static int settime_calls;
static int counted_settime(int fd, int flags, const struct itimerspec *n,
    struct itimerspec *o);
#define timerfd_settime counted_settime
#include "../../helper/core/loop.c"
#undef timerfd_settime

#include <stdio.h>

#include "../tap.h"

static int
counted_settime(int fd, int flags, const struct itimerspec *n,
    struct itimerspec *o)
{
	settime_calls++;
	return timerfd_settime(fd, flags, n, o);
}

static struct loop *L;
static uint64_t fired_at[4];
static int fired[4];

static void
on_timer(void *arg)
{
	int i = (int)(intptr_t)arg;

	fired[i]++;
	fired_at[i] = now_ms();
	if (i == 0)
		loop_stop(L);
}

static void
on_slow(void *arg)
{
	struct timespec ts = { 0, 30 * 1000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	loop_stop(L);
}

static int
disarmed(void)
{
	struct itimerspec its;

	return timerfd_gettime(L->tfd, &its) == 0 && its.it_value.tv_sec == 0 &&
	    its.it_value.tv_nsec == 0;
}

int
main(void)
{
	struct loop_timer t[4];
	struct loop_stats st;
	uint64_t start;
	int i, before;

	L = loop_new();
	ok(L != NULL, "loop_new");
	for (i = 0; i < 4; i++)
		loop_timer_init(&t[i], on_timer, (void *)(intptr_t)i);

	/* Earlier timers arm; a later one, or the earliest moving later,
	 * does not touch the timerfd. */
	settime_calls = 0;
	/* t[0] ends the run: far enough after t[1] that a slow run (valgrind,
	 * a loaded machine) still sees t[1] first. */
	loop_timer_set(L, &t[0], 600);
	loop_timer_set(L, &t[1], 20);
	ok(settime_calls == 2, "each new earliest timer arms (%d calls)",
	    settime_calls);
	before = settime_calls;
	loop_timer_set(L, &t[2], 500);
	loop_timer_cancel(L, &t[1]);
	start = now_ms();    /* t[1] is due 108 ms or more after this */
	loop_timer_set(L, &t[1], 60);
	for (i = 0; i < 50; i++) {   /* curl's pattern: cancel, set later */
		loop_timer_cancel(L, &t[1]);
		loop_timer_set(L, &t[1], 60 + (uint64_t)i);
	}
	ok(settime_calls == before, "a later timer, a cancel of the earliest "
	    "and 50 moves later: no timerfd_settime (%d)",
	    settime_calls - before);

	/* The early wakeup (at 20 ms) finds nothing due and re-arms: every
	 * timer still fires at its own time, not before. */
	loop_timer_cancel(L, &t[2]);
	ok(loop_run(L) == 0, "loop ran");
	ok(fired[1] == 1 && fired[0] == 1 && fired[2] == 0,
	    "the moved timer and the first fired once, the cancelled not");
	ok(fired_at[1] >= start + 100 &&
	    fired_at[0] >= fired_at[1], "none fired early (moved timer at "
	    "+%llu ms, due +108; first at +%llu, due +600)",
	    (unsigned long long)(fired_at[1] - start),
	    (unsigned long long)(fired_at[0] - start));
	ok(L->nheap == 0 && disarmed(), "nothing left: the timerfd is disarmed");

	/* The last timer cancelled disarms at once (an idle daemon sleeps). */
	loop_timer_set(L, &t[3], 10000);
	loop_timer_set(L, &t[2], 20000);
	loop_timer_cancel(L, &t[3]);
	ok(!disarmed(), "a cancel with timers left keeps the timerfd armed");
	loop_timer_cancel(L, &t[2]);
	ok(disarmed(), "the last cancel disarms it");

	/* The turn counter: a 30 ms handler is the longest turn. */
	loop_stats(L, &st, 1);
	loop_timer_init(&t[3], on_slow, NULL);
	loop_timer_set(L, &t[3], 0);
	loop_run(L);
	loop_stats(L, &st, 1);
	ok(st.turns >= 1 && st.max_us >= 30000 && st.max_us < 5000000 &&
	    st.over_1ms >= 1 && st.max_timers,
	    "the longest turn is the 30 ms timer (%llu us, %llu turns)",
	    (unsigned long long)st.max_us, (unsigned long long)st.turns);
	loop_stats(L, &st, 0);
	ok(st.turns == 0 && st.max_us == 0, "the reset cleared the counters");
	loop_free(L);
	return done_testing();
}
