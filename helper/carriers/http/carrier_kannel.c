/* Kannel's sendsms interface (smsbox), the classic self-hosted gateway in
 * front of SMPP links and modems. Kannel answers 202 "3: Queued for later
 * delivery" even when its upstream is down, so acceptance is not taken at
 * its word: each message asks for delivery reports (dlr-mask) to a
 * listener of ours on 127.0.0.1, and the send is ACCEPTED only when the
 * SMSC took the message (report 8) or delivered it (1). A failure report
 * (2, 16), or none within deliver_within, is FAILOVER.
 *
 * The listener is open to every local user, so it must never be what fails a
 * send. Each message's dlr-url carries its own 128-bit token from the CSPRNG,
 * compared in constant time and spent by the message's final report. A
 * connection has KANNEL_LINE_MS to send a request line that starts
 * "GET /dlr?" and names a pending token, or it is closed; Kannel sends its
 * line at once. The pool of KANNEL_MAX_CONNS connections is never closed to
 * newcomers: when full, the oldest connection gets a last read (a report
 * already in its buffer is acted on) and is closed. A peer address is no
 * principal on loopback (any user may bind any 127/8 source, Kannel shares
 * 127.0.0.1 with them), so nothing is keyed on it. And when a message's
 * window saw the listener flooded (a connection evicted or timed out before
 * its request line was whole), the missing report proves nothing: the
 * message is accepted on Kannel's 202 with a warning instead of failing
 * over. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "carrier.h"
#include "carrier_util.h"
#include "cfgtree.h"
#include "kannel.h"
#include "log.h"
#include "loop.h"
#include "proto.h"
#include "util.h"

#define KANNEL_DEFAULT_URL "http://127.0.0.1:13013"
#define KANNEL_PATH "/cgi-bin/sendsms"
#define KANNEL_REPLY_MAX 4096
#define KANNEL_SECRET_MAX 128
#define KANNEL_MAX_CONNS 64
#define KANNEL_LINE_MAX 256              /* request line, bytes */
#define KANNEL_LINE_MS 200               /* to send it */
#define KANNEL_DRAIN_MS 200              /* after our answer, for Kannel to close */
#define KANNEL_ACCEPT_BATCH 16           /* then the loop serves reads */
#define KANNEL_SPENT 256                 /* recently spent tokens remembered */
#define KANNEL_TOKEN_LEN 32
/* Reports asked for: delivered 1, undelivered 2, SMSC ack 8, SMSC reject 16. */
#define KANNEL_DLR_MASK "27"

struct kannel_req;
struct dlr_conn;

struct kannel {
	struct carrier *c;
	char *url;
	char *username;
	char *password;                  /* secret */
	char *from, *smsc;
	struct sockaddr_in dlr;          /* where Kannel calls us back */
	int lfd;                         /* bound at configure, before privdrop */
	int watching;                    /* lfd is on the loop */
	unsigned deliver_within_ms;
	unsigned nconns;
	struct dlr_conn *oldest, *newest; /* connections, in accept order */
	uint64_t junk;                   /* closed before a whole line: evicted, timed out */
	struct kannel_req *pending;
	/* Final reports spend a token; Kannel's later reports for it (1 after
	 * 8) are answered without counting as junk. A ring, oldest overwritten. */
	char spent[KANNEL_SPENT][KANNEL_TOKEN_LEN];
	unsigned spent_next;
};

struct kannel_req {
	struct kannel_req *next;
	struct kannel *k;
	carrier_done_fn *done;
	void *arg;
	char token[KANNEL_TOKEN_LEN + 1]; /* secret: wiped */
	char ref[17];                    /* for the logs, unrelated to token */
	uint64_t junk0;                  /* k->junk when sent */
	int got202;                      /* Kannel queued it */
	struct loop_timer timer;         /* deliver_within */
	int in_http;                     /* the sendsms transfer runs */
	int finished;                    /* done was called */
	int report;                      /* a final report before sendsms ended */
	char said[48];                   /* Kannel's answer, log-safe */
};

