/* Module options: one table, one parser. An unknown or malformed argument is
 * an error (the caller logs it and fails the module) rather than something to
 * skip, so a typo such as "nulok" or "timeout=15s" cannot go unnoticed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "util.h"

struct opt_def {
	const char *name;
	int has_value;          /* "name=value" rather than a bare flag */
	int (*set)(struct otpsms_opts *, const char *);
};

static int
set_socket(struct otpsms_opts *o, const char *v)
{
	size_t n = strlen(v);

	/* An absolute path that fits sun_path; a relative one would depend on
	 * the application's working directory. */
	if (v[0] != '/' || n >= sizeof(o->socket))
		return -1;
	memcpy(o->socket, v, n + 1);
	return 0;
}

static int
set_timeout(struct otpsms_opts *o, const char *v)
{
	int t = 0;
	size_t i;

	/* Digits only: no sign, no suffix, no overflow (3 digits at most). */
	if (v[0] == '\0' || strlen(v) > 3)
		return -1;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		t = t * 10 + (v[i] - '0');
	}
	if (t < OPT_TIMEOUT_MIN || t > OPT_TIMEOUT_MAX)
		return -1;
	o->timeout = t;
	return 0;
}

/* The portable user/group name character set (POSIX 3.437). */
static int
portable_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
set_daemon_user(struct otpsms_opts *o, const char *v)
{
	size_t i, n = strlen(v);

	/* The portable user name set (POSIX 3.437), not starting with '-'. */
	if (n == 0 || n >= sizeof(o->daemon_user) || v[0] == '-')
		return -1;
	for (i = 0; i < n; i++) {
		if (!portable_char(v[i]))
			return -1;
	}
	memcpy(o->daemon_user, v, n + 1);
	return 0;
}

static int
set_nullok(struct otpsms_opts *o, const char *v)
{
	o->nullok = 1;
	return 0;
}

static int
set_debug(struct otpsms_opts *o, const char *v)
{
	o->debug = 1;
	return 0;
}

/* A list of names in the portable user/group name set, separated by commas. */
static int
set_names(char *dst, size_t dstsz, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n >= dstsz || v[0] == ',' || v[n - 1] == ',')
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] == ',') {
			if (v[i + 1] == ',' || v[i + 1] == '-')
				return -1;
			continue;
		}
		if (!portable_char(v[i]))
			return -1;
	}
	if (v[0] == '-')
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

static int
set_only_groups(struct otpsms_opts *o, const char *v)
{
	return set_names(o->only_groups, sizeof(o->only_groups), v);
}

static int
set_skip_groups(struct otpsms_opts *o, const char *v)
{
	return set_names(o->skip_groups, sizeof(o->skip_groups), v);
}

/* Digits only, no sign, within [min, max]. */
static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned t = 0;
	size_t i;

	if (v[0] == '\0' || strlen(v) > 3)
		return -1;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		t = t * 10 + (unsigned)(v[i] - '0');
	}
	if (t < min || t > max)
		return -1;
	*out = t;
	return 0;
}

/* "a.b.c.d[/n]" or "x::y[/n]". Host bits set ("10.1.2.3/8") are refused:
 * more likely a typo than a wish, and a wrong net must not go unnoticed. */
static int
parse_net(const char *v, size_t len, struct opt_net *net)
{
	char a[INET6_ADDRSTRLEN + 5];
	const char *slash;
	unsigned max, i;

	if (len == 0 || len >= sizeof(a))
		return -1;
	memcpy(a, v, len);
	a[len] = '\0';
	memset(net, 0, sizeof(*net));
	if ((slash = strchr(a, '/')) != NULL)
		a[slash - a] = '\0';
	if (inet_pton(AF_INET, a, net->addr) == 1) {
		net->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, net->addr) == 1) {
		net->af = AF_INET6;
		max = 128;
	} else
		return -1;
	net->prefix = max;
	if (slash != NULL && parse_uint(a + (slash - a) + 1, 0, max,
	    &net->prefix) != 0)
		return -1;
	for (i = net->prefix; i < max; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

static int
set_trusted_nets(struct otpsms_opts *o, const char *v)
{
	const char *p = v, *e;
	size_t n = 0;

	/* Replaces an earlier list, as every other option does. */
	for (;;) {
		e = strchr(p, ',');
		if (n == OPT_NETS_MAX ||
		    parse_net(p, e != NULL ? (size_t)(e - p) : strlen(p),
		    &o->nets[n]) != 0)
			return -1;
		n++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	o->n_nets = n;
	return 0;
}

static int
set_prompts(struct otpsms_opts *o, const char *v)
{
	unsigned n;

	if (parse_uint(v, 1, OPT_PROMPTS_MAX, &n) != 0)
		return -1;
	o->prompts = (int)n;
	return 0;
}

/* Shown on the user's terminal: printable ASCII only. */
static int
set_prompt(struct otpsms_opts *o, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n >= sizeof(o->prompt))
		return -1;
	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] >= 0x7f)
			return -1;
	memcpy(o->prompt, v, n + 1);
	return 0;
}

