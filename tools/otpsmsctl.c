/* otpsmsctl(8): root's window into otpsmsd.
 *   otpsmsctl [-s SOCKET] [-u DAEMON_USER] status | locked | unlock USER |
 *       flush USER |
 *       routes NUMBER | test-send NUMBER [--carrier NAME] |
 *       backup-codes USER [-n N] | reload | metrics | user USER
 *   otpsmsctl [-c CONFIG] ... enroll USER NUMBER | remove USER |
 *       change-number [OLD] NEW   (users_file: enrol.c)
 *   otpsmsctl check-pam [-k] FILE...   (no daemon, no root: checkpam.c)
 * One request per connection over the daemon's socket (PROTO_CTL_REQ); the
 * daemon answers only uid 0 (SO_PEERCRED), and otpsmsctl talks only to a
 * socket owned and served by root or the daemon's user, as the module does:
 * an unlock sent to an impostor would tell it nothing, but its answers would
 * be believed. */
#include <config.h>

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpam.h"
#include "ctl.h"
#include "daemon_client.h"
#include "metrics.h"
#include "proto.h"
#include "util.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#define DEFAULT_SOCKET RUNSTATEDIR "/otpsms/otpsmsd.sock"
#define DEFAULT_USER "otpsms"
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/otpsms/otpsmsd.yaml"
#define TIMEOUT_MS 10000
#define TEST_SEND_TIMEOUT_MS 130000    /* client_timeout's maximum, and some */

/* --help: on stdout, exit 0; a usage error: on stderr, exit 2. */
static void
usage_to(FILE *f, int status)
{
	fprintf(f, "usage: otpsmsctl [-s socket] [-u daemon_user] "
	    "status | locked | unlock USER | flush USER |\n"
	    "           routes NUMBER | test-send NUMBER [--carrier NAME] |\n"
	    "           backup-codes USER [-n N] | reload | metrics | user USER\n"
	    "       otpsmsctl [-c config] [-s socket] [-u daemon_user] "
	    "enroll USER NUMBER |\n"
	    "           remove USER | change-number [OLD] NEW\n"
	    "       otpsmsctl check-pam [-k] FILE...\n"
	    "       otpsmsctl --help | --version\n"
	    "  -c CONFIG  the daemon's configuration, for users_file (default %s)\n"
	    "  -s SOCKET  the daemon's socket (default %s)\n"
	    "  -u USER    the daemon's user (default %s)\n",
	    DEFAULT_CONFIG, DEFAULT_SOCKET, DEFAULT_USER);
	exit(status);
}

static void
usage(void)
{
	usage_to(stderr, 2);
}

/* Sends one request, reads one frame into rsp, through the module's own
 * client (daemon_client.c): the socket and its listener must be root's or
 * the daemon's user's. A daemon user that does not exist leaves root only.
 * 0 or -1 (message printed). */
int
ctl_exchange(const char *path, const char *daemon_user, const struct proto_msg *req,
    struct proto_msg *rsp)
{
	struct client_cfg cfg;
	char err[256] = "";
	int cr, r = -1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.socket = path;
	/* A test send waits for the carriers (each up to its timeout); the
	 * daemon's client_timeout bounds it. */
	cfg.timeout_ms = req->u.creq_ctl.op == PROTO_CTL_TEST_SEND ?
	    TEST_SEND_TIMEOUT_MS : TIMEOUT_MS;
	if ((cr = client_lookup_uid(daemon_user, &cfg.daemon_uid)) ==
	    CLIENT_ENOUSER)
		cfg.daemon_uid = 0;
	else if (cr != CLIENT_OK) {
		fprintf(stderr, "otpsmsctl: %s: %s\n", daemon_user,
		    client_strerror(cr));
		goto out;
	}
	if ((cr = client_exchange(&cfg, req, rsp, err, sizeof(err))) !=
	    CLIENT_OK) {
		fprintf(stderr, "otpsmsctl: %s: %s%s\n", client_strerror(cr),
		    err, cr == CLIENT_EUNSAFE || cr == CLIENT_EPEER ?
		    "; not talking to it" : "");
		goto out;
	}
	r = 0;
out:
	return r;
}

#define BULLET "\xe2\x80\xa2"    /* U+2022, the masked number's dots */

/* Prints the daemon's text with anything but printable ASCII, tab and
 * newline shown as '?': it names users, and a terminal is no place for
 * escapes. The one exception is the bullet of a masked number: itself on a
 * UTF-8 terminal, '*' elsewhere (its three bytes would print as "???"). */
