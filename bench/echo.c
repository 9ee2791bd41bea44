/* echo: the machine's own ceiling for otpsmsd's exchange. A minimal epoll
 * server on a Unix socket doing what any such server must and nothing else:
 * accept, SO_PEERCRED, read the request frame, write a reply of the size the
 * daemon's reply has (a VERIFY_RSP, made once by the project's encoder),
 * close. loadgen drives it exactly as it drives the daemon.
 *
 *   echo -s SOCKET     (runs until SIGTERM/SIGINT) */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "proto.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = 1;
}

struct conn {
	int fd;
	uint8_t in[PROTO_MAX_FRAME + 4];
	size_t len;
};

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct epoll_event ev, evs[256];
	struct proto_msg m;
	struct ucred cred;
	struct conn *c;
	struct buf reply;
	socklen_t clen;
	size_t flen;
	ssize_t n;
	int lfd, ep, fd, i, nev, r;

	if (argc != 3 || strcmp(argv[1], "-s") != 0 ||
	    strlen(argv[2]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: echo -s SOCKET\n");
		return 2;
	}
	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	m.u.vrsp.status = PROTO_V_EXPIRED;
	buf_init(&reply, PROTO_MAX_FRAME + 4);
	if (proto_encode(&reply, &m) != PROTO_OK)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[2]);
	unlink(argv[2]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 128) == -1 ||            /* what otpsmsd uses */
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("echo: listen");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		if ((nev = epoll_wait(ep, evs, 256, 200)) == -1 && errno != EINTR)
			break;
		for (i = 0; i < nev; i++) {
			if ((c = evs[i].data.ptr) == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
					clen = sizeof(cred);
					if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
					    &clen) == -1 || (c = calloc(1, sizeof(*c))) == NULL) {
						close(fd);
						continue;
					}
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			n = recv(c->fd, c->in + c->len, sizeof(c->in) - c->len, 0);
			if (n == -1 && errno == EAGAIN)
				continue;
			if (n > 0) {
				c->len += (size_t)n;
				r = proto_frame_check(c->in, c->len, &flen);
				if (r == PROTO_NEED_MORE && c->len < sizeof(c->in))
					continue;
				/* The reply fits any socket buffer: one send. */
				(void)send(c->fd, reply.d, reply.len, MSG_NOSIGNAL);
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			free(c);
		}
	}
	close(lfd);
	unlink(argv[2]);
	buf_free(&reply);
	return 0;
}
