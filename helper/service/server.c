/* Accepting callers on the Unix socket. Each connection carries one request:
 * read one frame (bounded, with a deadline), hand it to its row of the
 * dispatch table if the caller may send it (server_decide), write one
 * reply, close. A bad client is dropped alone; the daemon goes on.
 *
 * System calls per exchange are what a verify costs, so there are few:
 * clients are watched EPOLLONESHOT (a read disarms them; no epoll_ctl while
 * busy), a reply is written at once and EPOLLOUT armed only if that would
 * block, and deadlines share one timer (clients are kept in accept order). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "loop.h"
#include "peer.h"
#include "proto.h"
#include "rootfs.h"
#include "server.h"

#define ACCEPT_PAUSE_MS 1000
#define ACCEPT_BATCH 16          /* new clients served per loop turn */

enum client_state { C_READ, C_BUSY, C_WRITE };

struct client {
	struct server *srv;
	int fd;
	uid_t uid;
	pid_t pid;
	enum client_state state;
	int watched;                 /* registered with the loop */
	struct buf in, out;
	uint64_t deadline;           /* CLOCK_MONOTONIC ms */
	void (*on_close)(void *);    /* client_on_close: a handler waits */
	void *on_close_arg;
	enum peer_trust trust;       /* peer.h: what this caller may ask */
	unsigned req_type;           /* the request's type, once decoded */
	struct client *next, *prev;
};

struct server {
	struct daemon *d;
	int fd;
	const struct server_handler *table;
	size_t ntable;
	struct loop_timer resume;
	struct loop_timer reap;      /* the earliest client deadline, or later */
	uint64_t reap_at;            /* when reap fires; 0 when not armed */
	struct client *clients, *last;  /* in accept order */
	size_t nclients;
	struct client *dispatching;  /* NULL once it is closed */
};

#define ONESHOT(ev) ((ev) | EPOLLONESHOT)

static void client_close(struct client *c);

void (*server_reply_hook)(unsigned req_type, const struct proto_msg *m);
static void on_client_io(void *arg, int fd, uint32_t events);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* PATH's last component, with the directory that holds it in DIR ("." for
 * a bare name, "/" at the root); NULL when the last component is empty, "."
 * or "..", not a name to make. */
static const char *
split_path(const char *path, char *dir, size_t dirsz)
{
	const char *name, *slash;

	if ((slash = strrchr(path, '/')) == NULL) {
		name = path;
		snprintf(dir, dirsz, ".");
	} else {
		name = slash + 1;
		snprintf(dir, dirsz, "%.*s",
		    slash == path ? 1 : (int)(slash - path), path);
	}
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		name = NULL;
	return name;
}

/* The socket's directory, opened as rootfs.h says; created (0755, owned by
 * uid:gid) if it is missing. */
static int
open_socket_dir(const char *dir, uid_t uid, gid_t gid, int guard, char *err,
    size_t errsz)
{
	char parent[PATH_MAX];
	const char *name;
	struct stat st;
	int pfd = -1, fd = -1, r = -1;

	if ((r = rootfs_open_dir(AT_FDCWD, dir, uid, gid, guard, err, errsz)) != -1 ||
	    errno != ENOENT)
		goto out;
	/* Missing: made in its parent, itself walked the same way. */
	if ((name = split_path(dir, parent, sizeof(parent))) == NULL ||
	    (pfd = rootfs_open_dir(AT_FDCWD, parent, uid, gid, guard, err, errsz)) == -1)
		goto out;
	if (mkdirat(pfd, name, 0755) == -1) {
		if (errno != EEXIST) {
			snprintf(err, errsz, "mkdir %s: %s", dir, strerror(errno));
			goto out;
		}
		/* Made meanwhile: walked and checked like any other. */
		r = rootfs_open_dir(pfd, name, uid, gid, guard, err, errsz);
		goto out;
	}
	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* Ours, unless swapped since mkdir; only its descriptor from here on. */
	if (st.st_uid != geteuid()) {
		snprintf(err, errsz, "%s: replaced while it was being created", dir);
		goto out;
	}
	if (fchmod(fd, 0755) == -1 ||
	    (geteuid() == 0 && fchown(fd, uid, gid) == -1)) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto out;
	}
	r = fd;
	fd = -1;
 out:
	if (fd != -1)
		close(fd);
	if (pfd != -1)
		close(pfd);
	return r;
}

