/* Talking to otpsmsd: one request per connection, bounded by one deadline.
 * The one client of the daemon's socket: the PAM module, otpsmsctl and the
 * tests' otpsms-client all use it. It runs inside the application that
 * loaded the module (sshd, sudo, login), so nothing may block without a
 * deadline, raise SIGPIPE, leak a descriptor, log, exit, or trust the other
 * end before it has been identified. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "daemon_client.h"
#include "proto.h"
#include "util.h"

#define PW_BUF_MAX (1024 * 1024)
#define CONNECT_RETRY_MS 50

int
client_lookup_uid(const char *name, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char *b = NULL, *nb;
	long sz;
	int e, r = CLIENT_ENOMEM;

	if ((sz = sysconf(_SC_GETPW_R_SIZE_MAX)) <= 0 || sz > PW_BUF_MAX)
		sz = 16384;
	for (;;) {
		if ((nb = realloc(b, (size_t)sz)) == NULL)
			goto out;
		b = nb;
		e = getpwnam_r(name, &pw, b, (size_t)sz, &res);
		if (e == EINTR)
			continue;
		if (e != ERANGE || sz >= PW_BUF_MAX)
			break;
		sz *= 2;
	}
	if (e == ENOMEM)
		goto out;
	if (e != 0 || res == NULL) {
		r = CLIENT_ENOUSER;
		goto out;
	}
	*uid = pw.pw_uid;
	r = CLIENT_OK;
out:
	free(b);
	return r;
}

/* Waits for events on fd until the absolute deadline (now_ms clock). Error
 * and hangup conditions are left for the following read or write to report. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now;
	int n;

	for (;;) {
		if ((now = now_ms()) >= deadline)
			return CLIENT_ETIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, deadline - now > INT_MAX ? INT_MAX :
		    (int)(deadline - now));
		if (n == -1 && errno != EINTR)
			return CLIENT_EIO;
		if (n > 0)
			return CLIENT_OK;
	}
}

/* The socket must be a socket owned by root or the daemon's user, so that a
 * file planted by someone else in a writable directory is never talked to. */
static int
check_path(const struct client_cfg *cfg, char *err, size_t errsz)
{
	struct stat st;
	int e;

	if (lstat(cfg->socket, &st) == -1) {
		e = errno;
		snprintf(err, errsz, "%s: %m", cfg->socket);
		return e == ENOENT || e == ENOTDIR ?
		    CLIENT_ENOSOCK : CLIENT_ECONNECT;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errsz, "%s: not a socket", cfg->socket);
		return CLIENT_EUNSAFE;
	}
	if (st.st_uid != 0 && st.st_uid != cfg->daemon_uid) {
		snprintf(err, errsz, "%s: owned by uid %u, not root or the "
		    "daemon's user", cfg->socket, (unsigned)st.st_uid);
		return CLIENT_EUNSAFE;
	}
	return CLIENT_OK;
}

static int
do_connect(int fd, const struct client_cfg *cfg, uint64_t deadline,
    char *err, size_t errsz)
{
	struct sockaddr_un sun;
	socklen_t sl;
	uint64_t now;
	int e, soerr, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg->socket) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: path too long", cfg->socket);
		return CLIENT_ECONNECT;
	}
	memcpy(sun.sun_path, cfg->socket, strlen(cfg->socket) + 1);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return CLIENT_OK;
		if (errno == EINPROGRESS || errno == EINTR)
			break;
		if (errno == EAGAIN) {
			/* Linux: the listener's backlog is full. Retry until
			 * the deadline rather than fail on a burst. */
			if ((now = now_ms()) >= deadline) {
				snprintf(err, errsz, "connect %s: timed out "
				    "(backlog full)", cfg->socket);
				return CLIENT_ETIMEOUT;
			}
			poll(NULL, 0, deadline - now > CONNECT_RETRY_MS ?
			    CONNECT_RETRY_MS : (int)(deadline - now));
			continue;
		}
		e = errno;
		snprintf(err, errsz, "connect %s: %m", cfg->socket);
		return e == ENOENT ? CLIENT_ENOSOCK : CLIENT_ECONNECT;
	}
	if ((r = wait_fd(fd, POLLOUT, deadline)) != CLIENT_OK) {
		snprintf(err, errsz, "connecting to %s", cfg->socket);
		return r;
	}
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
	    soerr != 0) {
		errno = soerr;
		snprintf(err, errsz, "connect %s: %m", cfg->socket);
		return CLIENT_ECONNECT;
	}
	return CLIENT_OK;
}

/* The path check can race with a rename; the kernel's record of who is
 * listening cannot. */
static int
check_peer(int fd, const struct client_cfg *cfg, char *err, size_t errsz)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1 ||
	    sl != sizeof(cr)) {
		snprintf(err, errsz, "SO_PEERCRED: %m");
		return CLIENT_EPEER;
	}
	if (cr.uid != 0 && cr.uid != cfg->daemon_uid) {
		snprintf(err, errsz, "%s: served by uid %u, not root or the "
		    "daemon's user", cfg->socket, (unsigned)cr.uid);
		return CLIENT_EPEER;
	}
	return CLIENT_OK;
}

