/* loadgen: many concurrent clients on otpsmsd's Unix socket, one exchange per
 * connection as pam_otpsms does (connect, one frame, one reply, close),
 * frames written by the project's own encoder (common/proto.c).
 *
 *   loadgen -s SOCKET -m challenge|verify -c CONCURRENCY -d SECONDS
 *           [-w WARMUP_SECONDS] [-r RATE] [-u USERS] [-p USER_PREFIX]
 *
 * Closed loop (each client starts its next exchange when one ends) unless -r
 * sets an open-loop rate: exchange k is due at k/RATE and its latency counts
 * from then, so a server that falls behind is not flattered (no coordinated
 * omission), and the generator sleeps to the microsecond until the next one
 * is due (epoll_pwait2, Linux 5.11). Prints one line:
 *   ok=N errors=E rate=R p50_ms=X p99_ms=Y max_ms=Z
 * ok counts replies of the expected type (CHALLENGE_RSP, VERIFY_RSP);
 * daemon ERROR replies and broken connections are errors. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "proto.h"

#define HIST_US 200000           /* latency histogram: 1 us buckets to 200 ms */
#define MAX_CONC 4096

enum cstate { IDLE, SENDING, READING };

struct client {
	int fd;
	enum cstate st;
	uint64_t start_us;
	uint8_t out[PROTO_MAX_FRAME + 4];
	size_t outlen, outoff;
	uint8_t in[PROTO_MAX_FRAME + 4];
	size_t inlen;
};

static struct sockaddr_un sun;
static int mode;                 /* PROTO_CHALLENGE_REQ or PROTO_VERIFY_REQ */
static const char *prefix = "bench";
static unsigned nusers = 1000;
static uint64_t seq, rng = 0x9e3779b97f4a7c15ULL;
static uint64_t hist[HIST_US + 1];
static uint64_t nok, nerr, maxlat;
static int counting;
static unsigned errcodes[16];

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The next request, as the module would send it. */
static int
build(struct client *c)
{
	struct proto_msg m;
	struct buf b;
	uint64_t r;
	int ret = -1;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)mode;
	if (mode == PROTO_CHALLENGE_REQ) {
		snprintf(m.u.creq.user, sizeof(m.u.creq.user), "%s%u", prefix,
		    (unsigned)(seq++ % nusers));
		snprintf(m.u.creq.service, sizeof(m.u.creq.service), "sshd");
		snprintf(m.u.creq.rhost, sizeof(m.u.creq.rhost), "192.0.2.1");
	} else {
		/* An id no challenge has: the daemon still hashes the answer and
		 * looks it up, which is all a verify costs. */
		r = xorshift();
		memcpy(m.u.vreq.id, &r, sizeof(r));
		r = xorshift();
		memcpy(m.u.vreq.id + 8, &r, sizeof(r));
		snprintf(m.u.vreq.user, sizeof(m.u.vreq.user), "%s%u", prefix,
		    (unsigned)(seq++ % nusers));
		snprintf(m.u.vreq.code, sizeof(m.u.vreq.code), "%06u",
		    (unsigned)(xorshift() % 1000000));
	}
	buf_init(&b, PROTO_MAX_FRAME + 4);
	if (proto_encode(&b, &m) == PROTO_OK && b.len <= sizeof(c->out)) {
		memcpy(c->out, b.d, b.len);
		c->outlen = b.len;
		ret = 0;
	}
	buf_free(&b);
	return ret;
}

static void
record(uint64_t lat_us, int good)
{
	if (!counting)
		return;
	if (!good) {
		nerr++;
		return;
	}
	nok++;
	hist[lat_us > HIST_US ? HIST_US : lat_us]++;
	if (lat_us > maxlat)
		maxlat = lat_us;
}

static void
finish(int ep, struct client *c, int good)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->st = IDLE;
	record(now_us() - c->start_us, good);
}

/* Starts an exchange due at start_us. 0: started (or failed and counted),
 * -1: the listen queue is full, try again later. */
static int
start(int ep, struct client *c, uint64_t start_us)
{
	struct epoll_event ev;
	ssize_t n;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		if (errno == EAGAIN)
			return -1;
		record(0, 0);
		return 0;
	}
	c->fd = fd;
	c->start_us = start_us;
	c->outoff = 0;
	c->inlen = 0;
	if (build(c) == -1) {
		close(fd);
		c->fd = -1;
		record(0, 0);
		return 0;
	}
	/* As pam_otpsms does: the request right after connect. */
	c->st = SENDING;
	n = send(fd, c->out, c->outlen, MSG_NOSIGNAL);
	if (n > 0)
		c->outoff = (size_t)n;
	if (c->outoff == c->outlen || (n == -1 && errno != EAGAIN))
		c->st = READING;    /* a refusal may be waiting to be read */
	ev.events = c->st == READING ? EPOLLIN : EPOLLOUT | EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		finish(ep, c, 0);
		return 0;
	}
	return 0;
}

