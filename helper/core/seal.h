/* The pending code sealed (AES-256-GCM) under a key that lives in the
 * daemon's memory only, so that a resend repeats the same code without the
 * store ever holding it in the clear. A restart makes every seal useless. */
#ifndef OTPSMS_SEAL_H
#define OTPSMS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "pending.h"

#define SEAL_NONCE_LEN 12
#define SEAL_TEXT_LEN 10         /* the longest code; shorter ones NUL-padded */
#define SEAL_TAG_LEN 16
/* The AAD: id | uid (4 bytes, big-endian) | user NUL | service NUL. */
#define SEAL_AAD_MAX (PROTO_ID_LEN + 4 + PROTO_MAX_USER + 1 + \
    PROTO_MAX_SERVICE + 1)

/* Seals code (4..10 digits) bound to c's id, user, uid and service (the
 * AAD): whoever can rewrite the store cannot move a seal to another
 * challenge, user, caller or service. c->sealed is not read. The key is
 * made on first use. Returns 0 or -1 (out is then all zero). */
int seal_code(const struct challenge *c, const char *code,
    uint8_t out[STORE_SEALED_LEN]);

/* Opens c->sealed for c's id, user, uid and service: the code and a NUL
 * into code (codesz > SEAL_TEXT_LEN). Returns 0, or -1 for a seal that is
 * all zero (not kept), forged, made for another challenge, user, uid or
 * service, or under another key (another daemon run). */
int seal_open(const struct challenge *c, char *code, size_t codesz);

/* Wipes the key (tests, exit). */
void seal_cleanup(void);

/* Uses key instead of a random one (a fleet's derived key, fleetkey.h), so
 * every host of the fleet opens the others' seals. Returns 0 or -1. */
int seal_init_key(const uint8_t key[32]);

#endif
