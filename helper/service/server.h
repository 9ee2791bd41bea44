/* The daemon's Unix socket: accept, peer credentials, framing, deadlines. */
#ifndef OTPSMS_SERVER_H
#define OTPSMS_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"    /* struct daemon, which the handlers are given */

struct config;
struct http;
struct loop;
struct proto_msg;
struct store;

struct client;
struct server;

/* Before dropping privileges: creates the listening socket (0660, owned by
 * uid:gid) and its directory if missing. Returns the fd or -1 with err. */
int server_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errsz);

struct server *server_new(struct daemon *d, int listen_fd);
void server_free(struct server *s);
size_t server_clients(const struct server *s);

/* For the request handlers: the peer, and one reply that ends the exchange
 * (the connection closes once it is written). */
uid_t client_uid(const struct client *c);
pid_t client_pid(const struct client *c);
struct request;
void client_attach(struct client *c, struct request *r);
void client_reply(struct client *c, const struct proto_msg *m);
void client_error(struct client *c, unsigned code, unsigned retry_after, const char *msg);

#endif