struct dlr_conn {
	struct kannel *k;
	struct dlr_conn *prev, *next;
	int fd;
	int answered;                    /* report taken; draining until close */
	size_t len;
	char buf[KANNEL_LINE_MAX];
	struct loop_timer timer;
};

int
kannel_dlr_line(const char *buf, size_t len, size_t max)
{
	static const char want[] = "GET /dlr?";
	const unsigned char *b = (const unsigned char *)buf;
	size_t i;

	if (max > 4096)
		max = 4096;
	for (i = 0; i < len && i < max; i++) {
		if (i < sizeof(want) - 1) {
			if (buf[i] != want[i])
				return -1;
		} else if (b[i] == '\n')
			return (int)i + 1;
		else if (b[i] == '\r') {
			if (i + 1 < len && b[i + 1] != '\n')
				return -1;
		} else if (b[i] < 0x20 || b[i] > 0x7e)
			return -1;
	}
	return i >= max ? -1 : 0;
}

int
kannel_parse_dlr(const char *req, size_t len, char *token, size_t tokensz, int *type)
{
	const char *p, *end, *t = NULL, *s = NULL;
	size_t n;

	/* "GET /dlr?t=TOKEN&s=N HTTP/1.x" */
	if (len < 16 || strncmp(req, "GET /dlr?", 9) != 0)
		return -1;
	/* The query ends at the space before the protocol. */
	if ((end = memchr(req + 4, ' ', len - 4)) == NULL)
		return -1;
	for (p = req + 9; p < end; p++) {
		if ((p == req + 9 || p[-1] == '&') && end - p > 2 && p[1] == '=') {
			if (p[0] == 't')
				t = p + 2;
			else if (p[0] == 's')
				s = p + 2;
		}
	}
	if (t == NULL || s == NULL)
		return -1;
	n = strspn(t, "0123456789abcdef");
	if (n != 32 || n >= tokensz || (t + n != end && t[n] != '&'))
		return -1;
	memcpy(token, t, n);
	token[n] = '\0';
	n = strspn(s, "0123456789");
	if (n == 0 || n > 3 || (s + n != end && s[n] != '&'))
		return -1;
	*type = atoi(s);
	return 0;
}

static void
req_free(struct kannel_req *req)
{
	if (req == NULL)
		return;
	explicit_bzero(req->token, sizeof(req->token));
	free(req);
}

