/* Module options: one table, one parser. An unknown or malformed argument is
 * an error (the caller logs it and fails the module) rather than something to
 * skip, so a typo such as "nulok" or "timeout=15s" cannot go unnoticed. */
#include "config.h"

#include <stdio.h>
#include <string.h>

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

static int
set_daemon_user(struct otpsms_opts *o, const char *v)
{
	size_t i, n = strlen(v);

	/* The portable user name set (POSIX 3.437), not starting with '-'. */
	if (n == 0 || n >= sizeof(o->daemon_user) || v[0] == '-')
		return -1;
	for (i = 0; i < n; i++) {
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '.' || v[i] == '_' || v[i] == '-'))
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

static const struct opt_def opt_table[] = {
	{ "socket", 1, set_socket },
	{ "timeout", 1, set_timeout },
	{ "daemon_user", 1, set_daemon_user },
	{ "nullok", 0, set_nullok },
	{ "debug", 0, set_debug },
};

void
opts_defaults(struct otpsms_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->socket, sizeof(o->socket), "%s", OPT_SOCKET_DEFAULT);
	o->timeout = OPT_TIMEOUT_DEFAULT;
	snprintf(o->daemon_user, sizeof(o->daemon_user), "%s",
	    OPT_DAEMON_USER_DEFAULT);
}

int
opts_parse(struct otpsms_opts *o, int argc, const char **argv,
    char *err, size_t errsz)
{
	const struct opt_def *d;
	const char *arg, *eq;
	char safe[128];
	size_t i, namelen;
	int a, r = OPT_OK;

	opts_defaults(o);
	for (a = 0; a < argc; a++) {
		arg = argv[a] != NULL ? argv[a] : "";
		eq = strchr(arg, '=');
		namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		d = NULL;
		for (i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++) {
			if (strlen(opt_table[i].name) == namelen &&
			    strncmp(opt_table[i].name, arg, namelen) == 0) {
				d = &opt_table[i];
				break;
			}
		}
		log_safe(safe, sizeof(safe), arg);
		if (d == NULL) {
			snprintf(err, errsz, "unknown option \"%s\"", safe);
			r = OPT_EUNKNOWN;
			goto out;
		}
		/* A flag given a value, or a value option given none. */
		if ((eq != NULL) != (d->has_value != 0) ||
		    d->set(o, eq != NULL ? eq + 1 : NULL) != 0) {
			snprintf(err, errsz, "bad value in option \"%s\"",
			    safe);
			r = OPT_EVALUE;
			goto out;
		}
	}
out:
	return r;
}
