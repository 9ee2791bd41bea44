/* libFuzzer: the PAM module's side of the wire protocol. A fake daemon on a
 * Unix socket answers the module's real client (common/daemon_client.c, in
 * libotpsms_common) with the input, in chunks, then closes; the decoded
 * reply goes through the module's own handling (reply.c, answer.c). The first input byte picks the request
 * (challenge or verify) and the chunk size. What must hold: the client
 * accepts exactly the inputs that are one whole valid frame, a failure never
 * maps to success, only a verify reply of OK is PAM_SUCCESS, and everything
 * shown to the user or logged is printable. Built by tests/fuzz.am. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_client.h"
#include "module.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int lfd = -1;
static char path[108];
static const uint8_t *reply;
static size_t reply_len, chunk;
static char told[512];

/* The module's pam_otpsms.c versions talk to libpam; these record. */
void
outcome(struct ctx *c, int prio, const char *fmt, ...)
{
	va_list ap;

	c->prio = prio;
	va_start(ap, fmt);
	vsnprintf(c->outcome, sizeof(c->outcome), fmt, ap);
	va_end(ap);
}

void
tell_user(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(told, sizeof(told), fmt, ap);
	va_end(ap);
}

void
say(struct ctx *c, const char *msgid)
{
	(void)c;
	snprintf(told, sizeof(told), "%s", msgid);
}

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

/* Printable ASCII and whole bullets (U+2022) only. */
static void
check_masked(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
	while (*s != '\0') {
		if (strncmp(s, "\xe2\x80\xa2", 3) == 0) {
			s += 3;
			continue;
		}
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
		s++;
	}
}

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sun;

	snprintf(path, sizeof(path), "/tmp/otpsms-fuzz-%ld.sock", (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1) {
		perror("fuzz_client_reply: listen");
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

/* One connection: read the request frame, answer with the input, close. */
static void *
serve(void *arg)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	uint8_t in[4 + PROTO_MAX_FRAME];
	size_t have = 0, flen, off, n;
	ssize_t r;
	int fd;

	(void)arg;
	if (poll(&pfd, 1, 5000) != 1 || (fd = accept(lfd, NULL, NULL)) == -1)
		return NULL;
	while (have < sizeof(in)) {
		if ((r = read(fd, in + have, sizeof(in) - have)) <= 0)
			break;
		have += (size_t)r;
		if (proto_frame_check(in, have, &flen) != PROTO_NEED_MORE)
			break;
	}
	for (off = 0; off < reply_len; off += n) {
		n = reply_len - off < chunk ? reply_len - off : chunk;
		if (send(fd, reply + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;
	}
	close(fd);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_cfg cfg = { path, 5000, 0 };
	struct proto_msg req, rsp, ref;
	struct ctx c;
	pthread_t t;
	char err[256];
	size_t flen = 0;
	int cr, pr, want, verify;

	if (size < 1 || size > 8192)
		return 0;
	verify = data[0] & 1;
	chunk = (data[0] >> 1) ? (data[0] >> 1) : 8192;
	reply = data + 1;
	reply_len = size - 1;
	cfg.daemon_uid = geteuid();

	memset(&req, 0, sizeof(req));
	if (verify) {
		req.type = PROTO_VERIFY_REQ;
		snprintf(req.u.vreq.user, sizeof(req.u.vreq.user), "alice");
		snprintf(req.u.vreq.code, sizeof(req.u.vreq.code), "123456");
	} else {
		req.type = PROTO_CHALLENGE_REQ;
		snprintf(req.u.creq.user, sizeof(req.u.creq.user), "alice");
		snprintf(req.u.creq.service, sizeof(req.u.creq.service), "sshd");
	}
	err[0] = '\0';
	if (pthread_create(&t, NULL, serve, NULL) != 0)
		return 0;
	cr = client_exchange(&cfg, &req, &rsp, err, sizeof(err));
	pthread_join(t, NULL);
	check_printable(err);

	/* The reference: one whole frame that decodes. Bytes after it are an
	 * error when the client sees them; it need not wait for them (the
	 * daemon sends one frame), so either answer is right then. */
	want = CLIENT_EPROTO;
	if (proto_frame_check(reply, reply_len, &flen) == PROTO_OK) {
		pr = proto_decode(reply, flen, &ref);
		want = pr == PROTO_OK ? CLIENT_OK :
		    pr == PROTO_EVERSION ? CLIENT_EVERSION : CLIENT_EPROTO;
		proto_msg_wipe(&ref);
		if (flen < reply_len && cr == CLIENT_EPROTO)
			want = CLIENT_EPROTO;
	} else if (reply_len == 0)
		want = CLIENT_EIO;
	if (cr != want) {
		fprintf(stderr, "client: %d (%s), expected %d\n", cr, err, want);
		abort();
	}
	if (cr != CLIENT_OK)
		return 0;

	/* The module's handling of what it accepted. */
	memset(&c, 0, sizeof(c));
	told[0] = '\0';
	switch (rsp.type) {
	case PROTO_ERROR:
		if (error_to_pam(&c, &rsp.u.err, !verify) == PAM_SUCCESS)
			abort();
		break;
	case PROTO_VERIFY_RSP:
		if ((verify_to_pam(&c, &rsp.u.vrsp) == PAM_SUCCESS) !=
		    (rsp.u.vrsp.status == PROTO_V_OK) ||
		    c.verified != (rsp.u.vrsp.status == PROTO_V_OK))
			abort();
		break;
	case PROTO_CHALLENGE_RSP:
		/* Shown in the prompt: "Code sent to %s." */
		answer_display_safe(c.masked, sizeof(c.masked), rsp.u.crsp.masked);
		check_masked(c.masked, sizeof(c.masked));
		break;
	default:
		break;
	}
	check_printable(c.outcome);
	check_printable(told);
	proto_msg_wipe(&rsp);
	return 0;
}
