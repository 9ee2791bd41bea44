/* A challenge (PROTO_CHALLENGE_REQ): ask the policy, reuse a pending code
 * or make one, store its hash and send it. May finish later, from the
 * loop. */
#ifndef OTPSMS_CHALLENGE_H
#define OTPSMS_CHALLENGE_H

struct client;
struct daemon;
struct proto_msg;

/* The dispatch table's handler: one CHALLENGE_RSP or ERROR on c. */
void challenge_handle(struct daemon *d, struct client *c, struct proto_msg *m);

/* otpsmsctl enroll: a code for user (a valid user name) to number (E.164),
 * which need not be the user's yet, through the same policy (lockout,
 * country policy, limits against user and number), number checks and
 * carriers as a login's; stored under the enrolment key (request.h), so it
 * proves the pair only. One CHALLENGE_RSP or ERROR on c. */
void challenge_enrol(struct daemon *d, struct client *c, const char *user,
    const char *number);

#endif
