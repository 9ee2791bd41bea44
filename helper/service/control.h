/* otpsmsctl's requests (PROTO_CTL_REQ): status, locked, unlock. The server
 * hands them over only from uid 0 (SO_PEERCRED). */
#ifndef OTPSMS_CONTROL_H
#define OTPSMS_CONTROL_H

struct client;
struct daemon;
struct proto_ctl_req;

/* Answers with one PROTO_CTL_RSP (or ERROR) on c. */
void control_handle(struct daemon *d, struct client *c, const struct proto_ctl_req *q);

#endif
