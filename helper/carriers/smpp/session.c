/* The smpp driver's connection: one persistent, non-blocking
 * bind_transceiver session with the SMSC on the daemon's loop. It opens at
 * the first message and then stays up (enquire_link every `enquire_link`,
 * reconnect with backoff when it drops). Reads and frames the PDUs from the
 * SMSC and hands the answers about messages to smpp_window.c. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carrier.h"
#include "log.h"
#include "loop.h"
#include "smpp_pdu.h"
#include "smpp_session.h"
#include "util.h"

#define SMPP_BACKOFF_MIN_MS 1000
#define SMPP_BACKOFF_MAX_MS 60000

static void on_reconnect(void *arg);
static void on_session_deadline(void *arg);
static void on_enquire(void *arg);
static void on_elink_deadline(void *arg);

void
smpp_session_init(struct smpp *s)
{
	s->fd = -1;
	loop_timer_init(&s->reconnect, on_reconnect, s);
	loop_timer_init(&s->deadline, on_session_deadline, s);
	loop_timer_init(&s->enquire, on_enquire, s);
	loop_timer_init(&s->elink, on_elink_deadline, s);
}

uint32_t
smpp_session_seq(struct smpp *s)
{
	s->seq = s->seq >= 0x7fffffffu ? 1 : s->seq + 1;
	return s->seq;
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
int
smpp_session_flush(struct smpp *s)
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
int
smpp_session_put(struct smpp *s, const uint8_t *pdu, size_t len)
{
	if (sizeof(s->wbuf) - s->wlen < len)
		return 1;
	memcpy(s->wbuf + s->wlen, pdu, len);
	s->wlen += len;
	return 0;
}

/* A PDU without a body (enquire_link, responses, generic_nack). */
int
smpp_session_put_simple(struct smpp *s, uint32_t cmd, uint32_t status, uint32_t seq)
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
	return smpp_session_put(s, buf, (size_t)n);
}

/* An enquire_link, unless one is already waiting for its answer. */
void
smpp_session_enquire(struct smpp *s)
{
	if (s->st != S_BOUND || s->elink_waiting)
		return;
	s->elink_seq = smpp_session_seq(s);
	if (smpp_session_put_simple(s, SMPP_ENQUIRE_LINK, 0, s->elink_seq) != 0)
		return;
	s->elink_waiting = 1;
	(void)loop_timer_set(s->c->loop, &s->elink, s->c->timeout_ms);
}