/* The socket just bound as name in dfd gets uid:gid. Only the inode we
 * made: root's, a socket, with no other name (a hard link planted in its
 * place, or anything put there since, is refused, never chowned). */
static int
chown_socket(int dfd, const char *name, const char *path, uid_t uid, gid_t gid,
    char *err, size_t errsz)
{
	struct stat st;
	int fd, r = -1;

	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
		snprintf(err, errsz, "%s: replaced after bind; not changing its owner",
		    path);
		goto out;
	}
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1) {
		snprintf(err, errsz, "chown %s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	return r;
}

/* Started as root, nothing here is done by path inside a directory the
 * daemon's user can write: the directory is walked (rootfs.h), then
 * fstatat/unlinkat/bind/fchownat work relative to its descriptor. */
int
server_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct stat st;
	char dir[sizeof(sun.sun_path)];
	const char *name;
	mode_t old;
	int root = geteuid() == 0, guard = root && uid != 0;
	int dfd = -1, cwd = -1, fd = -1, r = -1, bound;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: socket path too long", path);
		goto out;
	}
	if ((name = split_path(path, dir, sizeof(dir))) == NULL) {
		snprintf(err, errsz, "%s: not a socket path", path);
		goto out;
	}
	if ((dfd = open_socket_dir(dir, uid, gid, guard, err, errsz)) == -1)
		goto out;
	/* A stale socket from an earlier run; anything else is left alone. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s exists and is not a socket%s", path,
			    S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
			goto out;
		}
		/* unlinkat never follows: at worst it removes what replaced it. */
		if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT) {
			snprintf(err, errsz, "unlink %s: %s", path, strerror(errno));
			goto out;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		goto out;
	}
	/* bind() takes a path: a relative one, from the checked directory
	 * (bind never follows a link in the last place: EADDRINUSE). */
	memcpy(sun.sun_path, name, strlen(name) + 1);
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fchdir(dfd) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto out;
	}
	old = umask(0117);
	bound = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (bound == -1)
		snprintf(err, errsz, "bind %s: %s", path, strerror(errno));
	if (fchdir(cwd) == -1) {
		snprintf(err, errsz, "back to the working directory: %s", strerror(errno));
		goto out;
	}
	if (bound == -1)
		goto out;
	if (root && chown_socket(dfd, name, path, uid, gid, err, errsz) != 0)
		goto out;
	if (listen(fd, 128) == -1) {
		snprintf(err, errsz, "listen: %s", strerror(errno));
		goto out;
	}
	r = fd;
	fd = -1;
 out:
	if (fd != -1)
		close(fd);
	if (cwd != -1)
		close(cwd);
	if (dfd != -1)
		close(dfd);
	return r;
}

uid_t
client_uid(const struct client *c)
{
	return c->uid;
}

pid_t
client_pid(const struct client *c)
{
	return c->pid;
}

void
client_on_close(struct client *c, void (*fn)(void *arg), void *arg)
{
	c->on_close = fn;
	c->on_close_arg = fn != NULL ? arg : NULL;
}

/* The handler waiting on c (if any) hears that c is gone, once. */
static void
client_gone(struct client *c)
{
	void (*fn)(void *) = c->on_close;

	c->on_close = NULL;
	if (fn != NULL)
		fn(c->on_close_arg);
	c->on_close_arg = NULL;
}

static void
client_timeout(struct client *c)
{
	log_info("client pid %ld uid %u: deadline passed, closing",
	    (long)c->pid, (unsigned)c->uid);
	if (c->state == C_WRITE) {
		client_close(c);
		return;
	}
	client_gone(c);
	/* Tell the module, which fails closed on it, then close. */
	client_error(c, PROTO_E_TIMEOUT, 0, "request timed out");
}