static void
print_text(const char *s, int utf8)
{
	for (; *s != '\0'; s++) {
		if (strncmp(s, BULLET, sizeof(BULLET) - 1) == 0) {
			fputs(utf8 ? BULLET : "*", stdout);
			s += sizeof(BULLET) - 2;
		} else
			putchar((*s >= 0x20 && *s < 0x7f) || *s == '\n' ||
			    *s == '\t' ? *s : '?');
	}
}

/* otpsmsctl metrics: the daemon sends its counters (compact, a page of
 * carriers per frame: the text would not fit in one), otpsmsctl asks for
 * each page in turn and prints OpenMetrics, with the renderer the daemon's
 * metrics_file uses. 0, or 2 (message printed). */
static int
metrics(const char *sock, const char *duser)
{
	struct proto_msg *req = NULL, *rsp = NULL;
	struct metrics_snap *all = NULL;
	const struct metrics_snap *p;
	struct buf text;
	uint32_t got = 0;
	int r = 2;

	buf_init(&text, 1024 * 1024);
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (rsp = calloc(1, sizeof(*rsp))) == NULL ||
	    (all = calloc(1, sizeof(*all))) == NULL) {
		fprintf(stderr, "otpsmsctl: out of memory\n");
		goto out;
	}
	req->type = PROTO_CTL_REQ;
	req->u.creq_ctl.op = PROTO_CTL_METRICS;
	do {
		snprintf(req->u.creq_ctl.arg, sizeof(req->u.creq_ctl.arg), "%u",
		    (unsigned)got);
		if (ctl_exchange(sock, duser, req, rsp) != 0)
			goto out;
		if (rsp->type == PROTO_ERROR) {
			fprintf(stderr, "otpsmsctl: otpsmsd refused: %s (%s)%s\n",
			    proto_err_name(rsp->u.err.code), rsp->u.err.message,
			    rsp->u.err.code == PROTO_E_DENIED ? "; run as root" : "");
			goto out;
		}
		if (rsp->type != PROTO_METRICS_RSP) {
			fprintf(stderr, "otpsmsctl: unexpected reply type %u\n", rsp->type);
			goto out;
		}
		p = &rsp->u.metrics;
		/* The counters come from the first page; the carriers from
		 * each, in order (a reload between pages may change them). */
		if (got == 0) {
			*all = *p;
			all->n_page = 0;
		}
		if (p->first != got || (p->n_page == 0 && got < p->n_carriers) ||
		    got + p->n_page > METRICS_MAX_CARRIERS) {
			fprintf(stderr, "otpsmsctl: metrics: inconsistent pages "
			    "(reloaded?): try again\n");
			goto out;
		}
		memcpy(&all->carriers[got], p->carriers, p->n_page * sizeof(p->carriers[0]));
		got += p->n_page;
		all->n_page = got;
	} while (got < p->n_carriers);
	all->n_carriers = got;
	all->first = 0;
	if (metrics_render(all, 1, &text) != 0) {
		fprintf(stderr, "otpsmsctl: cannot render the metrics\n");
		goto out;
	}
	if (fwrite(text.d, 1, text.len, stdout) != text.len || fflush(stdout) != 0) {
		fprintf(stderr, "otpsmsctl: cannot write the metrics\n");
		goto out;
	}
	r = 0;
 out:
	buf_free(&text);
	free(req);
	free(rsp);
	free(all);
	return r;
}

/* check-pam's report: warnings on stdout, errors on stderr. */
static void
checkpam_print(void *arg, const char *file, unsigned line, const char *level,
    const char *kind, const char *msg)
{
	FILE *f = strcmp(level, "error") == 0 ? stderr : stdout;

	(void)arg;
	if (line > 0)
		fprintf(f, "%s:%u: %s: ", file, line, level);
	else
		fprintf(f, "%s: %s: ", file, level);
	if (kind != NULL)
		fprintf(f, "[%s] ", kind);
	fprintf(f, "%s\n", msg);
}

/* otpsmsctl check-pam [-k] FILE...: 0 clean, 1 warnings, 2 a file could not
 * be read or parsed. */
static int
check_pam(int argc, char **argv)
{
	struct cp_opts o;
	int i = 1, r, worst = CP_CLEAN;

	memset(&o, 0, sizeof(o));
	o.load = checkpam_load_file;
	o.emit = checkpam_print;
	if (i < argc && strcmp(argv[i], "-k") == 0) {
		o.after_key = 1;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i == argc)
		usage();
	for (; i < argc; i++) {
		r = checkpam_file(&o, argv[i]);
		if (r > worst)
			worst = r;
	}
	return worst;
}

