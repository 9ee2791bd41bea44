#include <config.h>

#include <string.h>

#include "proto.h"
#include "../tap.h"

static struct buf
encode(const struct proto_msg *m)
{
	struct buf b;

	buf_init(&b, PROTO_MAX_FRAME + 4);
	ok(proto_encode(&b, m) == PROTO_OK, "encode type %u", m->type);
	return b;
}

static void
test_roundtrip(void)
{
	struct proto_msg m, d;
	struct buf b;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CHALLENGE_REQ;
	strcpy(m.u.creq.user, "alice");
	strcpy(m.u.creq.service, "sshd");
	strcpy(m.u.creq.rhost, "192.0.2.7");
	strcpy(m.u.creq.tty, "ssh");
	b = encode(&m);
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK, "decode challenge request");
	is_str(d.u.creq.user, "alice", "user survives");
	is_str(d.u.creq.rhost, "192.0.2.7", "rhost survives");
	is_str(d.u.creq.ruser, "", "empty ruser survives");
	buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CHALLENGE_RSP;
	memset(m.u.crsp.id, 0xab, PROTO_ID_LEN);
	strcpy(m.u.crsp.masked, "+44\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "0123");
	m.u.crsp.ttl = 300;
	m.u.crsp.digits = 6;
	m.u.crsp.flags = PROTO_CF_REUSED;
	b = encode(&m);
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK, "decode challenge reply");
	ok(memcmp(d.u.crsp.id, m.u.crsp.id, PROTO_ID_LEN) == 0, "id survives");
	is_int(d.u.crsp.ttl, 300, "ttl survives");
	is_int(d.u.crsp.flags, PROTO_CF_REUSED, "flags survive");
	is_str(d.u.crsp.masked, m.u.crsp.masked, "masked number survives");
	buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_REQ;
	strcpy(m.u.vreq.user, "bob");
	strcpy(m.u.vreq.code, "012345");
	b = encode(&m);
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK, "decode verify request");
	is_str(d.u.vreq.code, "012345", "code keeps leading zero");
	proto_msg_wipe(&d);
	ok(d.u.vreq.code[0] == 0, "wipe clears the code");
	buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_ERROR;
	m.u.err.code = PROTO_E_RATE;
	m.u.err.retry_after = 42;
	strcpy(m.u.err.message, "slow down");
	b = encode(&m);
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK, "decode error");
	is_int(d.u.err.retry_after, 42, "retry_after survives");
	buf_free(&b);
}

static void
test_truncated(void)
{
	struct proto_msg m, d;
	struct buf b;
	size_t i, fl;
	int bad = 0;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_REQ;
	strcpy(m.u.vreq.user, "alice");
	strcpy(m.u.vreq.code, "123456");
	b = encode(&m);
	for (i = 0; i < b.len; i++)
		if (proto_frame_check(b.d, i, &fl) != PROTO_NEED_MORE)
			bad++;
	is_int(bad, 0, "every prefix of a frame needs more");
	/* Lie about the length: the body is then short. */
	for (i = 6; i < b.len; i++) {
		uint8_t t[PROTO_MAX_FRAME + 4];

		memcpy(t, b.d, i);
		t[0] = t[1] = 0;
		t[2] = (uint8_t)((i - 4) >> 8);
		t[3] = (uint8_t)(i - 4);
		if (proto_decode(t, i, &d) != PROTO_EFIELD)
			bad++;
	}
	is_int(bad, 0, "a frame cut short at any field fails to decode");
	ok(proto_decode(b.d, b.len - 1, &d) == PROTO_ESHORT, "missing last byte");
	buf_free(&b);
}

static void
test_limits(void)
{
	uint8_t f[PROTO_MAX_FRAME + 16];
	struct proto_msg m, d;
	struct buf b;
	size_t fl;

	memset(f, 0, sizeof(f));
	f[2] = (PROTO_MAX_FRAME + 1) >> 8;
	f[3] = (PROTO_MAX_FRAME + 1) & 0xff;
	ok(proto_frame_check(f, 4, &fl) == PROTO_ETOOBIG, "oversized length refused at once");
	f[0] = 0xff;
	ok(proto_frame_check(f, 4, &fl) == PROTO_ETOOBIG, "huge length refused");
	memset(f, 0, 4);
	f[3] = 1;
	ok(proto_frame_check(f, 5, &fl) == PROTO_ESHORT, "length below header refused");

	/* unknown type */
	memcpy(f, "\0\0\0\2\1\x63", 6);
	ok(proto_decode(f, 6, &d) == PROTO_ETYPE, "unknown type refused");
	/* other version */
	memcpy(f, "\0\0\0\2\x09\1", 6);
	ok(proto_decode(f, 6, &d) == PROTO_EVERSION && d.version == 9, "other version reported");

	/* trailing bytes inside the frame */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	buf_init(&b, PROTO_MAX_FRAME + 4);
	proto_encode(&b, &m);
	buf_put_u8(&b, 0);
	b.d[3]++;
	ok(proto_decode(b.d, b.len, &d) == PROTO_ETRAILING, "trailing bytes refused");
	buf_free(&b);

	/* embedded NUL in a string */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_REQ;
	strcpy(m.u.vreq.user, "alxce");
	strcpy(m.u.vreq.code, "1234");
	buf_init(&b, PROTO_MAX_FRAME + 4);
	proto_encode(&b, &m);
	b.d[6 + PROTO_ID_LEN + 4 + 2] = '\0';
	ok(proto_decode(b.d, b.len, &d) == PROTO_EFIELD, "embedded NUL refused");
	buf_free(&b);

	/* a code longer than PROTO_MAX_CODE on the wire */
	buf_init(&b, PROTO_MAX_FRAME + 4);
	buf_put_u32(&b, 0);
	buf_put_u8(&b, PROTO_VERSION);
	buf_put_u8(&b, PROTO_VERIFY_REQ);
	buf_put(&b, f, PROTO_ID_LEN);
	buf_put_str(&b, "alice");
	buf_put_str(&b, "123456789012345678901234567890123");
	b.d[3] = (uint8_t)(b.len - 4);
	ok(proto_decode(b.d, b.len, &d) == PROTO_EFIELD, "overlong code refused");
	buf_free(&b);

	/* the largest request still fits a frame */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_CHALLENGE_REQ;
	memset(m.u.creq.user, 'u', PROTO_MAX_USER);
	memset(m.u.creq.service, 's', PROTO_MAX_SERVICE);
	memset(m.u.creq.rhost, 'h', PROTO_MAX_RHOST);
	memset(m.u.creq.ruser, 'r', PROTO_MAX_USER);
	memset(m.u.creq.tty, 't', PROTO_MAX_TTY);
	buf_init(&b, PROTO_MAX_FRAME + 4);
	ok(proto_encode(&b, &m) == PROTO_OK, "largest request encodes");
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK && strlen(d.u.creq.ruser) == PROTO_MAX_USER,
	    "largest request decodes");
	buf_free(&b);
}

