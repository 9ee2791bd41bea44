/* The SMPP 3.4 codec (helper/carriers/smpp/pdu.c): PDUs byte for byte against the
 * spec's layout, refusals of what a hostile SMSC could send, text encodings,
 * delivery receipts and the meaning of each command_status. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "smpp_pdu.h"
#include "tap.h"

static struct smpp_pdu p, q;
static uint8_t buf[SMPP_PDU_MAX + 64];

/* Builds a PDU from a header and a body given as bytes. */
static size_t
mk(uint8_t *out, uint32_t cmd, uint32_t status, uint32_t seq, const void *body,
    size_t bodylen)
{
	size_t n = SMPP_HEADER_LEN + bodylen;
	uint32_t v[4] = { (uint32_t)n, cmd, status, seq };
	size_t i;

	for (i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)(v[i] >> 24);
		out[4 * i + 1] = (uint8_t)(v[i] >> 16);
		out[4 * i + 2] = (uint8_t)(v[i] >> 8);
		out[4 * i + 3] = (uint8_t)v[i];
	}
	memcpy(out + SMPP_HEADER_LEN, body, bodylen);
	return n;
}

static void
test_header(void)
{
	size_t len = 0;
	int n;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_ENQUIRE_LINK;
	p.sequence = 0x01020304;
	n = smpp_encode(&p, buf, sizeof(buf));
	is_int(n, 16, "enquire_link is a bare 16-byte header");
	ok(memcmp(buf, "\0\0\0\x10\0\0\0\x15\0\0\0\0\x01\x02\x03\x04", 16) == 0,
	    "big-endian length, command_id, status, sequence");
	is_int(smpp_frame(buf, 3, &len), 0, "frame: 3 bytes need more");
	is_int(smpp_frame(buf, 15, &len), 0, "frame: 15 bytes need more");
	ok(smpp_frame(buf, 40, &len) == 1 && len == 16, "frame: a whole PDU");
	buf[3] = 15;
	is_int(smpp_frame(buf, 16, &len), SMPP_ERR_LENGTH, "frame: command_length 15");
	buf[2] = 0x10;
	buf[3] = 0x01;
	is_int(smpp_frame(buf, 16, &len), SMPP_ERR_LENGTH, "frame: command_length 4097");
	buf[0] = 0x80;
	is_int(smpp_frame(buf, 16, &len), SMPP_ERR_LENGTH, "frame: 2 GiB");
	n = (int)mk(buf, SMPP_ENQUIRE_LINK, 0, 7, "x", 1);
	is_int(smpp_decode(buf, (size_t)n, &p), SMPP_ERR_BODY, "enquire_link with a body");
	is_int(p.sequence, 7, "the header is still read (for generic_nack)");
	n = (int)mk(buf, 0x00000103, 0, 9, "", 0);
	is_int(smpp_decode(buf, (size_t)n, &p), SMPP_ERR_COMMAND, "data_sm: unknown here");
	is_int(smpp_decode(buf, (size_t)n - 1, &p), SMPP_ERR_LENGTH,
	    "command_length not the PDU's length");
}

static void
test_bind(void)
{
	static const uint8_t want[] = "otpsms\0s3cret\0OTP\0\x34\0\0";
	int n;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_BIND_TRANSCEIVER;
	p.sequence = 1;
	strcpy(p.u.bind.system_id, "otpsms");
	strcpy(p.u.bind.password, "s3cret");
	strcpy(p.u.bind.system_type, "OTP");
	p.u.bind.interface_version = SMPP_INTERFACE_VERSION;
	n = smpp_encode(&p, buf, sizeof(buf));
	is_int(n, 16 + (int)sizeof(want), "bind_transceiver length");
	ok(memcmp(buf + 16, want, sizeof(want)) == 0, "bind_transceiver body");
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && memcmp(&p, &q, sizeof(p)) == 0,
	    "bind_transceiver round trip");
	strcpy(p.u.bind.password, "123456789");   /* 9 + NUL: over the spec's 9 */
	is_int(smpp_encode(&p, buf, sizeof(buf)), -1, "a 9-character password is refused");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER, 0, 1, "otpsms\0s3cret\0OTP\0\x34\0", 21);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "bind truncated");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER, 0, 1,
	    "0123456789abcdef\0pw\0\0\x34\0\0", 25);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY,
	    "system_id of 16 characters is refused");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER_RESP, 0, 1, "SMSC\0", 5);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && strcmp(q.u.system_id, "SMSC") == 0,
	    "bind_transceiver_resp: system_id");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER_RESP, 0, 1, "SMSC\0\x02\x10\0\x01\x34", 10);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK, "bind_resp: sc_interface_version TLV");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER_RESP, ESME_RINVPASWD, 1, "", 0);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK &&
	    q.command_status == ESME_RINVPASWD, "bind refused without a body");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER_RESP, 0, 1, "SMSC", 4);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "system_id without its NUL");
	n = (int)mk(buf, SMPP_BIND_TRANSCEIVER_RESP, 0, 1, "SMSC\0\x02\x10\0\x05\x34", 10);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "a TLV longer than the PDU");
}