/* Calls done once; frees req when the transfer is over too. */
static void
finish(struct kannel_req *req, enum carrier_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finish(struct kannel_req *req, enum carrier_status st, const char *fmt, ...)
{
	struct kannel *k = req->k;
	struct kannel_req **pp;
	struct carrier_result res;
	va_list ap;

	if (req->finished)
		return;
	req->finished = 1;
	loop_timer_cancel(k->c->loop, &req->timer);
	for (pp = &k->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == req) {
			*pp = req->next;
			break;
		}
	/* Spent: no later report acts on this message. */
	memcpy(k->spent[k->spent_next], req->token, KANNEL_TOKEN_LEN);
	k->spent_next = (k->spent_next + 1) % KANNEL_SPENT;
	memset(&res, 0, sizeof(res));
	res.status = st;
	va_start(ap, fmt);
	vsnprintf(res.detail, sizeof(res.detail), fmt, ap);
	va_end(ap);
	if (st == CARRIER_ACCEPTED)
		snprintf(res.ref, sizeof(res.ref), "dlr-%s", req->ref);
	req->done(req->arg, &res);
	if (!req->in_http)
		req_free(req);
}

static void
on_report(struct kannel_req *req, int type)
{
	switch (type) {
	case 1:
	case 8:
		if (req->in_http)
			req->report = type;     /* acted on when sendsms ends */
		else
			finish(req, CARRIER_ACCEPTED, "delivery report %d (%s)", type,
			    type == 1 ? "delivered" : "SMSC accepted");
		break;
	case 2:
	case 16:
		finish(req, CARRIER_FAILOVER, "delivery report %d (%s)", type,
		    type == 2 ? "undelivered" : "SMSC rejected");
		break;
	default:
		break;                      /* 4: queued on the SMSC, wait on */
	}
}

static void
on_deadline(void *arg)
{
	struct kannel_req *req = arg;
	struct kannel *k = req->k;

	/* Reports may have been lost to a flood of the listener: not the
	 * carrier's failure. Kannel took the message; take its word. */
	if (req->got202 && k->junk != req->junk0) {
		log_warn("carrier %s: no delivery report within %u ms while %llu "
		    "connections to the report listener were dropped without a "
		    "valid report (a local flood?): accepted on Kannel's 202",
		    k->c->name, k->deliver_within_ms,
		    (unsigned long long)(k->junk - req->junk0));
		finish(req, CARRIER_ACCEPTED, "Kannel queued it (\"%s\"); no delivery "
		    "report while the listener was flooded", req->said);
		return;
	}
	finish(req, CARRIER_FAILOVER, "no delivery report within %u ms (Kannel said "
	    "\"%s\"): its upstream may be down", req->k->deliver_within_ms,
	    req->said[0] ? req->said : "nothing yet");
}

/* sendsms answers 202 when Kannel queued the message. */
static void
kannel_parse(struct carrier_req *creq, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	struct kannel_req *req = creq->priv;
	char said[48];

	snprintf(said, sizeof(said), "%.*s", (int)(len < 47 ? len : 47), body);
	log_safe(req->said, sizeof(req->said), said);
	if (status == 202) {
		carrier_result_set(res, CARRIER_ACCEPTED, "HTTP 202: %s", req->said);
		return;
	}
	if (status == 403)
		log_warn("carrier %s: Kannel refused our credentials (%s); check "
		    "username and password", req->k->c->name, req->said);
	carrier_result_set(res, CARRIER_FAILOVER, "HTTP %ld: %s", status, req->said);
}

/* Queued is not delivered: the send ends on a report or the deadline. */
static void
kannel_then(struct carrier_req *creq, CURLcode rc, struct carrier_result *res)
{
	struct kannel_req *req = creq->priv;

	(void)rc;
	req->in_http = 0;
	if (req->finished) {
		req_free(req);
		return;
	}
	if (res->status != CARRIER_ACCEPTED) {
		finish(req, CARRIER_FAILOVER, "%s", res->detail);
		return;
	}
	req->got202 = 1;
	if (req->report != 0)
		on_report(req, req->report);
}

/* n random bytes from the CSPRNG as 2n hex digits and a NUL. */
static int
kannel_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[KANNEL_TOKEN_LEN / 2];
	size_t i;
	int r = -1;

	if (n > sizeof(b) || getrandom(b, n, 0) != (ssize_t)n)
		goto out;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
	r = 0;
 out:
	explicit_bzero(b, sizeof(b));
	return r;
}

/* junk: closed while a report might still have been on its way (evicted,
 * timed out): what on_deadline counts. A connection that said something
 * else, or a well-formed report with a wrong token, lost no report. */
static void
conn_close(struct dlr_conn *dc, int junk)
{
	struct kannel *k = dc->k;

	if (dc->prev != NULL)
		dc->prev->next = dc->next;
	else
		k->oldest = dc->next;
	if (dc->next != NULL)
		dc->next->prev = dc->prev;
	else
		k->newest = dc->prev;
	loop_timer_cancel(k->c->loop, &dc->timer);
	loop_del(k->c->loop, dc->fd);
	close(dc->fd);
	k->nconns--;
	if (junk)
		k->junk++;
	free(dc);
}

/* The pending message with this token, compared in constant time; *spent
 * set when it is one a final report already used. */
static struct kannel_req *
find_token(struct kannel *k, const char *token, int *spent)
{
	struct kannel_req *req, *found = NULL;
	unsigned i;

	*spent = 0;
	for (req = k->pending; req != NULL; req = req->next)
		if (CRYPTO_memcmp(req->token, token, KANNEL_TOKEN_LEN) == 0)
			found = req;
	for (i = 0; i < KANNEL_SPENT; i++)
		if (CRYPTO_memcmp(k->spent[i], token, KANNEL_TOKEN_LEN) == 0)
			*spent = 1;
	return found;
}

