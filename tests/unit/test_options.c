/* pam_otpsms option parsing: defaults, every option, and the errors that must
 * fail the module (an unknown or malformed option is never skipped). */
#include "config.h"

#include <string.h>

#include "options.h"
#include "../tap.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int
parse(struct otpsms_opts *o, int argc, const char **argv, char *err,
    size_t errsz)
{
	err[0] = '\0';
	return opts_parse(o, argc, argv, err, errsz);
}

static void
test_defaults(void)
{
	struct otpsms_opts o;
	char err[256];

	is_int(parse(&o, 0, NULL, err, sizeof(err)), OPT_OK, "no options");
	is_str(o.socket, "/run/otpsms/otpsmsd.sock", "default socket");
	is_int(o.timeout, 15, "default timeout");
	is_str(o.daemon_user, "otpsms", "default daemon_user");
	is_int(o.nullok, 0, "nullok off by default");
	is_int(o.debug, 0, "debug off by default");
}

static void
test_each(void)
{
	struct otpsms_opts o;
	char err[256];
	const char *all[] = { "socket=/tmp/x/otpsmsd.sock", "timeout=2",
	    "daemon_user=nobody", "nullok", "debug" };
	const char *twice[] = { "timeout=5", "timeout=120" };
	const char *t1[] = { "timeout=1" };
	const char *t0[] = { "timeout=007" };
	const char *user[] = { "daemon_user=_otp-sms.d" };

	is_int(parse(&o, N(all), all, err, sizeof(err)), OPT_OK, "all options");
	is_str(o.socket, "/tmp/x/otpsmsd.sock", "socket=");
	is_int(o.timeout, 2, "timeout=");
	is_str(o.daemon_user, "nobody", "daemon_user=");
	is_int(o.nullok, 1, "nullok");
	is_int(o.debug, 1, "debug");
	is_int(parse(&o, N(twice), twice, err, sizeof(err)), OPT_OK,
	    "an option given twice");
	is_int(o.timeout, 120, "the last one wins, 120 is the maximum");
	is_int(parse(&o, N(t1), t1, err, sizeof(err)), OPT_OK, "timeout=1");
	is_int(o.timeout, 1, "1 is the minimum");
	is_int(parse(&o, N(t0), t0, err, sizeof(err)), OPT_OK,
	    "leading zeros are digits");
	is_int(o.timeout, 7, "timeout=007 is 7");
	is_int(parse(&o, N(user), user, err, sizeof(err)), OPT_OK,
	    "daemon_user with _ - .");
	is_str(o.daemon_user, "_otp-sms.d", "daemon_user kept as given");
}

static void
test_bad(void)
{
	struct otpsms_opts o;
	char err[256], longpath[200];
	const char *lp[1];
	static const struct {
		const char *arg;
		int want;
	} bad[] = {
		{ "nulok", OPT_EUNKNOWN },
		{ "sockets=/x", OPT_EUNKNOWN },
		{ "", OPT_EUNKNOWN },
		{ "=1", OPT_EUNKNOWN },
		{ "try_first_pass", OPT_EUNKNOWN },
		{ "timeout=0", OPT_EVALUE },
		{ "timeout=121", OPT_EVALUE },
		{ "timeout=-1", OPT_EVALUE },
		{ "timeout=+5", OPT_EVALUE },
		{ "timeout=15s", OPT_EVALUE },
		{ "timeout=", OPT_EVALUE },
		{ "timeout=99999999999999999999", OPT_EVALUE },
		{ "timeout", OPT_EVALUE },
		{ "socket=relative.sock", OPT_EVALUE },
		{ "socket=", OPT_EVALUE },
		{ "socket", OPT_EVALUE },
		{ "daemon_user=", OPT_EVALUE },
		{ "daemon_user=-x", OPT_EVALUE },
		{ "daemon_user=a b", OPT_EVALUE },
		{ "daemon_user=a/b", OPT_EVALUE },
		{ "daemon_user=abcdefghijklmnopqrstuvwxyz0123456", OPT_EVALUE },
		{ "nullok=1", OPT_EVALUE },
		{ "debug=yes", OPT_EVALUE },
	};
	const char *argv[2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = "debug";
		argv[1] = bad[i].arg;
		is_int(parse(&o, 2, argv, err, sizeof(err)), bad[i].want,
		    "\"%s\" is refused", bad[i].arg);
		ok(err[0] != '\0', "\"%s\": error says why (%s)", bad[i].arg,
		    err);
	}

	/* sun_path holds 107 bytes and the NUL. */
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "socket=/", 8);
	longpath[8 + 107] = '\0';
	lp[0] = longpath;
	is_int(parse(&o, 1, lp, err, sizeof(err)), OPT_EVALUE,
	    "a socket path of 108 bytes does not fit sun_path");
	longpath[8 + 106] = '\0';
	is_int(parse(&o, 1, lp, err, sizeof(err)), OPT_OK,
	    "107 bytes do");

	/* What reaches syslog is sanitized. */
	argv[0] = "bad\033[31m\nopt";
	is_int(parse(&o, 1, argv, err, sizeof(err)), OPT_EUNKNOWN,
	    "control characters in an unknown option");
	ok(strchr(err, '\033') == NULL && strchr(err, '\n') == NULL,
	    "are not copied into the error (%s)", err);
}

int
main(void)
{
	test_defaults();
	test_each();
	test_bad();
	return done_testing();
}