static void
test_submit(void)
{
	uint8_t dc = 0xff;
	int n, t;

	memset(&p, 0, sizeof(p));
	p.command_id = SMPP_SUBMIT_SM;
	p.sequence = 42;
	p.u.sm.message_state = -1;
	p.u.sm.source_addr_ton = 5;
	strcpy(p.u.sm.source_addr, "ACME");
	p.u.sm.dest_addr_ton = 1;
	p.u.sm.dest_addr_npi = 1;
	strcpy(p.u.sm.destination_addr, "447700900123");
	p.u.sm.registered_delivery = 1;
	t = smpp_text_encode("123456 is your code", p.u.sm.text, sizeof(p.u.sm.text), &dc);
	p.u.sm.text_len = (size_t)t;
	p.u.sm.data_coding = dc;
	n = smpp_encode(&p, buf, sizeof(buf));
	is_int(n, 16 + 1 + 2 + 5 + 2 + 13 + 3 + 1 + 1 + 5 + 19, "submit_sm length");
	ok(memcmp(buf + 16, "\0\x05\0ACME\0\x01\x01" "447700900123\0\0\0\0\0\0\x01\0\0\0\x13"
	    "123456 is your code", (size_t)n - 16) == 0, "submit_sm body, byte for byte");
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && memcmp(&p, &q, sizeof(p)) == 0,
	    "submit_sm round trip");
	buf[n - 20] = 20;          /* sm_length one past the end */
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "sm_length past the end");
	buf[n - 20] = 255;
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "sm_length 255");
	buf[n - 20] = 19;
	ok(smpp_decode(buf, (size_t)n - 1, &q) != SMPP_OK, "one byte short");
	memset(p.u.sm.destination_addr, '1', sizeof(p.u.sm.destination_addr));
	is_int(smpp_encode(&p, buf, sizeof(buf)), -1, "destination_addr of 21 characters");
	memset(p.u.sm.destination_addr, 0, sizeof(p.u.sm.destination_addr));
	strcpy(p.u.sm.destination_addr, "447700900123");
	strcpy(p.u.sm.validity_period, "000001000000000R");
	n = smpp_encode(&p, buf, sizeof(buf));
	ok(n > 0 && smpp_decode(buf, (size_t)n, &q) == SMPP_OK &&
	    strcmp(q.u.sm.validity_period, "000001000000000R") == 0,
	    "a 16-character relative validity_period");
	strcpy(p.u.sm.validity_period, "0000010");
	is_int(smpp_encode(&p, buf, sizeof(buf)), -1, "a 7-character time is refused");
	memset(p.u.sm.validity_period, 0, sizeof(p.u.sm.validity_period));
	/* Over 254 octets: only in message_payload. */
	memset(p.u.sm.text, 'a', 300);
	p.u.sm.text_len = 300;
	is_int(smpp_encode(&p, buf, sizeof(buf)), -1, "300 octets in short_message: refused");
	p.u.sm.payload = 1;
	n = smpp_encode(&p, buf, sizeof(buf));
	ok(n > 300 && smpp_decode(buf, (size_t)n, &q) == SMPP_OK && q.u.sm.payload &&
	    q.u.sm.text_len == 300 && memcmp(&p, &q, sizeof(p)) == 0,
	    "300 octets in message_payload: round trip");
}

