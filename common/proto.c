#include <config.h>

#include <string.h>

#include "proto.h"

int
proto_frame_check(const uint8_t *p, size_t n, size_t *framelen)
{
	uint32_t len;

	if (n < 4)
		return PROTO_NEED_MORE;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (len > PROTO_MAX_FRAME)
		return PROTO_ETOOBIG;
	if (len < PROTO_HDR_LEN - 4)
		return PROTO_ESHORT;
	if (n < 4 + (size_t)len)
		return PROTO_NEED_MORE;
	*framelen = 4 + (size_t)len;
	return PROTO_OK;
}

static int
encode_body(struct buf *b, const struct proto_msg *m)
{
	int r = PROTO_ETYPE;

	switch (m->type) {
	case PROTO_CHALLENGE_REQ:
		if ((r = buf_put_str(b, m->u.creq.user)) != 0 ||
		    (r = buf_put_str(b, m->u.creq.service)) != 0 ||
		    (r = buf_put_str(b, m->u.creq.rhost)) != 0 ||
		    (r = buf_put_str(b, m->u.creq.ruser)) != 0 ||
		    (r = buf_put_str(b, m->u.creq.tty)) != 0 ||
		    (r = buf_put_u32(b, m->u.creq.flags)) != 0)
			break;
		break;
	case PROTO_CHALLENGE_RSP:
		if ((r = buf_put(b, m->u.crsp.id, PROTO_ID_LEN)) != 0 ||
		    (r = buf_put_str(b, m->u.crsp.masked)) != 0 ||
		    (r = buf_put_u32(b, m->u.crsp.ttl)) != 0 ||
		    (r = buf_put_u32(b, m->u.crsp.digits)) != 0 ||
		    (r = buf_put_u32(b, m->u.crsp.flags)) != 0 ||
		    (r = buf_put_u32(b, m->u.crsp.channels)) != 0)
			break;
		break;
	case PROTO_VERIFY_REQ:
		if ((r = buf_put(b, m->u.vreq.id, PROTO_ID_LEN)) != 0 ||
		    (r = buf_put_str(b, m->u.vreq.user)) != 0 ||
		    (r = buf_put_str(b, m->u.vreq.code)) != 0)
			break;
		break;
	case PROTO_VERIFY_RSP:
		if ((r = buf_put_u32(b, m->u.vrsp.status)) != 0 ||
		    (r = buf_put_u32(b, m->u.vrsp.attempts_left)) != 0)
			break;
		break;
	case PROTO_ERROR:
		if ((r = buf_put_u32(b, m->u.err.code)) != 0 ||
		    (r = buf_put_u32(b, m->u.err.retry_after)) != 0 ||
		    (r = buf_put_str(b, m->u.err.message)) != 0)
			break;
		break;
	case PROTO_CTL_REQ:
		if ((r = buf_put_u32(b, m->u.creq_ctl.op)) != 0 ||
		    (r = buf_put_str(b, m->u.creq_ctl.arg)) != 0)
			break;
		break;
	case PROTO_CTL_RSP:
		if ((r = buf_put_u32(b, m->u.crsp_ctl.status)) != 0 ||
		    (r = buf_put_str(b, m->u.crsp_ctl.text)) != 0)
			break;
		break;
	case PROTO_BACKUP_VERIFY_REQ:
		if ((r = buf_put_str(b, m->u.breq.user)) != 0 ||
		    (r = buf_put_str(b, m->u.breq.code)) != 0)
			break;
		break;
	case PROTO_METRICS_RSP:
		r = metrics_encode(b, &m->u.metrics);
		break;
	}
	return r;
}

/* Bounds strings on the sending side too, so a frame we write is one the peer
 * accepts. */
