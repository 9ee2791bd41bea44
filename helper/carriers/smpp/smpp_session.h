/* The smpp driver's insides, shared by its three files and nothing else:
 * carrier_smpp.c (configure, build a submit_sm, send, free), smpp_session.c
 * (the connection: connect, bind, read and write, enquire_link, reconnect)
 * and smpp_window.c (the messages: queue, window, answers, receipts). */
#ifndef OTPSMS_SMPP_SESSION_H
#define OTPSMS_SMPP_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "carrier.h"
#include "loop.h"
#include "smpp_pdu.h"

#define SMPP_WBUF 32768

enum sess { S_DOWN, S_CONNECTING, S_BINDING, S_BOUND };
enum rq { RQ_QUEUED, RQ_SENT, RQ_RECEIPT };

struct smpp_req {
	struct smpp_req *next;
	struct smpp *s;
	carrier_done_fn *done;
	void *arg;
	enum rq state;
	uint8_t *pdu;                    /* the encoded submit_sm: holds the code */
	size_t pdulen;
	uint32_t seq;
	struct loop_timer timer;
	char message_id[SMPP_MESSAGE_ID_MAX];   /* log-safe */
};

struct smpp {
	struct carrier *c;
	char peer[300];                  /* "host:port" for the log */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *system_id, *password, *system_type, *from;
	unsigned enquire_ms, window, deliver_within_ms;
	enum sess st;
	int fd, want_out, failing;
	uint32_t seq, bind_seq, elink_seq;
	int elink_waiting;
	struct loop_timer reconnect, deadline, enquire, elink;
	unsigned backoff_ms;
	struct smpp_req *queue, *inflight, *receipts;
	unsigned ninflight;
	size_t rlen, wlen;
	uint8_t rbuf[SMPP_PDU_MAX];
	uint8_t wbuf[SMPP_WBUF];         /* holds codes and the password: wiped */
	char last_error[160];
};

/* smpp_session.c */
void smpp_session_init(struct smpp *s);
void smpp_session_start(struct smpp *s);
void smpp_session_down(struct smpp *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint32_t smpp_session_seq(struct smpp *s);
int smpp_session_put(struct smpp *s, const uint8_t *pdu, size_t len);
int smpp_session_put_simple(struct smpp *s, uint32_t cmd, uint32_t status,
    uint32_t seq);
int smpp_session_flush(struct smpp *s);
void smpp_session_enquire(struct smpp *s);
void smpp_session_close(struct smpp *s);

/* smpp_window.c */
struct smpp_req *smpp_req_new(struct smpp *s, carrier_done_fn *done, void *arg);
void smpp_req_free(struct smpp_req *req);
int smpp_window_queue(struct smpp *s, struct smpp_req *req);
void smpp_window_pump(struct smpp *s);
void smpp_window_fail(struct smpp *s);
void smpp_window_submit_resp(struct smpp *s, const struct smpp_pdu *p);
void smpp_window_deliver(struct smpp *s, const struct smpp_pdu *p);
void smpp_window_free(struct smpp *s);

#endif