static void
client_close(struct client *c)
{
	struct server *s = c->srv;

	client_gone(c);
	if (s->dispatching == c)
		s->dispatching = NULL;
	if (c->watched)
		loop_del(s->d->loop, c->fd);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		s->last = c->prev;
	s->nclients--;
	/* The reap timer stays as it is while others wait: when it fires it
	 * finds the next deadline (cancelling it for every client cost a
	 * timerfd_settime each). The last one leaving cancels it, so an idle
	 * daemon has no wakeup left to take. */
	if (s->nclients == 0) {
		loop_timer_cancel(s->d->loop, &s->reap);
		s->reap_at = 0;
	}
	free(c);
}

/* Arms reap for `when` unless it already fires sooner. */
static void
reap_arm(struct server *s, uint64_t when)
{
	uint64_t now;

	if (s->reap_at != 0 && s->reap_at <= when)
		return;
	now = now_ms();
	if (loop_timer_set(s->d->loop, &s->reap, when > now ? when - now : 0) == -1)
		fatal_f("cannot arm the client deadline timer");
	s->reap_at = when;
}

/* Every client past its deadline is told so (or closed), then the timer is
 * set for the earliest deadline left. Under load this runs about once per
 * client_timeout, not once per client. */
static void
on_reap(void *arg)
{
	struct server *s = arg;
	struct client *c, *next;
	uint64_t now = now_ms(), first = 0;

	s->reap_at = 0;
	for (c = s->clients; c != NULL; c = next) {
		next = c->next;
		if (c->deadline <= now) {
			/* One more period to take the error reply, then closed. */
			c->deadline = now + s->d->cfg->client_timeout_ms;
			client_timeout(c);
		}
	}
	for (c = s->clients; c != NULL; c = c->next)
		if (first == 0 || c->deadline < first)
			first = c->deadline;
	if (first != 0)
		reap_arm(s, first);
}

/* Waits (once) for events on c: most clients never need this, their
 * request is there at accept and their reply fits the socket buffer. */
static int
client_watch(struct client *c, uint32_t events)
{
	struct loop *l = c->srv->d->loop;

	reap_arm(c->srv, c->deadline);
	if (c->watched)
		return loop_mod(l, c->fd, ONESHOT(events));
	if (loop_add(l, c->fd, ONESHOT(events), on_client_io, c) == -1)
		return -1;
	c->watched = 1;
	return 0;
}

static void
client_flush(struct client *c)
{
	ssize_t n;

	while (buf_avail(&c->out) > 0) {
		n = send(c->fd, buf_ptr(&c->out), buf_avail(&c->out), MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (client_watch(c, EPOLLOUT) == -1)
					break;
				return;
			}
			break;
		}
		c->out.off += (size_t)n;
	}
	client_close(c);
}

void
client_reply(struct client *c, const struct proto_msg *m)
{
	int r;

	client_on_close(c, NULL, NULL);
	c->state = C_WRITE;
	if (server_reply_hook != NULL)
		server_reply_hook(c->req_type, m);
	if ((r = proto_encode(&c->out, m)) != PROTO_OK) {
		log_err_f("cannot encode reply: %s", proto_strerror(r));
		client_close(c);
		return;
	}
	client_flush(c);
}

void
client_error(struct client *c, unsigned code, unsigned retry_after, const char *msg)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_ERROR;
	m.u.err.code = code;
	m.u.err.retry_after = retry_after;
	snprintf(m.u.err.message, sizeof(m.u.err.message), "%s", msg);
	client_reply(c, &m);
}