/* Reads what has come and acts on a complete request line. Returns 1 when
 * dc was closed (freed), 0 while it stays. */
static int
conn_read(struct dlr_conn *dc)
{
	static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	static const char bad[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	struct kannel *k = dc->k;
	struct kannel_req *req;
	char token[KANNEL_TOKEN_LEN + 8], sink[512];
	ssize_t n;
	int line, type, spent, r = 1;

	if (dc->answered) {
		/* Our answer is out: wait for Kannel's close, reading nothing. */
		while ((n = read(dc->fd, sink, sizeof(sink))) > 0)
			;
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			r = 0;
			goto out;
		}
		conn_close(dc, 0);
		goto out;
	}
	do
		n = read(dc->fd, dc->buf + dc->len, sizeof(dc->buf) - dc->len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN) {
		r = 0;
		goto out;
	}
	if (n <= 0) {
		conn_close(dc, 0);
		goto out;
	}
	dc->len += (size_t)n;
	if ((line = kannel_dlr_line(dc->buf, dc->len, sizeof(dc->buf))) == 0) {
		r = 0;
		goto out;
	}
	if (line < 0 || kannel_parse_dlr(dc->buf, (size_t)line, token, sizeof(token),
	    &type) != 0) {
		(void)write(dc->fd, bad, sizeof(bad) - 1);
		conn_close(dc, 0);
		goto out;
	}
	req = find_token(k, token, &spent);
	explicit_bzero(token, sizeof(token));
	explicit_bzero(dc->buf, sizeof(dc->buf));
	if (req == NULL && !spent) {
		/* Not a token of ours: a forgery, closed as junk. */
		(void)write(dc->fd, bad, sizeof(bad) - 1);
		conn_close(dc, 0);
		goto out;
	}
	(void)write(dc->fd, ok, sizeof(ok) - 1);
	(void)shutdown(dc->fd, SHUT_WR);
	dc->answered = 1;
	(void)loop_timer_set(k->c->loop, &dc->timer, KANNEL_DRAIN_MS);
	if (req != NULL)
		on_report(req, type);
	else
		log_debug("carrier %s: delivery report %d for a finished message",
		    k->c->name, type);
	r = 0;
 out:
	return r;
}

static void
on_conn_deadline(void *arg)
{
	struct dlr_conn *dc = arg;

	/* A last read: a report that came just now still counts. */
	if (!dc->answered && conn_read(dc) == 1)
		return;
	conn_close(dc, !dc->answered);
}

static void
on_conn(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	(void)conn_read(arg);
}

/* Makes room for one more: the oldest connection goes, after a last read. */
static void
evict_oldest(struct kannel *k)
{
	struct dlr_conn *dc = k->oldest;

	if (dc == NULL)
		return;
	if (!dc->answered && conn_read(dc) == 1)
		return;
	conn_close(dc, !dc->answered);
}

static void
on_accept(void *arg, int fd, uint32_t events)
{
	struct kannel *k = arg;
	struct dlr_conn *dc;
	int cfd, i;

	(void)events;
	/* A batch, so that the loop reads between batches; epoll is
	 * level-triggered and calls again for the rest. */
	for (i = 0; i < KANNEL_ACCEPT_BATCH; i++) {
		if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
			break;
		if (k->nconns >= KANNEL_MAX_CONNS)
			evict_oldest(k);
		if ((dc = calloc(1, sizeof(*dc))) == NULL) {
			close(cfd);
			k->junk++;
			continue;
		}
		dc->k = k;
		dc->fd = cfd;
		loop_timer_init(&dc->timer, on_conn_deadline, dc);
		if (loop_add(k->c->loop, cfd, EPOLLIN, on_conn, dc) == -1) {
			close(cfd);
			free(dc);
			k->junk++;
			continue;
		}
		dc->prev = k->newest;
		if (k->newest != NULL)
			k->newest->next = dc;
		else
			k->oldest = dc;
		k->newest = dc;
		k->nconns++;
		(void)loop_timer_set(k->c->loop, &dc->timer, KANNEL_LINE_MS);
		/* Kannel writes its request as soon as it connects: it is
		 * usually here already. */
		(void)conn_read(dc);
	}
}