void
smpp_session_down(struct smpp *s, const char *fmt, ...)
{
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
	s->failing = 1;
	smpp_window_fail(s);
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
		smpp_session_down(s, "bind refused: 0x%08x (%s)", p->command_status,
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
	smpp_window_pump(s);
}

static void
on_pdu(struct smpp *s, const uint8_t *buf, size_t len)
{
	struct smpp_pdu *p;
	int r;

	/* Large (a deliver_sm holds a KiB of text): not on the stack. */
	if ((p = malloc(sizeof(*p))) == NULL) {
		smpp_session_down(s, "out of memory");
		return;
	}
	r = smpp_decode(buf, len, p);
	if (r == SMPP_ERR_COMMAND || r == SMPP_ERR_BODY) {
		/* A request we cannot read is nacked; a response, dropped. */
		if (!(p->command_id & SMPP_RESP_BIT))
			(void)smpp_session_put_simple(s, SMPP_GENERIC_NACK,
			    r == SMPP_ERR_COMMAND ? ESME_RINVCMDID : ESME_RINVMSGLEN,
			    p->sequence);
		else if (p->command_id == SMPP_SUBMIT_SM_RESP) {
			p->command_id = SMPP_GENERIC_NACK;   /* that message failed */
			p->command_status = ESME_RINVMSGLEN;
			smpp_window_submit_resp(s, p);
		}
		log_info("carrier %s: the SMSC sent a PDU we cannot read (command_id "
		    "0x%08x)", s->c->name, p->command_id);
		goto out;
	}
	if (r != SMPP_OK) {
		smpp_session_down(s, "malformed PDU from the SMSC");
		goto out;
	}
	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER_RESP:
		on_bind_resp(s, p);
		break;
	case SMPP_SUBMIT_SM_RESP:
		smpp_window_submit_resp(s, p);
		break;
	case SMPP_GENERIC_NACK:
		if (s->st == S_BINDING && p->sequence == s->bind_seq)
			smpp_session_down(s, "bind answered with generic_nack 0x%08x",
			    p->command_status);
		else
			smpp_window_submit_resp(s, p);
		break;
	case SMPP_DELIVER_SM:
		smpp_window_deliver(s, p);
		break;
	case SMPP_ENQUIRE_LINK:
		(void)smpp_session_put_simple(s, SMPP_ENQUIRE_LINK_RESP, ESME_ROK,
		    p->sequence);
		break;
	case SMPP_ENQUIRE_LINK_RESP:
		if (s->elink_waiting && p->sequence == s->elink_seq) {
			s->elink_waiting = 0;
			loop_timer_cancel(s->c->loop, &s->elink);
		}
		break;
	case SMPP_UNBIND:
		(void)smpp_session_put_simple(s, SMPP_UNBIND_RESP, ESME_ROK, p->sequence);
		(void)smpp_session_flush(s);
		smpp_session_down(s, "the SMSC unbound");
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
			smpp_session_down(s, n == 0 ? "the SMSC closed the connection" :
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
			smpp_session_down(s, "a PDU with a command_length out of range");
			return;
		}
		memmove(s->rbuf, s->rbuf + off, s->rlen - off);
		s->rlen -= off;
		explicit_bzero(s->rbuf + s->rlen, off);
	}
	if (smpp_session_flush(s) == -1)
		smpp_session_down(s, "write: %s", strerror(errno));
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
	p.sequence = s->bind_seq = smpp_session_seq(s);
	snprintf(p.u.bind.system_id, sizeof(p.u.bind.system_id), "%s", s->system_id);
	snprintf(p.u.bind.password, sizeof(p.u.bind.password), "%s", s->password);
	snprintf(p.u.bind.system_type, sizeof(p.u.bind.system_type), "%s",
	    s->system_type ? s->system_type : "");
	p.u.bind.interface_version = SMPP_INTERFACE_VERSION;
	n = smpp_encode(&p, buf, sizeof(buf));
	explicit_bzero(&p, sizeof(p));
	if (n == -1 || smpp_session_put(s, buf, (size_t)n) != 0) {
		explicit_bzero(buf, sizeof(buf));
		smpp_session_down(s, "cannot encode bind_transceiver");
		return;
	}
	explicit_bzero(buf, sizeof(buf));
	if (smpp_session_flush(s) == -1)
		smpp_session_down(s, "write: %s", strerror(errno));
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
			smpp_session_down(s, "cannot connect: %s", strerror(err));
			return;
		}
		on_connected(s);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		do_read(s);
	if (s->fd != -1 && (events & EPOLLOUT) && smpp_session_flush(s) == -1)
		smpp_session_down(s, "write: %s", strerror(errno));
}

void
smpp_session_start(struct smpp *s)
{
	loop_timer_cancel(s->c->loop, &s->reconnect);
	if ((s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		smpp_session_down(s, "socket: %s", strerror(errno));
		return;
	}
	if (connect(s->fd, (struct sockaddr *)&s->addr, s->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		smpp_session_down(s, "cannot connect: %s", strerror(errno));
		return;
	}
	if (loop_add(s->c->loop, s->fd, EPOLLIN | EPOLLOUT, on_io, s) == -1) {
		smpp_session_down(s, "loop: %s", strerror(errno));
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
		smpp_session_start(s);
}

static void
on_session_deadline(void *arg)
{
	struct smpp *s = arg;

	smpp_session_down(s, "%s did not complete within %u ms",
	    s->st == S_CONNECTING ? "connect" : "bind_transceiver", s->c->timeout_ms);
}

static void
on_enquire(void *arg)
{
	struct smpp *s = arg;

	smpp_session_enquire(s);
	if (s->fd != -1 && smpp_session_flush(s) == -1) {
		smpp_session_down(s, "write: %s", strerror(errno));
		return;
	}
	if (s->st == S_BOUND)
		(void)loop_timer_set(s->c->loop, &s->enquire, s->enquire_ms);
}

static void
on_elink_deadline(void *arg)
{
	struct smpp *s = arg;

	smpp_session_down(s, "no enquire_link_resp within %u ms", s->c->timeout_ms);
}

/* At exit, after the loop is gone: no timers touched, no callbacks. A bound
 * session says goodbye (best effort, never waits). */
void
smpp_session_close(struct smpp *s)
{
	uint8_t buf[SMPP_HEADER_LEN];
	struct smpp_pdu p;
	int n;

	if (s->fd != -1) {
		if (s->st == S_BOUND && s->wlen == 0) {
			memset(&p, 0, sizeof(p));
			p.command_id = SMPP_UNBIND;
			p.sequence = smpp_session_seq(s);
			if ((n = smpp_encode(&p, buf, sizeof(buf))) > 0)
				(void)!write(s->fd, buf, (size_t)n);
		}
		close(s->fd);
		s->fd = -1;
	}
	explicit_bzero(s->wbuf, sizeof(s->wbuf));
}
