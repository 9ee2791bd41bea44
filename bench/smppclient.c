/* smppclient: the SMPP send path's own limit (make bench's smpp_limit): one
 * bind_transceiver session to bench/smsc, WINDOW submit_sm in flight (the
 * daemon's carrier window), each answer followed at once by the next
 * submit_sm of the same shape as the daemon's (an E.164 number, a 6-digit
 * code in a short text). Prints: ok=N errors=E rate=R
 *
 *   smppclient -p PORT -d SECONDS [-w WARMUP] [-W WINDOW] */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t out[1 << 16], in[1 << 16];
static size_t olen, inlen;
static uint32_t seq;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Appends a PDU: header, then body. */
static void
pdu(uint32_t id, const uint8_t *body, size_t blen)
{
	uint8_t *p = out + olen;

	put32(p, (uint32_t)(16 + blen));
	put32(p + 4, id);
	put32(p + 8, 0);
	put32(p + 12, ++seq);
	memcpy(p + 16, body, blen);
	olen += 16 + blen;
}

static void
submit(void)
{
	uint8_t b[200];
	size_t n = 0;
	int k;

	b[n++] = 0;                                      /* service_type "" */
	b[n++] = 1; b[n++] = 1;                          /* source ton, npi */
	n += (size_t)sprintf((char *)b + n, "447700900999") + 1;
	b[n++] = 1; b[n++] = 1;                          /* dest ton, npi */
	n += (size_t)sprintf((char *)b + n, "4477009%05u", seq % 2000) + 1;
	b[n++] = 0; b[n++] = 0; b[n++] = 0;              /* esm, protocol, priority */
	b[n++] = 0; b[n++] = 0;                          /* schedule, validity "" */
	b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 0;  /* registered, replace, dcs, default id */
	k = sprintf((char *)b + n + 1, "%06u is your code", (seq * 7919u) % 1000000u);
	b[n++] = (uint8_t)k;
	n += (size_t)k;
	pdu(0x00000004, b, n);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	double secs = 4, warm = 1, t0, tc = 0, t;
	unsigned long long nok = 0, nerr = 0;
	int ch, fd, port = 0, window = 10, i, one = 1, counting = 0, bound = 0;
	size_t off, len;
	ssize_t n;
	uint8_t bind[64];
	size_t bl = 0;

	while ((ch = getopt(argc, argv, "p:d:w:W:")) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'W': window = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (port <= 0 || window < 1 || window > 1000)
		goto usage;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("smppclient: connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bl += (size_t)sprintf((char *)bind, "otpsms") + 1;
	bl += (size_t)sprintf((char *)bind + bl, "secret") + 1;
	bl += (size_t)sprintf((char *)bind + bl, "OTP") + 1;
	bind[bl++] = 0x34; bind[bl++] = 0; bind[bl++] = 0; bind[bl++] = 0;
	pdu(0x00000009, bind, bl);
	t0 = now_s();
	for (;;) {
		if (olen > 0) {
			if (write(fd, out, olen) != (ssize_t)olen)
				break;
			olen = 0;
		}
		t = now_s();
		if (!counting && bound && t >= t0 + warm) {
			counting = 1;
			nok = nerr = 0;
			tc = t;
		}
		if (counting && t >= tc + secs)
			break;
		if ((n = read(fd, in + inlen, sizeof(in) - inlen)) <= 0)
			break;
		inlen += (size_t)n;
		for (off = 0; inlen - off >= 16; off += len) {
			len = get32(in + off);
			if (len < 16 || inlen - off < len)
				break;
			if (get32(in + off + 4) == 0x80000009u) {
				bound = get32(in + off + 8) == 0;
				for (i = 0; bound && i < window; i++)
					submit();
			} else if (get32(in + off + 4) == 0x80000004u) {
				if (get32(in + off + 8) == 0)
					nok++;
				else
					nerr++;
				submit();
			}
		}
		memmove(in, in + off, inlen - off);
		inlen -= off;
		if (!bound && now_s() > t0 + 5)
			break;
	}
	printf("ok=%llu errors=%llu rate=%.0f\n", nok, nerr,
	    counting ? (double)nok / (now_s() - tc) : 0.0);
	close(fd);
	return counting ? 0 : 1;
usage:
	fprintf(stderr, "usage: smppclient -p PORT -d SECONDS [-w WARMUP] [-W WINDOW]\n");
	return 2;
}
