/* otpsmsctl's requests (PROTO_CTL_REQ): status, locked, unlock, routes,
 * test-send. The dispatch table (dispatch.c) hands them over only from
 * uid 0 (SO_PEERCRED). */
#ifndef OTPSMS_CONTROL_H
#define OTPSMS_CONTROL_H

struct client;
struct daemon;
struct proto_msg;

/* The dispatch table's handler: one PROTO_CTL_RSP (or ERROR) on c, now or
 * later (locked and unlock may ask Redis; test-send waits for a carrier). */
void control_handle(struct daemon *d, struct client *c, struct proto_msg *m);

#endif
