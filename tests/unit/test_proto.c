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

int
main(void)
{
	test_roundtrip();
	test_truncated();
	test_limits();
	return done_testing();
}
