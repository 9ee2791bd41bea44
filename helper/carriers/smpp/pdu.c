/* SMPP 3.4 PDUs: big-endian header (command_length, command_id,
 * command_status, sequence_number), C-octet strings bounded as the spec
 * says, TLVs after the mandatory fields. Every read is checked against the
 * PDU's own length: a peer cannot make us read or write past a buffer. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smpp_pdu.h"
#include "util.h"

#define TLV_RECEIPTED_MESSAGE_ID 0x001e
#define TLV_MESSAGE_STATE 0x0427
#define TLV_MESSAGE_PAYLOAD 0x0424

struct rd {
	const uint8_t *p;
	size_t n, off;
};

struct wr {
	uint8_t *p;
	size_t sz, n;
	int err;
};

static uint32_t
get32at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
get8(struct rd *r, uint8_t *v)
{
	if (r->n - r->off < 1)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

static int
get16(struct rd *r, uint16_t *v)
{
	if (r->n - r->off < 2)
		return -1;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

/* A C-octet string of at most max bytes with its NUL. */
static int
getcstr(struct rd *r, char *out, size_t max)
{
	size_t avail = r->n - r->off, lim = avail < max ? avail : max, i;

	for (i = 0; i < lim; i++)
		if (r->p[r->off + i] == '\0')
			break;
	if (i == lim)
		return -1;           /* no NUL where it must be */
	memcpy(out, r->p + r->off, i);
	out[i] = '\0';
	r->off += i + 1;
	return 0;
}

/* Times are absent (just the NUL) or exactly 16 characters. */
static int
gettime(struct rd *r, char *out)
{
	size_t l;

	if (getcstr(r, out, SMPP_TIME_MAX) == -1)
		return -1;
	l = strlen(out);
	return l == 0 || l == 16 ? 0 : -1;
}

static void
put8(struct wr *w, uint8_t v)
{
	if (w->err || w->sz - w->n < 1) {
		w->err = 1;
		return;
	}
	w->p[w->n++] = v;
}

