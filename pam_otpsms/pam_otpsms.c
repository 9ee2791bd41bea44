/* pam_otpsms: an SMS one-time code as a second factor.
 *
 * Entry points and the conversation: options live in options.c, who is asked
 * in policy.c, prompts and answers in answer.c, the daemon exchange in
 * common/daemon_client.c, what its replies mean in reply.c. The module never sees a code
 * it did not get from the user; it asks otpsmsd for a challenge, prompts (up
 * to prompts= answers: codes, resends, fallbacks), and sends back what was
 * typed. Every path ends in the
 * one log line and the one return at "out:"; only a VERIFY_RSP with status OK
 * to our own challenge yields PAM_SUCCESS, and only an exemption that was
 * configured (nullok, groups, trusted_nets) yields PAM_IGNORE. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "module.h"
#include "policy.h"
#include "util.h"

void
outcome(struct ctx *c, int prio, const char *fmt, ...)
{
	va_list ap;

	c->prio = prio;
	va_start(ap, fmt);
	vsnprintf(c->outcome, sizeof(c->outcome), fmt, ap);
	va_end(ap);
}

void
tell_user(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	/* Best effort: the PAM code, not this message, carries the result. */
	if (c->silent)
		return;
	va_start(ap, fmt);
	pam_verror(c->pamh, _(fmt), ap);
	va_end(ap);
}

