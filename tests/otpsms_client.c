/* A protocol-level client for tests and benchmarks:
 *   otpsms-client -s SOCKET [-t SECONDS] [-u DAEMON_USER] challenge USER [SERVICE [RHOST]]
 *     -> "ID MASKED TTL DIGITS FLAGS", exit 0
 *   otpsms-client -s SOCKET verify ID USER CODE
 *     -> "ok" (exit 0) | "wrong N" | "expired" | "maxtries" (exit 1)
 *   otpsms-client -s SOCKET backup USER CODE   (BACKUP_VERIFY_REQ)
 *     -> as verify
 *   otpsms-client -s SOCKET raw HEX   (sends bytes as they are, prints the reply)
 * Errors from the daemon: "error CODE RETRY_AFTER MESSAGE", exit 2;
 * no daemon, timeout or a bad reply: a message on stderr, exit 3. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "daemon_client.h"
#include "proto.h"
#include "util.h"

static int timeout_ms = 20000;
static const char *daemon_user;

/* One exchange through the module's own client (daemon_client.c), so the
 * shell tests drive the code that ships. The daemon's user is -u USER, or
 * else whoever owns the socket: this client is pointed at the daemon under
 * test, and the listener must still be that owner or root (SO_PEERCRED). */
static int
exchange(const char *path, const uint8_t *req, size_t reqlen, struct proto_msg *rsp)
{
	struct client_cfg cfg;
	struct stat st;
	char err[256] = "";
	int r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.socket = path;
	cfg.timeout_ms = timeout_ms;
	if (daemon_user != NULL) {
		if ((r = client_lookup_uid(daemon_user, &cfg.daemon_uid)) !=
		    CLIENT_OK) {
			fprintf(stderr, "%s: %s\n", daemon_user, client_strerror(r));
			return 3;
		}
	} else if (lstat(path, &st) == 0)
		cfg.daemon_uid = st.st_uid;
	if ((r = client_exchange_frame(&cfg, req, reqlen, rsp, err,
	    sizeof(err))) != CLIENT_OK) {
		fprintf(stderr, "%s: %s\n", client_strerror(r), err);
		return 3;
	}
	if (rsp->type == PROTO_ERROR) {
		printf("error %u %u %s\n", rsp->u.err.code, rsp->u.err.retry_after,
		    rsp->u.err.message);
		return 2;
	}
	return 0;
}

static int
unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned v;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	struct proto_msg m, rsp;
	struct buf b;
	uint8_t raw[PROTO_MAX_FRAME * 2];
	size_t rawlen, i;
	unsigned long flags = 0;
	int ch, r;

	while ((ch = getopt(argc, argv, "f:s:t:u:")) != -1) {
		switch (ch) {
		case 'f': flags = strtoul(optarg, NULL, 0); break;
		case 's': sock = optarg; break;
		case 't': timeout_ms = atoi(optarg) * 1000; break;
		case 'u': daemon_user = optarg; break;
		default: return 64;
		}
	}
	argc -= optind;
	argv += optind;
	if (sock == NULL || argc < 2)
		goto usage;
	memset(&m, 0, sizeof(m));
	buf_init(&b, PROTO_MAX_FRAME + 4);
	if (strcmp(argv[0], "challenge") == 0 && argc <= 4) {
		m.type = PROTO_CHALLENGE_REQ;
		snprintf(m.u.creq.user, sizeof(m.u.creq.user), "%s", argv[1]);
		snprintf(m.u.creq.service, sizeof(m.u.creq.service), "%s",
		    argc > 2 ? argv[2] : "otpsms-client");
		snprintf(m.u.creq.rhost, sizeof(m.u.creq.rhost), "%s", argc > 3 ? argv[3] : "");
		m.u.creq.flags = (uint32_t)flags;
	} else if (strcmp(argv[0], "verify") == 0 && argc == 4) {
		m.type = PROTO_VERIFY_REQ;
		if (unhex(argv[1], m.u.vreq.id, PROTO_ID_LEN, &rawlen) != 0 ||
		    rawlen != PROTO_ID_LEN)
			goto usage;
		snprintf(m.u.vreq.user, sizeof(m.u.vreq.user), "%s", argv[2]);
		snprintf(m.u.vreq.code, sizeof(m.u.vreq.code), "%s", argv[3]);
	} else if (strcmp(argv[0], "backup") == 0 && argc == 3) {
		m.type = PROTO_BACKUP_VERIFY_REQ;
		snprintf(m.u.breq.user, sizeof(m.u.breq.user), "%s", argv[1]);
		snprintf(m.u.breq.code, sizeof(m.u.breq.code), "%s", argv[2]);
	} else if ((strcmp(argv[0], "raw") == 0 ||
	    strcmp(argv[0], "rawid") == 0) && argc == 2) {
		if (unhex(argv[1], raw, sizeof(raw), &rawlen) != 0)
			goto usage;
		r = exchange(sock, raw, rawlen, &rsp);
		/* raw prints the reply's type; rawid prints a challenge's reply
		 * as challenge does (its whole id). */
		if (r == 0 && rsp.type == PROTO_CHALLENGE_RSP &&
		    strcmp(argv[0], "rawid") == 0) {
			for (i = 0; i < PROTO_ID_LEN; i++)
				printf("%02x", rsp.u.crsp.id[i]);
			printf(" %s\n", rsp.u.crsp.masked);
		} else if (r == 0)
			printf("type %u\n", rsp.type);
		return r;
	} else
		goto usage;
	if (proto_encode(&b, &m) != PROTO_OK) {
		fprintf(stderr, "cannot encode\n");
		return 64;
	}
	r = exchange(sock, b.d, b.len, &rsp);
	buf_free(&b);
	if (r != 0)
		return r;
	if (m.type == PROTO_CHALLENGE_REQ && rsp.type == PROTO_CHALLENGE_RSP) {
		for (i = 0; i < PROTO_ID_LEN; i++)
			printf("%02x", rsp.u.crsp.id[i]);
		printf(" %s %u %u %u\n", rsp.u.crsp.masked, rsp.u.crsp.ttl,
		    rsp.u.crsp.digits, rsp.u.crsp.flags);
		return 0;
	}
	if ((m.type == PROTO_VERIFY_REQ || m.type == PROTO_BACKUP_VERIFY_REQ) &&
	    rsp.type == PROTO_VERIFY_RSP) {
		switch (rsp.u.vrsp.status) {
		case PROTO_V_OK: printf("ok\n"); return 0;
		case PROTO_V_WRONG: printf("wrong %u\n", rsp.u.vrsp.attempts_left); return 1;
		case PROTO_V_EXPIRED: printf("expired\n"); return 1;
		case PROTO_V_MAXTRIES: printf("maxtries\n"); return 1;
		}
	}
	fprintf(stderr, "unexpected reply type %u\n", rsp.type);
	return 3;
usage:
	fprintf(stderr, "usage: otpsms-client -s SOCKET [-f FLAGS] challenge USER "
	    "[SERVICE [RHOST]]\n"
	    "       otpsms-client -s SOCKET verify ID USER CODE\n"
	    "       otpsms-client -s SOCKET backup USER CODE\n"
	    "       otpsms-client -s SOCKET raw|rawid HEX\n");
	return 64;
}
