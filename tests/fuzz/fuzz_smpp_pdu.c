/* libFuzzer: SMPP PDUs as an SMSC (or anyone on its path) could send them
 * to the smpp driver, in an exact-size buffer (ASan sees an over-read).
 * What must hold: framing never claims more than it has; a PDU that decodes
 * encodes again and decodes to the same thing; a receipt's id and stat are
 * NUL-terminated and log-safe; the same bytes as text give GSM-7 septets
 * (< 0x80) or even-length UCS-2, within the buffer; sender checks accept
 * only what fits source_addr. Built by tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_safe(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;

	if (n >= max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smpp_pdu p, q;
	static uint8_t out[SMPP_PDU_MAX + 64];
	char id[SMPP_MESSAGE_ID_MAX], stat[16], addr[SMPP_ADDR_MAX], *str;
	uint8_t *buf, dc, ton, npi;
	size_t len = 0, i;
	int n, r;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	r = smpp_frame(buf, size, &len);
	if (r == 1 && (len < SMPP_HEADER_LEN || len > size || len > SMPP_PDU_MAX))
		abort();
	if (smpp_decode(buf, size, &p) == SMPP_OK) {
		if ((n = smpp_encode(&p, out, sizeof(out))) < SMPP_HEADER_LEN ||
		    (size_t)n > SMPP_PDU_MAX)
			abort();
		if (smpp_decode(out, (size_t)n, &q) != SMPP_OK || memcmp(&p, &q, sizeof(p)) != 0)
			abort();
		if (p.command_id == SMPP_DELIVER_SM || p.command_id == SMPP_SUBMIT_SM) {
			if (p.u.sm.text_len > SMPP_TEXT_MAX)
				abort();
			if (smpp_parse_receipt(p.u.sm.text, p.u.sm.text_len, id, sizeof(id),
			    stat, sizeof(stat)) == 0) {
				check_safe(id, sizeof(id));
				check_safe(stat, sizeof(stat));
				(void)smpp_receipt_outcome(p.u.sm.message_state, stat);
				(void)smpp_same_message_id(id, p.u.sm.receipted_message_id);
			}
		}
	}
	/* The same bytes as a text and a sender. */
	if ((str = malloc(size + 1)) != NULL) {
		memcpy(str, data, size);
		str[size] = '\0';
		n = smpp_text_encode(str, out, sizeof(out) / 4, &dc);
		if (n > (int)(sizeof(out) / 4))
			abort();
		if (n >= 0 && dc == SMPP_DC_DEFAULT) {
			for (i = 0; i < (size_t)n; i++)
				if (out[i] >= 0x80)
					abort();
		} else if (n >= 0 && (dc != SMPP_DC_UCS2 || n % 2 != 0))
			abort();
		if (smpp_source_addr(str, addr, &ton, &npi) == 0 &&
		    strnlen(addr, sizeof(addr)) >= sizeof(addr))
			abort();
		free(str);
	}
	free(buf);
	return 0;
}
