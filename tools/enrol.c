/* otpsmsctl enroll USER NUMBER, remove USER, change-number [OLD] NEW
 * (docs/enrol.md). The daemon makes, sends and checks the codes
 * (PROTO_CTL_ENROLL_SEND, _VERIFY) and never writes users_file: it runs
 * unprivileged, and the file is root's. otpsmsctl, as root, writes exactly
 * the pair the daemon says it verified, then asks it to reload; a reload
 * that refuses the new file puts the old one back. */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ctl.h"
#include "proto.h"
#include "usersfile.h"
#include "util.h"

/* What the daemon takes as a user name (config_user_name_valid): no
 * whitespace, control characters, ':' or '/'; the daemon checks UTF-8. */
static int
user_ok(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == ':' || *p == '/')
			return 0;
	return p != (const unsigned char *)s && strlen(s) <= 64;
}

static void
print_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?', f);
}

static int
refused(const struct proto_msg *rsp)
{
	if (rsp->type == PROTO_ERROR) {
		fprintf(stderr, "otpsmsctl: otpsmsd refused: %s (",
		    proto_err_name(rsp->u.err.code));
		print_safe(stderr, rsp->u.err.message);
		fprintf(stderr, ")\n");
	} else
		fprintf(stderr, "otpsmsctl: unexpected reply type %u\n", rsp->type);
	return 2;
}

/* A code to number for user, typed back on stdin: 0 proved, 1 not (wrong,
 * expired, no answer), 2 refused or failed (message printed). */
static int
prove(const char *sock, const char *duser, const char *user, const char *number)
{
	struct proto_msg req, rsp;
	char line[PROTO_MAX_CODE + 8], idhex[2 * PROTO_ID_LEN + 1], want[300];
	uint8_t id[PROTO_ID_LEN];
	size_t n;
	int r = 2;

	memset(&req, 0, sizeof(req));
	req.type = PROTO_CTL_REQ;
	req.u.creq_ctl.op = PROTO_CTL_ENROLL_SEND;
	snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s %s", number,
	    user);
	if (ctl_exchange(sock, duser, &req, &rsp) != 0)
		goto out;
	if (rsp.type != PROTO_CHALLENGE_RSP) {
		r = refused(&rsp);
		goto out;
	}
	memcpy(id, rsp.u.crsp.id, sizeof(id));
	hex_encode(id, sizeof(id), idhex);
	fprintf(stderr, "otpsmsctl: a code was %s to ", rsp.u.crsp.flags &
	    PROTO_CF_REUSED ? "already sent" : "sent");
	print_safe(stderr, rsp.u.crsp.masked);
	fprintf(stderr, "\n");
	snprintf(want, sizeof(want), "verified %s %s", number, user);
	for (;;) {
		fprintf(stderr, "Code: ");
		fflush(stderr);
		if (fgets(line, sizeof(line), stdin) == NULL) {
			fprintf(stderr, "\notpsmsctl: no code typed\n");
			r = 1;
			goto out;
		}
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || n > PROTO_MAX_CODE || strspn(line, "0123456789") != n) {
			fprintf(stderr, "otpsmsctl: the code is digits\n");
			continue;
		}
		memset(&req, 0, sizeof(req));
		req.type = PROTO_CTL_REQ;
		req.u.creq_ctl.op = PROTO_CTL_ENROLL_VERIFY;
		snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg),
		    "%s %s %s %s", idhex, line, number, user);
		explicit_bzero(line, sizeof(line));
		n = ctl_exchange(sock, duser, &req, &rsp) == 0;
		proto_msg_wipe(&req);
		if (!n)
			goto out;
		/* The proof names its pair: only that pair is written. */
		if (rsp.type == PROTO_CTL_RSP && rsp.u.crsp_ctl.status == 0 &&
		    strcmp(rsp.u.crsp_ctl.text, want) == 0) {
			r = 0;
			goto out;
		}
		if (rsp.type != PROTO_VERIFY_RSP) {
			r = rsp.type == PROTO_CTL_RSP ? 2 : refused(&rsp);
			if (rsp.type == PROTO_CTL_RSP)
				fprintf(stderr, "otpsmsctl: the daemon verified "
				    "another pair: nothing written\n");
			goto out;
		}
		if (rsp.u.vrsp.status == PROTO_V_WRONG && rsp.u.vrsp.attempts_left > 0) {
			fprintf(stderr, "otpsmsctl: wrong code (%u attempts left)\n",
			    rsp.u.vrsp.attempts_left);
			continue;
		}
		fprintf(stderr, "otpsmsctl: %s: nothing written\n",
		    rsp.u.vrsp.status == PROTO_V_EXPIRED ? "the code expired or was "
		    "used" : "wrong code, the last attempt");
		r = 1;
		goto out;
	}
 out:
	explicit_bzero(line, sizeof(line));
	proto_msg_wipe(&req);
	return r;
}