static int
kannel_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct kannel *k = c->priv;
	struct kannel_req *req = NULL;
	struct carrier_req *creq = NULL;
	const unsigned char *p;
	const char *from;
	char url[128], ip[INET_ADDRSTRLEN];
	size_t len;
	int unicode = 0, r = -1;

	if (k == NULL || k->lfd == -1 || c->loop == NULL ||
	    m->to == NULL || m->text == NULL ||
	    (m->channel != 0 && m->channel != PROTO_CH_SMS))
		goto out;
	if (!k->watching) {
		if (loop_add(c->loop, k->lfd, EPOLLIN, on_accept, k) == -1)
			goto out;
		k->watching = 1;
	}
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    kannel_random_hex(req->token, KANNEL_TOKEN_LEN / 2) == -1 ||
	    kannel_random_hex(req->ref, (sizeof(req->ref) - 1) / 2) == -1)
		goto out;
	req->junk0 = k->junk;
	req->k = k;
	req->done = done;
	req->arg = arg;
	loop_timer_init(&req->timer, on_deadline, req);
	for (p = (const unsigned char *)m->text; *p != '\0'; p++)
		if (*p >= 0x80)
			unicode = 1;
	from = m->from != NULL ? m->from : k->from;
	inet_ntop(AF_INET, &k->dlr.sin_addr, ip, sizeof(ip));
	snprintf(url, sizeof(url), "http://%s:%u/dlr?t=%s&s=%%d", ip,
	    (unsigned)ntohs(k->dlr.sin_port), req->token);
	/* The headers hold the password and the token: the request wipes them. */
	len = strlen(m->text);
	if ((creq = carrier_req_new(c, kannel_parse, NULL, NULL)) == NULL ||
	    carrier_req_header(creq, "Content-Type: text/plain; charset=UTF-8") == -1 ||
	    carrier_req_header(creq, "Expect: ") == -1 ||
	    carrier_req_header(creq, "X-Kannel-Username: %s", k->username) == -1 ||
	    carrier_req_header(creq, "X-Kannel-Password: %s", k->password) == -1 ||
	    carrier_req_header(creq, "X-Kannel-To: %s", m->to + 1) == -1 ||
	    carrier_req_header(creq, "X-Kannel-DLR-Mask: %s", KANNEL_DLR_MASK) == -1 ||
	    carrier_req_header(creq, "X-Kannel-DLR-Url: %s", url) == -1 ||
	    (unicode && carrier_req_header(creq, "X-Kannel-Coding: 2") == -1) ||
	    (from != NULL && carrier_req_header(creq, "X-Kannel-From: %s", from) == -1) ||
	    (k->smsc && carrier_req_header(creq, "X-Kannel-SMSC: %s", k->smsc) == -1) ||
	    carrier_req_body(creq, len + 1) == NULL)
		goto out;
	memcpy(creq->body, m->text, len + 1);
	if (loop_timer_set(c->loop, &req->timer, k->deliver_within_ms) == -1)
		goto out;
	creq->then = kannel_then;
	creq->priv = req;
	req->in_http = 1;
	req->next = k->pending;
	k->pending = req;
	if (carrier_req_start(creq, k->url, len, KANNEL_REPLY_MAX) == -1) {
		k->pending = req->next;
		loop_timer_cancel(c->loop, &req->timer);
		goto out;
	}
	creq = NULL;
	req = NULL;
	r = 0;
 out:
	explicit_bzero(url, sizeof(url));
	carrier_req_free(creq);
	req_free(req);
	return r;
}

