/* pam_otpsms: an SMS one-time code as a second factor.
 *
 * Entry points only: options live in options.c, the daemon conversation in
 * client.c. The module never sees a code it did not get from the user; it
 * asks otpsmsd for a challenge, prompts once, and sends back what was typed.
 * Every path ends in the one log line and the one return at "out:", and only
 * a VERIFY_RSP with status OK to our own challenge yields PAM_SUCCESS. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "client.h"
#include "options.h"
#include "proto.h"
#include "util.h"

#define MSG_UNAVAIL "SMS verification is unavailable; try again later."
#define MSG_DELIVERY "No carrier could deliver the code."
#define MSG_NUMBER \
	"Your phone number cannot receive codes; contact your administrator."
#define BULLET "\xe2\x80\xa2"   /* U+2022, what mask_number() writes */

struct ctx {
	pam_handle_t *pamh;
	int silent;
	struct otpsms_opts opts;
	struct client_cfg ccfg;
	char user[64], service[64], rhost[64];  /* sanitized, for logs */
	/* Our own copy: the application's conversation function may change
	 * PAM_USER and free the string pam_get_user() returned. */
	char name[PROTO_MAX_USER + 1];
	int prio;                               /* of the outcome line */
	char outcome[256];
};

static void __attribute__((format(printf, 3, 4)))
outcome(struct ctx *c, int prio, const char *fmt, ...)
{
	va_list ap;

	c->prio = prio;
	va_start(ap, fmt);
	vsnprintf(c->outcome, sizeof(c->outcome), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
tell_user(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	/* Best effort: the PAM code, not this message, carries the result. */
	if (c->silent)
		return;
	va_start(ap, fmt);
	pam_verror(c->pamh, fmt, ap);
	va_end(ap);
}

/* The masked number is shown on the user's terminal: keep printable ASCII and
 * the bullet, so not even a trusted daemon can send terminal escapes. */
static void
display_safe(char *out, size_t outsz, const char *in)
{
	size_t i = 0, o = 0, bl = strlen(BULLET);

	while (in[i] != '\0' && o + 1 < outsz) {
		if (strncmp(in + i, BULLET, bl) == 0) {
			if (o + bl >= outsz)
				break;
			memcpy(out + o, BULLET, bl);
			o += bl;
			i += bl;
			continue;
		}
		out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
		i++;
	}
	out[o] = '\0';
}

/* Informational items are truncated rather than refused: they feed the
 * daemon's logs and message template, and a long rhost must not lock anyone
 * out. NULL items are sent as empty strings. */
static void
copy_item(pam_handle_t *pamh, int item, char *out, size_t outsz)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		v = "";
	snprintf(out, outsz, "%s", (const char *)v);
}

/* A PROTO_ERROR reply, from either exchange. */
static int
error_to_pam(struct ctx *c, const struct proto_error *e, int challenge)
{
	char msg[128];
	int r;

	log_safe(msg, sizeof(msg), e->message);
	switch (e->code) {
	case PROTO_E_NOUSER:
		/* nullok only while asking: once a code was sent, the user
		 * vanishing from the daemon's list is not a reason to pass. */
		if (challenge && c->opts.nullok) {
			outcome(c, LOG_INFO, "no phone number, ignored "
			    "(nullok)");
			r = PAM_IGNORE;
		} else {
			outcome(c, LOG_NOTICE, "no phone number");
			r = PAM_USER_UNKNOWN;
		}
		break;
	case PROTO_E_RATE:
		tell_user(c, "Too many codes requested; try again in %u "
		    "seconds.", (unsigned)e->retry_after);
		outcome(c, LOG_NOTICE, "rate limited, retry after %u s",
		    (unsigned)e->retry_after);
		r = PAM_AUTH_ERR;
		break;
	case PROTO_E_LOCKED:
		tell_user(c, "Too many failed attempts; try again in %u "
		    "seconds.", (unsigned)e->retry_after);
		outcome(c, LOG_NOTICE, "locked out, retry after %u s",
		    (unsigned)e->retry_after);
		r = PAM_AUTH_ERR;
		break;
	case PROTO_E_DELIVERY:
		tell_user(c, "%s", MSG_DELIVERY);
		outcome(c, LOG_ERR, "unavailable: no carrier delivered (%s)",
		    msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	case PROTO_E_NUMBER:
		tell_user(c, "%s", MSG_NUMBER);
		outcome(c, LOG_ERR, "unavailable: number cannot receive codes "
		    "(%s)", msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	default:
		tell_user(c, "%s", MSG_UNAVAIL);
		outcome(c, LOG_ERR, "unavailable: daemon error %u, %s (%s)",
		    (unsigned)e->code, proto_err_name(e->code), msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return r;
}

/* Any failure to talk to the daemon. */
static int
client_to_pam(struct ctx *c, int cr, const char *what, const char *err)
{
	char safe[256];

	log_safe(safe, sizeof(safe), err);
	tell_user(c, "%s", MSG_UNAVAIL);
	outcome(c, LOG_ERR, "unavailable: %s: %s: %s", what,
	    client_strerror(cr), safe);
	return cr == CLIENT_ENOMEM ? PAM_BUF_ERR : PAM_AUTHINFO_UNAVAIL;
}

/* One PAM_PROMPT_ECHO_OFF message; *answer is malloc'd, the caller wipes it. */
static int
converse(struct ctx *c, const struct pam_conv *conv, const char *prompt,
    char **answer)
{
	struct pam_message msg;
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int r;

	*answer = NULL;
	msg.msg_style = PAM_PROMPT_ECHO_OFF;
	msg.msg = prompt;
	r = conv->conv(1, &msgp, &resp, conv->appdata_ptr);
	if (r == PAM_SUCCESS && (resp == NULL || resp[0].resp == NULL))
		r = PAM_CONV_ERR;
	if (r == PAM_SUCCESS) {
		*answer = resp[0].resp;
		resp[0].resp = NULL;
	}
	if (resp != NULL) {
		if (resp[0].resp != NULL) {
			explicit_bzero(resp[0].resp, strlen(resp[0].resp));
			free(resp[0].resp);
		}
		free(resp);
	}
	switch (r) {
	case PAM_SUCCESS:
		break;
	case PAM_CONV_AGAIN:
		/* The application will call us again; the daemon then
		 * reuses the pending code instead of texting a new one. */
		outcome(c, LOG_INFO, "conversation deferred");
		r = PAM_INCOMPLETE;
		break;
	case PAM_BUF_ERR:
		outcome(c, LOG_ERR, "out of memory in conversation");
		break;
	default:
		outcome(c, LOG_ERR, "conversation failed: %s",
		    pam_strerror(c->pamh, r));
		r = PAM_CONV_ERR;
		break;
	}
	return r;
}

/* Strips surrounding whitespace and accepts only 1..PROTO_MAX_CODE digits.
 * Anything else cannot be a code, so it is refused here without asking the
 * daemon: the attempt is not counted and the pending code is not burned. */
static int
answer_to_code(const char *a, char *code, size_t codesz)
{
	size_t start = 0, end = strlen(a), i;

	while (start < end && (a[start] == ' ' || a[start] == '\t' ||
	    a[start] == '\r' || a[start] == '\n'))
		start++;
	while (end > start && (a[end - 1] == ' ' || a[end - 1] == '\t' ||
	    a[end - 1] == '\r' || a[end - 1] == '\n'))
		end--;
	if (end == start || end - start > PROTO_MAX_CODE ||
	    end - start >= codesz)
		return -1;
	for (i = start; i < end; i++)
		if (a[i] < '0' || a[i] > '9')
			return -1;
	memcpy(code, a + start, end - start);
	code[end - start] = '\0';
	return 0;
}

static int
verify_to_pam(struct ctx *c, const struct proto_verify_rsp *v)
{
	int r;

	switch (v->status) {
	case PROTO_V_OK:
		outcome(c, LOG_INFO, "verified");
		r = PAM_SUCCESS;
		break;
	case PROTO_V_WRONG:
		tell_user(c, "Wrong code.");
		outcome(c, LOG_NOTICE, "wrong code, %u attempts left",
		    (unsigned)v->attempts_left);
		r = PAM_AUTH_ERR;
		break;
	case PROTO_V_EXPIRED:
		tell_user(c, "The code has expired or was already used.");
		outcome(c, LOG_NOTICE, "code expired or already used");
		r = PAM_AUTH_ERR;
		break;
	case PROTO_V_MAXTRIES:
		tell_user(c, "Wrong code; no attempts left.");
		outcome(c, LOG_NOTICE, "wrong code, no attempts left");
		r = PAM_MAXTRIES;
		break;
	default:
		tell_user(c, "%s", MSG_UNAVAIL);
		outcome(c, LOG_ERR, "unavailable: unknown verify status %u",
		    (unsigned)v->status);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return r;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	struct proto_msg req, rsp;
	const struct pam_conv *conv = NULL;
	const void *item = NULL;
	const char *user = NULL;
	char err[256], masked[PROTO_MAX_MASKED + 1], prompt[256];
	char *answer = NULL;
	int cr, r = PAM_SERVICE_ERR;

	memset(&c, 0, sizeof(c));
	memset(&req, 0, sizeof(req));
	memset(&rsp, 0, sizeof(rsp));
	c.pamh = pamh;
	c.silent = (flags & PAM_SILENT) != 0;
	c.prio = LOG_ERR;
	snprintf(c.outcome, sizeof(c.outcome), "internal error");
	/* For the log line, until pam_get_user() has run. */
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL)
		item = "?";
	log_safe(c.user, sizeof(c.user), item);

	copy_item(pamh, PAM_SERVICE, req.u.creq.service,
	    sizeof(req.u.creq.service));
	copy_item(pamh, PAM_RHOST, req.u.creq.rhost, sizeof(req.u.creq.rhost));
	copy_item(pamh, PAM_RUSER, req.u.creq.ruser, sizeof(req.u.creq.ruser));
	copy_item(pamh, PAM_TTY, req.u.creq.tty, sizeof(req.u.creq.tty));
	log_safe(c.service, sizeof(c.service), req.u.creq.service);
	log_safe(c.rhost, sizeof(c.rhost), req.u.creq.rhost);

	if (opts_parse(&c.opts, argc, argv, err, sizeof(err)) != OPT_OK) {
		outcome(&c, LOG_ERR, "configuration error: %s", err);
		r = PAM_SERVICE_ERR;
		goto out;
	}
	if (c.opts.debug)
		pam_syslog(pamh, LOG_DEBUG, "socket=%s timeout=%d "
		    "daemon_user=%s nullok=%d", c.opts.socket, c.opts.timeout,
		    c.opts.daemon_user, c.opts.nullok);

	if ((r = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS) {
		outcome(&c, LOG_NOTICE, "cannot get user name: %s",
		    pam_strerror(pamh, r));
		if (r == PAM_CONV_AGAIN)
			r = PAM_INCOMPLETE;
		else if (r == PAM_IGNORE)
			r = PAM_USER_UNKNOWN;   /* only nullok may ignore */
		goto out;
	}
	r = PAM_SERVICE_ERR;
	log_safe(c.user, sizeof(c.user), user);
	if (user == NULL || *user == '\0' || strlen(user) > PROTO_MAX_USER) {
		outcome(&c, LOG_NOTICE, "no usable user name");
		r = PAM_USER_UNKNOWN;
		goto out;
	}
	memcpy(c.name, user, strlen(user) + 1);
	memcpy(req.u.creq.user, c.name, sizeof(req.u.creq.user));

	/* Before anything is texted, make sure the code can be asked for. */
	item = NULL;
	if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS ||
	    (conv = item) == NULL || conv->conv == NULL) {
		outcome(&c, LOG_ERR, "no conversation function");
		r = PAM_CONV_ERR;
		goto out;
	}

	switch ((cr = client_lookup_uid(c.opts.daemon_user,
	    &c.ccfg.daemon_uid))) {
	case CLIENT_OK:
		break;
	case CLIENT_ENOMEM:
		outcome(&c, LOG_ERR, "out of memory");
		r = PAM_BUF_ERR;
		goto out;
	default:
		r = client_to_pam(&c, cr, "daemon_user", c.opts.daemon_user);
		goto out;
	}
	c.ccfg.socket = c.opts.socket;
	c.ccfg.timeout_ms = c.opts.timeout * 1000;

	/* Exchange 1: the challenge. */
	req.type = PROTO_CHALLENGE_REQ;
	err[0] = '\0';
	if ((cr = client_exchange(&c.ccfg, &req, &rsp, err, sizeof(err))) !=
	    CLIENT_OK) {
		r = client_to_pam(&c, cr, "challenge", err);
		goto out;
	}
	if (rsp.type == PROTO_ERROR) {
		r = error_to_pam(&c, &rsp.u.err, 1);
		goto out;
	}
	if (rsp.type != PROTO_CHALLENGE_RSP) {
		r = client_to_pam(&c, CLIENT_EPROTO, "challenge",
		    "unexpected reply type");
		goto out;
	}
	display_safe(masked, sizeof(masked), rsp.u.crsp.masked);
	if (c.opts.debug)
		pam_syslog(pamh, LOG_DEBUG, "user=%s challenge issued: ttl=%u "
		    "digits=%u%s", c.user, (unsigned)rsp.u.crsp.ttl,
		    (unsigned)rsp.u.crsp.digits,
		    (rsp.u.crsp.flags & PROTO_CF_REUSED) ? " reused" : "");
	snprintf(prompt, sizeof(prompt), "Code sent %sto %s. Verification "
	    "code: ", (rsp.u.crsp.flags & PROTO_CF_REUSED) ? "earlier " : "",
	    masked[0] != '\0' ? masked : "your phone");

	/* The request becomes the verify: same id, same user. */
	memset(&req, 0, sizeof(req));
	req.type = PROTO_VERIFY_REQ;
	memcpy(req.u.vreq.id, rsp.u.crsp.id, PROTO_ID_LEN);
	memcpy(req.u.vreq.user, c.name, sizeof(req.u.vreq.user));
	proto_msg_wipe(&rsp);

	if ((r = converse(&c, conv, prompt, &answer)) != PAM_SUCCESS)
		goto out;
	r = PAM_SERVICE_ERR;
	cr = answer_to_code(answer, req.u.vreq.code, sizeof(req.u.vreq.code));
	explicit_bzero(answer, strlen(answer));
	free(answer);
	answer = NULL;
	if (cr != 0) {
		tell_user(&c, "Wrong code.");
		outcome(&c, LOG_NOTICE, "answer is not a code, refused "
		    "without asking the daemon");
		r = PAM_AUTH_ERR;
		goto out;
	}

	/* Exchange 2: the verify. */
	err[0] = '\0';
	cr = client_exchange(&c.ccfg, &req, &rsp, err, sizeof(err));
	proto_msg_wipe(&req);
	if (cr != CLIENT_OK) {
		r = client_to_pam(&c, cr, "verify", err);
		goto out;
	}
	if (rsp.type == PROTO_ERROR)
		r = error_to_pam(&c, &rsp.u.err, 0);
	else if (rsp.type == PROTO_VERIFY_RSP)
		r = verify_to_pam(&c, &rsp.u.vrsp);
	else
		r = client_to_pam(&c, CLIENT_EPROTO, "verify",
		    "unexpected reply type");
out:
	/* Belt and braces against the CVE-2025-23013 class of bug: whatever
	 * the path, PAM_SUCCESS needs the daemon's OK and PAM_IGNORE nullok. */
	if ((r == PAM_SUCCESS && !(rsp.type == PROTO_VERIFY_RSP &&
	    rsp.u.vrsp.status == PROTO_V_OK)) ||
	    (r == PAM_IGNORE && !c.opts.nullok)) {
		outcome(&c, LOG_CRIT, "internal error: %s without cause, "
		    "refused", pam_strerror(pamh, r));
		r = PAM_SERVICE_ERR;
	}
	if (answer != NULL) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
	}
	proto_msg_wipe(&req);
	proto_msg_wipe(&rsp);
	pam_syslog(pamh, c.prio, "%s: user=%s service=%s rhost=%s",
	    c.outcome, c.user, c.service, c.rhost[0] != '\0' ? c.rhost : "-");
	return r;
}

/* A second factor sets no credentials. PAM_SUCCESS, as pam-u2f does, so that
 * pam_setcred() on a stack using this module does not fail for its sake; it
 * grants nothing, since only pam_authenticate() decides. */
PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
