/* The Redis client's transport (redis_net.h): connect(2) without waiting,
 * then TLS with OpenSSL on the same non-blocking socket: each SSL_* call
 * that would block says whether it waits to read or to write, and the
 * client asks the loop for that. */
#include <config.h>
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "redis_net.h"

static void
ssl_err(struct rnet *n, const char *what)
{
	char buf[200];
	unsigned long e = ERR_get_error();

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(n->err, sizeof(n->err), "%s: %s", what, buf);
	} else
		snprintf(n->err, sizeof(n->err), "%s: %s", what,
		    errno != 0 ? strerror(errno) : "connection closed");
	ERR_clear_error();
}

/* Every certificate of pem into the context's trust store. */
static int
add_cas(SSL_CTX *ctx, const char *pem)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	BIO *b;
	X509 *x;
	int n = 0;

	if ((b = BIO_new_mem_buf(pem, -1)) == NULL)
		return -1;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();    /* the end of the file reads as an error */
	return n > 0 ? 0 : -1;
}

static int
use_client_cert(SSL_CTX *ctx, const char *cert, const char *key)
{
	BIO *b = NULL;
	X509 *x = NULL, *ca;
	EVP_PKEY *k = NULL;
	int r = -1;

	if ((b = BIO_new_mem_buf(cert, -1)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto out;
	/* The intermediates after it, if any, go with it: a certificate from
	 * an intermediate CA verifies only with its chain. */
	while ((ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			goto out;
		}
	ERR_clear_error();    /* the end of the file */
	BIO_free(b);
	if ((b = BIO_new_mem_buf(key, -1)) == NULL ||
	    (k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		goto out;
	if (SSL_CTX_use_PrivateKey(ctx, k) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto out;
	r = 0;
 out:
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

SSL_CTX *
net_tls_ctx(const struct store_conf *sc, char *err, size_t errsz)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errsz, "cannot make a TLS context");
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		snprintf(err, errsz, "cannot require TLS 1.2");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* Redis never renegotiates (TLS 1.2): one server-driven path less. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (sc->tls_ca != NULL) {
		if (add_cas(ctx, sc->tls_ca) != 0) {
			snprintf(err, errsz, "tls_ca_file: no usable certificate");
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errsz, "cannot load the system's CA store");
		goto fail;
	}
	if (sc->tls_cert != NULL && sc->tls_key != NULL &&
	    use_client_cert(ctx, sc->tls_cert, sc->tls_key) != 0) {
		snprintf(err, errsz, "tls_cert_file and tls_key_file: not a "
		    "certificate and its key");
		goto fail;
	}
	ERR_clear_error();
	return ctx;
 fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

void
net_init(struct rnet *n)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
}

void
net_close(struct rnet *n)
{
	if (n->ssl != NULL)
		SSL_free(n->ssl);    /* no close_notify: the socket just goes */
	if (n->fd != -1)
		close(n->fd);
	n->ssl = NULL;
	n->fd = -1;
	n->st = NET_CLOSED;
	n->want_write = n->rd_wants_write = n->wr_wants_read = 0;
	ERR_clear_error();
}

static int
tls_start(struct rnet *n, SSL_CTX *ctx, const char *host, const char *name)
{
	X509_VERIFY_PARAM *vp;

	if ((n->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(n->ssl, n->fd) != 1) {
		ssl_err(n, "TLS");
		return -1;
	}
	vp = SSL_get0_param(n->ssl);
	if (name != NULL) {
		/* A name: SNI and a DNS SAN; an IP given as the name: its SAN. */
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1) {
			ERR_clear_error();
			if (SSL_set_tlsext_host_name(n->ssl, name) != 1 ||
			    X509_VERIFY_PARAM_set1_host(vp, name, 0) != 1) {
				ssl_err(n, "TLS server name");
				return -1;
			}
		}
	} else if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
		ssl_err(n, "TLS peer address");
		return -1;
	}
	SSL_set_connect_state(n->ssl);
	return 0;
}

int
net_open(struct rnet *n, const char *host, unsigned port,
    const char *unix_path, SSL_CTX *ctx, const char *server_name)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un *su = (struct sockaddr_un *)&ss;
	socklen_t slen;
	int one = 1;

	net_close(n);
	n->err[0] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (unix_path != NULL) {
		su->sun_family = AF_UNIX;
		if (strlen(unix_path) >= sizeof(su->sun_path)) {
			snprintf(n->err, sizeof(n->err), "socket path too long");
			return -1;
		}
		memcpy(su->sun_path, unix_path, strlen(unix_path) + 1);
		slen = sizeof(*su);
	} else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*s6);
	} else {
		/* Never resolved: a lookup would block the loop. */
		snprintf(n->err, sizeof(n->err), "not an IP address");
		return -1;
	}
	if ((n->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto syserr;
	if (ss.ss_family != AF_UNIX)
		(void)setsockopt(n->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Connected or not yet, the socket turns writable: net_progress
	 * then goes on (to TLS), from the loop. */
	n->st = NET_CONNECTING;
	if (connect(n->fd, (struct sockaddr *)&ss, slen) == -1 &&
	    errno != EINPROGRESS)
		goto syserr;
	if (ctx != NULL && tls_start(n, ctx, host, server_name) != 0) {
		net_close(n);
		return -1;
	}
	return 0;
 syserr:
	snprintf(n->err, sizeof(n->err), "%s", strerror(errno));
	net_close(n);
	return -1;
}

/* The handshake's failure in words: the verification's, if it failed. */
static void
tls_fail(struct rnet *n, int e)
{
	long v = SSL_get_verify_result(n->ssl);

	if (v != X509_V_OK) {
		snprintf(n->err, sizeof(n->err), "TLS: certificate verify failed "
		    "(%s)", X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		snprintf(n->err, sizeof(n->err), "TLS: connection closed during "
		    "the handshake%s", errno != 0 ? "" : " (not a TLS port?)");
	else
		ssl_err(n, "TLS");
}

int
net_progress(struct rnet *n)
{
	socklen_t len = sizeof(int);
	int soerr = 0, r, e;

	if (n->st == NET_CONNECTING) {
		if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			soerr = errno;
		if (soerr == EINPROGRESS || soerr == EALREADY)
			return 0;
		if (soerr != 0) {
			snprintf(n->err, sizeof(n->err), "%s", strerror(soerr));
			return -1;
		}
		n->st = n->ssl != NULL ? NET_TLS : NET_OPEN;
	}
	if (n->st == NET_TLS) {
		errno = 0;
		if ((r = SSL_connect(n->ssl)) != 1) {
			e = SSL_get_error(n->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				n->want_write = e == SSL_ERROR_WANT_WRITE;
				return 0;
			}
			tls_fail(n, e);
			return -1;
		}
		n->want_write = 0;
		n->st = NET_OPEN;
	}
	return n->st == NET_OPEN ? 1 : -1;
}

ssize_t
net_read(struct rnet *n, void *buf, size_t len)
{
	ssize_t got;
	int r, e;

	if (n->ssl == NULL) {
		if ((got = read(n->fd, buf, len)) > 0)
			return got;
		if (got == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		snprintf(n->err, sizeof(n->err), "%s", got == 0 ?
		    "connection closed" : strerror(errno));
		return -1;
	}
	n->rd_wants_write = 0;
	errno = 0;
	if ((r = SSL_read(n->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len)) > 0)
		return r;
	e = SSL_get_error(n->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return 0;
	if (e == SSL_ERROR_WANT_WRITE) {
		n->rd_wants_write = 1;
		return 0;
	}
	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0))
		snprintf(n->err, sizeof(n->err), "connection closed");
	else
		ssl_err(n, "TLS read");
	return -1;
}

ssize_t
net_write(struct rnet *n, const void *buf, size_t len)
{
	ssize_t put;
	int r, e;

	if (n->ssl == NULL) {
		if ((put = send(n->fd, buf, len, MSG_NOSIGNAL)) >= 0)
			return put;
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		snprintf(n->err, sizeof(n->err), "%s", strerror(errno));
		return -1;
	}
	n->wr_wants_read = 0;
	errno = 0;
	if ((r = SSL_write(n->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len)) > 0)
		return r;
	e = SSL_get_error(n->ssl, r);
	/* WANT_READ: retried after input (always watched when open); asking
	 * for POLLOUT meanwhile would wake the loop without end. */
	if (e == SSL_ERROR_WANT_READ) {
		n->wr_wants_read = 1;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE)
		return 0;
	ssl_err(n, "TLS write");
	return -1;
}

uint32_t
net_events(const struct rnet *n, int output)
{
	switch (n->st) {
	case NET_CONNECTING:
		return EPOLLOUT;
	case NET_TLS:
		return n->want_write ? EPOLLOUT : EPOLLIN;
	case NET_OPEN:
		return EPOLLIN | ((output && !n->wr_wants_read) ||
		    n->rd_wants_write ? EPOLLOUT : 0);
	default:
		return 0;
	}
}
