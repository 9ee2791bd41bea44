/* hiredis on our epoll loop (redis_loop.h). The loop is level-triggered, so
 * one handler per wake-up is enough: what is left fires again next round,
 * and the context (freed from inside a handler on a disconnect) is never
 * touched after a handler returns. */
#include <config.h>

#include <stdlib.h>

#include "log.h"
#include "redis_loop.h"

struct redis_ev {
	struct loop *loop;
	redisAsyncContext *ac;
	int fd;
	int reading, writing;
	int added;                   /* fd is on the loop */
};

static void
on_io(void *arg, int fd, uint32_t events)
{
	struct redis_ev *e = arg;

	(void)fd;
	/* Errors go to whichever side hiredis waits on: it reads the cause. */
	if (e->reading && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		redisAsyncHandleRead(e->ac);
	else if (e->writing && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		redisAsyncHandleWrite(e->ac);
}

/* The loop follows reading/writing; with neither the fd leaves the loop
 * (epoll would still report a hang-up on an fd watched for nothing). */
static void
update(struct redis_ev *e)
{
	uint32_t ev = (e->reading ? EPOLLIN : 0) | (e->writing ? EPOLLOUT : 0);

	if (ev == 0) {
		if (e->added)
			loop_del(e->loop, e->fd);
		e->added = 0;
		return;
	}
	if (e->added) {
		if (loop_mod(e->loop, e->fd, ev) == -1)
			log_err_f("cannot change redis socket %d", e->fd);
		return;
	}
	if (loop_add(e->loop, e->fd, ev, on_io, e) == -1) {
		log_err_f("cannot watch redis socket %d", e->fd);
		return;
	}
	e->added = 1;
}

static void
add_read(void *p)
{
	struct redis_ev *e = p;

	e->reading = 1;
	update(e);
}

static void
del_read(void *p)
{
	struct redis_ev *e = p;

	e->reading = 0;
	update(e);
}

static void
add_write(void *p)
{
	struct redis_ev *e = p;

	e->writing = 1;
	update(e);
}

static void
del_write(void *p)
{
	struct redis_ev *e = p;

	e->writing = 0;
	update(e);
}

/* hiredis calls this before it closes the fd. */
static void
cleanup(void *p)
{
	struct redis_ev *e = p;

	e->reading = e->writing = 0;
	update(e);
	free(e);
}

int
redis_loop_attach(struct loop *l, redisAsyncContext *ac)
{
	struct redis_ev *e;

	if (ac->ev.data != NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->loop = l;
	e->ac = ac;
	e->fd = ac->c.fd;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	ac->ev.data = e;
	return 0;
}
