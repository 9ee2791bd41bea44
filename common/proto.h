/* The wire protocol between pam_otpsms.so (and otpsmsctl) and otpsmsd.
 * Documented in docs/PROTOCOL.md. Explicit encode/decode, never raw structs. */
#ifndef OTPSMS_PROTO_H
#define OTPSMS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"

#define PROTO_VERSION 1
#define PROTO_HDR_LEN 6          /* u32 len | u8 version | u8 type */
#define PROTO_MAX_FRAME 2048     /* cap on len (version + type + body) */

#define PROTO_ID_LEN 16
#define PROTO_MAX_USER 256
#define PROTO_MAX_SERVICE 64
#define PROTO_MAX_RHOST 255
#define PROTO_MAX_TTY 64
#define PROTO_MAX_CODE 32        /* what a user may type; digits are 4..10 */
#define PROTO_MAX_MASKED 64
#define PROTO_MAX_ERRMSG 256

enum proto_type {
	PROTO_CHALLENGE_REQ = 1,
	PROTO_CHALLENGE_RSP = 2,
	PROTO_VERIFY_REQ = 3,
	PROTO_VERIFY_RSP = 4,
	PROTO_ERROR = 5,
	PROTO_CTL_REQ = 6,       /* otpsmsctl: root-only administration */
	PROTO_CTL_RSP = 7,
	PROTO_BACKUP_VERIFY_REQ = 8, /* a backup code, no challenge: VERIFY_RSP */
	PROTO_METRICS_RSP = 9,   /* otpsmsctl metrics: counters (metrics.h) */
};
#define PROTO_TYPE_MAX PROTO_METRICS_RSP

/* PROTO_ERROR codes. Stable: the module maps them to PAM codes. */
enum proto_err {
	PROTO_E_VERSION = 1,     /* unsupported protocol version */
	PROTO_E_MALFORMED = 2,   /* the request could not be parsed */
	PROTO_E_DENIED = 3,      /* caller not allowed */
	PROTO_E_NOUSER = 4,      /* no number for this user */
	PROTO_E_DELIVERY = 5,    /* no carrier accepted the message */
	PROTO_E_INTERNAL = 6,
	PROTO_E_BUSY = 7,        /* too many clients */
	PROTO_E_TIMEOUT = 8,     /* the daemon gave up on the request */
	PROTO_E_NUMBER = 9,      /* the number cannot receive codes */
	PROTO_E_RATE = 10,       /* rate limited: retry_after in the message */
	PROTO_E_LOCKED = 11,     /* user locked out */
	PROTO_E_BACKUP_REQUIRED = 12, /* no SMS this time: ask for a backup code */
	PROTO_E_NUMBER_CHECK = 13,       /* number_checks refused the number */
};

enum proto_verify_status {
	PROTO_V_OK = 0,
	PROTO_V_WRONG = 1,       /* wrong code, attempts remain */
	PROTO_V_EXPIRED = 2,     /* unknown, expired or already used */
	PROTO_V_MAXTRIES = 3,    /* wrong code, and it was the last attempt */
};

/* PROTO_CHALLENGE_RSP flags */
#define PROTO_CF_REUSED 0x1      /* a pending code was reused, no new SMS */
#define PROTO_CF_MORE 0x2        /* the user has a number after this one */

/* PROTO_CHALLENGE_REQ flags: what the user asked for at the prompt. */
#define PROTO_RF_RESEND 0x1      /* send the pending code again */
#define PROTO_RF_VOICE 0x2       /* ... by a voice call */
#define PROTO_RF_WHATSAPP 0x4    /* ... by WhatsApp */
/* Which of the user's numbers (0: the first, as old modules ask). */
#define PROTO_RF_NUMBER_SHIFT 8
#define PROTO_RF_NUMBER_MASK 0xff00u
#define PROTO_RF_NUMBER(i) (((uint32_t)(i) << PROTO_RF_NUMBER_SHIFT) & \
    PROTO_RF_NUMBER_MASK)

/* PROTO_CHALLENGE_RSP channels: how else the code can be sent. */
#define PROTO_CH_SMS 0x1
#define PROTO_CH_VOICE 0x2
#define PROTO_CH_WHATSAPP 0x4

