/* The Redis client's transport (redis_client.h): one non-blocking stream
 * socket to an IP address and port, or a Unix socket, optionally in TLS
 * (at least 1.2, the peer always verified), pumped by the client from the
 * daemon's loop. Nothing here blocks. */
#ifndef OTPSMS_REDIS_NET_H
#define OTPSMS_REDIS_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct store_conf;

enum net_state { NET_CLOSED, NET_CONNECTING, NET_TLS, NET_OPEN };

struct rnet {
	int fd;                      /* -1 when closed */
	SSL *ssl;                    /* NULL: plain */
	enum net_state st;
	int want_write;              /* TLS handshake waits for POLLOUT */
	int rd_wants_write;          /* SSL_read waits for POLLOUT */
	int wr_wants_read;           /* SSL_write waits for input */
	char err[256];               /* why the last call failed */
};

/* The TLS context for sc (CA: sc->tls_ca, else the system's store; client
 * certificate when given). NULL with err. */
SSL_CTX *net_tls_ctx(const struct store_conf *sc, char *err, size_t errsz);

void net_init(struct rnet *n);
/* Starts connecting to host:port, or to unix_path when not NULL. With ctx,
 * TLS follows, verifying server_name (also sent as SNI) or, when NULL, the
 * IP address host against the certificate's IP SANs. 0, or -1 (n->err). */
int net_open(struct rnet *n, const char *host, unsigned port,
    const char *unix_path, SSL_CTX *ctx, const char *server_name);
/* Moves the connect and the TLS handshake on: 1 open, 0 not yet, -1 failed. */
int net_progress(struct rnet *n);
/* Bytes moved (> 0), 0 would block, -1 closed or failed (n->err). */
ssize_t net_read(struct rnet *n, void *buf, size_t len);
ssize_t net_write(struct rnet *n, const void *buf, size_t len);
/* What to wait for (EPOLLIN, EPOLLOUT), output: bytes wait to be written. */
uint32_t net_events(const struct rnet *n, int output);
void net_close(struct rnet *n);

#endif
