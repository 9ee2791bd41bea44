/* What the module's files share for one pam_sm_authenticate() call: its
 * state, the outcome line and the messages to the user. Private to the
 * module (only pam_sm_* are exported). */
#ifndef OTPSMS_PAM_MODULE_H
#define OTPSMS_PAM_MODULE_H

#include <stdint.h>

#include <security/pam_modules.h>

#include "answer.h"
#include "daemon_client.h"
#include "i18n.h"
#include "options.h"
#include "proto.h"

/* Marked for xgettext (N_), translated where shown (say, tell_user). */
#define MSG_UNAVAIL N_("SMS verification is unavailable; try again later.")
#define MSG_DELIVERY N_("No carrier could deliver the code.")
#define MSG_BACKUP_REQUIRED N_("A backup code is required.")
#define MSG_NUMBER \
	N_("Your phone number cannot receive codes; contact your administrator.")
#define MSG_NUMBER_CHECK N_("This number cannot receive codes now; use a backup code or call the helpdesk.")

struct ctx {
	pam_handle_t *pamh;
	int silent;
	struct otpsms_opts opts;
	struct client_cfg ccfg;
	char user[64], service[64], rhost[64];  /* sanitized, for logs */
	/* Our own copy: the application's conversation function may change
	 * PAM_USER and free the string pam_get_user() returned. */
	char name[PROTO_MAX_USER + 1];
	int nss_known;          /* name is NSS's pw_name for the user */
	int prio;                               /* of the outcome line */
	char outcome[256];
	int ignore_ok;          /* PAM_IGNORE has a configured cause */
	int verified;           /* the daemon said OK to our challenge */
	const struct pam_conv *conv;
	/* The challenge being answered. */
	uint8_t id[PROTO_ID_LEN];
	char masked[PROTO_MAX_MASKED + 1];
	unsigned digits, channels;
	enum prompt_state state;
	unsigned numidx;        /* which of the user's numbers it went to */
	int more;               /* the user has a number after it */
	struct proto_challenge_req creq;        /* for resends */
};

/* The one syslog line pam_sm_authenticate() ends with: the last call wins. */
void outcome(struct ctx *c, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A one-line message to the user (PAM_ERROR_MSG), unless PAM_SILENT, in
 * the user's language: fmt is a msgid (translated here). */
void tell_user(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for a message without arguments (MSG_*, N_() marked). */
void say(struct ctx *c, const char *msgid);

/* reply.c: the daemon's answers and the client's failures as PAM codes,
 * with the outcome line and what the user is told. challenge is set for
 * the reply to the first challenge request (nullok applies only there). */
int error_to_pam(struct ctx *c, const struct proto_error *e, int challenge);
int client_to_pam(struct ctx *c, int cr, const char *what, const char *err);
int verify_to_pam(struct ctx *c, const struct proto_verify_rsp *v);

/* policy.c: PAM_IGNORE for a user exempt by trusted_nets, skip_groups or
 * only_groups (c->ignore_ok set), a failure code, or -1 to go on and ask. */
int policy_exempt(struct ctx *c);

#endif