static void
put16(struct wr *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void
put32(struct wr *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void
putbytes(struct wr *w, const void *b, size_t len)
{
	if (w->err || w->sz - w->n < len) {
		w->err = 1;
		return;
	}
	if (len > 0)
		memcpy(w->p + w->n, b, len);
	w->n += len;
}

static void
putcstr(struct wr *w, const char *s, size_t max)
{
	size_t l = strnlen(s, max);

	if (l >= max) {
		w->err = 1;
		return;
	}
	putbytes(w, s, l + 1);
}

static void
puttime(struct wr *w, const char *s)
{
	size_t l = strnlen(s, SMPP_TIME_MAX);

	if (l != 0 && l != 16)
		w->err = 1;
	putcstr(w, s, SMPP_TIME_MAX);
}

int
smpp_frame(const uint8_t *buf, size_t len, size_t *pdulen)
{
	uint32_t l;

	if (len < 4)
		return 0;
	l = get32at(buf);
	if (l < SMPP_HEADER_LEN || l > SMPP_PDU_MAX)
		return SMPP_ERR_LENGTH;
	if (len < l)
		return 0;
	*pdulen = l;
	return 1;
}

static int
decode_tlvs(struct rd *r, struct smpp_sm *sm, uint8_t sm_length)
{
	uint16_t tag, l;

	while (r->off < r->n) {
		if (get16(r, &tag) == -1 || get16(r, &l) == -1 || r->n - r->off < l)
			return -1;
		if (sm != NULL && tag == TLV_MESSAGE_PAYLOAD) {
			if (sm_length != 0 || sm->payload || l > SMPP_TEXT_MAX)
				return -1;
			memcpy(sm->text, r->p + r->off, l);
			sm->text_len = l;
			sm->payload = 1;
		} else if (sm != NULL && tag == TLV_MESSAGE_STATE) {
			if (l != 1)
				return -1;
			sm->message_state = r->p[r->off];
		} else if (sm != NULL && tag == TLV_RECEIPTED_MESSAGE_ID) {
			/* A C-octet string filling the value exactly. */
			if (l < 1 || l > SMPP_MESSAGE_ID_MAX || r->p[r->off + l - 1] != '\0' ||
			    memchr(r->p + r->off, '\0', l - 1) != NULL)
				return -1;
			memcpy(sm->receipted_message_id, r->p + r->off, l);
		}
		r->off += l;   /* others (sc_interface_version, ...): skipped */
	}
	return 0;
}

static int
decode_sm(struct rd *r, struct smpp_sm *sm)
{
	uint8_t sm_length;

	sm->message_state = -1;
	if (getcstr(r, sm->service_type, sizeof(sm->service_type)) == -1 ||
	    get8(r, &sm->source_addr_ton) == -1 || get8(r, &sm->source_addr_npi) == -1 ||
	    getcstr(r, sm->source_addr, sizeof(sm->source_addr)) == -1 ||
	    get8(r, &sm->dest_addr_ton) == -1 || get8(r, &sm->dest_addr_npi) == -1 ||
	    getcstr(r, sm->destination_addr, sizeof(sm->destination_addr)) == -1 ||
	    get8(r, &sm->esm_class) == -1 || get8(r, &sm->protocol_id) == -1 ||
	    get8(r, &sm->priority_flag) == -1 ||
	    gettime(r, sm->schedule_delivery_time) == -1 ||
	    gettime(r, sm->validity_period) == -1 ||
	    get8(r, &sm->registered_delivery) == -1 ||
	    get8(r, &sm->replace_if_present_flag) == -1 ||
	    get8(r, &sm->data_coding) == -1 || get8(r, &sm->sm_default_msg_id) == -1 ||
	    get8(r, &sm_length) == -1)
		return -1;
	if (sm_length > SMPP_SHORT_MESSAGE_MAX || r->n - r->off < sm_length)
		return -1;
	memcpy(sm->text, r->p + r->off, sm_length);
	sm->text_len = sm_length;
	r->off += sm_length;
	return decode_tlvs(r, sm, sm_length);
}

int
smpp_decode(const uint8_t *buf, size_t len, struct smpp_pdu *pdu)
{
	struct rd r;
	struct smpp_bind *b = &pdu->u.bind;
	int body;

	memset(pdu, 0, sizeof(*pdu));
	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX || get32at(buf) != len)
		return SMPP_ERR_LENGTH;
	pdu->command_id = get32at(buf + 4);
	pdu->command_status = get32at(buf + 8);
	pdu->sequence = get32at(buf + 12);
	r.p = buf;
	r.n = len;
	r.off = SMPP_HEADER_LEN;
	body = len > SMPP_HEADER_LEN;
	switch (pdu->command_id) {
	case SMPP_GENERIC_NACK:
	case SMPP_UNBIND:
	case SMPP_UNBIND_RESP:
	case SMPP_ENQUIRE_LINK:
	case SMPP_ENQUIRE_LINK_RESP:
		return body ? SMPP_ERR_BODY : SMPP_OK;
	case SMPP_BIND_TRANSCEIVER:
		if (getcstr(&r, b->system_id, sizeof(b->system_id)) == -1 ||
		    getcstr(&r, b->password, sizeof(b->password)) == -1 ||
		    getcstr(&r, b->system_type, sizeof(b->system_type)) == -1 ||
		    get8(&r, &b->interface_version) == -1 || get8(&r, &b->addr_ton) == -1 ||
		    get8(&r, &b->addr_npi) == -1 ||
		    getcstr(&r, b->address_range, sizeof(b->address_range)) == -1 ||
		    r.off != r.n)
			return SMPP_ERR_BODY;
		return SMPP_OK;
	case SMPP_BIND_TRANSCEIVER_RESP:
		/* No body at all is allowed when the bind was refused; SMSCs
		 * also send it bare on success. */
		if (body && (getcstr(&r, pdu->u.system_id, sizeof(pdu->u.system_id)) == -1 ||
		    decode_tlvs(&r, NULL, 0) == -1))
			return SMPP_ERR_BODY;
		return SMPP_OK;
	case SMPP_SUBMIT_SM:
	case SMPP_DELIVER_SM:
		return decode_sm(&r, &pdu->u.sm) == -1 ? SMPP_ERR_BODY : SMPP_OK;
	case SMPP_SUBMIT_SM_RESP:
	case SMPP_DELIVER_SM_RESP:
		if (body && (getcstr(&r, pdu->u.message_id, sizeof(pdu->u.message_id)) == -1 ||
		    decode_tlvs(&r, NULL, 0) == -1))
			return SMPP_ERR_BODY;
		return SMPP_OK;
	default:
		return SMPP_ERR_COMMAND;
	}
}

static void
encode_sm(struct wr *w, const struct smpp_sm *sm)
{
	size_t l;

	putcstr(w, sm->service_type, sizeof(sm->service_type));
	put8(w, sm->source_addr_ton);
	put8(w, sm->source_addr_npi);
	putcstr(w, sm->source_addr, sizeof(sm->source_addr));
	put8(w, sm->dest_addr_ton);
	put8(w, sm->dest_addr_npi);
	putcstr(w, sm->destination_addr, sizeof(sm->destination_addr));
	put8(w, sm->esm_class);
	put8(w, sm->protocol_id);
	put8(w, sm->priority_flag);
	puttime(w, sm->schedule_delivery_time);
	puttime(w, sm->validity_period);
	put8(w, sm->registered_delivery);
	put8(w, sm->replace_if_present_flag);
	put8(w, sm->data_coding);
	put8(w, sm->sm_default_msg_id);
	if (sm->text_len > SMPP_TEXT_MAX ||
	    (!sm->payload && sm->text_len > SMPP_SHORT_MESSAGE_MAX)) {
		w->err = 1;
		return;
	}
	if (sm->payload) {
		put8(w, 0);
		put16(w, TLV_MESSAGE_PAYLOAD);
		put16(w, (uint16_t)sm->text_len);
	} else
		put8(w, (uint8_t)sm->text_len);
	putbytes(w, sm->text, sm->text_len);
	if (sm->receipted_message_id[0] != '\0') {
		l = strnlen(sm->receipted_message_id, SMPP_MESSAGE_ID_MAX);
		if (l >= SMPP_MESSAGE_ID_MAX) {
			w->err = 1;
			return;
		}
		put16(w, TLV_RECEIPTED_MESSAGE_ID);
		put16(w, (uint16_t)(l + 1));
		putbytes(w, sm->receipted_message_id, l + 1);
	}
	if (sm->message_state >= 0) {
		put16(w, TLV_MESSAGE_STATE);
		put16(w, 1);
		put8(w, (uint8_t)sm->message_state);
	}
}

int
smpp_encode(const struct smpp_pdu *pdu, uint8_t *out, size_t outsz)
{
	struct wr w = { out, outsz, 0, 0 };
	const struct smpp_bind *b = &pdu->u.bind;

	put32(&w, 0);                    /* command_length, set below */
	put32(&w, pdu->command_id);
	put32(&w, pdu->command_status);
	put32(&w, pdu->sequence);
	switch (pdu->command_id) {
	case SMPP_GENERIC_NACK:
	case SMPP_UNBIND:
	case SMPP_UNBIND_RESP:
	case SMPP_ENQUIRE_LINK:
	case SMPP_ENQUIRE_LINK_RESP:
		break;
	case SMPP_BIND_TRANSCEIVER:
		putcstr(&w, b->system_id, sizeof(b->system_id));
		putcstr(&w, b->password, sizeof(b->password));
		putcstr(&w, b->system_type, sizeof(b->system_type));
		put8(&w, b->interface_version);
		put8(&w, b->addr_ton);
		put8(&w, b->addr_npi);
		putcstr(&w, b->address_range, sizeof(b->address_range));
		break;
	case SMPP_BIND_TRANSCEIVER_RESP:
		putcstr(&w, pdu->u.system_id, sizeof(pdu->u.system_id));
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DELIVER_SM:
		encode_sm(&w, &pdu->u.sm);
		break;
	case SMPP_SUBMIT_SM_RESP:
	case SMPP_DELIVER_SM_RESP:
		putcstr(&w, pdu->u.message_id, sizeof(pdu->u.message_id));
		break;
	default:
		return -1;
	}
	if (w.err || w.n > SMPP_PDU_MAX)
		return -1;
	out[0] = (uint8_t)(w.n >> 24);
	out[1] = (uint8_t)(w.n >> 16);
	out[2] = (uint8_t)(w.n >> 8);
	out[3] = (uint8_t)w.n;
	return (int)w.n;
}

/* GSM 03.38 default alphabet: the Unicode code point of each septet. */
static const uint16_t gsm_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0xffff, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* The extension table, reached through ESC (0x1b). */
static const struct { uint8_t septet; uint16_t cp; } gsm_ext[] = {
	{ 0x0a, 0x000c }, { 0x14, 0x005e }, { 0x28, 0x007b }, { 0x29, 0x007d },
	{ 0x2f, 0x005c }, { 0x3c, 0x005b }, { 0x3d, 0x007e }, { 0x3e, 0x005d },
	{ 0x40, 0x007c }, { 0x65, 0x20ac },
};

/* Next code point of NUL-terminated UTF-8, or -1 when it is not UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included). */
static long
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	long cp;
	int n, i;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 1;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 2;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 3;
		cp = p[0] & 0x07;
	} else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;   /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*pp = p + n + 1;
	return cp;
}

