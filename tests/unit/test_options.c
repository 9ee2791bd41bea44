/* pam_otpsms option parsing: defaults, every option, and the errors that must
 * fail the module (an unknown or malformed option is never skipped). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answer.h"
#include "options.h"
#include "proto.h"
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

static void
test_new(void)
{
	struct otpsms_opts o;
	char err[256];
	const char *all[] = { "only_groups=wheel,ops", "skip_groups=svc",
	    "trusted_nets=10.0.0.0/8,192.0.2.1,fd00::/8", "prompts=5",
	    "prompt=Your code: ", "echo", "forward_pass", "use_first_pass" };
	static const char *bad[] = { "only_groups=", "only_groups=a,,b",
	    "only_groups=a,", "only_groups=a b", "skip_groups=-x",
	    "trusted_nets=", "trusted_nets=10.0.0.0/33", "trusted_nets=10.1.0.0/8",
	    "trusted_nets=host.example", "trusted_nets=10.0.0.0/8,",
	    "trusted_nets=fd00::1/8", "prompts=0", "prompts=11", "prompts=x",
	    "prompt=", "prompt=a\033b", "echo=1", "conf=relative",
	    "conf=/nonexistent/otpsms.conf" };
	const char *one[1];
	size_t i;

	is_int(parse(&o, 0, NULL, err, sizeof(err)), OPT_OK, "defaults again");
	is_int(o.prompts, 3, "prompts defaults to 3");
	is_int((long long)o.n_nets, 0, "no trusted nets by default");
	is_int(parse(&o, 8, all, err, sizeof(err)), OPT_OK, "every new option");
	is_str(o.only_groups, "wheel,ops", "only_groups=");
	is_str(o.skip_groups, "svc", "skip_groups=");
	is_int((long long)o.n_nets, 3, "three trusted nets");
	is_int(o.prompts, 5, "prompts=");
	is_str(o.prompt, "Your code: ", "prompt= keeps its spaces");
	ok(o.echo && o.forward_pass && o.use_first_pass, "the flags");
	ok(opts_net_match(&o, "10.200.3.4"), "10.200.3.4 in 10.0.0.0/8");
	ok(opts_net_match(&o, "192.0.2.1"), "a single host");
	ok(!opts_net_match(&o, "192.0.2.2"), "its neighbour is not");
	ok(opts_net_match(&o, "fdab::1"), "IPv6 in fd00::/8");
	ok(opts_net_match(&o, "::ffff:10.1.1.1"), "IPv4-mapped IPv6");
	ok(!opts_net_match(&o, "fe80::1"), "fe80::1 is not");
	ok(!opts_net_match(&o, "localhost"), "a name never matches");
	ok(!opts_net_match(&o, "10.0.0.1 "), "nor an address with junk");
	ok(!opts_net_match(&o, ""), "nor no remote host");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		one[0] = bad[i];
		ok(parse(&o, 1, one, err, sizeof(err)) != OPT_OK,
		    "\"%s\" is refused (%s)", bad[i], err);
	}
}

static void
test_split(void)
{
	char buf[] = "# comment\nprompts=2  nullok\n[prompt=Your code: ] "
	    "[a\\]b] debug # trailing\n";
	char bad[] = "[prompt=oops";
	char *args[8];

	is_int(opts_split(buf, args, 8), 5, "five arguments");
	is_str(args[0], "prompts=2", "first");
	is_str(args[1], "nullok", "second");
	is_str(args[2], "prompt=Your code: ", "brackets keep spaces");
	is_str(args[3], "a]b", "\\] is a bracket");
	is_str(args[4], "debug", "comments end at the line end");
	is_int(opts_split(bad, args, 8), -1, "unterminated [ is refused");
}

static void
test_conf(void)
{
	struct otpsms_opts o;
	char path[] = "/tmp/otpsms-opts.XXXXXX", arg[64], err[256];
	const char *argv[2];
	FILE *f;
	int fd;

	if (geteuid() != 0) {
		ok(1, "# SKIP conf= tests need a root-owned file");
		return;
	}
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		ok(0, "mkstemp");
		return;
	}
	fprintf(f, "# shared\nprompts=2 nullok\n[prompt=Code please: ]\n"
	    "timeout=7\n");
	fclose(f);
	chmod(path, 0644);
	snprintf(arg, sizeof(arg), "conf=%s", path);
	argv[0] = "timeout=9";
	argv[1] = arg;
	is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_OK, "conf= (%s)", err);
	is_int(o.prompts, 2, "conf: prompts=2");
	ok(o.nullok, "conf: nullok");
	is_str(o.prompt, "Code please: ", "conf: bracket syntax");
	is_int(o.timeout, 9, "an argument overrides the file, before or after "
	    "conf=");
	chmod(path, 0664);
	is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_ECONF,
	    "group-writable conf file refused (%s)", err);
	chmod(path, 0646);
	is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_ECONF,
	    "world-writable conf file refused");
	chmod(path, 0644);
	if (chown(path, 1, 0) == 0)
		is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_ECONF,
		    "conf file not owned by root refused");
	if (chown(path, 0, 0) == 0 && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "conf=/etc/passwd\n");
		fclose(f);
		is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_EUNKNOWN,
		    "conf= inside a conf file refused");
	}
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "nulok\n");
		fclose(f);
		is_int(parse(&o, 2, argv, err, sizeof(err)), OPT_EUNKNOWN,
		    "a typo in the conf file fails too");
	}
	unlink(path);
}

static void
test_answers(void)
{
	char code[PROTO_MAX_CODE + 1], pass[64], p[512];

	is_int(answer_parse("", 0, 6, code, sizeof(code), pass, sizeof(pass)),
	    ANS_RESEND, "empty: resend");
	is_int(answer_parse(" r\n", 0, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_RESEND, "r: resend");
	is_int(answer_parse("V", 0, 6, code, sizeof(code), pass, sizeof(pass)),
	    ANS_VOICE, "V: voice");
	is_int(answer_parse("w", 0, 6, code, sizeof(code), pass, sizeof(pass)),
	    ANS_WHATSAPP, "w: WhatsApp");
	is_int(answer_parse(" 123456 ", 0, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_CODE, "a code");
	is_str(code, "123456", "trimmed");
	is_int(answer_parse("12a", 0, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_NOTCODE, "not a code");
	is_int(answer_parse("my pass 42123456", 1, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_CODE, "forward_pass: password then code");
	is_str(pass, "my pass 42", "the password, spaces and digits kept");
	is_str(code, "123456", "the last 6 digits are the code");
	is_int(answer_parse("pass12345", 1, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_NOTCODE, "forward_pass: too few digits");
	is_int(answer_parse("r", 1, 6, code, sizeof(code), pass, sizeof(pass)),
	    ANS_RESEND, "forward_pass: r still resends");
	answer_prompt(p, sizeof(p), PS_SENT, "+44x", PROTO_CH_SMS |
	    PROTO_CH_VOICE | PROTO_CH_WHATSAPP, 0, 1, 0, "");
	is_str(p, "Code sent to +44x (Enter: resend, v: voice call, w: "
	    "WhatsApp). Verification code: ", "prompt with every channel");
	answer_prompt(p, sizeof(p), PS_AGAIN, "+44x", PROTO_CH_VOICE, 0, 1, 1,
	    "");
	is_str(p, "Code sent again to +44x (v: voice call). Password followed "
	    "by the code: ", "voice only, forward_pass");
	answer_prompt(p, sizeof(p), PS_EARLIER, "", PROTO_CH_SMS, 0, 0, 0, "Go: ");
	is_str(p, "Code sent earlier to your phone. Go: ", "no hint, prompt=");
	is_int(answer_parse(" n\n", 0, 6, code, sizeof(code), pass,
	    sizeof(pass)), ANS_NEXT, "n: next number");
	is_int(answer_parse("N", 1, 6, code, sizeof(code), pass, sizeof(pass)),
	    ANS_NEXT, "forward_pass: N still asks for the next number");
	answer_prompt(p, sizeof(p), PS_SENT, "+44x", PROTO_CH_SMS, 1, 1, 0, "");
	is_str(p, "Code sent to +44x (Enter: resend, n: next number). "
	    "Verification code: ", "another number: n offered");
	answer_prompt(p, sizeof(p), PS_SENT, "+44x", 0, 1, 1, 0, "");
	is_str(p, "Code sent to +44x (n: next number). Verification code: ",
	    "n alone");
	answer_prompt(p, sizeof(p), PS_SENT, "+44x", PROTO_CH_SMS, 1, 0, 0, "");
	is_str(p, "Code sent to +44x. Verification code: ",
	    "no answer left: no hint, not even n");
}

/* backup=: on by default, yes and no only, a bad value fails the module. */
static void
test_backup_option(void)
{
	struct otpsms_opts o;
	char err[256];
	const char *no[] = { "backup=no" };
	const char *yes[] = { "backup=no", "backup=yes" };
	const char *bad[] = { "backup=off", "backup=", "backup", "backup=No",
	    "backup=yes " };
	int i;

	is_int(parse(&o, 0, NULL, err, sizeof(err)), OPT_OK, "no options");
	is_int(o.backup, 1, "backup codes accepted by default");
	is_int(parse(&o, N(no), no, err, sizeof(err)), OPT_OK, "backup=no");
	is_int(o.backup, 0, "backup=no turns them off");
	is_int(parse(&o, N(yes), yes, err, sizeof(err)), OPT_OK,
	    "backup=no then backup=yes");
	is_int(o.backup, 1, "the last one wins");
	for (i = 0; i < N(bad); i++) {
		is_int(parse(&o, 1, &bad[i], err, sizeof(err)), OPT_EVALUE,
		    "\"%s\" refused", bad[i]);
		ok(strstr(err, "backup") != NULL, "the error names the option");
	}
}

