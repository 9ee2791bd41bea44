/* SMPP 3.4 straight to an SMSC or aggregator: one persistent, non-blocking
 * bind_transceiver session on the daemon's loop. It opens at the first
 * message and then stays up (enquire_link every `enquire_link`, reconnect
 * with backoff when it drops); up to `window` submit_sm wait for their
 * submit_sm_resp at once, each within the carrier's timeout. The answer's
 * command_status decides (smpp_classify); with deliver_within the send is
 * ACCEPTED only on a DELIVRD receipt (deliver_sm), as with Kannel. */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
#include "log.h"
#include "loop.h"
#include "proto.h"
#include "smpp_pdu.h"
#include "util.h"

#define SMPP_DEFAULT_PORT 2775
#define SMPP_WBUF 32768
#define SMPP_BACKOFF_MIN_MS 1000
#define SMPP_BACKOFF_MAX_MS 60000

enum sess { S_DOWN, S_CONNECTING, S_BINDING, S_BOUND };
enum rq { RQ_QUEUED, RQ_SENT, RQ_RECEIPT };

struct smpp_req {
	struct smpp_req *next;
	struct smpp *s;
	carrier_done_fn *done;
	void *arg;
	enum rq state;
	uint8_t *pdu;                    /* the encoded submit_sm: holds the code */
	size_t pdulen;
	uint32_t seq;
	struct loop_timer timer;
	char message_id[SMPP_MESSAGE_ID_MAX];   /* log-safe */
};

struct smpp {
	struct carrier *c;
	char peer[300];                  /* "host:port" for the log */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *system_id, *password, *system_type, *from;
	unsigned enquire_ms, window, deliver_within_ms;
	enum sess st;
	int fd, want_out, failing;
	uint32_t seq, bind_seq, elink_seq;
	int elink_waiting;
	struct loop_timer reconnect, deadline, enquire, elink;
	unsigned backoff_ms;
	struct smpp_req *queue, *inflight, *receipts;
	unsigned ninflight;
	size_t rlen, wlen;
	uint8_t rbuf[SMPP_PDU_MAX];
	uint8_t wbuf[SMPP_WBUF];         /* holds codes and the password: wiped */
	char last_error[160];
};

static void start_connect(struct smpp *s);
static void session_down(struct smpp *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static uint32_t
next_seq(struct smpp *s)
{
	s->seq = s->seq >= 0x7fffffffu ? 1 : s->seq + 1;
	return s->seq;
}

static struct smpp_req **
list_of(struct smpp *s, enum rq st)
{
	return st == RQ_QUEUED ? &s->queue : st == RQ_SENT ? &s->inflight : &s->receipts;
}

static int
list_remove(struct smpp_req **head, struct smpp_req *req)
{
	struct smpp_req **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == req) {
			*pp = req->next;
			req->next = NULL;
			return 1;
		}
	return 0;
}

static void
list_append(struct smpp_req **head, struct smpp_req *req)
{
	struct smpp_req **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next)
		;
	req->next = NULL;
	*pp = req;
}

static void
req_free(struct smpp_req *req)
{
	if (req->pdu != NULL) {
		explicit_bzero(req->pdu, req->pdulen);
		free(req->pdu);
	}
	free(req);
}