static void
on_event(int ep, struct client *c, uint32_t events)
{
	struct epoll_event ev;
	struct proto_msg m;
	size_t flen;
	ssize_t n;
	int r;

	if (c->st == SENDING) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			/* Refused before the request was read: the reply may be there. */
			c->st = READING;
		} else if (n > 0 && (c->outoff += (size_t)n) == c->outlen) {
			c->st = READING;
			ev.events = EPOLLIN;
			ev.data.ptr = c;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
		if (c->st != READING || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		finish(ep, c, 0);
		return;
	}
	c->inlen += (size_t)n;
	r = proto_frame_check(c->in, c->inlen, &flen);
	if (r == PROTO_NEED_MORE)
		return;
	if (r != PROTO_OK || proto_decode(c->in, flen, &m) != PROTO_OK) {
		finish(ep, c, 0);
		return;
	}
	if (m.type == PROTO_ERROR && m.u.err.code < 16)
		errcodes[m.u.err.code]++;
	finish(ep, c, m.type == (mode == PROTO_CHALLENGE_REQ ? PROTO_CHALLENGE_RSP :
	    PROTO_VERIFY_RSP));
}

static double
percentile(double p)
{
	uint64_t want = (uint64_t)(p * (double)nok), seen = 0;
	size_t i;

	for (i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)i / 1000.0;
	}
	return (double)HIST_US / 1000.0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen -s SOCKET -m challenge|verify -c N -d SECONDS "
	    "[-w SECONDS] [-r RATE] [-u USERS] [-p PREFIX]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct client cl[MAX_CONC];
	struct epoll_event evs[256];
	const char *path = NULL;
	double dur = 5, warm = 1, rate = 0;
	uint64_t t0, tw, tend, now, started = 0, due, wait;
	struct timespec ts;
	unsigned conc = 64, i, active;
	int ch, ep, n, k, blocked;

	while ((ch = getopt(argc, argv, "s:m:c:d:w:r:u:p:")) != -1) {
		switch (ch) {
		case 's': path = optarg; break;
		case 'm':
			if (strcmp(optarg, "challenge") == 0)
				mode = PROTO_CHALLENGE_REQ;
			else if (strcmp(optarg, "verify") == 0)
				mode = PROTO_VERIFY_REQ;
			else
				usage();
			break;
		case 'c': conc = (unsigned)atoi(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'u': nusers = (unsigned)atoi(optarg); break;
		case 'p': prefix = optarg; break;
		default: usage();
		}
	}
	if (path == NULL || mode == 0 || conc == 0 || conc > MAX_CONC || dur <= 0 ||
	    nusers == 0 || strlen(path) >= sizeof(sun.sun_path))
		usage();
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	rng ^= (uint64_t)getpid() << 32 ^ now_us();
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("epoll_create1");
		return 1;
	}
	for (i = 0; i < conc; i++)
		cl[i].fd = -1;

	t0 = now_us();
	tw = t0 + (uint64_t)(warm * 1e6);
	tend = tw + (uint64_t)(dur * 1e6);
	for (;;) {
		now = now_us();
		if (!counting && now >= tw) {
			counting = 1;
			started = 0;         /* the open-loop schedule restarts */
			t0 = tw;
		}
		active = 0;
		blocked = 0;
		for (i = 0; i < conc; i++) {
			if (cl[i].st != IDLE) {
				active++;
				continue;
			}
			if (now >= tend || blocked)
				continue;
			if (rate > 0) {
				due = (uint64_t)((double)(now - t0) * rate / 1e6);
				if (started >= due)
					continue;
				if (start(ep, &cl[i], t0 + (uint64_t)((double)started * 1e6 / rate)) == -1) {
					blocked = 1;
					continue;
				}
				started++;
			} else if (start(ep, &cl[i], now) == -1) {
				blocked = 1;
				continue;
			}
			if (cl[i].st != IDLE)
				active++;
		}
		if (now >= tend && active == 0)
			break;
		/* In-flight exchanges after the window get 5 s, then are errors. */
		if (now >= tend + 5000000) {
			for (i = 0; i < conc; i++)
				if (cl[i].st != IDLE)
					finish(ep, &cl[i], 0);
			break;
		}
		/* Open loop: sleep until the next exchange is due, to the
		 * microsecond (a 1 ms epoll_wait timeout added up to 1 ms to
		 * every latency); closed loop: replies wake us. */
		wait = 1000000;
		if (rate > 0 && now < tend) {
			due = t0 + (uint64_t)((double)started * 1e6 / rate);
			now = now_us();
			wait = due > now ? (due - now) * 1000 : 0;
			if (wait > 1000000)
				wait = 1000000;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)wait;
		n = epoll_pwait2(ep, evs, 256, &ts, NULL);
		if (n == -1 && errno == ENOSYS)
			n = epoll_wait(ep, evs, 256, 1);
		/* Replies that arrive after the window are not counted. */
		if (now_us() >= tend)
			counting = 0;
		for (k = 0; k < n; k++)
			on_event(ep, evs[k].data.ptr, evs[k].events);
	}
	for (i = 0; i < 16; i++)
		if (errcodes[i] > 0)
			fprintf(stderr, "loadgen: %u ERROR replies with code %u (%s)\n",
			    errcodes[i], i, proto_err_name(i));
	printf("ok=%llu errors=%llu rate=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
	    (unsigned long long)nok, (unsigned long long)nerr, (double)nok / dur,
	    percentile(0.50), percentile(0.99), (double)maxlat / 1000.0);
	close(ep);
	return 0;
}