static int
set_echo(struct otpsms_opts *o, const char *v)
{
	o->echo = 1;
	return 0;
}

static int
set_forward_pass(struct otpsms_opts *o, const char *v)
{
	o->forward_pass = 1;
	return 0;
}

static int
set_use_first_pass(struct otpsms_opts *o, const char *v)
{
	o->use_first_pass = 1;
	return 0;
}

static int
set_backup(struct otpsms_opts *o, const char *v)
{
	if (strcmp(v, "yes") == 0)
		o->backup = 1;
	else if (strcmp(v, "no") == 0)
		o->backup = 0;
	else
		return -1;
	return 0;
}

static int
set_conf(struct otpsms_opts *o, const char *v)
{
	size_t n = strlen(v);

	if (v[0] != '/' || n >= sizeof(o->conf))
		return -1;
	memcpy(o->conf, v, n + 1);
	return 0;
}

static const struct opt_def opt_table[] = {
	{ "socket", 1, set_socket },
	{ "timeout", 1, set_timeout },
	{ "daemon_user", 1, set_daemon_user },
	{ "nullok", 0, set_nullok },
	{ "debug", 0, set_debug },
	{ "only_groups", 1, set_only_groups },
	{ "skip_groups", 1, set_skip_groups },
	{ "trusted_nets", 1, set_trusted_nets },
	{ "prompts", 1, set_prompts },
	{ "prompt", 1, set_prompt },
	{ "echo", 0, set_echo },
	{ "forward_pass", 0, set_forward_pass },
	{ "use_first_pass", 0, set_use_first_pass },
	{ "conf", 1, set_conf },
	{ "backup", 1, set_backup },
};

void
opts_defaults(struct otpsms_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->socket, sizeof(o->socket), "%s", OPT_SOCKET_DEFAULT);
	o->timeout = OPT_TIMEOUT_DEFAULT;
	snprintf(o->daemon_user, sizeof(o->daemon_user), "%s",
	    OPT_DAEMON_USER_DEFAULT);
	o->prompts = OPT_PROMPTS_DEFAULT;
	o->backup = 1;
}

/* One argument. in_conf: from the conf= file, where conf= itself is refused
 * (no nesting). */
static int
parse_one(struct otpsms_opts *o, const char *arg, int in_conf, char *err,
    size_t errsz)
{
	const struct opt_def *d = NULL;
	const char *eq;
	char safe[128];
	size_t i, namelen;

	eq = strchr(arg, '=');
	namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	for (i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++) {
		if (strlen(opt_table[i].name) == namelen &&
		    strncmp(opt_table[i].name, arg, namelen) == 0) {
			d = &opt_table[i];
			break;
		}
	}
	log_safe(safe, sizeof(safe), arg);
	if (d == NULL || (in_conf && d->set == set_conf)) {
		snprintf(err, errsz, "unknown option \"%s\"%s", safe,
		    in_conf ? " in conf file" : "");
		return OPT_EUNKNOWN;
	}
	/* A flag given a value, or a value option given none. */
	if ((eq != NULL) != (d->has_value != 0) ||
	    d->set(o, eq != NULL ? eq + 1 : NULL) != 0) {
		snprintf(err, errsz, "bad value in option \"%s\"%s", safe,
		    in_conf ? " in conf file" : "");
		return OPT_EVALUE;
	}
	return OPT_OK;
}

