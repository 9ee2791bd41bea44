/* A small SMPP 3.4 codec: the PDUs an ESME that only sends needs
 * (bind_transceiver, submit_sm, deliver_sm, enquire_link, unbind, their
 * responses, generic_nack), the text encodings, delivery receipts and what
 * each command_status means for a carrier. Pure functions, no I/O: the
 * driver (carrier_smpp.c), the unit tests and the fuzzer share them. */
#ifndef OTPSMS_SMPP_PDU_H
#define OTPSMS_SMPP_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "carrier.h"

#define SMPP_HEADER_LEN 16
/* Our cap on command_length: a submit_sm with a full message_payload is well
 * under it; anything larger from the SMSC is refused (the session closes). */
#define SMPP_PDU_MAX 4096
#define SMPP_TEXT_MAX 1024           /* short_message or message_payload */
#define SMPP_SHORT_MESSAGE_MAX 254

/* Sizes of C-octet strings with their NUL (SMPP 3.4, section 5.2). */
#define SMPP_SYSTEM_ID_MAX 16
#define SMPP_PASSWORD_MAX 9
#define SMPP_SYSTEM_TYPE_MAX 13
#define SMPP_ADDRESS_RANGE_MAX 41
#define SMPP_SERVICE_TYPE_MAX 6
#define SMPP_ADDR_MAX 21
#define SMPP_TIME_MAX 17
#define SMPP_MESSAGE_ID_MAX 65

#define SMPP_GENERIC_NACK           0x80000000u
#define SMPP_BIND_TRANSCEIVER       0x00000009u
#define SMPP_BIND_TRANSCEIVER_RESP  0x80000009u
#define SMPP_SUBMIT_SM              0x00000004u
#define SMPP_SUBMIT_SM_RESP         0x80000004u
#define SMPP_DELIVER_SM             0x00000005u
#define SMPP_DELIVER_SM_RESP        0x80000005u
#define SMPP_UNBIND                 0x00000006u
#define SMPP_UNBIND_RESP            0x80000006u
#define SMPP_ENQUIRE_LINK           0x00000015u
#define SMPP_ENQUIRE_LINK_RESP      0x80000015u
#define SMPP_RESP_BIT               0x80000000u

#define ESME_ROK          0x00000000u
#define ESME_RINVMSGLEN   0x00000001u
#define ESME_RINVCMDLEN   0x00000002u
#define ESME_RINVCMDID    0x00000003u
#define ESME_RINVBNDSTS   0x00000004u
#define ESME_RALYBND      0x00000005u
#define ESME_RSYSERR      0x00000008u
#define ESME_RINVSRCADR   0x0000000Au
#define ESME_RINVDSTADR   0x0000000Bu
#define ESME_RBINDFAIL    0x0000000Du
#define ESME_RINVPASWD    0x0000000Eu
#define ESME_RINVSYSID    0x0000000Fu
#define ESME_RMSGQFUL     0x00000014u
#define ESME_RINVSRCTON   0x00000048u
#define ESME_RINVSRCNPI   0x00000049u
#define ESME_RINVDSTTON   0x00000050u
#define ESME_RINVDSTNPI   0x00000051u
#define ESME_RTHROTTLED   0x00000058u

#define SMPP_INTERFACE_VERSION 0x34

/* TON/NPI: international E.164 (no '+'), alphanumeric sender. */
#define SMPP_TON_INTERNATIONAL 1
#define SMPP_NPI_ISDN 1
#define SMPP_TON_NETWORK 3
#define SMPP_TON_ALPHANUMERIC 5
#define SMPP_NPI_UNKNOWN 0

#define SMPP_DC_DEFAULT 0            /* GSM-7 default alphabet, one septet an octet */
#define SMPP_DC_UCS2 8               /* UCS-2 (UTF-16BE) */

#define SMPP_ESM_RECEIPT 0x04        /* esm_class: SMSC delivery receipt */
#define SMPP_ESM_TYPE_MASK 0x3c

/* message_state (5.2.28) */
#define SMPP_STATE_ENROUTE 1
#define SMPP_STATE_DELIVERED 2
#define SMPP_STATE_EXPIRED 3
#define SMPP_STATE_DELETED 4
#define SMPP_STATE_UNDELIVERABLE 5
#define SMPP_STATE_ACCEPTED 6
#define SMPP_STATE_UNKNOWN 7
#define SMPP_STATE_REJECTED 8

/* Decode results. */
#define SMPP_OK 0
#define SMPP_ERR_LENGTH (-1)   /* command_length out of range: framing is lost */
#define SMPP_ERR_COMMAND (-2)  /* unknown command_id (header valid) */
#define SMPP_ERR_BODY (-3)     /* malformed body (header valid) */

struct smpp_bind {             /* bind_transceiver */
	char system_id[SMPP_SYSTEM_ID_MAX];
	char password[SMPP_PASSWORD_MAX];
	char system_type[SMPP_SYSTEM_TYPE_MAX];
	uint8_t interface_version, addr_ton, addr_npi;
	char address_range[SMPP_ADDRESS_RANGE_MAX];
};