/* Septets for cp: 1 (out[0]), 2 (ESC, out[1]) or 0 when GSM-7 lacks it. */
static int
gsm_septets(long cp, uint8_t out[2])
{
	size_t i;

	for (i = 0; i < 128; i++)
		if (gsm_basic[i] == cp) {
			out[0] = (uint8_t)i;
			return 1;
		}
	for (i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++)
		if (gsm_ext[i].cp == cp) {
			out[0] = 0x1b;
			out[1] = gsm_ext[i].septet;
			return 2;
		}
	return 0;
}

int
smpp_text_encode(const char *utf8, uint8_t *out, size_t outsz, uint8_t *data_coding)
{
	const unsigned char *p;
	uint8_t s[2];
	size_t n = 0;
	long cp;
	int k, gsm = 1;

	for (p = (const unsigned char *)utf8; *p != '\0';) {
		if ((cp = utf8_next(&p)) == -1)
			return -1;
		if (gsm_septets(cp, s) == 0)
			gsm = 0;
	}
	for (p = (const unsigned char *)utf8; *p != '\0';) {
		cp = utf8_next(&p);
		if (gsm) {
			k = gsm_septets(cp, s);
			if (outsz - n < (size_t)k)
				return -1;
			memcpy(out + n, s, (size_t)k);
			n += (size_t)k;
		} else if (cp > 0xffff) {
			/* Outside the BMP: a UTF-16 surrogate pair. */
			if (outsz - n < 4)
				return -1;
			cp -= 0x10000;
			out[n++] = (uint8_t)(0xd8 | (cp >> 18));
			out[n++] = (uint8_t)(cp >> 10);
			out[n++] = (uint8_t)(0xdc | ((cp >> 8) & 3));
			out[n++] = (uint8_t)cp;
		} else {
			if (outsz - n < 2)
				return -1;
			out[n++] = (uint8_t)(cp >> 8);
			out[n++] = (uint8_t)cp;
		}
	}
	*data_coding = gsm ? SMPP_DC_DEFAULT : SMPP_DC_UCS2;
	return (int)n;
}