int
main(int argc, char **argv)
{
	const char *sock = DEFAULT_SOCKET, *duser = DEFAULT_USER;
	const char *cfgpath = DEFAULT_CONFIG;
	struct proto_msg req, rsp;
	unsigned long n;
	char *end = NULL;
	int ch, r;

	/* The only options with no command; the command's own (--carrier)
	 * come after it. */
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage_to(stdout, 0);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("otpsmsctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	/* "+": stop at the command, whose own options (--carrier) follow it. */
	while ((ch = getopt(argc, argv, "+c:s:u:")) != -1) {
		switch (ch) {
		case 'c': cfgpath = optarg; break;
		case 's': sock = optarg; break;
		case 'u': duser = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "check-pam") == 0)
		return check_pam(argc, argv);
	if (argc >= 1 && (strcmp(argv[0], "enroll") == 0 ||
	    strcmp(argv[0], "remove") == 0 ||
	    strcmp(argv[0], "change-number") == 0)) {
		if (argc < 2)
			usage();
		return enrol_cmd(argc, argv, sock, duser, cfgpath);
	}
	if (argc == 1 && strcmp(argv[0], "metrics") == 0)
		return metrics(sock, duser);
	memset(&req, 0, sizeof(req));
	req.type = PROTO_CTL_REQ;
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		req.u.creq_ctl.op = PROTO_CTL_STATUS;
	else if (argc == 1 && strcmp(argv[0], "locked") == 0)
		req.u.creq_ctl.op = PROTO_CTL_LOCKED;
	else if (argc == 2 && strcmp(argv[0], "unlock") == 0 && argv[1][0] != '\0' &&
	    strlen(argv[1]) <= PROTO_MAX_CTLARG) {
		req.u.creq_ctl.op = PROTO_CTL_UNLOCK;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s", argv[1]);
	} else if (argc == 2 && strcmp(argv[0], "flush") == 0 && argv[1][0] != '\0' &&
	    strlen(argv[1]) <= PROTO_MAX_CTLARG) {
		req.u.creq_ctl.op = PROTO_CTL_FLUSH;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s", argv[1]);
	} else if (argc == 2 && strcmp(argv[0], "routes") == 0 &&
	    e164_valid(argv[1])) {
		req.u.creq_ctl.op = PROTO_CTL_ROUTES;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s", argv[1]);
	} else if ((argc == 2 || (argc == 4 && strcmp(argv[2], "--carrier") == 0 &&
	    argv[3][0] != '\0' && strchr(argv[3], ' ') == NULL &&
	    strlen(argv[3]) < 64)) && strcmp(argv[0], "test-send") == 0 &&
	    e164_valid(argv[1])) {
		/* "NUMBER" or "NUMBER CARRIER": names have no spaces. */
		req.u.creq_ctl.op = PROTO_CTL_TEST_SEND;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s%s%s",
		    argv[1], argc == 4 ? " " : "", argc == 4 ? argv[3] : "");
	} else if ((argc == 2 || (argc == 4 && strcmp(argv[2], "-n") == 0)) &&
	    strcmp(argv[0], "backup-codes") == 0 && argv[1][0] != '\0' &&
	    strlen(argv[1]) + 3 <= PROTO_MAX_CTLARG) {
		/* "N USER": the count first, so any user name goes after it. */
		n = argc == 4 ? strtoul(argv[3], &end, 10) : 10;
		if (argc == 4 && (*argv[3] == '\0' || *end != '\0' || n < 1 ||
		    n > 20)) {
			fprintf(stderr, "otpsmsctl: -n: from 1 to 20\n");
			return 2;
		}
		req.u.creq_ctl.op = PROTO_CTL_BACKUP_CODES;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%lu %s",
		    n, argv[1]);
	} else if (argc == 2 && strcmp(argv[0], "user") == 0 && argv[1][0] != '\0' &&
	    strlen(argv[1]) <= PROTO_MAX_CTLARG) {
		req.u.creq_ctl.op = PROTO_CTL_USER;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s", argv[1]);
	} else if (argc == 1 && strcmp(argv[0], "reload") == 0)
		req.u.creq_ctl.op = PROTO_CTL_RELOAD;
	else
		usage();
	if (ctl_exchange(sock, duser, &req, &rsp) != 0)
		return 2;
	if (rsp.type == PROTO_ERROR) {
		fprintf(stderr, "otpsmsctl: otpsmsd refused: %s (%s)%s\n",
		    proto_err_name(rsp.u.err.code), rsp.u.err.message,
		    rsp.u.err.code == PROTO_E_DENIED ? "; run as root" : "");
		return 2;
	}
	if (rsp.type != PROTO_CTL_RSP) {
		fprintf(stderr, "otpsmsctl: unexpected reply type %u\n", rsp.type);
		return 2;
	}
	(void)setlocale(LC_CTYPE, "");
	print_text(rsp.u.crsp_ctl.text, strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
	r = rsp.u.crsp_ctl.status == 0 ? 0 : 1;
	proto_msg_wipe(&rsp);    /* may hold backup codes */
	return r;
}