struct smpp_sm {               /* submit_sm and deliver_sm */
	char service_type[SMPP_SERVICE_TYPE_MAX];
	uint8_t source_addr_ton, source_addr_npi;
	char source_addr[SMPP_ADDR_MAX];
	uint8_t dest_addr_ton, dest_addr_npi;
	char destination_addr[SMPP_ADDR_MAX];
	uint8_t esm_class, protocol_id, priority_flag;
	char schedule_delivery_time[SMPP_TIME_MAX];
	char validity_period[SMPP_TIME_MAX];
	uint8_t registered_delivery, replace_if_present_flag, data_coding;
	uint8_t sm_default_msg_id;
	/* The text: in short_message (<= 254 octets), or in the message_payload
	 * TLV when payload is set (then sm_length on the wire is 0). */
	int payload;
	size_t text_len;
	uint8_t text[SMPP_TEXT_MAX];
	/* TLVs of delivery receipts; -1 / "" when absent. */
	int message_state;
	char receipted_message_id[SMPP_MESSAGE_ID_MAX];
};

/* One PDU. Decoding zeroes it first, so two decodes compare with memcmp. */
struct smpp_pdu {
	uint32_t command_id, command_status, sequence;
	union {
		struct smpp_bind bind;
		char system_id[SMPP_SYSTEM_ID_MAX];     /* bind_transceiver_resp */
		struct smpp_sm sm;
		char message_id[SMPP_MESSAGE_ID_MAX];   /* submit_sm_resp, deliver_sm_resp */
	} u;
};

/* Framing: 1 when buf starts with a whole PDU (its length in *pdulen), 0 when
 * more bytes are needed, SMPP_ERR_LENGTH when command_length is below 16 or
 * above SMPP_PDU_MAX. */
int smpp_frame(const uint8_t *buf, size_t len, size_t *pdulen);

/* Decodes exactly one PDU of len bytes (command_length must equal len).
 * Returns SMPP_OK or an SMPP_ERR_*; with COMMAND and BODY the header fields
 * of *pdu are set (to answer with generic_nack). Strings longer than the
 * spec allows, time fields of other than 0 or 16 characters, a short_message
 * past the end, both short_message and message_payload, truncated TLVs and
 * trailing bytes are all refused. */
int smpp_decode(const uint8_t *buf, size_t len, struct smpp_pdu *pdu);

/* Encodes pdu into out; returns its length, or -1 when a field does not fit
 * the spec (a string too long, a text over 254 octets without payload) or
 * out is too small. */
int smpp_encode(const struct smpp_pdu *pdu, uint8_t *out, size_t outsz);

/* UTF-8 text to SMPP: GSM-7 default alphabet (basic table and the extension
 * table through ESC, one septet per octet, data_coding 0) when every
 * character has a GSM-7 form, else UCS-2 (UTF-16BE, data_coding 8). Returns
 * the length, or -1 for invalid UTF-8 or when out is too small. */
int smpp_text_encode(const char *utf8, uint8_t *out, size_t outsz, uint8_t *data_coding);

/* Reads a delivery receipt's text (SMPP 3.4 appendix B: "id:... sub:...
 * dlvrd:... submit date:... done date:... stat:DELIVRD err:..."): id and
 * stat, NUL-terminated and made log-safe. Returns 0, or -1 without both. */
int smpp_parse_receipt(const uint8_t *text, size_t len, char *id, size_t idsz,
    char *stat, size_t statsz);

/* What a receipt's state means: 1 delivered, 0 not final yet (ENROUTE,
 * ACCEPTD), -1 failed (UNDELIV, EXPIRED, DELETED, REJECTD, UNKNOWN). A
 * message_state TLV (>= 0) wins over the text's stat. */
int smpp_receipt_outcome(int message_state, const char *stat);

/* 1 when the two message ids name the same message: equal ignoring case, or
 * one in hex and the other in decimal (SMSCs differ between submit_sm_resp
 * and the receipt). */
int smpp_same_message_id(const char *a, const char *b);

/* A sender for source_addr: NULL or "" leaves it to the SMSC (0/0, empty);
 * "+" and 1 to 15 digits is international (1/1, digits without '+'); 3 to 8
 * bare digits a short code (3 "network specific"/0); 1 to 11 letters, digits,
 * spaces and .-_& with at least one letter an alphanumeric sender ID (5/0).
 * Returns 0, or -1 for anything else. addr must hold SMPP_ADDR_MAX. */
int smpp_source_addr(const char *from, char *addr, uint8_t *ton, uint8_t *npi);

/* What a submit_sm_resp's command_status means for the carrier. */
enum carrier_status smpp_classify(uint32_t status);
/* "ESME_RTHROTTLED": a name for the log ("unknown" if none). */
const char *smpp_status_name(uint32_t status);

#endif