/* The value of "key:" (at the start or after a space) up to the next space. */
static int
receipt_field(const char *t, const char *key, char *out, size_t outsz)
{
	size_t kl = strlen(key), n;
	const char *p;
	char raw[SMPP_MESSAGE_ID_MAX + 1];

	for (p = t; (p = strcasestr(p, key)) != NULL; p++) {
		if (p != t && p[-1] != ' ')
			continue;
		p += kl;
		n = strcspn(p, " ");
		if (n == 0 || n >= sizeof(raw) || n >= outsz)
			return -1;
		memcpy(raw, p, n);
		raw[n] = '\0';
		log_safe(out, outsz, raw);
		return 0;
	}
	return -1;
}

int
smpp_parse_receipt(const uint8_t *text, size_t len, char *id, size_t idsz,
    char *stat, size_t statsz)
{
	char t[SMPP_TEXT_MAX + 1];
	size_t i;

	if (len > SMPP_TEXT_MAX)
		len = SMPP_TEXT_MAX;
	for (i = 0; i < len; i++)
		t[i] = text[i] == '\0' ? ' ' : (char)text[i];
	t[len] = '\0';
	if (receipt_field(t, "id:", id, idsz) == -1 ||
	    receipt_field(t, "stat:", stat, statsz) == -1)
		return -1;
	return 0;
}

int
smpp_receipt_outcome(int message_state, const char *stat)
{
	static const char *const failed[] = {
		"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "UNKNOWN", NULL
	};
	size_t i;

	switch (message_state) {
	case SMPP_STATE_DELIVERED:
		return 1;
	case SMPP_STATE_EXPIRED:
	case SMPP_STATE_DELETED:
	case SMPP_STATE_UNDELIVERABLE:
	case SMPP_STATE_UNKNOWN:
	case SMPP_STATE_REJECTED:
		return -1;
	case -1:
		break;
	default:
		return 0;
	}
	if (stat == NULL)
		return 0;
	if (strcasecmp(stat, "DELIVRD") == 0)
		return 1;
	for (i = 0; failed[i] != NULL; i++)
		if (strcasecmp(stat, failed[i]) == 0)
			return -1;
	return 0;
}

