/* The smpp driver's messages: a submit_sm waits in the queue until the
 * session is bound, then up to `window` of them wait for their submit_sm_resp
 * at once, each within the carrier's timeout. The answer's command_status
 * decides (smpp_classify); with deliver_within the message then waits for
 * its delivery receipt (deliver_sm) and only DELIVRD accepts it. Each
 * message ends in exactly one call of its done callback. */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "log.h"
#include "loop.h"
#include "smpp_pdu.h"
#include "smpp_session.h"
#include "util.h"

static void on_req_deadline(void *arg);

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

struct smpp_req *
smpp_req_new(struct smpp *s, carrier_done_fn *done, void *arg)
{
	struct smpp_req *req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->s = s;
	req->done = done;
	req->arg = arg;
	req->state = RQ_QUEUED;
	loop_timer_init(&req->timer, on_req_deadline, req);
	return req;
}

void
smpp_req_free(struct smpp_req *req)
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
	smpp_req_free(req);
}

/* Queues req (its submit_sm built) within the carrier's timeout; -1 and req
 * still the caller's when the timer cannot be set. */
int
smpp_window_queue(struct smpp *s, struct smpp_req *req)
{
	if (loop_timer_set(s->c->loop, &req->timer, s->c->timeout_ms) == -1)
		return -1;
	list_append(&s->queue, req);
	/* A message is a reason to try now, whatever the backoff said. */
	if (s->st == S_DOWN && !s->failing)
		smpp_session_start(s);
	else if (s->st == S_BOUND)
		smpp_window_pump(s);
	return 0;
}

/* Moves queued messages into the window while there is room. */
void
smpp_window_pump(struct smpp *s)
{
	struct smpp_req *req;

	while (s->st == S_BOUND && (req = s->queue) != NULL && s->ninflight < s->window) {
		req->seq = smpp_session_seq(s);
		req->pdu[12] = (uint8_t)(req->seq >> 24);
		req->pdu[13] = (uint8_t)(req->seq >> 16);
		req->pdu[14] = (uint8_t)(req->seq >> 8);
		req->pdu[15] = (uint8_t)req->seq;
		if (smpp_session_put(s, req->pdu, req->pdulen) != 0)
			break;
		explicit_bzero(req->pdu, req->pdulen);
		free(req->pdu);
		req->pdu = NULL;
		s->queue = req->next;
		req->state = RQ_SENT;
		list_append(&s->inflight, req);
		s->ninflight++;
	}
	if (s->st == S_BOUND && smpp_session_flush(s) == -1)
		smpp_session_down(s, "write: %s", strerror(errno));
}

/* The session went down (last_error says why): what was queued or in the
 * window fails over. Messages waiting for a receipt stay: it may come on the
 * next session. */
void
smpp_window_fail(struct smpp *s)
{
	struct smpp_req *inflight, *queue, *req;

	/* Detached first: a done callback may send through us again. */
	inflight = s->inflight;
	queue = s->queue;
	s->inflight = s->queue = NULL;
	s->ninflight = 0;
	while ((req = inflight) != NULL) {
		inflight = req->next;
		finish(req, CARRIER_FAILOVER, "SMPP session lost before submit_sm_resp: %s",
		    s->last_error);
	}
	while ((req = queue) != NULL) {
		queue = req->next;
		finish(req, CARRIER_FAILOVER, "SMPP session not bound: %s", s->last_error);
	}
}

/* A submit_sm_resp, or a generic_nack for one of our submit_sm. */
void
smpp_window_submit_resp(struct smpp *s, const struct smpp_pdu *p)
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
		smpp_window_pump(s);
		return;
	}
	log_safe(req->message_id, sizeof(req->message_id), p->u.message_id);
	if (s->deliver_within_ms == 0) {
		finish(req, CARRIER_ACCEPTED, "submit_sm_resp ESME_ROK");
		smpp_window_pump(s);
		return;
	}
	/* Out of the window; the receipt decides. */
	list_remove(&s->inflight, req);
	s->ninflight--;
	req->state = RQ_RECEIPT;
	list_append(&s->receipts, req);
	(void)loop_timer_set(s->c->loop, &req->timer, s->deliver_within_ms);
	smpp_window_pump(s);
}

/* A deliver_sm: acknowledged; a delivery receipt may end a message. */
void
smpp_window_deliver(struct smpp *s, const struct smpp_pdu *p)
{
	const struct smpp_sm *sm = &p->u.sm;
	struct smpp_req *req;
	char id[SMPP_MESSAGE_ID_MAX] = "", stat[16] = "";
	int outcome;

	/* Acknowledged whatever it is, or the SMSC sends it again. */
	if (smpp_session_put_simple(s, SMPP_DELIVER_SM_RESP, ESME_ROK, p->sequence) == -1)
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
		smpp_session_enquire(s);
		smpp_window_pump(s);
		break;
	case RQ_RECEIPT:
		finish(req, CARRIER_FAILOVER, "no delivery receipt within %u ms "
		    "(submit_sm accepted as %s)", s->deliver_within_ms, req->message_id);
		break;
	}
}

/* At exit, after the loop is gone: no timers touched, no callbacks. */
void
smpp_window_free(struct smpp *s)
{
	struct smpp_req *lists[3], *req, *next;
	size_t i;

	lists[0] = s->queue;
	lists[1] = s->inflight;
	lists[2] = s->receipts;
	for (i = 0; i < 3; i++)
		for (req = lists[i]; req != NULL; req = next) {
			next = req->next;
			smpp_req_free(req);
		}
	s->queue = s->inflight = s->receipts = NULL;
}