int
opts_split(char *buf, char **args, int max)
{
	char *p = buf, *w;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		if (*p == '\0' || n == max)
			break;
		if (*p == '[') {
			/* pam.conf's bracket syntax; written in place. */
			args[n++] = w = ++p;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '\\' && p[1] == ']') {
					*w++ = ']';
					p += 2;
					continue;
				}
				if (*p == ']')
					break;
				*w++ = *p++;
			}
			p++;
			*w = '\0';
			continue;
		}
		args[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

/* Options shared by several services. The file decides who is asked, so
 * only root may write it: root-owned, not group or world writable, a
 * regular file, not reached through a symbolic link. */
static int
read_conf(struct otpsms_opts *o, char *err, size_t errsz)
{
	char buf[OPT_CONF_SIZE_MAX + 1], *args[256], safe[128];
	struct stat st;
	ssize_t n;
	size_t have = 0;
	int fd, i, nargs, r = OPT_ECONF;

	log_safe(safe, sizeof(safe), o->conf);
	if ((fd = open(o->conf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		snprintf(err, errsz, "conf file %s: %s", safe, strerror(errno));
		return OPT_ECONF;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "conf file %s: not a regular file", safe);
		goto out;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errsz, "conf file %s: must be owned by root and "
		    "not group or world writable", safe);
		goto out;
	}
	if (st.st_size > OPT_CONF_SIZE_MAX) {
		snprintf(err, errsz, "conf file %s: larger than %d bytes", safe,
		    OPT_CONF_SIZE_MAX);
		goto out;
	}
	while (have < sizeof(buf) - 1 &&
	    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "conf file %s: %s", safe,
			    strerror(errno));
			goto out;
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	if (strlen(buf) != have) {
		snprintf(err, errsz, "conf file %s: NUL byte", safe);
		goto out;
	}
	if ((nargs = opts_split(buf, args, 256)) < 0) {
		snprintf(err, errsz, "conf file %s: unterminated \"[\"", safe);
		goto out;
	}
	for (i = 0; i < nargs; i++)
		if ((r = parse_one(o, args[i], 1, err, errsz)) != OPT_OK)
			goto out;
	r = OPT_OK;
out:
	close(fd);
	return r;
}

int
opts_parse(struct otpsms_opts *o, int argc, const char **argv,
    char *err, size_t errsz)
{
	struct otpsms_opts scratch;
	const char *arg;
	int a, r = OPT_OK;

	opts_defaults(o);
	/* conf= first, wherever it is, so that the arguments override it. */
	opts_defaults(&scratch);
	for (a = 0; a < argc; a++) {
		arg = argv[a] != NULL ? argv[a] : "";
		if (strncmp(arg, "conf=", 5) == 0 &&
		    (r = parse_one(&scratch, arg, 0, err, errsz)) != OPT_OK)
			goto out;
	}
	if (scratch.conf[0] != '\0') {
		memcpy(o->conf, scratch.conf, sizeof(o->conf));
		if ((r = read_conf(o, err, errsz)) != OPT_OK)
			goto out;
	}
	for (a = 0; a < argc; a++) {
		arg = argv[a] != NULL ? argv[a] : "";
		if ((r = parse_one(o, arg, 0, err, errsz)) != OPT_OK)
			goto out;
	}
out:
	return r;
}

int
opts_net_match(const struct otpsms_opts *o, const char *rhost)
{
	uint8_t a[16];
	const uint8_t *p;
	const struct opt_net *net;
	size_t i;
	unsigned b;
	int af;

	if (rhost == NULL || rhost[0] == '\0')
		return 0;
	if (inet_pton(AF_INET, rhost, a) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, rhost, a) == 1)
		af = AF_INET6;
	else
		return 0;       /* a name: whoever controls DNS could choose */
	p = a;
	/* ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
	if (af == AF_INET6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		af = AF_INET;
		p = a + 12;
	}
	for (i = 0; i < o->n_nets; i++) {
		net = &o->nets[i];
		if (net->af != af)
			continue;
		for (b = 0; b < net->prefix; b++)
			if ((p[b / 8] ^ net->addr[b / 8]) & (0x80 >> (b % 8)))
				break;
		if (b == net->prefix)
			return 1;
	}
	return 0;
}
