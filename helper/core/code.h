/* One-time codes: uniform digits from the CSPRNG, and their keyed hash. */
#ifndef OTPSMS_CODE_H
#define OTPSMS_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "pending.h"

#define CODE_KEY_LEN 32

/* Fills the process-wide HMAC key from the CSPRNG (kept in memory only). */
int code_init(void);
/* The same with a given key (a fleet key shared by the daemons on one store,
 * or a known-answer test). Replaces any key set before. */
int code_init_key(const uint8_t key[CODE_KEY_LEN]);
void code_cleanup(void);

/* Writes `digits` decimal digits (4..10) and a NUL to out (size >= digits+1).
 * Rejection sampling: every code is equally likely. Returns 0 or -1. */
int code_generate(char *out, size_t outsz, unsigned digits);

/* Random challenge id. */
int code_random_id(uint8_t id[PROTO_ID_LEN]);

/* HMAC-SHA-256 under the process key over id || user || '\0' || uid (4
 * bytes, big-endian) || code: a record whose user or uid a store writer
 * changed never matches an answer given for them. */
int code_mac(const uint8_t id[PROTO_ID_LEN], const char *user, uid_t uid,
    const char *code, uint8_t mac[STORE_MAC_LEN]);

/* Hex for logs and the control tool: the first 8 bytes of the id. */
void code_id_hex(const uint8_t id[PROTO_ID_LEN], char out[17]);

#endif
