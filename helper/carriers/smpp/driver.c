/* SMPP 3.4 straight to an SMSC or aggregator, the driver: reads its YAML,
 * resolves the SMSC once, builds each submit_sm and hands it to the session.
 * The session on the loop is smpp_session.c (connect, bind_transceiver,
 * enquire_link, reconnect with backoff), the messages smpp_window.c (up to
 * `window` submit_sm waiting for their submit_sm_resp, each within the
 * carrier's timeout; the answer's command_status decides, smpp_classify;
 * with deliver_within only a DELIVRD receipt accepts, as with Kannel), the
 * codec smpp_pdu.c. */
#include <config.h>

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "cfgtree.h"
#include "log.h"
#include "loop.h"
#include "proto.h"
#include "smpp_pdu.h"
#include "smpp_session.h"
#include "util.h"

#define SMPP_DEFAULT_PORT 2775

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
	if ((req = smpp_req_new(s, done, arg)) == NULL)
		goto out;
	if (build_submit(s, m, req) == -1) {
		log_warn("carrier %s: cannot build the submit_sm (sender \"%s\" or text "
		    "not valid for SMPP)", c->name, m->from ? m->from : s->from ? s->from : "");
		goto out;
	}
	/* From here on req is the window's (it may be done already). */
	if (smpp_window_queue(s, req) == -1)
		goto out;
	req = NULL;
	r = 0;
 out:
	if (req != NULL)
		smpp_req_free(req);
	return r;
}

static void
smpp_free_priv(struct smpp *s)
{
	if (s == NULL)
		return;
	smpp_session_close(s);
	smpp_window_free(s);
	free(s->system_id);
	freezero_str(s->password);
	free(s->system_type);
	free(s->from);
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
	s->enquire_ms = 30000;
	s->window = 10;
	smpp_session_init(s);
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