/* The answer to "Backup code: ": NNNNN-NNNNN or 10 digits, blanks around
 * it dropped; with forward_pass the password, then the code with its
 * dash; anything else ANS_NOTCODE with code empty. */
static void
test_answer_backup(void)
{
	char code[PROTO_MAX_CODE + 1], pass[64], small[11], tiny[4];
	static const struct { const char *a; int fp; int want; const char *code,
	    *pass; } t[] = {
		{ "12345-67890", 0, ANS_BACKUP, "12345-67890", "" },
		{ " 1234567890\r\n", 0, ANS_BACKUP, "1234567890", "" },
		{ "\t01234-56789 ", 0, ANS_BACKUP, "01234-56789", "" },
		{ "", 0, ANS_NOTCODE, "", "" },
		{ "r", 0, ANS_NOTCODE, "", "" },
		{ "123456", 0, ANS_NOTCODE, "", "" },
		{ "123456789", 0, ANS_NOTCODE, "", "" },
		{ "12345678901", 0, ANS_NOTCODE, "", "" },
		{ "12345 67890", 0, ANS_NOTCODE, "", "" },
		{ "1234-567890", 0, ANS_NOTCODE, "", "" },
		{ "12345--6789", 0, ANS_NOTCODE, "", "" },
		{ "12345-6789a", 0, ANS_NOTCODE, "", "" },
		{ "x12345-67890", 0, ANS_NOTCODE, "", "" },
		{ "123456-7890", 0, ANS_NOTCODE, "", "" },
		{ "my pass12345-67890", 1, ANS_BACKUP, "12345-67890", "my pass" },
		{ "12345-67890", 1, ANS_BACKUP, "12345-67890", "" },
		{ " p 12345-67890 \n", 1, ANS_BACKUP, "12345-67890", " p " },
		{ "pass1234567890", 1, ANS_NOTCODE, "", "" },
		{ "pass", 1, ANS_NOTCODE, "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(code, 'X', sizeof(code));
		memset(pass, 'X', sizeof(pass));
		is_int(answer_parse_backup(t[i].a, t[i].fp, code, sizeof(code),
		    pass, sizeof(pass)), t[i].want, "backup answer %zu (fp=%d)",
		    i, t[i].fp);
		is_str(code, t[i].code, "its code");
		is_str(pass, t[i].pass, "its password");
	}
	/* A code that does not fit is no code, never cut short. */
	is_int(answer_parse_backup("12345-67890", 0, small, sizeof(small), pass,
	    sizeof(pass)), ANS_NOTCODE, "code buffer of 11: refused, not cut");
	is_int(answer_parse_backup("1234567890", 0, small, sizeof(small), pass,
	    sizeof(pass)), ANS_BACKUP, "10 digits fit in 11");
	is_int(answer_parse_backup("long password12345-67890", 1, code,
	    sizeof(code), tiny, sizeof(tiny)), ANS_NOTCODE,
	    "a password that does not fit: refused, not cut");
	is_str(tiny, "", "and no part of it kept");
}

int
main(void)
{
	test_defaults();
	test_each();
	test_bad();
	test_new();
	test_split();
	test_conf();
	test_answers();
	test_backup_option();
	test_answer_backup();
	return done_testing();
}
