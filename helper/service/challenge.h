/* Requests: issue a challenge (make a code, store its hash, send it), and
 * verify an answer. Each may finish later, from the loop. */
#ifndef OTPSMS_CHALLENGE_H
#define OTPSMS_CHALLENGE_H

#include "proto.h"
#include "server.h"

struct request;

/* Start handling m for client c. The request attaches itself to c while it is
 * in flight (client_attach); the server calls request_detach if the client
 * goes away first. The reply goes out through client_reply/client_error. */
void request_dispatch(struct daemon *d, struct client *c, struct proto_msg *m);
/* The client is gone; the request finishes quietly (the SMS may still go). */
void request_detach(struct request *r);
/* For a control request that finishes later (test-send): attaches a stand-in
 * to c, so that if c goes away first detached(arg) is called (and the
 * stand-in freed). Otherwise release it just before replying. */
struct request *request_attach_ctl(struct client *c, void (*detached)(void *),
    void *arg);
void request_release_ctl(struct request *r);

#endif