static int
check_lengths(const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_CHALLENGE_REQ:
		return strlen(m->u.creq.user) <= PROTO_MAX_USER &&
		    strlen(m->u.creq.service) <= PROTO_MAX_SERVICE &&
		    strlen(m->u.creq.rhost) <= PROTO_MAX_RHOST &&
		    strlen(m->u.creq.ruser) <= PROTO_MAX_USER &&
		    strlen(m->u.creq.tty) <= PROTO_MAX_TTY;
	case PROTO_CHALLENGE_RSP:
		return strlen(m->u.crsp.masked) <= PROTO_MAX_MASKED;
	case PROTO_VERIFY_REQ:
		return strlen(m->u.vreq.user) <= PROTO_MAX_USER &&
		    strlen(m->u.vreq.code) <= PROTO_MAX_CODE;
	case PROTO_ERROR:
		return strlen(m->u.err.message) <= PROTO_MAX_ERRMSG;
	case PROTO_CTL_REQ:
		return strlen(m->u.creq_ctl.arg) <= PROTO_MAX_CTLARG;
	case PROTO_CTL_RSP:
		return strlen(m->u.crsp_ctl.text) <= PROTO_MAX_CTLTEXT;
	case PROTO_BACKUP_VERIFY_REQ:
		return strlen(m->u.breq.user) <= PROTO_MAX_USER &&
		    strlen(m->u.breq.code) <= PROTO_MAX_CODE;
	default:
		return 1;
	}
}

int
proto_encode(struct buf *out, const struct proto_msg *m)
{
	size_t start = out->len, len;
	uint8_t *hdr;
	int r;

	if (m->type < PROTO_CHALLENGE_REQ || m->type > PROTO_TYPE_MAX)
		return PROTO_ETYPE;
	if (!check_lengths(m))
		return PROTO_EFIELD;
	if ((r = buf_put_u32(out, 0)) != 0 ||
	    (r = buf_put_u8(out, PROTO_VERSION)) != 0 ||
	    (r = buf_put_u8(out, m->type)) != 0 ||
	    (r = encode_body(out, m)) != 0) {
		out->len = start;
		return r == BUF_ENOMEM ? PROTO_ENOMEM : PROTO_EFIELD;
	}
	len = out->len - start - 4;
	if (len > PROTO_MAX_FRAME) {
		out->len = start;
		return PROTO_ETOOBIG;
	}
	hdr = out->d + start;
	hdr[0] = len >> 24;
	hdr[1] = len >> 16;
	hdr[2] = len >> 8;
	hdr[3] = len;
	return PROTO_OK;
}

static int
decode_body(struct buf *b, struct proto_msg *m)
{
	int r = PROTO_ETYPE;

	switch (m->type) {
	case PROTO_CHALLENGE_REQ:
		if ((r = buf_get_str(b, m->u.creq.user, PROTO_MAX_USER)) != 0 ||
		    (r = buf_get_str(b, m->u.creq.service, PROTO_MAX_SERVICE)) != 0 ||
		    (r = buf_get_str(b, m->u.creq.rhost, PROTO_MAX_RHOST)) != 0 ||
		    (r = buf_get_str(b, m->u.creq.ruser, PROTO_MAX_USER)) != 0 ||
		    (r = buf_get_str(b, m->u.creq.tty, PROTO_MAX_TTY)) != 0 ||
		    (r = buf_get_u32(b, &m->u.creq.flags)) != 0)
			break;
		break;
	case PROTO_CHALLENGE_RSP:
		if ((r = buf_get(b, m->u.crsp.id, PROTO_ID_LEN)) != 0 ||
		    (r = buf_get_str(b, m->u.crsp.masked, PROTO_MAX_MASKED)) != 0 ||
		    (r = buf_get_u32(b, &m->u.crsp.ttl)) != 0 ||
		    (r = buf_get_u32(b, &m->u.crsp.digits)) != 0 ||
		    (r = buf_get_u32(b, &m->u.crsp.flags)) != 0 ||
		    (r = buf_get_u32(b, &m->u.crsp.channels)) != 0)
			break;
		break;
	case PROTO_VERIFY_REQ:
		if ((r = buf_get(b, m->u.vreq.id, PROTO_ID_LEN)) != 0 ||
		    (r = buf_get_str(b, m->u.vreq.user, PROTO_MAX_USER)) != 0 ||
		    (r = buf_get_str(b, m->u.vreq.code, PROTO_MAX_CODE)) != 0)
			break;
		break;
	case PROTO_VERIFY_RSP:
		if ((r = buf_get_u32(b, &m->u.vrsp.status)) != 0 ||
		    (r = buf_get_u32(b, &m->u.vrsp.attempts_left)) != 0)
			break;
		break;
	case PROTO_ERROR:
		if ((r = buf_get_u32(b, &m->u.err.code)) != 0 ||
		    (r = buf_get_u32(b, &m->u.err.retry_after)) != 0 ||
		    (r = buf_get_str(b, m->u.err.message, PROTO_MAX_ERRMSG)) != 0)
			break;
		break;
	case PROTO_CTL_REQ:
		if ((r = buf_get_u32(b, &m->u.creq_ctl.op)) != 0 ||
		    (r = buf_get_str(b, m->u.creq_ctl.arg, PROTO_MAX_CTLARG)) != 0)
			break;
		break;
	case PROTO_CTL_RSP:
		if ((r = buf_get_u32(b, &m->u.crsp_ctl.status)) != 0 ||
		    (r = buf_get_str(b, m->u.crsp_ctl.text, PROTO_MAX_CTLTEXT)) != 0)
			break;
		break;
	case PROTO_BACKUP_VERIFY_REQ:
		if ((r = buf_get_str(b, m->u.breq.user, PROTO_MAX_USER)) != 0 ||
		    (r = buf_get_str(b, m->u.breq.code, PROTO_MAX_CODE)) != 0)
			break;
		break;
	case PROTO_METRICS_RSP:
		r = metrics_decode(b, &m->u.metrics);
		break;
	}
	if (r == PROTO_ETYPE)
		return r;
	if (r != 0)
		return r == BUF_ENOMEM ? PROTO_ENOMEM : PROTO_EFIELD;
	return buf_avail(b) == 0 ? PROTO_OK : PROTO_ETRAILING;
}

