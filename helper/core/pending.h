/* One pending challenge as a store holds it (store.h), and the sizes of its
 * MAC (code.h) and seal (seal.h): here in core/ so that the code and the
 * seal need nothing of store/. */
#ifndef OTPSMS_PENDING_H
#define OTPSMS_PENDING_H

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define STORE_MAC_LEN 32
/* The code sealed (AES-256-GCM, nonce | ciphertext | tag) under a key that
 * lives in the daemon's memory only, so a resend can repeat the same code. */
#define STORE_SEALED_LEN (12 + 10 + 16)

struct challenge {
	uint8_t id[PROTO_ID_LEN];
	uint8_t mac[STORE_MAC_LEN];  /* code_mac: id, user, uid, code */
	/* seal_code: bound to id, user, uid and service; all zero when not kept */
	uint8_t sealed[STORE_SEALED_LEN];
	char user[PROTO_MAX_USER + 1];
	char service[PROTO_MAX_SERVICE + 1];
	uid_t uid;                   /* the caller that asked; only it may verify */
	uint64_t created_ms;         /* CLOCK_MONOTONIC */
	uint64_t expires_ms;
	unsigned attempts_left;
};

#endif