/* Under the lock: the user's entry set to numbers (none: removed), the
 * daemon reloaded; a reload that fails puts the old file back. why is for
 * the daemon's log. 0, or 2 (message printed). */
static int
apply(const char *sock, const char *duser, const char *path, const char *user,
    const char *const *numbers, size_t n, const char *old_number, const char *why)
{
	struct proto_msg req, rsp;
	struct uf_entry en;
	char *text = NULL, *edited = NULL, err[512];
	size_t i;
	int lock = -1, r = 2, written = 0;

	if ((lock = uf_lock(path, err, sizeof(err))) < 0 ||
	    uf_read(path, &text, err, sizeof(err)) != 0 ||
	    uf_find(text, user, &en, err, sizeof(err)) != 0)
		goto fail;
	/* The number proved for a change must still be the user's. */
	if (old_number != NULL) {
		for (i = 0; i < en.n && strcmp(en.numbers[i], old_number) != 0; i++)
			;
		if (i == en.n) {
			snprintf(err, sizeof(err), "%s changed meanwhile", path);
			goto fail;
		}
	}
	if (n == 0 && en.start == en.end) {
		snprintf(err, sizeof(err), "not in %s", path);
		goto fail;
	}
	if (uf_edit(text, user, numbers, n, &edited, err, sizeof(err)) != 0 ||
	    uf_write(path, edited, err, sizeof(err)) != 0)
		goto fail;
	written = 1;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_CTL_REQ;
	req.u.creq_ctl.op = PROTO_CTL_RELOAD;
	snprintf(req.u.creq_ctl.arg, sizeof(req.u.creq_ctl.arg), "%s", why);
	if (ctl_exchange(sock, duser, &req, &rsp) != 0 ||
	    rsp.type != PROTO_CTL_RSP || rsp.u.crsp_ctl.status != 0) {
		if (rsp.type == PROTO_CTL_RSP) {
			fprintf(stderr, "otpsmsctl: otpsmsd refused the new file:\n");
			print_safe(stderr, rsp.u.crsp_ctl.text);
			fprintf(stderr, "\n");
		}
		if (uf_write(path, text, err, sizeof(err)) != 0)
			fprintf(stderr, "otpsmsctl: cannot put %s back: %s\n", path, err);
		else
			fprintf(stderr, "otpsmsctl: %s put back as it was\n", path);
		goto out;
	}
	r = 0;
	goto out;
 fail:
	fprintf(stderr, "otpsmsctl: %s: ", user);
	print_safe(stderr, err);
	fprintf(stderr, "%s\n", written ? "" : "; nothing written");
 out:
	if (lock >= 0)
		close(lock);
	free(text);
	free(edited);
	return r;
}

/* users_file from the main configuration, or why not. */
static int
users_path(const char *cfgpath, char *path, size_t sz)
{
	char err[512];
	int inl;

	if (uf_config(cfgpath, path, sz, &inl, err, sizeof(err)) != 0) {
		fprintf(stderr, "otpsmsctl: %s\n", err);
		return -1;
	}
	if (inl) {
		fprintf(stderr, "otpsmsctl: %s lists users inline (users:); "
		    "otpsmsctl edits users_file only: move them to a file and set "
		    "users_file: PATH (otpsmsd.yaml(5))\n", cfgpath);
		return -1;
	}
	if (path[0] == '\0') {
		fprintf(stderr, "otpsmsctl: %s has no users_file: create one "
		    "(e.g. /etc/otpsms/users.yaml, root's, 0644), set "
		    "users_file: PATH, and reload\n", cfgpath);
		return -1;
	}
	return 0;
}

