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

#endif