static void
test_receipt(void)
{
	static const char text[] = "id:4096 sub:001 dlvrd:001 submit date:2401011200 "
	    "done date:2401011201 stat:DELIVRD err:000 text:123456 is your";
	char id[SMPP_MESSAGE_ID_MAX], stat[16];
	uint8_t body[200];
	size_t bl;
	int n;

	ok(smpp_parse_receipt((const uint8_t *)text, strlen(text), id, sizeof(id), stat,
	    sizeof(stat)) == 0 && strcmp(id, "4096") == 0 && strcmp(stat, "DELIVRD") == 0,
	    "receipt: id and stat");
	ok(smpp_parse_receipt((const uint8_t *)"stat:UNDELIV id:a\x01" "b", 19, id,
	    sizeof(id), stat, sizeof(stat)) == 0 && strcmp(id, "a?b") == 0 &&
	    strcmp(stat, "UNDELIV") == 0, "receipt: any order, made log-safe");
	is_int(smpp_parse_receipt((const uint8_t *)"sub:001 stat:DELIVRD", 20, id,
	    sizeof(id), stat, sizeof(stat)), -1, "receipt without id");
	is_int(smpp_parse_receipt((const uint8_t *)"xid:1 stat:DELIVRD", 18, id,
	    sizeof(id), stat, sizeof(stat)), -1, "\"xid:\" is not \"id:\"");
	is_int(smpp_parse_receipt((const uint8_t *)"id:1 stat:DELIVEREDVERYMUCHSO", 29, id,
	    sizeof(id), stat, sizeof(stat)), -1, "a stat too long for its buffer");
	is_int(smpp_receipt_outcome(-1, "DELIVRD"), 1, "DELIVRD: delivered");
	is_int(smpp_receipt_outcome(-1, "UNDELIV"), -1, "UNDELIV: failed");
	is_int(smpp_receipt_outcome(-1, "REJECTD"), -1, "REJECTD: failed");
	is_int(smpp_receipt_outcome(-1, "ENROUTE"), 0, "ENROUTE: wait");
	is_int(smpp_receipt_outcome(SMPP_STATE_DELIVERED, "UNDELIV"), 1,
	    "message_state wins over the text");
	is_int(smpp_receipt_outcome(SMPP_STATE_UNDELIVERABLE, NULL), -1,
	    "message_state 5: failed");
	ok(smpp_same_message_id("1000", "4096"), "hex 1000 is decimal 4096");
	ok(smpp_same_message_id("4096", "1000"), "either way round");
	ok(smpp_same_message_id("abc-1", "ABC-1"), "case does not matter");
	ok(!smpp_same_message_id("1000", "4097"), "different ids");
	ok(!smpp_same_message_id("", ""), "empty ids never match");

	/* A deliver_sm receipt with TLVs. */
	memcpy(body, "\0\x01\x01" "447700900123\0\x05\0ACME\0\x04\0\0\0\0\0\0\0\0", 32);
	bl = 32;
	body[bl++] = 5;
	memcpy(body + bl, "id:1 ", 5);
	bl += 5;
	memcpy(body + bl, "\x00\x1e\x00\x05" "abcd\0" "\x04\x27\x00\x01\x02", 14);
	bl += 14;
	n = (int)mk(buf, SMPP_DELIVER_SM, 0, 3, body, bl);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && q.u.sm.esm_class == 4 &&
	    strcmp(q.u.sm.receipted_message_id, "abcd") == 0 && q.u.sm.message_state == 2,
	    "deliver_sm: receipted_message_id and message_state TLVs");
	buf[n - 6] = 'x';          /* receipted_message_id loses its NUL */
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY,
	    "receipted_message_id without its NUL");
	n = (int)mk(buf, SMPP_DELIVER_SM, 0, 3, body, bl - 1);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "a truncated TLV");
	n = (int)mk(buf, SMPP_SUBMIT_SM_RESP, 0, 3, "1000\0", 5);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && strcmp(q.u.message_id, "1000") == 0,
	    "submit_sm_resp: message_id");
	n = (int)mk(buf, SMPP_SUBMIT_SM_RESP, ESME_RTHROTTLED, 3, "", 0);
	ok(smpp_decode(buf, (size_t)n, &q) == SMPP_OK && q.u.message_id[0] == '\0',
	    "submit_sm_resp: no body with an error");
	memset(body, 'x', 70);
	body[69] = '\0';
	n = (int)mk(buf, SMPP_SUBMIT_SM_RESP, 0, 3, body, 70);
	is_int(smpp_decode(buf, (size_t)n, &q), SMPP_ERR_BODY, "a message_id of 69 characters");
}

