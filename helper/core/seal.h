/* The pending code sealed (AES-256-GCM) under a key that lives in the
 * daemon's memory only, so that a resend repeats the same code without the
 * store ever holding it in the clear. A restart makes every seal useless. */
#ifndef OTPSMS_SEAL_H
#define OTPSMS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SEAL_NONCE_LEN 12
#define SEAL_TEXT_LEN 10         /* the longest code; shorter ones NUL-padded */
#define SEAL_TAG_LEN 16

/* Seals code (4..10 digits) bound to the challenge id (the AAD), so a seal
 * cannot be moved to another challenge. The key is made on first use.
 * Returns 0 or -1 (out is then all zero). */
int seal_code(const uint8_t id[PROTO_ID_LEN], const char *code,
    uint8_t out[STORE_SEALED_LEN]);

/* Opens a seal made by seal_code for the same id: the code and a NUL into
 * code (codesz > SEAL_TEXT_LEN). Returns 0, or -1 for a seal that is all
 * zero (not kept), forged, from another challenge or another daemon run. */
int seal_open(const uint8_t id[PROTO_ID_LEN], const uint8_t in[STORE_SEALED_LEN],
    char *code, size_t codesz);

/* Wipes the key (tests, exit). */
void seal_cleanup(void);

/* Uses key instead of a random one (a fleet's derived key, fleetkey.h), so
 * every host of the fleet opens the others' seals. Returns 0 or -1. */
int seal_init_key(const uint8_t key[32]);

#endif