static int
send_all(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
	ssize_t w;
	int r;

	while (n > 0) {
		/* MSG_NOSIGNAL: a daemon that went away must not kill the
		 * application with SIGPIPE. */
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return CLIENT_EIO;
			if ((r = wait_fd(fd, POLLOUT, deadline)) != CLIENT_OK)
				return r;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return CLIENT_OK;
}

/* Reads exactly one frame. The daemon sends one reply and nothing after it;
 * anything else is a protocol error. */
static int
recv_frame(int fd, uint8_t *rb, size_t rbsz, size_t *lenp, uint64_t deadline,
    char *err, size_t errsz)
{
	size_t have = 0, flen = 0;
	ssize_t n;
	int r;

	for (;;) {
		if ((r = wait_fd(fd, POLLIN, deadline)) != CLIENT_OK) {
			snprintf(err, errsz, "waiting for the reply");
			return r;
		}
		if ((n = recv(fd, rb + have, rbsz - have, 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			snprintf(err, errsz, "recv: %m");
			return CLIENT_EIO;
		}
		if (n == 0) {
			snprintf(err, errsz, "connection closed after %zu "
			    "bytes of reply", have);
			return have == 0 ? CLIENT_EIO : CLIENT_EPROTO;
		}
		have += (size_t)n;
		r = proto_frame_check(rb, have, &flen);
		if (r == PROTO_NEED_MORE && have < rbsz)
			continue;
		if (r != PROTO_OK) {
			snprintf(err, errsz, "%s", proto_strerror(r));
			return CLIENT_EPROTO;
		}
		if (have != flen) {
			snprintf(err, errsz, "%zu bytes after the frame",
			    have - flen);
			return CLIENT_EPROTO;
		}
		*lenp = flen;
		return CLIENT_OK;
	}
}

int
client_exchange(const struct client_cfg *cfg, const struct proto_msg *req,
    struct proto_msg *rsp, char *err, size_t errsz)
{
	struct buf out;
	int r;

	memset(rsp, 0, sizeof(*rsp));
	buf_init(&out, 4 + PROTO_MAX_FRAME);
	out.wipe = 1;           /* a verify request carries the typed code */
	if ((r = proto_encode(&out, req)) != PROTO_OK) {
		snprintf(err, errsz, "encode: %s", proto_strerror(r));
		r = r == PROTO_ENOMEM ? CLIENT_ENOMEM : CLIENT_EPROTO;
		goto out;
	}
	r = client_exchange_frame(cfg, buf_ptr(&out), buf_avail(&out), rsp,
	    err, errsz);
out:
	buf_free(&out);
	return r;
}

int
client_exchange_frame(const struct client_cfg *cfg, const uint8_t *frame,
    size_t len, struct proto_msg *rsp, char *err, size_t errsz)
{
	/* One byte more than the largest frame, so an oversized reply is
	 * seen by proto_frame_check instead of filling the buffer exactly. */
	uint8_t rb[4 + PROTO_MAX_FRAME + 1];
	uint64_t deadline;
	size_t rlen = 0;
	int e, fd = -1, r, sr, se;

	memset(rsp, 0, sizeof(*rsp));
	deadline = now_ms() + (uint64_t)cfg->timeout_ms;
	if ((r = check_path(cfg, err, errsz)) != CLIENT_OK)
		goto out;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		e = errno;
		snprintf(err, errsz, "socket: %m");
		r = e == ENOMEM || e == ENOBUFS ?
		    CLIENT_ENOMEM : CLIENT_ECONNECT;
		goto out;
	}
	if ((r = do_connect(fd, cfg, deadline, err, errsz)) != CLIENT_OK ||
	    (r = check_peer(fd, cfg, err, errsz)) != CLIENT_OK)
		goto out;
	sr = send_all(fd, frame, len, deadline);
	se = errno;
	if (sr != CLIENT_OK && sr != CLIENT_EIO) {
		r = sr;
		snprintf(err, errsz, "sending the request");
		goto out;
	}
	/* Even when the send failed: a daemon that turns a caller away
	 * (not allowed, busy) answers and closes without reading, and its
	 * answer is still there to read. */
	if ((r = recv_frame(fd, rb, sizeof(rb), &rlen, deadline, err,
	    errsz)) != CLIENT_OK) {
		if (sr != CLIENT_OK) {
			r = sr;
			errno = se;
			snprintf(err, errsz, "sending the request: %m");
		}
		goto out;
	}
	switch ((r = proto_decode(rb, rlen, rsp))) {
	case PROTO_OK:
		r = CLIENT_OK;
		/* Only an error can answer a request that was not sent. */
		if (sr != CLIENT_OK && rsp->type != PROTO_ERROR) {
			snprintf(err, errsz, "reply to a request that was "
			    "not sent");
			r = CLIENT_EPROTO;
		}
		break;
	case PROTO_EVERSION:
		snprintf(err, errsz, "daemon speaks protocol version %u, we "
		    "speak %u", (unsigned)rsp->version, PROTO_VERSION);
		r = CLIENT_EVERSION;
		break;
	case PROTO_ENOMEM:
		snprintf(err, errsz, "decode: %s", proto_strerror(r));
		r = CLIENT_ENOMEM;
		break;
	default:
		snprintf(err, errsz, "%s", proto_strerror(r));
		r = CLIENT_EPROTO;
		break;
	}
out:
	if (r != CLIENT_OK)
		proto_msg_wipe(rsp);
	if (fd != -1)
		close(fd);
	explicit_bzero(rb, sizeof(rb));
	return r;
}

const char *
client_strerror(int r)
{
	switch (r) {
	case CLIENT_OK: return "success";
	case CLIENT_ENOSOCK: return "daemon socket missing";
	case CLIENT_EUNSAFE: return "daemon socket not trusted";
	case CLIENT_ECONNECT: return "cannot connect to the daemon";
	case CLIENT_EPEER: return "daemon runs as an unexpected user";
	case CLIENT_ETIMEOUT: return "timed out";
	case CLIENT_EIO: return "connection failed";
	case CLIENT_EPROTO: return "malformed reply";
	case CLIENT_EVERSION: return "protocol version mismatch";
	case CLIENT_ENOMEM: return "out of memory";
	case CLIENT_ENOUSER: return "daemon user unknown";
	default: return "unknown error";
	}
}
