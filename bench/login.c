/* login: whole logins through otpsmsd's socket, one after another, as
 * pam_otpsms makes them: a challenge (connect, request, reply, close), the
 * code taken from the file carrier's outbox, then a verify with it that must
 * answer OK. Users USER_PREFIX0 .. USER_PREFIX(USERS-1) in turn.
 *
 *   login -s SOCKET -o OUTBOX -n LOGINS [-u USERS] [-p USER_PREFIX]
 *
 * A login's time is the two exchanges (connect to reply, each); reading the
 * outbox between them (the SMS reaching the user) is not counted. Any login
 * that does not verify is an error (exit 1). Prints one line:
 *   logins=N p50_ms=X p99_ms=Y max_ms=Z challenge_median_ms=C verify_median_ms=V */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "outbox.h"
#include "proto.h"

#define MAX_LOGINS 100000

static struct sockaddr_un sun;
static const char *outbox;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One exchange: connect, send req, read one frame into rsp. 0 or -1. */
static int
exchange(const struct proto_msg *req, struct proto_msg *rsp)
{
	uint8_t in[PROTO_MAX_FRAME + 4];
	struct buf b;
	size_t inlen = 0, flen;
	ssize_t n;
	int fd, r, ret = -1;

	memset(rsp, 0, sizeof(*rsp));
	buf_init(&b, PROTO_MAX_FRAME + 4);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    proto_encode(&b, req) != PROTO_OK ||
	    send(fd, b.d, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
		goto out;
	for (;;) {
		if ((n = recv(fd, in + inlen, sizeof(in) - inlen, 0)) <= 0)
			goto out;
		inlen += (size_t)n;
		if ((r = proto_frame_check(in, inlen, &flen)) == PROTO_NEED_MORE)
			continue;
		if (r == PROTO_OK && proto_decode(in, flen, rsp) == PROTO_OK)
			ret = 0;
		goto out;
	}
 out:
	if (fd != -1)
		close(fd);
	buf_free(&b);
	return ret;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *t, int n, double p)
{
	int i = (int)(p * n);

	return t[i < n ? i : n - 1];
}

int
main(int argc, char **argv)
{
	static double t[MAX_LOGINS], tc[MAX_LOGINS], tv[MAX_LOGINS];
	struct proto_msg req, rsp;
	const char *path = NULL, *prefix = "bench";
	unsigned nusers = 1000;
	double t0;
	int ch, i, n = 1000, ret = 1;

	while ((ch = getopt(argc, argv, "s:o:n:u:p:")) != -1) {
		switch (ch) {
		case 's': path = optarg; break;
		case 'o': outbox = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'u': nusers = (unsigned)atoi(optarg); break;
		case 'p': prefix = optarg; break;
		default: goto usage;
		}
	}
	if (path == NULL || outbox == NULL || n < 1 || n > MAX_LOGINS ||
	    nusers == 0 || strlen(path) >= sizeof(sun.sun_path))
		goto usage;
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof(req));
		req.type = PROTO_CHALLENGE_REQ;
		snprintf(req.u.creq.user, sizeof(req.u.creq.user), "%s%u", prefix,
		    (unsigned)i % nusers);
		snprintf(req.u.creq.service, sizeof(req.u.creq.service), "sshd");
		snprintf(req.u.creq.rhost, sizeof(req.u.creq.rhost), "192.0.2.1");
		t0 = now_ms();
		if (exchange(&req, &rsp) == -1 || rsp.type != PROTO_CHALLENGE_RSP) {
			fprintf(stderr, "login: challenge %d: %s\n", i + 1,
			    rsp.type == PROTO_ERROR ? rsp.u.err.message : "no reply");
			goto out;
		}
		tc[i] = now_ms() - t0;
		memset(&req, 0, sizeof(req));
		req.type = PROTO_VERIFY_REQ;
		memcpy(req.u.vreq.id, rsp.u.crsp.id, PROTO_ID_LEN);
		snprintf(req.u.vreq.user, sizeof(req.u.vreq.user), "%s%u", prefix,
		    (unsigned)i % nusers);
		if (outbox_last_code(outbox, req.u.vreq.code,
		    sizeof(req.u.vreq.code)) == -1) {
			fprintf(stderr, "login: no code in %s\n", outbox);
			goto out;
		}
		t0 = now_ms();
		if (exchange(&req, &rsp) == -1 || rsp.type != PROTO_VERIFY_RSP ||
		    rsp.u.vrsp.status != PROTO_V_OK) {
			fprintf(stderr, "login: verify %d: %s\n", i + 1,
			    rsp.type == PROTO_ERROR ? rsp.u.err.message :
			    rsp.type == PROTO_VERIFY_RSP ? "not ok" : "no reply");
			goto out;
		}
		tv[i] = now_ms() - t0;
		t[i] = tc[i] + tv[i];
		proto_msg_wipe(&req);
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	qsort(tc, (size_t)n, sizeof(tc[0]), cmp);
	qsort(tv, (size_t)n, sizeof(tv[0]), cmp);
	printf("logins=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f challenge_median_ms=%.3f "
	    "verify_median_ms=%.3f\n", n, pct(t, n, 0.50), pct(t, n, 0.99), t[n - 1],
	    pct(tc, n, 0.50), pct(tv, n, 0.50));
	ret = 0;
 out:
	proto_msg_wipe(&req);
	return ret;
 usage:
	fprintf(stderr, "usage: login -s SOCKET -o OUTBOX -n LOGINS [-u USERS] "
	    "[-p PREFIX]\n");
	return 2;
}
