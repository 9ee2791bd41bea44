/* hiredis's asynchronous context on our loop, like hiredis's own ae and
 * libevent adapters: hiredis says when it wants to read or write, the loop
 * calls back when the socket is ready. */
#ifndef OTPSMS_REDIS_LOOP_H
#define OTPSMS_REDIS_LOOP_H

#include <hiredis/async.h>

#include "loop.h"

/* Call right after redisAsyncConnect*, before the first command. The
 * adapter is freed by hiredis (its cleanup hook) with the context.
 * Returns 0 or -1 (the context is then the caller's to free). */
int redis_loop_attach(struct loop *l, redisAsyncContext *ac);

#endif
