/* smsc: a minimal SMSC for make bench's SMPP runs. Any bind is accepted,
 * each submit_sm is answered at once with ESME_ROK and a message id,
 * enquire_link and unbind are answered; nothing else is checked (the
 * protocol is tested against Net::SMPP in tests/carriers/smpp.sh). One
 * thread, epoll, every PDU of a read answered with one write.
 *
 *   smsc -p PORTFILE      (listens on a free 127.0.0.1 port, written there) */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 65536

struct conn {
	int fd;
	size_t inlen;
	uint8_t in[BUFSZ];
	uint8_t out[BUFSZ];
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A response to (id, seq) with body; returns its length. */
static size_t
resp(uint8_t *o, uint32_t id, uint32_t seq, const char *body, size_t blen)
{
	put32(o, (uint32_t)(16 + blen));
	put32(o + 4, id | 0x80000000u);
	put32(o + 8, 0);
	put32(o + 12, seq);
	memcpy(o + 16, body, blen);
	return 16 + blen;
}

/* Returns -1 to close. */
static int
serve(struct conn *c, unsigned long long *msgid)
{
	size_t off = 0, olen = 0, len;
	uint32_t id, seq;
	char mid[24];
	ssize_t n;
	int quit = 0;

	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n <= 0)
		return n == -1 && errno == EAGAIN ? 0 : -1;
	c->inlen += (size_t)n;
	while (c->inlen - off >= 16 && olen + 64 <= sizeof(c->out)) {
		len = get32(c->in + off);
		if (len < 16 || len > 4096)
			return -1;
		if (c->inlen - off < len)
			break;
		id = get32(c->in + off + 4);
		seq = get32(c->in + off + 12);
		switch (id) {
		case 0x00000001: case 0x00000002: case 0x00000009:   /* binds */
			olen += resp(c->out + olen, id, seq, "smsc", 5);
			break;
		case 0x00000004:                                     /* submit_sm */
			n = snprintf(mid, sizeof(mid), "%llx", ++*msgid);
			olen += resp(c->out + olen, id, seq, mid, (size_t)n + 1);
			break;
		case 0x00000015:                                     /* enquire_link */
			olen += resp(c->out + olen, id, seq, "", 0);
			break;
		case 0x00000006:                                     /* unbind */
			olen += resp(c->out + olen, id, seq, "", 0);
			quit = 1;
			break;
		default:                                             /* answers */
			break;
		}
		off += len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (olen > 0 && write(c->fd, c->out, olen) != (ssize_t)olen)
		return -1;
	return quit ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct epoll_event ev, evs[64];
	unsigned long long msgid = 0;
	struct conn *c;
	FILE *f;
	int lfd, ep, fd, i, n, one = 1;

	if (argc != 3 || strcmp(argv[1], "-p") != 0) {
		fprintf(stderr, "usage: smsc -p PORTFILE\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("smsc");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	if ((f = fopen(argv[2], "w")) == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
				    SOCK_CLOEXEC)) == -1)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				if ((c = calloc(1, sizeof(*c))) == NULL) {
					close(fd);
					continue;
				}
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			c = evs[i].data.ptr;
			if (serve(c, &msgid) != 0) {
				close(c->fd);
				free(c);
			}
		}
	}
}