int
proto_decode(const uint8_t *frame, size_t len, struct proto_msg *m)
{
	struct buf b;
	size_t flen;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = proto_frame_check(frame, len, &flen)) != PROTO_OK)
		return r == PROTO_NEED_MORE ? PROTO_ESHORT : r;
	if (flen != len)
		return PROTO_ETRAILING;
	m->version = frame[4];
	m->type = frame[5];
	if (m->version != PROTO_VERSION)
		return PROTO_EVERSION;
	/* A read-only view: the decoder never writes through it. */
	buf_init(&b, len);
	b.d = (uint8_t *)(uintptr_t)frame;
	b.len = len;
	b.off = PROTO_HDR_LEN;
	r = decode_body(&b, m);
	if (r != PROTO_OK)
		proto_msg_wipe(m);
	return r;
}

void
proto_msg_wipe(struct proto_msg *m)
{
	explicit_bzero(m, sizeof(*m));
}

const char *
proto_strerror(int r)
{
	switch (r) {
	case PROTO_OK: return "success";
	case PROTO_NEED_MORE: return "incomplete frame";
	case PROTO_ETOOBIG: return "frame too large";
	case PROTO_ESHORT: return "frame truncated";
	case PROTO_EVERSION: return "unsupported protocol version";
	case PROTO_ETYPE: return "unknown message type";
	case PROTO_ETRAILING: return "trailing bytes after message";
	case PROTO_EFIELD: return "malformed field";
	case PROTO_ENOMEM: return "out of memory";
	default: return "unknown error";
	}
}

const char *
proto_err_name(uint32_t code)
{
	switch (code) {
	case PROTO_E_VERSION: return "unsupported protocol version";
	case PROTO_E_MALFORMED: return "malformed request";
	case PROTO_E_DENIED: return "caller not allowed";
	case PROTO_E_NOUSER: return "no phone number for user";
	case PROTO_E_DELIVERY: return "no carrier accepted the message";
	case PROTO_E_INTERNAL: return "internal error";
	case PROTO_E_BUSY: return "daemon busy";
	case PROTO_E_TIMEOUT: return "request timed out";
	case PROTO_E_NUMBER: return "number cannot receive codes";
	case PROTO_E_RATE: return "rate limited";
	case PROTO_E_LOCKED: return "locked out";
	case PROTO_E_BACKUP_REQUIRED: return "backup code required";
	case PROTO_E_NUMBER_CHECK: return "number refused by its check";
	default: return "unknown error";
	}
}