int
enrol_cmd(int argc, char **argv, const char *sock, const char *duser,
    const char *cfgpath)
{
	const char *cmd = argv[0], *user = NULL, *num = NULL, *old = NULL;
	const char *list[UF_MAX_NUMBERS];
	struct uf_entry en;
	struct passwd *pw;
	char path[4096], masked[PROTO_MAX_MASKED + 1], why[PROTO_MAX_CTLARG + 1];
	char err[512], *text = NULL, *sudo_uid;
	size_t i, n = 0;
	int r = 2;

	openlog("otpsmsctl", LOG_PID, LOG_AUTHPRIV);
	if (strcmp(cmd, "change-number") == 0) {
		/* Through sudo, for the user who ran it: sudo sets these. */
		user = getenv("SUDO_USER");
		sudo_uid = getenv("SUDO_UID");
		if (geteuid() != 0 || getuid() != 0 || user == NULL || sudo_uid == NULL ||
		    (pw = getpwnam(user)) == NULL ||
		    (unsigned long)pw->pw_uid != strtoul(sudo_uid, NULL, 10)) {
			fprintf(stderr, "otpsmsctl: change-number runs through sudo, "
			    "for the user who runs it (docs/enrol.md); root uses "
			    "enroll\n");
			goto out;
		}
		num = argv[argc - 1];
		old = argc == 3 ? argv[1] : NULL;
		if (argc < 2 || argc > 3 || !e164_valid(num) ||
		    (old != NULL && !e164_valid(old))) {
			fprintf(stderr, "usage: otpsmsctl change-number [OLD] NEW "
			    "(E.164 numbers)\n");
			goto out;
		}
	} else {
		if (geteuid() != 0 || getuid() != 0) {
			fprintf(stderr, "otpsmsctl: %s: run as root\n", cmd);
			goto out;
		}
		user = argv[1];
		num = argc == 3 ? argv[2] : NULL;
		if ((strcmp(cmd, "enroll") == 0 && (argc != 3 || !e164_valid(num))) ||
		    (strcmp(cmd, "remove") == 0 && argc != 2)) {
			fprintf(stderr, "usage: otpsmsctl enroll USER NUMBER | "
			    "remove USER\n");
			goto out;
		}
	}
	if (!user_ok(user)) {
		fprintf(stderr, "otpsmsctl: not a user name\n");
		goto out;
	}
	if (users_path(cfgpath, path, sizeof(path)) != 0)
		goto out;
	if (num != NULL)
		mask_number(masked, sizeof(masked), num);
	if (strcmp(cmd, "remove") == 0) {
		snprintf(why, sizeof(why), "remove user=%.64s", user);
		if ((r = apply(sock, duser, path, user, list, 0, NULL, why)) == 0) {
			syslog(LOG_NOTICE, "removed: user=%s from=%s by uid=%u",
			    user, path, (unsigned)getuid());
			printf("%s removed from %s\n", user, path);
		}
		goto out;
	}
	if (strcmp(cmd, "change-number") == 0) {
		/* The old number first: the first factor alone never moves
		 * the second. */
		if (uf_read(path, &text, err, sizeof(err)) != 0 ||
		    uf_find(text, user, &en, err, sizeof(err)) != 0) {
			fprintf(stderr, "otpsmsctl: %s\n", err);
			goto out;
		}
		if (en.n == 0) {
			fprintf(stderr, "otpsmsctl: %s has no number in %s: ask an "
			    "administrator (otpsmsctl enroll)\n", user, path);
			goto out;
		}
		if (old == NULL && en.n > 1) {
			fprintf(stderr, "otpsmsctl: %s has %zu numbers: name the one "
			    "that changes (change-number OLD NEW)\n", user, en.n);
			goto out;
		}
		if (old == NULL)
			old = en.numbers[0];
		for (i = 0; i < en.n && strcmp(en.numbers[i], old) != 0; i++)
			;
		if (i == en.n) {
			fprintf(stderr, "otpsmsctl: that old number is not yours\n");
			goto out;
		}
		for (i = 0; i < en.n; i++) {
			if (strcmp(en.numbers[i], num) == 0) {
				fprintf(stderr, "otpsmsctl: that number is already "
				    "yours\n");
				goto out;
			}
			list[n++] = strcmp(en.numbers[i], old) == 0 ? num :
			    en.numbers[i];
		}
		fprintf(stderr, "otpsmsctl: first the number you have now\n");
		if ((r = prove(sock, duser, user, old)) != 0)
			goto out;
		fprintf(stderr, "otpsmsctl: now the new number\n");
	} else {
		list[0] = num;
		n = 1;
	}
	if ((r = prove(sock, duser, user, num)) != 0) {
		syslog(LOG_NOTICE, "%s refused: user=%s to=%s: no proof", cmd, user,
		    masked);
		goto out;
	}
	snprintf(why, sizeof(why), "%s user=%.64s to=%s", cmd, user, masked);
	if ((r = apply(sock, duser, path, user, list, n, old, why)) == 0) {
		syslog(LOG_NOTICE, "%s: user=%s to=%s in=%s by uid=%u", cmd, user,
		    masked, path, (unsigned)getuid());
		printf("%s: %s now receives codes at %s\n", path, user, masked);
	}
 out:
	free(text);
	closelog();
	return r;
}