/* PROTO_CTL_REQ operations (root only) and PROTO_CTL_RSP status. */
enum proto_ctl_op {
	PROTO_CTL_STATUS = 1,    /* arg "": text is a status report */
	PROTO_CTL_LOCKED = 2,    /* arg "": text lists locked users */
	PROTO_CTL_UNLOCK = 3,    /* arg: user name */
	PROTO_CTL_ROUTES = 4,    /* arg: E.164 number: its route and carriers */
	PROTO_CTL_TEST_SEND = 5, /* arg: "NUMBER" or "NUMBER CARRIER": a test SMS */
	PROTO_CTL_FLUSH = 6,     /* arg: user name: drop its cached directory entry */
	PROTO_CTL_BACKUP_CODES = 7, /* arg: "N USER": N new backup codes (secret text) */
	PROTO_CTL_RELOAD = 8,    /* arg "": re-read the configuration; text:
	                          * what changed, or its errors (status != 0) */
	PROTO_CTL_METRICS = 9,   /* arg: "" or the first carrier's index (decimal):
	                          * answered by PROTO_METRICS_RSP */
	PROTO_CTL_USER = 10,     /* arg: user name: where its numbers come from
	                          * (masked), pending codes, lock, limits left;
	                          * status PROTO_E_NOUSER if it has none */
	/* Enrolment: a code to a number not yet the
	 * user's, made and checked by the daemon (docs/enrol.md). */
	PROTO_CTL_ENROLL_SEND = 11,  /* arg: "NUMBER USER": answered by
	                              * PROTO_CHALLENGE_RSP, or ERROR */
	PROTO_CTL_ENROLL_VERIFY = 12, /* arg: "IDHEX CODE NUMBER USER" (IDHEX
	                              * the whole id, 32 digits; secret): text
	                              * "verified NUMBER USER", else VERIFY_RSP */
};
#define PROTO_MAX_CTLARG 256
#define PROTO_MAX_CTLTEXT 1800   /* keeps a reply inside PROTO_MAX_FRAME */

struct proto_challenge_req {
	char user[PROTO_MAX_USER + 1];
	char service[PROTO_MAX_SERVICE + 1];
	char rhost[PROTO_MAX_RHOST + 1];
	char ruser[PROTO_MAX_USER + 1];
	char tty[PROTO_MAX_TTY + 1];
	uint32_t flags;          /* PROTO_RF_* */
};

struct proto_challenge_rsp {
	uint8_t id[PROTO_ID_LEN];
	char masked[PROTO_MAX_MASKED + 1];
	uint32_t ttl;            /* seconds */
	uint32_t digits;
	uint32_t flags;          /* PROTO_CF_* */
	uint32_t channels;       /* PROTO_CH_*: what a resend may ask for */
};

struct proto_verify_req {
	uint8_t id[PROTO_ID_LEN];
	char user[PROTO_MAX_USER + 1];
	char code[PROTO_MAX_CODE + 1];   /* secret: wipe after use */
};

/* PROTO_BACKUP_VERIFY_REQ: bound to the caller's uid like a verify. */
struct proto_backup_req {
	char user[PROTO_MAX_USER + 1];
	char code[PROTO_MAX_CODE + 1];   /* secret: wipe after use */
};

struct proto_verify_rsp {
	uint32_t status;
	uint32_t attempts_left;
};

struct proto_error {
	uint32_t code;
	uint32_t retry_after;    /* seconds, for PROTO_E_RATE / PROTO_E_LOCKED; else 0 */
	char message[PROTO_MAX_ERRMSG + 1];
};

struct proto_ctl_req {
	uint32_t op;
	char arg[PROTO_MAX_CTLARG + 1];
};

struct proto_ctl_rsp {
	uint32_t status;         /* 0 ok, else a PROTO_E_* code */
	char text[PROTO_MAX_CTLTEXT + 1];
};

struct proto_msg {
	uint8_t version;
	uint8_t type;
	union {
		struct proto_challenge_req creq;
		struct proto_challenge_rsp crsp;
		struct proto_verify_req vreq;
		struct proto_verify_rsp vrsp;
		struct proto_error err;
		struct proto_ctl_req creq_ctl;
		struct proto_ctl_rsp crsp_ctl;
		struct proto_backup_req breq;
		struct metrics_snap metrics;
	} u;
};

#define PROTO_OK 0
#define PROTO_NEED_MORE 1        /* frame_check: incomplete, read more */
#define PROTO_ETOOBIG (-10)      /* announced length over PROTO_MAX_FRAME */
#define PROTO_ESHORT (-11)       /* length below the header */
#define PROTO_EVERSION (-12)
#define PROTO_ETYPE (-13)
#define PROTO_ETRAILING (-14)    /* bytes left after the body */
#define PROTO_EFIELD (-15)       /* a field failed to parse (see buf.h) */
#define PROTO_ENOMEM (-16)

/* Looks at the first n bytes of a stream: PROTO_OK with *framelen set to the
 * whole frame's size (header included), PROTO_NEED_MORE, or an error. */
int proto_frame_check(const uint8_t *p, size_t n, size_t *framelen);

/* Appends one frame to out. The message's version field is ignored:
 * PROTO_VERSION is written. */
int proto_encode(struct buf *out, const struct proto_msg *m);

/* Decodes one whole frame (as delimited by proto_frame_check). A frame with
 * another version decodes its header only and returns PROTO_EVERSION with
 * m->version set, so the peer can be told which version we speak. */
int proto_decode(const uint8_t *frame, size_t len, struct proto_msg *m);

/* Wipes a message that may hold a code. */
void proto_msg_wipe(struct proto_msg *m);

const char *proto_strerror(int r);
const char *proto_err_name(uint32_t code);

#endif
