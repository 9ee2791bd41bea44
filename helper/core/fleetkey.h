/* The fleet key: one secret file shared by every host of a fleet. The keys
 * that must agree across hosts (the code HMAC, the resend seal, the store's
 * name hashes) are derived from it with HKDF-SHA256 under distinct labels,
 * so one leaked derived key does not give the others. */
#ifndef OTPSMS_FLEETKEY_H
#define OTPSMS_FLEETKEY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FLEETKEY_MIN 32          /* bytes of key material, at least */
#define FLEETKEY_MAX 4096
#define FLEETKEY_OUT 32          /* each derived key */

#define FLEETKEY_LABEL_CODE "otpsms code mac v1"
#define FLEETKEY_LABEL_SEAL "otpsms resend seal v1"
#define FLEETKEY_LABEL_NAMES "otpsms store names v1"

/* Reads the whole file (open_secret() rules: root or owner_ok, mode 0600 at
 * most, or 0640 with group group_ok), one trailing newline dropped; FLEETKEY_MIN..FLEETKEY_MAX bytes, any
 * bytes (raw or `openssl rand -hex 32`). *key is malloc'd: wipe and free it.
 * Returns 0, or -1 with the reason (never the contents) in err. */
int fleetkey_read(const char *path, uid_t owner_ok, gid_t group_ok,
    uint8_t **key, size_t *len, char *err, size_t errsz);

/* HKDF-SHA256(ikm, salt "otpsms fleet", info label) -> out. 0 or -1. */
int fleetkey_derive(const uint8_t *ikm, size_t len, const char *label,
    uint8_t out[FLEETKEY_OUT]);
/* A Redis key that names a thing without saying it: PREFIX KIND then
 * HMAC-SHA-256(names key, TAG NUL VALUE) cut to 16 bytes, in hex, into out
 * (outsz bytes). 0, or -1 if VALUE is too long or out too small. */
int fleetkey_name_key(const uint8_t key[FLEETKEY_OUT], const char *prefix,
    const char *kind, const char *tag, const char *value, char *out,
    size_t outsz);

#endif