void
say(struct ctx *c, const char *msgid)
{
	if (!c->silent)
		pam_error(c->pamh, "%s", _(msgid));
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

/* One prompt (echo off unless the echo option); *answer is malloc'd, the
 * caller wipes it. */
static int
converse(struct ctx *c, const struct pam_conv *conv, const char *prompt,
    char **answer)
{
	struct pam_message msg;
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int r;

	*answer = NULL;
	msg.msg_style = c->opts.echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;
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

/* A challenge request (first, or a resend with flags) to the user's number
 * idx (0: the first) and its reply. On a CHALLENGE_RSP the challenge state is
 * taken from it and PAM_SUCCESS is returned; otherwise the PAM code, and
 * *iserr tells an ERROR reply apart (the challenge state is then unchanged:
 * the pending code is still the one to type). */
static int
challenge(struct ctx *c, uint32_t flags, unsigned idx, struct proto_error *perr,
    int *iserr)
{
	struct proto_msg req, rsp;
	char err[256];
	int cr, r;

	*iserr = 0;
	memset(&req, 0, sizeof(req));
	memset(&rsp, 0, sizeof(rsp));
	req.type = PROTO_CHALLENGE_REQ;
	req.u.creq = c->creq;
	/* Old daemons ignore the number bits, and never set MORE: idx stays 0. */
	req.u.creq.flags = flags | PROTO_RF_NUMBER(idx);
	err[0] = '\0';
	if ((cr = client_exchange(&c->ccfg, &req, &rsp, err, sizeof(err))) !=
	    CLIENT_OK) {
		r = client_to_pam(c, cr, flags ? "resend" : idx ? "next number" :
		    "challenge", err);
		goto out;
	}
	if (rsp.type == PROTO_ERROR) {
		*perr = rsp.u.err;
		*iserr = 1;
		r = PAM_AUTH_ERR;
		goto out;
	}
	if (rsp.type != PROTO_CHALLENGE_RSP) {
		r = client_to_pam(c, CLIENT_EPROTO, "challenge",
		    "unexpected reply type");
		goto out;
	}
	memcpy(c->id, rsp.u.crsp.id, PROTO_ID_LEN);
	answer_display_safe(c->masked, sizeof(c->masked), rsp.u.crsp.masked);
	c->digits = rsp.u.crsp.digits;
	c->channels = rsp.u.crsp.channels;
	c->numidx = idx;
	c->more = (rsp.u.crsp.flags & PROTO_CF_MORE) != 0;
	c->state = flags ? PS_AGAIN : (rsp.u.crsp.flags & PROTO_CF_REUSED) ?
	    PS_EARLIER : PS_SENT;
	if (c->opts.debug)
		pam_syslog(c->pamh, LOG_DEBUG, "user=%s challenge %s: ttl=%u "
		    "digits=%u channels=0x%x number=%u%s%s", c->user, flags ?
		    "resent" : "issued", (unsigned)rsp.u.crsp.ttl, c->digits,
		    c->channels, idx + 1, c->more ? " more" : "",
		    (rsp.u.crsp.flags & PROTO_CF_REUSED) ? " reused" : "");
	r = PAM_SUCCESS;
out:
	proto_msg_wipe(&rsp);
	return r;
}

/* A challenge asked for at the prompt: a resend (flags) or the next number
 * (no flags, idx the next one). Sent: PAM_SUCCESS and *again. A refusal that
 * leaves the pending code good (too many codes, no carrier delivered, for the
 * next number also no such number) tells the user FAILED or the wait and
 * sets *again; any other ends the authentication with its PAM code. */
static int
challenge_again(struct ctx *c, uint32_t flags, unsigned idx,
    const char *failed, int *again)
{
	struct proto_error e;
	int iserr, r;

	*again = 0;
	if ((r = challenge(c, flags, idx, &e, &iserr)) == PAM_SUCCESS) {
		*again = 1;
		goto out;
	}
	if (!iserr)
		goto out;
	r = PAM_AUTH_ERR;
	if (e.code == PROTO_E_RATE) {
		tell_user(c, "Too many codes requested; try again in %u "
		    "seconds.", (unsigned)e.retry_after);
		*again = 1;
	} else if (e.code == PROTO_E_DELIVERY ||
	    (e.code == PROTO_E_NUMBER && !flags)) {
		say(c, failed);
		*again = 1;
	} else
		r = error_to_pam(c, &e, 0);
out:
	return r;
}

/* "n" at the prompt: a new code to the user's next number. The daemon makes
 * a new challenge (through the same lockout, limits and pending cap as any
 * send); the one for the earlier number is abandoned here and expires. */
static int
next_number(struct ctx *c, int *again)
{
	*again = 0;
	if (!c->more) {
		say(c, N_("There is no other number to send the code to."));
		*again = 1;
		return PAM_AUTH_ERR;
	}
	return challenge_again(c, 0, c->numidx + 1,
	    N_("Sending to the next number failed."), again);
}

/* A resend or fallback asked for at the prompt. *again is set when the
 * conversation goes on (sent, or refused for now with the code still
 * pending); otherwise the PAM code ends the authentication. */
static int
resend(struct ctx *c, enum answer_kind k, int *again)
{
	unsigned ch = k == ANS_VOICE ? PROTO_CH_VOICE :
	    k == ANS_WHATSAPP ? PROTO_CH_WHATSAPP : PROTO_CH_SMS;
	uint32_t flags = PROTO_RF_RESEND | (k == ANS_VOICE ? PROTO_RF_VOICE :
	    k == ANS_WHATSAPP ? PROTO_RF_WHATSAPP : 0);
	/* Whole sentences: a translation cannot be put together from parts. */
	const char *none = k == ANS_VOICE ? N_("A voice call is not available.") :
	    k == ANS_WHATSAPP ? N_("WhatsApp is not available.") :
	    N_("Sending the code again is not available.");
	const char *failed = k == ANS_VOICE ?
	    N_("A voice call failed: no carrier could deliver the code.") :
	    k == ANS_WHATSAPP ?
	    N_("WhatsApp failed: no carrier could deliver the code.") :
	    N_("Sending the code again failed: no carrier could deliver the code.");

	*again = 0;
	if (!(c->channels & ch)) {
		say(c, none);
		*again = 1;
		return PAM_AUTH_ERR;
	}
	if (k == ANS_NEXT)
		return next_number(c, again);
	/* Resent to the number the pending code went to. */
	return challenge_again(c, flags, c->numidx, failed, again);
}

/* Sends REQ (a code: wiped once sent) and takes its reply into *RSP (the
 * caller wipes it). PAM_SUCCESS when RSP is a VERIFY_RSP; otherwise the PAM
 * code of a failed exchange, an ERROR reply, or another reply type (logged
 * as WHAT and UNEXPECTED). */
static int
verify_exchange(struct ctx *c, struct proto_msg *req, struct proto_msg *rsp,
    const char *what, const char *unexpected)
{
	char err[256];
	int cr, r;

	memset(rsp, 0, sizeof(*rsp));
	err[0] = '\0';
	cr = client_exchange(&c->ccfg, req, rsp, err, sizeof(err));
	proto_msg_wipe(req);
	if (cr != CLIENT_OK)
		r = client_to_pam(c, cr, what, err);
	else if (rsp->type == PROTO_ERROR)
		r = error_to_pam(c, &rsp->u.err, 0);
	else if (rsp->type != PROTO_VERIFY_RSP)
		r = client_to_pam(c, CLIENT_EPROTO, what, unexpected);
	else
		r = PAM_SUCCESS;
	return r;
}

/* One verify. *again is set for a wrong code with attempts left. */
static int
verify(struct ctx *c, const char *code, int *again)
{
	struct proto_msg req, rsp;
	int r;

	*again = 0;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_VERIFY_REQ;
	memcpy(req.u.vreq.id, c->id, PROTO_ID_LEN);
	memcpy(req.u.vreq.user, c->name, sizeof(req.u.vreq.user));
	snprintf(req.u.vreq.code, sizeof(req.u.vreq.code), "%s", code);
	if ((r = verify_exchange(c, &req, &rsp, "verify",
	    "unexpected reply type")) == PAM_SUCCESS) {
		r = verify_to_pam(c, &rsp.u.vrsp);
		*again = rsp.u.vrsp.status == PROTO_V_WRONG;
	}
	proto_msg_wipe(&rsp);
	return r;
}

/* One backup code (no challenge: PROTO_BACKUP_VERIFY_REQ). *again is set
 * for a wrong code: the daemon counted it towards the lockout. */
static int
backup_verify(struct ctx *c, const char *code, int *again)
{
	struct proto_msg req, rsp;
	int r;

	*again = 0;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_BACKUP_VERIFY_REQ;
	memcpy(req.u.breq.user, c->name, sizeof(req.u.breq.user));
	snprintf(req.u.breq.code, sizeof(req.u.breq.code), "%s", code);
	r = verify_exchange(c, &req, &rsp, "backup code", "unexpected reply");
	if (r == PAM_SUCCESS && rsp.u.vrsp.status != PROTO_V_OK &&
	    rsp.u.vrsp.status != PROTO_V_WRONG)
		r = client_to_pam(c, CLIENT_EPROTO, "backup code",
		    "unexpected reply");
	else if (r == PAM_SUCCESS) {
		r = verify_to_pam(c, &rsp.u.vrsp);
		if (r == PAM_SUCCESS)
			outcome(c, LOG_NOTICE, "verified with a backup code");
		else
			outcome(c, LOG_NOTICE, "wrong backup code");
		*again = rsp.u.vrsp.status == PROTO_V_WRONG;
	}
	proto_msg_wipe(&rsp);
	return r;
}

/* forward_pass: the password goes on to the next module, only once the code
 * was verified, so a wrong code tells nobody whether the password was good. */
static int
forward_password(struct ctx *c, const char *pass)
{
	int r;

	if ((r = pam_set_item(c->pamh, PAM_AUTHTOK, pass)) != PAM_SUCCESS) {
		outcome(c, LOG_ERR, "cannot set PAM_AUTHTOK: %s",
		    pam_strerror(c->pamh, r));
		c->verified = 0;
	}
	return r;
}

/* use_first_pass: the answer an earlier module read, no prompt. */
static int
first_pass(struct ctx *c, char *code, size_t codesz, char *pass,
    size_t passsz)
{
	const void *item = NULL;
	int again, r;

	if (pam_get_item(c->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS ||
	    item == NULL) {
		outcome(c, LOG_NOTICE, "use_first_pass: no PAM_AUTHTOK");
		return PAM_AUTHTOK_RECOVERY_ERR;
	}
	/* A code texted just now cannot be in an answer typed before it:
	 * say so and fail without using an attempt (RADIUS-style clients
	 * then ask again, and get the pending code). */
	if (c->state != PS_EARLIER) {
		tell_user(c, "Code sent to %s. Enter it at the next prompt.",
		    c->masked[0] != '\0' ? c->masked : _("your phone"));
		outcome(c, LOG_NOTICE, "use_first_pass: code sent, none to "
		    "check yet");
		return PAM_AUTH_ERR;
	}
	if (answer_parse(item, c->opts.forward_pass, c->digits, code, codesz,
	    pass, passsz) != ANS_CODE) {
		outcome(c, LOG_NOTICE, "use_first_pass: PAM_AUTHTOK holds no "
		    "code");
		return PAM_AUTH_ERR;
	}
	r = verify(c, code, &again);
	if (r == PAM_SUCCESS && c->opts.forward_pass)
		r = forward_password(c, pass);
	return r;
}

/* Up to prompts= answers: codes, resends, fallbacks. */
static int
ask(struct ctx *c, char *code, size_t codesz, char *pass, size_t passsz)
{
	char prompt[512];
	char *answer = NULL;
	enum answer_kind k;
	int n, again = 0, left, r = PAM_MAXTRIES;

	for (n = 1; n <= c->opts.prompts; n++) {
		left = c->opts.prompts - n;
		/* A resend is offered only when an answer remains to type the
		 * code it sends. */
		answer_prompt(prompt, sizeof(prompt), c->state, c->masked,
		    c->channels, c->more, left > 0, c->opts.forward_pass,
		    c->opts.prompt);
		if ((r = converse(c, c->conv, prompt, &answer)) != PAM_SUCCESS)
			return r;
		k = answer_parse(answer, c->opts.forward_pass, c->digits, code,
		    codesz, pass, passsz);
		explicit_bzero(answer, strlen(answer));
		free(answer);
		answer = NULL;
		if (k == ANS_BACKUP && !c->opts.backup)
			k = ANS_NOTCODE;        /* backup=no */
		switch (k) {
		case ANS_CODE:
			r = verify(c, code, &again);
			explicit_bzero(code, codesz);
			if (r == PAM_SUCCESS && c->opts.forward_pass)
				r = forward_password(c, pass);
			explicit_bzero(pass, passsz);
			if (!again)
				return r;
			break;
		case ANS_BACKUP:
			r = backup_verify(c, code, &again);
			explicit_bzero(code, codesz);
			if (!again)
				return r;
			break;
		case ANS_NOTCODE:
			explicit_bzero(code, codesz);
			explicit_bzero(pass, passsz);
			tell_user(c, "Wrong code.");
			outcome(c, LOG_NOTICE, "answer is not a code, refused "
			    "without asking the daemon");
			r = PAM_AUTH_ERR;
			break;
		default:
			if (left == 0) {
				outcome(c, LOG_NOTICE, "resend asked for with "
				    "no answer left");
				r = PAM_AUTH_ERR;
				break;
			}
			r = resend(c, k, &again);
			if (!again)
				return r;
			if (r == PAM_SUCCESS)
				outcome(c, LOG_INFO, k == ANS_NEXT ? "code sent "
				    "to number %u" : "code sent again", c->numidx + 1);
			break;
		}
	}
	/* One answer only (prompts=1): its verdict as it is. More: every
	 * answer was used without a verified code. */
	if (c->opts.prompts == 1)
		return r;
	outcome(c, LOG_NOTICE, "no verified code after %d answers (last: %s)",
	    c->opts.prompts, pam_strerror(c->pamh, r));
	return PAM_MAXTRIES;
}

/* No SMS this time (no carrier delivered it, or the daemon requires a
 * backup code): up to prompts= backup codes. */
static int
ask_backup(struct ctx *c, const struct proto_error *e, char *code,
    size_t codesz, char *pass, size_t passsz)
{
	char prompt[320];
	const void *item = NULL;
	char *answer = NULL;
	const char *msgid;
	int n, again = 0, tried = 0, empty, r = PAM_AUTH_ERR;

	/* Whole sentences, so that each translates as one. */
	if (e->code == PROTO_E_DELIVERY)
		msgid = c->opts.forward_pass ? N_("No carrier could deliver the "
		    "code. Password followed by a backup code: ") :
		    N_("No carrier could deliver the code. Backup code: ");
	else
		msgid = c->opts.forward_pass ? N_("A backup code is required. "
		    "Password followed by a backup code: ") :
		    N_("A backup code is required. Backup code: ");
	snprintf(prompt, sizeof(prompt), "%s", _(msgid));
	outcome(c, LOG_NOTICE, "%s, no backup code given",
	    e->code == PROTO_E_DELIVERY ? "no carrier delivered" :
	    "backup code required");
	if (c->opts.use_first_pass) {
		/* The answer an earlier module read, if it is a backup code. */
		if (pam_get_item(c->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS ||
		    item == NULL || answer_parse_backup(item,
		    c->opts.forward_pass, code, codesz, pass, passsz) !=
		    ANS_BACKUP) {
			tell_user(c, e->code == PROTO_E_DELIVERY ?
			    MSG_DELIVERY : MSG_BACKUP_REQUIRED);
			return e->code == PROTO_E_DELIVERY ?
			    PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
		}
		r = backup_verify(c, code, &again);
		explicit_bzero(code, codesz);
		if (r == PAM_SUCCESS && c->opts.forward_pass)
			r = forward_password(c, pass);
		explicit_bzero(pass, passsz);
		return r;
	}
	for (n = 1; n <= c->opts.prompts; n++) {
		if ((r = converse(c, c->conv, prompt, &answer)) != PAM_SUCCESS)
			return r;
		if (answer_parse_backup(answer, c->opts.forward_pass, code, codesz,
		    pass, passsz) != ANS_BACKUP) {
			/* An empty answer: the user has no backup code. */
			empty = answer[0] == '\0';
			explicit_bzero(answer, strlen(answer));
			free(answer);
			answer = NULL;
			explicit_bzero(pass, passsz);
			if (empty)
				break;
			tell_user(c, "Not a backup code (NNNNN-NNNNN).");
			outcome(c, LOG_NOTICE, "answer is not a backup code, "
			    "refused without asking the daemon");
			continue;
		}
		explicit_bzero(answer, strlen(answer));
		free(answer);
		answer = NULL;
		tried = 1;
		r = backup_verify(c, code, &again);
		explicit_bzero(code, codesz);
		if (r == PAM_SUCCESS && c->opts.forward_pass)
			r = forward_password(c, pass);
		explicit_bzero(pass, passsz);
		if (!again)
			return r;
	}
	if (!tried) {
		/* Nothing was checked: the first failure stands (the SMS could
		 * not be sent: unavailable, as without backup codes). */
		tell_user(c, e->code == PROTO_E_DELIVERY ?
		    MSG_DELIVERY : MSG_BACKUP_REQUIRED);
		return e->code == PROTO_E_DELIVERY ?
		    PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
	}
	if (c->opts.prompts == 1)
		return r;
	outcome(c, LOG_NOTICE, "no good backup code after %d answers",
	    c->opts.prompts);
	return PAM_MAXTRIES;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	struct proto_error e;
	const void *item = NULL;
	const char *user = NULL;
	char err[256], code[PROTO_MAX_CODE + 1], pass[PAM_MAX_RESP_SIZE];
	char safe[64];
	int cr, iserr, pr, r = PAM_SERVICE_ERR;

	memset(&c, 0, sizeof(c));
	memset(code, 0, sizeof(code));
	memset(pass, 0, sizeof(pass));
	c.pamh = pamh;
	c.silent = (flags & PAM_SILENT) != 0;
	c.prio = LOG_ERR;
	snprintf(c.outcome, sizeof(c.outcome), "internal error");
	/* For the log line, until pam_get_user() has run. */
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL)
		item = "?";
	log_safe(c.user, sizeof(c.user), item);

	copy_item(pamh, PAM_SERVICE, c.creq.service, sizeof(c.creq.service));
	copy_item(pamh, PAM_RHOST, c.creq.rhost, sizeof(c.creq.rhost));
	copy_item(pamh, PAM_RUSER, c.creq.ruser, sizeof(c.creq.ruser));
	copy_item(pamh, PAM_TTY, c.creq.tty, sizeof(c.creq.tty));
	log_safe(c.service, sizeof(c.service), c.creq.service);
	log_safe(c.rhost, sizeof(c.rhost), c.creq.rhost);

	if (opts_parse(&c.opts, argc, argv, err, sizeof(err)) != OPT_OK) {
		outcome(&c, LOG_ERR, "configuration error: %s", err);
		r = PAM_SERVICE_ERR;
		goto out;
	}
	if (c.opts.debug)
		pam_syslog(pamh, LOG_DEBUG, "socket=%s timeout=%d "
		    "daemon_user=%s nullok=%d prompts=%d echo=%d "
		    "forward_pass=%d use_first_pass=%d trusted_nets=%zu "
		    "only_groups=%s skip_groups=%s conf=%s", c.opts.socket,
		    c.opts.timeout, c.opts.daemon_user, c.opts.nullok,
		    c.opts.prompts, c.opts.echo, c.opts.forward_pass,
		    c.opts.use_first_pass, c.opts.n_nets,
		    c.opts.only_groups[0] ? c.opts.only_groups : "-",
		    c.opts.skip_groups[0] ? c.opts.skip_groups : "-",
		    c.opts.conf[0] ? c.opts.conf : "-");

	if ((r = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS) {
		outcome(&c, LOG_NOTICE, "cannot get user name: %s",
		    pam_strerror(pamh, r));
		if (r == PAM_CONV_AGAIN)
			r = PAM_INCOMPLETE;
		else if (r == PAM_IGNORE)
			r = PAM_USER_UNKNOWN;   /* only our options may ignore */
		goto out;
	}
	r = PAM_SERVICE_ERR;
	log_safe(c.user, sizeof(c.user), user);
	if (user == NULL || *user == '\0' || strlen(user) > PROTO_MAX_USER) {
		outcome(&c, LOG_NOTICE, "no usable user name");
		r = PAM_USER_UNKNOWN;
		goto out;
	}
	/* The name NSS knows (pw_name): the daemon's users map, the group
	 * checks and the daemon's allow_self all speak it, not an alias such
	 * as "Alice" or "alice@example.com" that sssd or winbind resolve. */
	switch ((pr = policy_canonical(user, c.name, sizeof(c.name)))) {
	case POLICY_OK:
		c.nss_known = 1;
		break;
	case POLICY_ENOUSER:
		/* Not a system account (a VPN's or RADIUS's own users): asked
		 * under the name given, never exempt by nullok. */
		memcpy(c.name, user, strlen(user) + 1);
		break;
	case POLICY_ENOMEM:
		outcome(&c, LOG_ERR, "out of memory");
		r = PAM_BUF_ERR;
		goto out;
	default:
		say(&c, MSG_UNAVAIL);
		outcome(&c, LOG_ERR, "unavailable: cannot look the user up");
		r = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}
	if (c.opts.debug && strcmp(c.name, user) != 0) {
		log_safe(safe, sizeof(safe), c.name);
		pam_syslog(pamh, LOG_DEBUG, "user=%s is known to the system "
		    "as %s", c.user, safe);
	}
	log_safe(c.user, sizeof(c.user), c.name);
	memcpy(c.creq.user, c.name, sizeof(c.creq.user));

	if ((r = policy_exempt(&c)) != -1)
		goto out;

	/* Before anything is texted, make sure the code can be asked for. */
	item = NULL;
	if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS ||
	    (c.conv = item) == NULL || c.conv->conv == NULL) {
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

	if ((r = challenge(&c, 0, 0, &e, &iserr)) != PAM_SUCCESS) {
		/* Break glass: the carriers are down (or the daemon wants a
		 * backup code): ask for one instead of failing. */
		if (iserr && c.opts.backup && (e.code == PROTO_E_DELIVERY ||
		    e.code == PROTO_E_BACKUP_REQUIRED))
			r = ask_backup(&c, &e, code, sizeof(code), pass,
			    sizeof(pass));
		else if (iserr)
			r = error_to_pam(&c, &e, 1);
		goto out;
	}
	if (c.opts.use_first_pass)
		r = first_pass(&c, code, sizeof(code), pass, sizeof(pass));
	else
		r = ask(&c, code, sizeof(code), pass, sizeof(pass));
out:
	/* Belt and braces against the CVE-2025-23013 class of bug: whatever
	 * the path, PAM_SUCCESS needs the daemon's OK and PAM_IGNORE one of
	 * the configured exemptions. */
	if ((r == PAM_SUCCESS && !c.verified) ||
	    (r == PAM_IGNORE && !c.ignore_ok)) {
		outcome(&c, LOG_CRIT, "internal error: %s without cause, "
		    "refused", pam_strerror(pamh, r));
		r = PAM_SERVICE_ERR;
	}
	explicit_bzero(code, sizeof(code));
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(&c.id, sizeof(c.id));
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