static void
test_text(void)
{
	uint8_t out[64], dc = 0xff;
	int n;

	n = smpp_text_encode("A@$_", out, sizeof(out), &dc);
	ok(n == 4 && dc == SMPP_DC_DEFAULT && memcmp(out, "A\x00\x02\x11", 4) == 0,
	    "GSM-7: @ $ _ take their GSM septets");
	n = smpp_text_encode("[€]", out, sizeof(out), &dc);
	ok(n == 6 && dc == SMPP_DC_DEFAULT && memcmp(out, "\x1b\x3c\x1b\x65\x1b\x3e", 6) == 0,
	    "GSM-7: the extension table through ESC");
	n = smpp_text_encode("é ü Δ", out, sizeof(out), &dc);
	ok(n == 5 && dc == SMPP_DC_DEFAULT && memcmp(out, "\x05 \x7e \x10", 5) == 0,
	    "GSM-7: accented letters and Greek capitals of the default alphabet");
	n = smpp_text_encode("код 1", out, sizeof(out), &dc);
	ok(n == 10 && dc == SMPP_DC_UCS2 && memcmp(out, "\x04\x3a\x04\x3e\x04\x34\0 \0" "1",
	    10) == 0, "UCS-2 when a character has no GSM-7 form");
	n = smpp_text_encode("`", out, sizeof(out), &dc);
	ok(n == 2 && dc == SMPP_DC_UCS2, "a backtick is not GSM-7");
	n = smpp_text_encode("\xf0\x9f\x94\x91", out, sizeof(out), &dc);
	ok(n == 4 && memcmp(out, "\xd8\x3d\xdd\x11", 4) == 0, "outside the BMP: a surrogate pair");
	is_int(smpp_text_encode("\xc0\xaf", out, sizeof(out), &dc), -1, "overlong UTF-8");
	is_int(smpp_text_encode("\xed\xa0\x80", out, sizeof(out), &dc), -1, "a UTF-8 surrogate");
	is_int(smpp_text_encode("ab\xe2\x82", out, sizeof(out), &dc), -1, "truncated UTF-8");
	is_int(smpp_text_encode("abcdef", out, 5, &dc), -1, "no room");
}

static void
test_addr(void)
{
	char a[SMPP_ADDR_MAX];
	uint8_t ton = 9, npi = 9;

	ok(smpp_source_addr("+447700900999", a, &ton, &npi) == 0 &&
	    strcmp(a, "447700900999") == 0 && ton == 1 && npi == 1, "+E.164: 1/1, no +");
	ok(smpp_source_addr("ACME Bank", a, &ton, &npi) == 0 && strcmp(a, "ACME Bank") == 0 &&
	    ton == 5 && npi == 0, "alphanumeric: 5/0");
	ok(smpp_source_addr("12345", a, &ton, &npi) == 0 && ton == 3 && npi == 0,
	    "short code: 3/0");
	ok(smpp_source_addr(NULL, a, &ton, &npi) == 0 && a[0] == '\0' && ton == 0,
	    "no sender: the SMSC's default");
	is_int(smpp_source_addr("ACMEBANKLTD1", a, &ton, &npi), -1, "12 characters");
	is_int(smpp_source_addr("12", a, &ton, &npi), -1, "2 digits");
	is_int(smpp_source_addr("123456789", a, &ton, &npi), -1, "9 bare digits");
	is_int(smpp_source_addr("+44770090099912345", a, &ton, &npi), -1, "+ and 17 digits");
	is_int(smpp_source_addr("AC\nME", a, &ton, &npi), -1, "a control character");
}

static void
test_classify(void)
{
	is_int(smpp_classify(ESME_ROK), CARRIER_ACCEPTED, "ESME_ROK: accepted");
	is_int(smpp_classify(ESME_RTHROTTLED), CARRIER_RETRY, "ESME_RTHROTTLED: retry");
	is_int(smpp_classify(ESME_RMSGQFUL), CARRIER_RETRY, "ESME_RMSGQFUL: retry");
	is_int(smpp_classify(ESME_RINVDSTADR), CARRIER_PERMANENT, "ESME_RINVDSTADR: permanent");
	is_int(smpp_classify(ESME_RINVDSTTON), CARRIER_PERMANENT, "ESME_RINVDSTTON: permanent");
	is_int(smpp_classify(ESME_RSYSERR), CARRIER_FAILOVER, "ESME_RSYSERR: failover");
	is_int(smpp_classify(ESME_RINVSRCADR), CARRIER_FAILOVER, "ESME_RINVSRCADR: failover");
	is_int(smpp_classify(0x12345678), CARRIER_FAILOVER, "unknown status: failover");
	is_str(smpp_status_name(ESME_RTHROTTLED), "ESME_RTHROTTLED", "status names");
	is_str(smpp_status_name(0x12345678), "unknown", "unknown status name");
}

int
main(void)
{
	test_header();
	test_bind();
	test_submit();
	test_receipt();
	test_text();
	test_addr();
	test_classify();
	return done_testing();
}
