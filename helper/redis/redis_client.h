/* One connection to the fleet's Redis, shared by the store (store_redis.c)
 * and the shared limits and lockouts (policy_redis.c): redis://, unix://,
 * rediss:// (TLS) or sentinel:// (the primary found through Sentinel),
 * driven by the daemon's loop, never blocking it. Replies are parsed with
 * hiredis's reader; the transport is ours so that TLS runs on the loop too.
 *
 * Every command gets exactly one answer: its reply, or NULL when Redis is
 * down, the connection is lost, or no reply came within the store's
 * timeout (the connection is then dropped and every command on it answered
 * NULL). Outages are logged once as they start and once as they end;
 * reconnects back off on a loop timer. */
#ifndef OTPSMS_REDIS_CLIENT_H
#define OTPSMS_REDIS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

struct loop;
struct store_conf;
struct rclient;

/* r is NULL on failure (see above); valid only during the call. An error
 * reply (REDIS_REPLY_ERROR) is passed through; the client has logged it. */
typedef void rclient_reply_fn(void *arg, const redisReply *r);
/* up 1: the handshake answered (AUTH, SELECT, PING, role checked); up 0:
 * the connection went. */
typedef void rclient_state_fn(void *arg, int up);

/* sc must outlive the client. Starts connecting at once. NULL: no memory,
 * or the TLS context could not be made (err says why). */
struct rclient *rclient_new(struct loop *l, const struct store_conf *sc,
    char *err, size_t errsz);
/* Shutdown, first: the connection closes and every command still waiting
 * is answered NULL while the store and the policy are still there to take
 * the answers; commands sent after it are answered NULL at once. */
void rclient_close(struct rclient *c);
/* Closes if rclient_close was not called, then frees. */
void rclient_free(struct rclient *c);
/* Several listeners may register (store and policy); at most 4. Called
 * with up 1 when the handshake answered, 0 when an up connection went;
 * never from rclient_free. */
int rclient_on_state(struct rclient *c, rclient_state_fn *fn, void *arg);
/* Unregisters (a listener freed before the client). */
void rclient_off_state(struct rclient *c, rclient_state_fn *fn, void *arg);
int rclient_up(const struct rclient *c);
/* Queues a command (argv with lengths: binary safe; lens NULL: strlen).
 * cb is always called exactly once, possibly before this returns (down,
 * out of memory). While the connection is being made, commands are held
 * (at most the timeout) and sent once the handshake answered. Not to be
 * called after rclient_free; a listener of a command's arg freed first
 * must expect the NULL answer rclient_free gives it. */
void rclient_command(struct rclient *c, int argc, const char **argv,
    const size_t *lens, rclient_reply_fn *cb, void *arg);
/* For otpsmsctl status, lines "store: ...\n": url (log-safe), state and
 * since when, the primary's address (Sentinel), latency p50/p99 of recent
 * replies, timeouts, lost connections, error replies, reconnects. */
void rclient_status(const struct rclient *c, char *out, size_t outsz);
/* The url as configured, log-safe. */
const char *rclient_url(const struct rclient *c);

#endif