/* Calls done once and frees req. */
static void
finish(struct smpp_req *req, enum carrier_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finish(struct smpp_req *req, enum carrier_status st, const char *fmt, ...)
{
	struct smpp *s = req->s;
	struct carrier_result res;
	va_list ap;

	loop_timer_cancel(s->c->loop, &req->timer);
	if (list_remove(list_of(s, req->state), req) && req->state == RQ_SENT)
		s->ninflight--;
	memset(&res, 0, sizeof(res));
	res.status = st;
	va_start(ap, fmt);
	vsnprintf(res.detail, sizeof(res.detail), fmt, ap);
	va_end(ap);
	snprintf(res.ref, sizeof(res.ref), "%s", req->message_id);
	req->done(req->arg, &res);
	req_free(req);
}

static void
want_out(struct smpp *s, int on)
{
	if (s->want_out == on || s->st == S_CONNECTING)
		return;
	if (loop_mod(s->c->loop, s->fd, EPOLLIN | (on ? EPOLLOUT : 0)) == 0)
		s->want_out = on;
}

/* Writes what is buffered; what went out is wiped. -1 on a write error. */
static int
flush(struct smpp *s)
{
	ssize_t n;

	while (s->wlen > 0) {
		n = write(s->fd, s->wbuf, s->wlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			want_out(s, 1);
			return 0;
		}
		if (n <= 0)
			return -1;
		memmove(s->wbuf, s->wbuf + n, s->wlen - (size_t)n);
		s->wlen -= (size_t)n;
		explicit_bzero(s->wbuf + s->wlen, (size_t)n);
	}
	want_out(s, 0);
	return 0;
}

/* Buffers a PDU; 1 when there is no room for it now. */
static int
put(struct smpp *s, const uint8_t *pdu, size_t len)
{
	if (sizeof(s->wbuf) - s->wlen < len)
		return 1;
	memcpy(s->wbuf + s->wlen, pdu, len);
	s->wlen += len;
	return 0;
}

/* A PDU without a body (enquire_link, responses, generic_nack). */
static int
put_simple(struct smpp *s, uint32_t cmd, uint32_t status, uint32_t seq)
{
	struct smpp_pdu p;
	uint8_t buf[SMPP_HEADER_LEN + 1];   /* responses carry an empty message_id */
	int n;

	memset(&p, 0, sizeof(p));
	p.command_id = cmd;
	p.command_status = status;
	p.sequence = seq;
	if ((n = smpp_encode(&p, buf, sizeof(buf))) == -1)
		return -1;
	return put(s, buf, (size_t)n);
}

static void
elink_send(struct smpp *s)
{
	if (s->st != S_BOUND || s->elink_waiting)
		return;
	s->elink_seq = next_seq(s);
	if (put_simple(s, SMPP_ENQUIRE_LINK, 0, s->elink_seq) != 0)
		return;
	s->elink_waiting = 1;
	(void)loop_timer_set(s->c->loop, &s->elink, s->c->timeout_ms);
}

/* Moves queued messages into the window while there is room. */
static void
pump(struct smpp *s)
{
	struct smpp_req *req;

	while (s->st == S_BOUND && (req = s->queue) != NULL && s->ninflight < s->window) {
		req->seq = next_seq(s);
		req->pdu[12] = (uint8_t)(req->seq >> 24);
		req->pdu[13] = (uint8_t)(req->seq >> 16);
		req->pdu[14] = (uint8_t)(req->seq >> 8);
		req->pdu[15] = (uint8_t)req->seq;
		if (put(s, req->pdu, req->pdulen) != 0)
			break;
		explicit_bzero(req->pdu, req->pdulen);
		free(req->pdu);
		req->pdu = NULL;
		s->queue = req->next;
		req->state = RQ_SENT;
		list_append(&s->inflight, req);
		s->ninflight++;
	}
	if (s->st == S_BOUND && flush(s) == -1)
		session_down(s, "write: %s", strerror(errno));
}

static void
session_down(struct smpp *s, const char *fmt, ...)
{
	struct smpp_req *inflight, *queue, *req;
	enum sess was = s->st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	log_warn("carrier %s: SMPP session with %s: %s", s->c->name, s->peer,
	    s->last_error);
	if (s->fd != -1) {
		loop_del(s->c->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	explicit_bzero(s->wbuf, sizeof(s->wbuf));
	explicit_bzero(s->rbuf, sizeof(s->rbuf));
	s->wlen = s->rlen = 0;
	s->want_out = 0;
	s->elink_waiting = 0;
	loop_timer_cancel(s->c->loop, &s->deadline);
	loop_timer_cancel(s->c->loop, &s->enquire);
	loop_timer_cancel(s->c->loop, &s->elink);
	s->st = S_DOWN;
	/* Detached first: a done callback may send through us again. Messages
	 * waiting for a receipt stay: it may come on the next session. */
	inflight = s->inflight;
	queue = s->queue;
	s->inflight = s->queue = NULL;
	s->ninflight = 0;
	s->failing = 1;
	while ((req = inflight) != NULL) {
		inflight = req->next;
		finish(req, CARRIER_FAILOVER, "SMPP session lost before submit_sm_resp: %s",
		    s->last_error);
	}
	while ((req = queue) != NULL) {
		queue = req->next;
		finish(req, CARRIER_FAILOVER, "SMPP session not bound: %s", s->last_error);
	}
	s->failing = 0;
	if (was == S_BOUND || s->backoff_ms == 0)
		s->backoff_ms = SMPP_BACKOFF_MIN_MS;
	else if ((s->backoff_ms *= 2) > SMPP_BACKOFF_MAX_MS)
		s->backoff_ms = SMPP_BACKOFF_MAX_MS;
	/* Sent to us while we were failing the others: try again at once. */
	(void)loop_timer_set(s->c->loop, &s->reconnect, s->queue != NULL ? 0 : s->backoff_ms);
}

static void
on_bind_resp(struct smpp *s, const struct smpp_pdu *p)
{
	char sid[SMPP_SYSTEM_ID_MAX];

	if (s->st != S_BINDING || p->sequence != s->bind_seq)
		return;
	if (p->command_status != ESME_ROK) {
		log_warn("carrier %s: the SMSC refused our bind_transceiver: 0x%08x (%s); "
		    "check system_id, password and system_type", s->c->name,
		    p->command_status, smpp_status_name(p->command_status));
		session_down(s, "bind refused: 0x%08x (%s)", p->command_status,
		    smpp_status_name(p->command_status));
		return;
	}
	log_safe(sid, sizeof(sid), p->u.system_id);
	loop_timer_cancel(s->c->loop, &s->deadline);
	s->st = S_BOUND;
	s->backoff_ms = 0;
	s->last_error[0] = '\0';
	log_info("carrier %s: bound to SMSC %s (%s) as %s", s->c->name, s->peer,
	    sid[0] ? sid : "no system_id", s->system_id);
	(void)loop_timer_set(s->c->loop, &s->enquire, s->enquire_ms);
	pump(s);
}

static void
on_submit_resp(struct smpp *s, const struct smpp_pdu *p)
{
	struct smpp_req *req;
	enum carrier_status st;
	uint32_t status = p->command_status;

	for (req = s->inflight; req != NULL; req = req->next)
		if (req->seq == p->sequence)
			break;
	if (req == NULL) {
		log_debug("carrier %s: submit_sm_resp for no pending message (late?)",
		    s->c->name);
		return;
	}
	st = p->command_id == SMPP_GENERIC_NACK ? CARRIER_FAILOVER : smpp_classify(status);
	if (st != CARRIER_ACCEPTED) {
		if (status == ESME_RINVSRCADR || status == ESME_RINVSRCTON ||
		    status == ESME_RINVSRCNPI || status == ESME_RINVBNDSTS)
			log_warn("carrier %s: the SMSC refused our submit_sm: 0x%08x (%s); "
			    "check the sender (from) and the account", s->c->name, status,
			    smpp_status_name(status));
		finish(req, st, "%s 0x%08x (%s)", p->command_id == SMPP_GENERIC_NACK ?
		    "generic_nack" : "submit_sm_resp", status, smpp_status_name(status));
		pump(s);
		return;
	}
	log_safe(req->message_id, sizeof(req->message_id), p->u.message_id);
	if (s->deliver_within_ms == 0) {
		finish(req, CARRIER_ACCEPTED, "submit_sm_resp ESME_ROK");
		pump(s);
		return;
	}
	/* Out of the window; the receipt decides. */
	list_remove(&s->inflight, req);
	s->ninflight--;
	req->state = RQ_RECEIPT;
	list_append(&s->receipts, req);
	(void)loop_timer_set(s->c->loop, &req->timer, s->deliver_within_ms);
	pump(s);
}

static void
on_deliver(struct smpp *s, const struct smpp_pdu *p)
{
	const struct smpp_sm *sm = &p->u.sm;
	struct smpp_req *req;
	char id[SMPP_MESSAGE_ID_MAX] = "", stat[16] = "";
	int outcome;

	/* Acknowledged whatever it is, or the SMSC sends it again. */
	if (put_simple(s, SMPP_DELIVER_SM_RESP, ESME_ROK, p->sequence) == -1)
		return;
	if ((sm->esm_class & SMPP_ESM_TYPE_MASK) != SMPP_ESM_RECEIPT) {
		log_debug("carrier %s: ignored a deliver_sm that is not a receipt",
		    s->c->name);
		return;
	}
	if (smpp_parse_receipt(sm->text, sm->text_len, id, sizeof(id), stat,
	    sizeof(stat)) == -1 && sm->receipted_message_id[0] == '\0') {
		log_info("carrier %s: a delivery receipt without id or stat", s->c->name);
		return;
	}
	if (sm->receipted_message_id[0] != '\0')
		log_safe(id, sizeof(id), sm->receipted_message_id);
	outcome = smpp_receipt_outcome(sm->message_state, stat[0] ? stat : NULL);
	if (stat[0] == '\0')
		snprintf(stat, sizeof(stat), "state-%d", sm->message_state);
	log_info("carrier %s: delivery receipt for message %s: stat:%s", s->c->name, id,
	    stat);
	for (req = s->receipts; req != NULL; req = req->next)
		if (smpp_same_message_id(req->message_id, id))
			break;
	if (req == NULL || outcome == 0)
		return;
	if (outcome > 0)
		finish(req, CARRIER_ACCEPTED, "delivered (receipt stat:%s)", stat);
	else
		finish(req, CARRIER_FAILOVER, "not delivered (receipt stat:%s)", stat);
}

static void
on_pdu(struct smpp *s, const uint8_t *buf, size_t len)
{
	struct smpp_pdu *p;
	int r;

	/* Large (a deliver_sm holds a KiB of text): not on the stack. */
	if ((p = malloc(sizeof(*p))) == NULL) {
		session_down(s, "out of memory");
		return;
	}
	r = smpp_decode(buf, len, p);
	if (r == SMPP_ERR_COMMAND || r == SMPP_ERR_BODY) {
		/* A request we cannot read is nacked; a response, dropped. */
		if (!(p->command_id & SMPP_RESP_BIT))
			(void)put_simple(s, SMPP_GENERIC_NACK, r == SMPP_ERR_COMMAND ?
			    ESME_RINVCMDID : ESME_RINVMSGLEN, p->sequence);
		else if (p->command_id == SMPP_SUBMIT_SM_RESP) {
			p->command_id = SMPP_GENERIC_NACK;   /* that message failed */
			p->command_status = ESME_RINVMSGLEN;
			on_submit_resp(s, p);
		}
		log_info("carrier %s: the SMSC sent a PDU we cannot read (command_id "
		    "0x%08x)", s->c->name, p->command_id);
		goto out;
	}
	if (r != SMPP_OK) {
		session_down(s, "malformed PDU from the SMSC");
		goto out;
	}
	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER_RESP:
		on_bind_resp(s, p);
		break;
	case SMPP_SUBMIT_SM_RESP:
		on_submit_resp(s, p);
		break;
	case SMPP_GENERIC_NACK:
		if (s->st == S_BINDING && p->sequence == s->bind_seq)
			session_down(s, "bind answered with generic_nack 0x%08x",
			    p->command_status);
		else
			on_submit_resp(s, p);
		break;
	case SMPP_DELIVER_SM:
		on_deliver(s, p);
		break;
	case SMPP_ENQUIRE_LINK:
		(void)put_simple(s, SMPP_ENQUIRE_LINK_RESP, ESME_ROK, p->sequence);
		break;
	case SMPP_ENQUIRE_LINK_RESP:
		if (s->elink_waiting && p->sequence == s->elink_seq) {
			s->elink_waiting = 0;
			loop_timer_cancel(s->c->loop, &s->elink);
		}
		break;
	case SMPP_UNBIND:
		(void)put_simple(s, SMPP_UNBIND_RESP, ESME_ROK, p->sequence);
		(void)flush(s);
		session_down(s, "the SMSC unbound");
		break;
	default:
		break;   /* a response to nothing we sent, or a request we never get */
	}
 out:
	explicit_bzero(p, sizeof(*p));
	free(p);
}

static void
do_read(struct smpp *s)
{
	size_t len, off;
	ssize_t n;
	int r;

	for (;;) {
		n = read(s->fd, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			session_down(s, n == 0 ? "the SMSC closed the connection" :
			    "read: %s", strerror(errno));
			return;
		}
		s->rlen += (size_t)n;
		off = 0;
		while ((r = smpp_frame(s->rbuf + off, s->rlen - off, &len)) == 1) {
			on_pdu(s, s->rbuf + off, len);
			if (s->fd == -1)
				return;              /* the session went down */
			off += len;
		}
		if (r == SMPP_ERR_LENGTH) {
			session_down(s, "a PDU with a command_length out of range");
			return;
		}
		memmove(s->rbuf, s->rbuf + off, s->rlen - off);
		s->rlen -= off;
		explicit_bzero(s->rbuf + s->rlen, off);
	}
	if (flush(s) == -1)
		session_down(s, "write: %s", strerror(errno));
}

static void
on_connected(struct smpp *s)
{
	struct smpp_pdu p;
	uint8_t buf[SMPP_HEADER_LEN + 128];
	int n;

	s->st = S_BINDING;
	s->want_out = 1;     /* registered for EPOLLOUT while connecting */
	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_BIND_TRANSCEIVER;
	p.sequence = s->bind_seq = next_seq(s);
	snprintf(p.u.bind.system_id, sizeof(p.u.bind.system_id), "%s", s->system_id);
	snprintf(p.u.bind.password, sizeof(p.u.bind.password), "%s", s->password);
	snprintf(p.u.bind.system_type, sizeof(p.u.bind.system_type), "%s",
	    s->system_type ? s->system_type : "");
	p.u.bind.interface_version = SMPP_INTERFACE_VERSION;
	n = smpp_encode(&p, buf, sizeof(buf));
	explicit_bzero(&p, sizeof(p));
	if (n == -1 || put(s, buf, (size_t)n) != 0) {
		explicit_bzero(buf, sizeof(buf));
		session_down(s, "cannot encode bind_transceiver");
		return;
	}
	explicit_bzero(buf, sizeof(buf));
	if (flush(s) == -1)
		session_down(s, "write: %s", strerror(errno));
}

static void
on_io(void *arg, int fd, uint32_t events)
{
	struct smpp *s = arg;
	socklen_t sl = sizeof(int);
	int err = 0;

	(void)fd;
	if (s->st == S_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
			err = errno;
		if (err != 0) {
			session_down(s, "cannot connect: %s", strerror(err));
			return;
		}
		on_connected(s);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		do_read(s);
	if (s->fd != -1 && (events & EPOLLOUT) && flush(s) == -1)
		session_down(s, "write: %s", strerror(errno));
}

static void
start_connect(struct smpp *s)
{
	loop_timer_cancel(s->c->loop, &s->reconnect);
	if ((s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		session_down(s, "socket: %s", strerror(errno));
		return;
	}
	if (connect(s->fd, (struct sockaddr *)&s->addr, s->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		session_down(s, "cannot connect: %s", strerror(errno));
		return;
	}
	if (loop_add(s->c->loop, s->fd, EPOLLIN | EPOLLOUT, on_io, s) == -1) {
		session_down(s, "loop: %s", strerror(errno));
		return;
	}
	s->st = S_CONNECTING;
	/* Connecting and binding together get the carrier's timeout. */
	(void)loop_timer_set(s->c->loop, &s->deadline, s->c->timeout_ms);
}

static void
on_reconnect(void *arg)
{
	struct smpp *s = arg;

	if (s->st == S_DOWN)
		start_connect(s);
}

static void
on_session_deadline(void *arg)
{
	struct smpp *s = arg;

	session_down(s, "%s did not complete within %u ms",
	    s->st == S_CONNECTING ? "connect" : "bind_transceiver", s->c->timeout_ms);
}

static void
on_enquire(void *arg)
{
	struct smpp *s = arg;

	elink_send(s);
	if (s->fd != -1 && flush(s) == -1) {
		session_down(s, "write: %s", strerror(errno));
		return;
	}
	if (s->st == S_BOUND)
		(void)loop_timer_set(s->c->loop, &s->enquire, s->enquire_ms);
}

static void
on_elink_deadline(void *arg)
{
	struct smpp *s = arg;

	session_down(s, "no enquire_link_resp within %u ms", s->c->timeout_ms);
}

static void
on_req_deadline(void *arg)
{
	struct smpp_req *req = arg;
	struct smpp *s = req->s;

	switch (req->state) {
	case RQ_QUEUED:
		finish(req, CARRIER_FAILOVER, "not bound to the SMSC within %u ms%s%s",
		    s->c->timeout_ms, s->last_error[0] ? ": " : "", s->last_error);
		break;
	case RQ_SENT:
		finish(req, CARRIER_FAILOVER, "no submit_sm_resp within %u ms",
		    s->c->timeout_ms);
		/* Is the session itself still alive? */
		elink_send(s);
		pump(s);
		break;
	case RQ_RECEIPT:
		finish(req, CARRIER_FAILOVER, "no delivery receipt within %u ms "
		    "(submit_sm accepted as %s)", s->deliver_within_ms, req->message_id);
		break;
	}
}

/* The submit_sm for m, sequence number 0 (set when it goes out). */
static int
build_submit(struct smpp *s, const struct carrier_msg *m, struct smpp_req *req)
{
	struct smpp_pdu *p;
	uint8_t *buf = NULL;
	int n = -1, r = -1;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (buf = malloc(SMPP_PDU_MAX)) == NULL)
		goto out;
	p->command_id = SMPP_SUBMIT_SM;
	if (smpp_source_addr(m->from ? m->from : s->from, p->u.sm.source_addr,
	    &p->u.sm.source_addr_ton, &p->u.sm.source_addr_npi) == -1)
		goto out;
	p->u.sm.dest_addr_ton = SMPP_TON_INTERNATIONAL;
	p->u.sm.dest_addr_npi = SMPP_NPI_ISDN;
	snprintf(p->u.sm.destination_addr, sizeof(p->u.sm.destination_addr), "%s",
	    m->to + 1);
	p->u.sm.registered_delivery = 1;     /* a receipt, delivered or failed */
	p->u.sm.message_state = -1;
	if ((n = smpp_text_encode(m->text, p->u.sm.text, sizeof(p->u.sm.text),
	    &p->u.sm.data_coding)) == -1)
		goto out;
	p->u.sm.text_len = (size_t)n;
	p->u.sm.payload = n > SMPP_SHORT_MESSAGE_MAX;
	if ((n = smpp_encode(p, buf, SMPP_PDU_MAX)) == -1)
		goto out;
	req->pdulen = (size_t)n;
	if ((req->pdu = malloc(req->pdulen)) == NULL)
		goto out;
	memcpy(req->pdu, buf, req->pdulen);
	r = 0;
 out:
	if (p != NULL) {
		explicit_bzero(p, sizeof(*p));
		free(p);
	}
	if (buf != NULL) {
		explicit_bzero(buf, SMPP_PDU_MAX);
		free(buf);
	}
	return r;
}

static int
smpp_send(struct carrier *c, const struct carrier_msg *m,
    carrier_done_fn *done, void *arg)
{
	struct smpp *s = c->priv;
	struct smpp_req *req = NULL;
	int r = -1;

	if (s == NULL || c->loop == NULL || m->to == NULL || m->text == NULL ||
	    !e164_valid(m->to) || (m->channel != 0 && m->channel != PROTO_CH_SMS))
		goto out;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		goto out;
	req->s = s;
	req->done = done;
	req->arg = arg;
	req->state = RQ_QUEUED;
	loop_timer_init(&req->timer, on_req_deadline, req);
	if (build_submit(s, m, req) == -1) {
		log_warn("carrier %s: cannot build the submit_sm (sender \"%s\" or text "
		    "not valid for SMPP)", c->name, m->from ? m->from : s->from ? s->from : "");
		goto out;
	}
	if (loop_timer_set(c->loop, &req->timer, c->timeout_ms) == -1)
		goto out;
	list_append(&s->queue, req);
	req = NULL;
	r = 0;
	/* A message is a reason to try now, whatever the backoff said. */
	if (s->st == S_DOWN && !s->failing)
		start_connect(s);
	else if (s->st == S_BOUND)
		pump(s);
 out:
	if (req != NULL)
		req_free(req);
	return r;
}

static void
smpp_free_priv(struct smpp *s)
{
	struct smpp_req *lists[3], *req, *next;
	uint8_t buf[SMPP_HEADER_LEN];
	struct smpp_pdu p;
	size_t i;
	int n;

	if (s == NULL)
		return;
	/* At exit, after the loop is gone: no timers touched, no callbacks.
	 * A bound session says goodbye (best effort, never waits). */
	if (s->fd != -1) {
		if (s->st == S_BOUND && s->wlen == 0) {
			memset(&p, 0, sizeof(p));
			p.command_id = SMPP_UNBIND;
			p.sequence = next_seq(s);
			if ((n = smpp_encode(&p, buf, sizeof(buf))) > 0)
				(void)!write(s->fd, buf, (size_t)n);
		}
		close(s->fd);
	}
	lists[0] = s->queue;
	lists[1] = s->inflight;
	lists[2] = s->receipts;
	for (i = 0; i < 3; i++)
		for (req = lists[i]; req != NULL; req = next) {
			next = req->next;
			req_free(req);
		}
	free(s->system_id);
	freezero_str(s->password);
	free(s->system_type);
	free(s->from);
	explicit_bzero(s->wbuf, sizeof(s->wbuf));
	free(s);
}

/* Resolves host once, at start-up (before the sandbox), to its first
 * address: getaddrinfo would block the loop later. */
static int
resolve(struct smpp *s, const char *host, unsigned port, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL;
	char portstr[12];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s", gai_strerror(rc));
		return -1;
	}
	if (res->ai_addrlen > sizeof(s->addr)) {
		freeaddrinfo(res);
		snprintf(err, errsz, "address too long");
		return -1;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
smpp_configure(struct carrier *c, struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct smpp *s;
	char *host = NULL, where[256], err[128], addr[SMPP_ADDR_MAX];
	uint8_t ton, npi;
	unsigned port = SMPP_DEFAULT_PORT;
	int bad = 0, r = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		goto out;
	}
	s->c = c;
	s->fd = -1;
	s->enquire_ms = 30000;
	s->window = 10;
	loop_timer_init(&s->reconnect, on_reconnect, s);
	loop_timer_init(&s->deadline, on_session_deadline, s);
	loop_timer_init(&s->enquire, on_enquire, s);
	loop_timer_init(&s->elink, on_elink_deadline, s);
	if (cfg_str(ctx, map, "host", &host, 1) != 1 ||
	    cfg_uint(ctx, map, "port", &port, 1, 65535, 0) == -1 ||
	    cfg_str(ctx, map, "system_id", &s->system_id, 1) != 1 ||
	    cfg_secret(ctx, map, "password", &s->password, 64, 1) != 1 ||
	    cfg_str(ctx, map, "system_type", &s->system_type, 0) == -1 ||
	    cfg_str(ctx, map, "from", &s->from, 0) == -1 ||
	    cfg_duration_ms(ctx, map, "enquire_link", &s->enquire_ms, 1000,
	    600 * 1000, 0) == -1 ||
	    cfg_uint(ctx, map, "window", &s->window, 1, 100, 0) == -1 ||
	    cfg_duration_ms(ctx, map, "deliver_within", &s->deliver_within_ms, 1000,
	    120 * 1000, 0) == -1)
		bad = 1;
	if (s->system_id != NULL && strlen(s->system_id) >= SMPP_SYSTEM_ID_MAX) {
		cfg_err(ctx, cfg_get(map, "system_id"), "%s: at most %d characters (SMPP 3.4)",
		    cfg_path(cfg_get(map, "system_id"), where, sizeof(where)),
		    SMPP_SYSTEM_ID_MAX - 1);
		bad = 1;
	}
	if (s->password != NULL && strlen(s->password) >= SMPP_PASSWORD_MAX) {
		cfg_err(ctx, map, "carrier %s: the SMPP password is at most %d characters",
		    c->name, SMPP_PASSWORD_MAX - 1);
		bad = 1;
	}
	if (s->system_type != NULL && strlen(s->system_type) >= SMPP_SYSTEM_TYPE_MAX) {
		cfg_err(ctx, cfg_get(map, "system_type"), "%s: at most %d characters",
		    cfg_path(cfg_get(map, "system_type"), where, sizeof(where)),
		    SMPP_SYSTEM_TYPE_MAX - 1);
		bad = 1;
	}
	if (s->from != NULL && smpp_source_addr(s->from, addr, &ton, &npi) == -1) {
		cfg_err(ctx, cfg_get(map, "from"), "%s: must be +E.164, a short code of 3 to 8 "
		    "digits, or an alphanumeric sender ID of at most 11 characters",
		    cfg_path(cfg_get(map, "from"), where, sizeof(where)));
		bad = 1;
	}
	if (bad)
		goto out;
	snprintf(s->peer, sizeof(s->peer), "%s:%u", host, port);
	/* Not for -t nor when fuzzing: no lookups there. */
	if (!ctx->check_only && !ctx->no_files &&
	    resolve(s, host, port, err, sizeof(err)) == -1) {
		cfg_err(ctx, cfg_get(map, "host"), "carrier %s: cannot resolve %s: %s",
		    c->name, host, err);
		goto out;
	}
	c->priv = s;
	s = NULL;
	r = 0;
 out:
	free(host);
	smpp_free_priv(s);
	return r;
}

static void
smpp_free(struct carrier *c)
{
	smpp_free_priv(c->priv);
	c->priv = NULL;
}

const struct carrier_ops carrier_smpp_ops = {
	.type = "smpp",
	.channels = PROTO_CH_SMS,
	.configure = smpp_configure,
	.send = smpp_send,
	.free = smpp_free,
};