static void
client_read(struct client *c)
{
	struct server *s = c->srv;
	const struct server_handler *h;
	struct proto_msg m;
	char why[128];
	unsigned code;
	uint8_t *p;
	size_t want, framelen;
	ssize_t n;
	int r;

	for (;;) {
		/* Read at most what one frame can be: one request per connection. */
		want = PROTO_MAX_FRAME + 4 - c->in.len;
		if (want == 0)
			break;
		if (buf_reserve(&c->in, want, &p) != 0) {
			client_close(c);
			return;
		}
		n = recv(c->fd, p, want, 0);
		c->in.len -= want - (n > 0 ? (size_t)n : 0);
		if (n == 0) {
			client_close(c);   /* peer hung up before a whole request */
			return;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c);
			return;
		}
		if (proto_frame_check(c->in.d, c->in.len, &framelen) != PROTO_NEED_MORE)
			break;
	}
	r = proto_frame_check(c->in.d, c->in.len, &framelen);
	if (r == PROTO_NEED_MORE) {
		if (client_watch(c, EPOLLIN) == -1)
			client_close(c);
		return;
	}
	if (r != PROTO_OK || framelen != c->in.len) {
		log_warn("client pid %ld uid %u: %s, dropped", (long)c->pid,
		    (unsigned)c->uid, r != PROTO_OK ? proto_strerror(r) : "data after the request");
		client_error(c, PROTO_E_MALFORMED, 0, "malformed request");
		return;
	}
	r = proto_decode(c->in.d, c->in.len, &m);
	buf_reset(&c->in);
	if (r == PROTO_EVERSION) {
		log_warn("client pid %ld uid %u: protocol version %u, want %u",
		    (long)c->pid, (unsigned)c->uid, m.version, PROTO_VERSION);
		client_error(c, PROTO_E_VERSION, 0, "unsupported protocol version");
		return;
	}
	if (r != PROTO_OK) {
		log_warn("client pid %ld uid %u: %s, dropped", (long)c->pid,
		    (unsigned)c->uid, proto_strerror(r));
		client_error(c, PROTO_E_MALFORMED, 0, "malformed request");
		return;
	}
	/* Not watched while busy: the one-shot read disarmed it. */
	c->state = C_BUSY;
	c->req_type = m.type;
	/* The table says who may send what: allow_self callers ask for
	 * themselves, control is root's. */
	if ((h = server_decide(s->table, s->ntable, c->trust, c->uid, &m, &code,
	    why, sizeof(why))) == NULL) {
		if (code == PROTO_E_DENIED) {
			log_warn("refused request type %u from uid %u pid %ld: %s",
			    m.type, (unsigned)c->uid, (long)c->pid, why);
			client_error(c, code, 0, "caller not allowed");
		} else {
			log_warn("client pid %ld: %s", (long)c->pid, why);
			client_error(c, code, 0, "unexpected message");
		}
		proto_msg_wipe(&m);
		return;
	}
	/* Most requests are answered (and closed) right here: only one
	 * that is still open afterwards needs the deadline timer. */
	s->dispatching = c;
	h->handle(s->d, c, &m);
	if (s->dispatching == c && c->state == C_BUSY)
		reap_arm(s, c->deadline);
	s->dispatching = NULL;
	proto_msg_wipe(&m);
}

static void
on_client_io(void *arg, int fd, uint32_t events)
{
	struct client *c = arg;

	switch (c->state) {
	case C_READ:
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			client_read(c);
		break;
	case C_WRITE:
		client_flush(c);
		break;
	case C_BUSY:
		break;
	}
}

static void
accept_pause(struct server *s)
{
	(void)loop_mod(s->d->loop, s->fd, 0);
	(void)loop_timer_set(s->d->loop, &s->resume, ACCEPT_PAUSE_MS);
}

static void
on_resume(void *arg)
{
	struct server *s = arg;

	(void)loop_mod(s->d->loop, s->fd, EPOLLIN);
}

