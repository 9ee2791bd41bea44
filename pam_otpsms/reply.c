/* The daemon's replies and the client's failures as PAM return codes: what
 * the outcome line says and the one line the user is told. Only a verify
 * status of OK maps to PAM_SUCCESS (and sets c->verified); only nullok on
 * the first challenge maps to PAM_IGNORE. */
#include "config.h"

#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "module.h"
#include "util.h"

/* "14:05" (local time) retry_after seconds from now, for the user. */
static const char *
clock_after(char *out, size_t outsz, uint32_t secs)
{
	struct tm tm;
	time_t t = time(NULL) + (time_t)secs;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%H:%M", &tm) == 0)
		snprintf(out, outsz, "%s", _("later"));
	return out;
}

/* A PROTO_ERROR reply, from either exchange. */
int
error_to_pam(struct ctx *c, const struct proto_error *e, int challenge)
{
	char msg[128], when[16];
	int r;

	log_safe(msg, sizeof(msg), e->message);
	switch (e->code) {
	case PROTO_E_NOUSER:
		/* nullok only while asking: once a code was sent, the user
		 * vanishing from the daemon's list is not a reason to pass. */
		/* nor a name the system does not know: only an account's
		 * own (canonical) name, unenrolled, is what nullok skips. */
		if (challenge && c->opts.nullok && c->nss_known) {
			outcome(c, LOG_INFO, "no phone number, ignored "
			    "(nullok)");
			c->ignore_ok = 1;
			r = PAM_IGNORE;
		} else if (challenge && c->opts.nullok) {
			outcome(c, LOG_NOTICE, "no phone number, and the name "
			    "is unknown to the system (nullok does not apply)");
			r = PAM_USER_UNKNOWN;
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
		tell_user(c, "Too many failed attempts; locked out for %u "
		    "seconds, until %s.", (unsigned)e->retry_after,
		    clock_after(when, sizeof(when), e->retry_after));
		outcome(c, LOG_NOTICE, "locked out, retry after %u s",
		    (unsigned)e->retry_after);
		r = PAM_AUTH_ERR;
		break;
	case PROTO_E_DELIVERY:
		say(c, MSG_DELIVERY);
		outcome(c, LOG_ERR, "unavailable: no carrier delivered (%s)",
		    msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	case PROTO_E_NUMBER:
		say(c, MSG_NUMBER);
		outcome(c, LOG_ERR, "unavailable: number cannot receive codes "
		    "(%s)", msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	case PROTO_E_NUMBER_CHECK:
		/* The number looked unsafe (SIM swap, line type, pumping
		 * risk): a refusal, not an outage. */
		say(c, MSG_NUMBER_CHECK);
		outcome(c, LOG_NOTICE, "refused: number check (%s)", msg);
		r = PAM_AUTH_ERR;
		break;
	case PROTO_E_BACKUP_REQUIRED:
		/* backup=no (with backup codes on, pam_otpsms.c asks for one
		 * before a reply gets here): refused. */
		say(c, MSG_NUMBER_CHECK);
		outcome(c, LOG_NOTICE, "refused: backup code required (%s)", msg);
		r = PAM_AUTH_ERR;
		break;
	default:
		say(c, MSG_UNAVAIL);
		outcome(c, LOG_ERR, "unavailable: daemon error %u, %s (%s)",
		    (unsigned)e->code, proto_err_name(e->code), msg);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return r;
}

/* Any failure to talk to the daemon. */
int
client_to_pam(struct ctx *c, int cr, const char *what, const char *err)
{
	char safe[256];

	log_safe(safe, sizeof(safe), err);
	say(c, MSG_UNAVAIL);
	outcome(c, LOG_ERR, "unavailable: %s: %s: %s", what,
	    client_strerror(cr), safe);
	return cr == CLIENT_ENOMEM ? PAM_BUF_ERR : PAM_AUTHINFO_UNAVAIL;
}

int
verify_to_pam(struct ctx *c, const struct proto_verify_rsp *v)
{
	int r;

	switch (v->status) {
	case PROTO_V_OK:
		outcome(c, LOG_INFO, "verified");
		c->verified = 1;
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
		say(c, MSG_UNAVAIL);
		outcome(c, LOG_ERR, "unavailable: unknown verify status %u",
		    (unsigned)v->status);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return r;
}
