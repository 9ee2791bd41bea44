/* A verify (PROTO_VERIFY_REQ): check an answer against its pending code,
 * within the user's lockout budget. May finish later, from the loop. */
#ifndef OTPSMS_VERIFY_H
#define OTPSMS_VERIFY_H

#include <stdint.h>

#include "proto.h"

struct client;
struct daemon;
struct proto_msg;

/* The dispatch table's handler: one VERIFY_RSP or ERROR on c. The typed
 * code in m is wiped as soon as it is hashed. */
void verify_handle(struct daemon *d, struct client *c, struct proto_msg *m);

/* A backup code (PROTO_BACKUP_VERIFY_REQ, no challenge): one guess of the
 * user's lockout budget like a verify, then the scrypt hash (at most
 * BACKUP_KDF_PER_SEC a second, else ERROR BUSY), then single use. One
 * VERIFY_RSP (OK or WRONG) or ERROR on c. */
void backup_verify_handle(struct daemon *d, struct client *c,
    struct proto_msg *m);

/* otpsmsctl enroll: code against the enrolment challenge id for exactly
 * (user, number), within user's lockout budget like a verify. Right: one
 * CTL_RSP, status 0, text "verified NUMBER USER"; else one VERIFY_RSP or
 * ERROR. code is wiped. */
void verify_enrol(struct daemon *d, struct client *c,
    const uint8_t id[PROTO_ID_LEN], const char *user, const char *number,
    char *code);

#endif