static void
refuse(int fd, unsigned code, const char *msg)
{
	struct proto_msg m;
	struct buf b;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_ERROR;
	m.u.err.code = code;
	snprintf(m.u.err.message, sizeof(m.u.err.message), "%s", msg);
	if (server_reply_hook != NULL)
		server_reply_hook(0, &m);
	buf_init(&b, PROTO_MAX_FRAME + 4);
	/* Best effort on a fresh socket buffer; the close is what matters. */
	if (proto_encode(&b, &m) == PROTO_OK)
		(void)send(fd, b.d, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_free(&b);
	close(fd);
}

static unsigned
clients_of(const struct server *s, uid_t uid)
{
	const struct client *c;
	unsigned n = 0;

	for (c = s->clients; c != NULL; c = c->next)
		n += c->uid == uid;
	return n;
}

static void
on_accept(void *arg, int lfd, uint32_t events)
{
	struct server *s = arg;
	struct config *cfg = s->d->cfg;
	enum peer_trust trust;
	struct ucred cred;
	socklen_t len;
	struct client *c;
	char why[128];
	int fd, batch;

	/* At most ACCEPT_BATCH per turn: each is served here and then, so a
	 * stream of new clients (who reconnect as soon as they are answered)
	 * kept this loop going for tens of milliseconds while curl's sockets,
	 * the timers and the clients already waiting sat unserved. The
	 * listening socket is level-triggered: the rest come next turn. */
	for (batch = 0; batch < ACCEPT_BATCH; batch++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_warn("accept: %s; pausing new connections", strerror(errno));
				accept_pause(s);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_err("accept: %s", strerror(errno));
			return;
		}
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    len != sizeof(cred)) {
			log_err("SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		/* Who is asking comes first: before a byte is parsed. */
		if ((trust = peer_admit(cfg, fd, &cred, why, sizeof(why))) == PEER_REFUSED) {
			log_warn("refused connection from uid %u pid %ld: %s",
			    (unsigned)cred.uid, (long)cred.pid, why);
			refuse(fd, PROTO_E_DENIED, "caller not allowed");
			continue;
		}
		/* One local user cannot take every slot (root: sshd, sudo). */
		if (cred.uid != 0 && clients_of(s, cred.uid) >= cfg->max_clients_per_uid) {
			log_warn("refused connection from uid %u pid %ld: %u connections "
			    "of that uid already", (unsigned)cred.uid, (long)cred.pid,
			    cfg->max_clients_per_uid);
			refuse(fd, PROTO_E_BUSY, "too many connections");
			continue;
		}
		if (s->nclients >= cfg->max_clients) {
			log_warn("refused connection from pid %ld: %zu clients already",
			    (long)cred.pid, s->nclients);
			refuse(fd, PROTO_E_BUSY, "daemon busy");
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			refuse(fd, PROTO_E_INTERNAL, "out of memory");
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->uid = cred.uid;
		c->pid = cred.pid;
		c->trust = trust;
		c->state = C_READ;
		buf_init(&c->in, PROTO_MAX_FRAME + 4);
		buf_init(&c->out, PROTO_MAX_FRAME + 4);
		c->in.wipe = 1;    /* requests carry codes */
		c->out.wipe = 1;   /* and otpsmsctl backup-codes' reply its codes */
		c->deadline = now_ms() + cfg->client_timeout_ms;
		c->prev = s->last;
		if (s->last != NULL)
			s->last->next = c;
		else
			s->clients = c;
		s->last = c;
		s->nclients++;
		/* The module sends its request as soon as it is connected: it
		 * is usually here already. If not, client_read watches for it. */
		client_read(c);
	}
}

const struct server_handler *
server_decide(const struct server_handler *table, size_t n, enum peer_trust t,
    uid_t uid, const struct proto_msg *m, unsigned *code, char *why,
    size_t whysz)
{
	const struct server_handler *h = NULL, *r = NULL;
	size_t i;

	for (i = 0; i < n && h == NULL; i++)
		if (table[i].type == m->type)
			h = &table[i];
	*code = PROTO_E_DENIED;
	/* A type no row handles (a reply, say): an allowed caller is told
	 * it is unexpected, anyone else only that they may not send it. */
	if (h == NULL && t == PEER_FULL) {
		*code = PROTO_E_MALFORMED;
		snprintf(why, whysz, "unexpected message type %u", m->type);
		goto out;
	}
	if (!peer_may_send(t, uid, h != NULL ? h->who : 0,
	    h != NULL && h->user != NULL ? h->user(m) : NULL, why, whysz) ||
	    h == NULL)
		goto out;
	r = h;
 out:
	return r;
}

struct server *
server_new(struct daemon *d, int listen_fd, const struct server_handler *table,
    size_t n)
{
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->d = d;
	s->fd = listen_fd;
	s->table = table;
	s->ntable = n;
	loop_timer_init(&s->resume, on_resume, s);
	loop_timer_init(&s->reap, on_reap, s);
	if (loop_add(d->loop, listen_fd, EPOLLIN, on_accept, s) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	while (s->clients != NULL)
		client_close(s->clients);
	loop_timer_cancel(s->d->loop, &s->resume);
	loop_timer_cancel(s->d->loop, &s->reap);
	loop_del(s->d->loop, s->fd);
	close(s->fd);
	free(s);
}

size_t
server_clients(const struct server *s)
{
	return s->nclients;
}