/* "127.0.0.1:PORT": loopback only, Kannel runs next to us. */
static int
parse_listen(const char *s, struct sockaddr_in *sin)
{
	const char *colon = strrchr(s, ':');
	char host[32];
	unsigned long port;
	char *end;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port == 0 || port > 65535)
		return -1;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 ||
	    (ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

static void
kannel_free_priv(struct kannel *k)
{
	struct kannel_req *req, *next;
	struct dlr_conn *dc, *dnext;

	if (k == NULL)
		return;
	for (dc = k->oldest; dc != NULL; dc = dnext) {
		dnext = dc->next;
		close(dc->fd);
		free(dc);
	}
	/* Only at exit, after the loop is gone (main frees it first): the loop
	 * is not touched. Pending sends end without a callback, as curl's do;
	 * closing the listener and connections takes them off epoll. */
	for (req = k->pending; req != NULL; req = next) {
		next = req->next;
		if (!req->in_http)
			req_free(req);
	}
	if (k->lfd != -1)
		close(k->lfd);
	free(k->url);
	free(k->username);
	freezero_str(k->password);
	free(k->from);
	free(k->smsc);
	explicit_bzero(k->spent, sizeof(k->spent));
	free(k);
}

static int
kannel_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct kannel *k;
	struct cfg_node *at;
	char *listen_at = NULL, where[256];
	int one = 1, bad = 0, r = -1;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	k->c = c;
	k->lfd = -1;
	k->deliver_within_ms = 10000;
	if (cfg_str(ctx, map, "username", &k->username, 1) != 1 ||
	    cfg_secret(ctx, map, "password", &k->password, KANNEL_SECRET_MAX, 1) != 1 ||
	    cfg_str(ctx, map, "from", &k->from, 0) == -1 ||
	    cfg_str(ctx, map, "smsc", &k->smsc, 0) == -1 ||
	    cfg_duration_ms(ctx, map, "deliver_within", &k->deliver_within_ms, 1000,
	    120 * 1000, 0) == -1)
		bad = 1;
	if (cfg_str(ctx, map, "dlr_listen", &listen_at, 1) == 1 &&
	    parse_listen(listen_at, &k->dlr) == -1) {
		at = cfg_get(map, "dlr_listen");
		cfg_err(ctx, at, "%s: must be 127.x.x.x:PORT (the listener for Kannel's "
		    "delivery reports stays on loopback)", cfg_path(at, where, sizeof(where)));
		bad = 1;
	} else if (listen_at == NULL)
		bad = 1;
	if (carrier_api_url(ctx, map, KANNEL_DEFAULT_URL, KANNEL_PATH, &k->url) == -1)
		bad = 1;
	if (carrier_tls_configure(c, ctx, map) == -1)
		bad = 1;
	if (bad)
		goto out;
	/* Bound now, before privileges are dropped and the sandbox closes in;
	 * not for -t (a running daemon holds the port) nor when fuzzing. */
	if (!ctx->check_only && !ctx->no_files) {
		if ((k->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0)) == -1 ||
		    setsockopt(k->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
		    bind(k->lfd, (struct sockaddr *)&k->dlr, sizeof(k->dlr)) == -1 ||
		    listen(k->lfd, SOMAXCONN) == -1) {
			cfg_err(ctx, cfg_get(map, "dlr_listen"), "carrier %s: cannot listen "
			    "on %s: %s", c->name, listen_at, strerror(errno));
			goto out;
		}
	}
	c->priv = k;
	k = NULL;
	r = 0;
 out:
	if (r == -1)
		carrier_tls_free(c);
	free(listen_at);
	kannel_free_priv(k);
	return r;
}

static void
kannel_free(struct carrier *c)
{
	kannel_free_priv(c->priv);
	c->priv = NULL;
	carrier_tls_free(c);
}

const struct carrier_ops carrier_kannel_ops = {
	.type = "kannel",
	.channels = PROTO_CH_SMS,
	.configure = kannel_configure,
	.send = kannel_send,
	.free = kannel_free,
};
