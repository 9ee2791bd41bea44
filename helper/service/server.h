/* The daemon's Unix socket: accept, peer credentials, framing, deadlines,
 * and the dispatch table it is given (dispatch.c holds the daemon's). */
#ifndef OTPSMS_SERVER_H
#define OTPSMS_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"    /* struct daemon, which the handlers are given */
#include "peer.h"      /* enum peer_trust, enum peer_who */

struct proto_msg;

struct client;
struct server;

/* One row of a dispatch table: a request type, who may send it (PEER_WHO_*
 * flags), the user it is about (for allow_self callers; NULL: none), and
 * the handler. The handler answers once, through client_reply or
 * client_error, now or later from the loop. It may wipe what m holds (a
 * code); m is wiped after it returns. */
struct server_handler {
	unsigned type;                                  /* PROTO_*_REQ */
	unsigned who;                                   /* PEER_WHO_* */
	const char *(*user)(const struct proto_msg *m);
	void (*handle)(struct daemon *d, struct client *c, struct proto_msg *m);
};

/* Before dropping privileges: creates the listening socket (0660, owned by
 * uid:gid) and its directory if missing. Returns the fd or -1 with err. */
int server_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errsz);

/* Serves listen_fd; each request goes to its row of table (n rows, kept,
 * not copied), if the caller may send it. */
struct server *server_new(struct daemon *d, int listen_fd,
    const struct server_handler *table, size_t n);
void server_free(struct server *s);
size_t server_clients(const struct server *s);

/* The trust boundary: the row of table that handles m from a caller of
 * this trust and uid, or NULL with the error to answer in *code
 * (PROTO_E_DENIED, or PROTO_E_MALFORMED for a type no row handles) and why,
 * for the log. */
const struct server_handler *server_decide(const struct server_handler *table,
    size_t n, enum peer_trust t, uid_t uid, const struct proto_msg *m,
    unsigned *code, char *why, size_t whysz);

/* Called with every answer written (the metrics count them: main.c sets
 * it): req_type is the request's PROTO_*_REQ, 0 when the caller was
 * refused before a request was read. NULL: none. */
extern void (*server_reply_hook)(unsigned req_type, const struct proto_msg *m);

/* For the handlers: the peer, and one reply that ends the exchange (the
 * connection closes once it is written). */
uid_t client_uid(const struct client *c);
pid_t client_pid(const struct client *c);
void client_reply(struct client *c, const struct proto_msg *m);
void client_error(struct client *c, unsigned code, unsigned retry_after, const char *msg);
/* A handler that answers later: fn(arg) is called once if c goes away
 * (closed, or past its deadline) before the reply, after which c must not
 * be used. The reply cancels it; so does fn NULL. One per client. */
void client_on_close(struct client *c, void (*fn)(void *arg), void *arg);

#endif