/* A page of the largest carriers, every counter at its largest, still fits
 * a frame; it comes back as it went; counts past the caps are refused; the
 * text it renders has the shape of both formats. */
static void
test_metrics(void)
{
	static struct proto_msg m, d;
	struct metrics_snap *s = &m.u.metrics;
	struct buf b, t;
	uint8_t *p;
	size_t i, j;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_METRICS_RSP;
	s->start_time = UINT64_MAX;
	for (i = 0; i < METRICS_NRESULTS; i++)
		s->challenges[i] = s->verifies[i] = UINT64_MAX - i;
	s->n_carriers = METRICS_MAX_CARRIERS;
	s->first = METRICS_MAX_CARRIERS - METRICS_PAGE_CARRIERS;
	s->n_page = METRICS_PAGE_CARRIERS;
	for (i = 0; i < METRICS_PAGE_CARRIERS; i++) {
		memset(s->carriers[i].name, 'a' + (int)i, METRICS_CARRIER_NAME - 1);
		s->carriers[i].breaker = METRICS_BREAKER_HALF_OPEN;
		s->carriers[i].accepted = UINT64_MAX;
		for (j = 0; j < METRICS_LAT_BUCKETS; j++)
			s->carriers[i].lat_bucket[j] = UINT64_MAX;
		s->carriers[i].lat_count = s->carriers[i].lat_sum_ms = UINT64_MAX;
	}
	b = encode(&m);
	printf("# a full metrics page: %zu bytes of %u\n", b.len, PROTO_MAX_FRAME + 4);
	ok(proto_decode(b.d, b.len, &d) == PROTO_OK, "full metrics page decodes");
	ok(memcmp(&m.u.metrics, &d.u.metrics, sizeof(m.u.metrics)) == 0,
	    "and comes back as it went");
	/* n_page (after n_carriers, first) is the 3rd u32 before the u8
	 * bucket count that ends the header: past the page cap, refused. */
	p = b.d + 6 + 16 + 1 + 2 * 8 * METRICS_NRESULTS + 1 + 8 * METRICS_NREFUSALS +
	    6 * 8 + 8;
	ok(p[3] == METRICS_PAGE_CARRIERS, "n_page where it is expected");
	p[3] = METRICS_PAGE_CARRIERS + 1;
	ok(proto_decode(b.d, b.len, &d) == PROTO_EFIELD, "a page over the cap is refused");
	p[3] = METRICS_PAGE_CARRIERS;
	p[-5] = METRICS_MAX_CARRIERS + 1;
	ok(proto_decode(b.d, b.len, &d) == PROTO_EFIELD, "more carriers than the cap refused");
	buf_free(&b);
	s->n_page = METRICS_PAGE_CARRIERS + 1;
	buf_init(&b, PROTO_MAX_FRAME + 4);
	ok(proto_encode(&b, &m) != PROTO_OK, "a page over the cap is not sent");
	buf_free(&b);

	s->n_page = 1;
	s->first = 0;
	snprintf(s->carriers[0].name, sizeof(s->carriers[0].name), "sms-1.eu");
	buf_init(&t, 1 << 20);
	ok(metrics_render(s, 1, &t) == 0 && t.len > 6 &&
	    memcmp(t.d + t.len - 6, "# EOF\n", 6) == 0, "OpenMetrics ends with # EOF");
	ok(memmem(t.d, t.len, "# TYPE otpsms_challenges counter\n", 33) != NULL,
	    "OpenMetrics counter family without _total");
	ok(memmem(t.d, t.len, "le=\"0.25\"", 9) != NULL &&
	    memmem(t.d, t.len, "le=\"1.0\"", 8) != NULL, "bucket bounds as floats");
	buf_reset(&t);
	ok(metrics_render(s, 0, &t) == 0 && memmem(t.d, t.len, "# EOF", 5) == NULL &&
	    memmem(t.d, t.len, "# UNIT", 6) == NULL &&
	    memmem(t.d, t.len, "# TYPE otpsms_challenges_total counter\n", 39) != NULL,
	    "0.0.4: counter family with _total, no # UNIT, no # EOF");
	ok(memmem(t.d, t.len, "carrier=\"sms-1.eu\"", 18) != NULL, "carrier label");
	buf_free(&t);
}

int
main(void)
{
	test_roundtrip();
	test_truncated();
	test_limits();
	test_metrics();
	return done_testing();
}