/* s as a number in base, all of it; -1 when it is not one (or too long). */
static int
id_number(const char *s, int base, unsigned long long *v)
{
	char *end;
	size_t i, n = strlen(s);

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++)
		if (!(base == 16 ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
			return -1;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

int
smpp_same_message_id(const char *a, const char *b)
{
	unsigned long long x, y;

	if (a[0] == '\0' || b[0] == '\0')
		return 0;
	if (strcasecmp(a, b) == 0)
		return 1;
	if (id_number(a, 16, &x) == 0 && id_number(b, 10, &y) == 0 && x == y)
		return 1;
	if (id_number(a, 10, &x) == 0 && id_number(b, 16, &y) == 0 && x == y)
		return 1;
	return 0;
}

int
smpp_source_addr(const char *from, char *addr, uint8_t *ton, uint8_t *npi)
{
	size_t n, i;
	int letters = 0;

	addr[0] = '\0';
	*ton = 0;
	*npi = 0;
	if (from == NULL || from[0] == '\0')
		return 0;
	n = strlen(from);
	if (from[0] == '+') {
		if (n < 2 || n > 16 || strspn(from + 1, "0123456789") != n - 1)
			return -1;
		memcpy(addr, from + 1, n);
		*ton = SMPP_TON_INTERNATIONAL;
		*npi = SMPP_NPI_ISDN;
		return 0;
	}
	if (strspn(from, "0123456789") == n) {
		if (n < 3 || n > 8)
			return -1;
		memcpy(addr, from, n + 1);
		*ton = SMPP_TON_NETWORK;
		return 0;
	}
	if (n > 11)
		return -1;
	for (i = 0; i < n; i++) {
		if (isalpha((unsigned char)from[i]) && !(from[i] & 0x80))
			letters = 1;
		else if (!isdigit((unsigned char)from[i]) && strchr(" .-_&", from[i]) == NULL)
			return -1;
	}
	if (!letters)
		return -1;
	memcpy(addr, from, n + 1);
	*ton = SMPP_TON_ALPHANUMERIC;
	return 0;
}

enum carrier_status
smpp_classify(uint32_t status)
{
	switch (status) {
	case ESME_ROK:
		return CARRIER_ACCEPTED;
	case ESME_RTHROTTLED:
	case ESME_RMSGQFUL:
		return CARRIER_RETRY;
	case ESME_RINVDSTADR:
	case ESME_RINVDSTTON:
	case ESME_RINVDSTNPI:
		return CARRIER_PERMANENT;
	default:
		return CARRIER_FAILOVER;
	}
}

const char *
smpp_status_name(uint32_t status)
{
	static const struct { uint32_t st; const char *name; } names[] = {
		{ ESME_ROK, "ESME_ROK" },
		{ ESME_RINVMSGLEN, "ESME_RINVMSGLEN" },
		{ ESME_RINVCMDLEN, "ESME_RINVCMDLEN" },
		{ ESME_RINVCMDID, "ESME_RINVCMDID" },
		{ ESME_RINVBNDSTS, "ESME_RINVBNDSTS" },
		{ ESME_RALYBND, "ESME_RALYBND" },
		{ ESME_RSYSERR, "ESME_RSYSERR" },
		{ ESME_RINVSRCADR, "ESME_RINVSRCADR" },
		{ ESME_RINVDSTADR, "ESME_RINVDSTADR" },
		{ ESME_RBINDFAIL, "ESME_RBINDFAIL" },
		{ ESME_RINVPASWD, "ESME_RINVPASWD" },
		{ ESME_RINVSYSID, "ESME_RINVSYSID" },
		{ ESME_RMSGQFUL, "ESME_RMSGQFUL" },
		{ 0x00000045u, "ESME_RSUBMITFAIL" },
		{ ESME_RINVSRCTON, "ESME_RINVSRCTON" },
		{ ESME_RINVSRCNPI, "ESME_RINVSRCNPI" },
		{ ESME_RINVDSTTON, "ESME_RINVDSTTON" },
		{ ESME_RINVDSTNPI, "ESME_RINVDSTNPI" },
		{ ESME_RTHROTTLED, "ESME_RTHROTTLED" },
		{ 0x00000061u, "ESME_RINVSCHED" },
		{ 0x00000062u, "ESME_RINVEXPIRY" },
		{ 0x000000FEu, "ESME_RDELIVERYFAILURE" },
		{ 0x000000FFu, "ESME_RUNKNOWNERR" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].st == status)
			return names[i].name;
	return "unknown";
}
