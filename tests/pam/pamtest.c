/* pamtest: runs pam_authenticate() through real libpam on a private PAM
 * configuration directory (pam_start_confdir, Linux-PAM >= 1.4).
 *
 *   pamtest -d CONFDIR -s SERVICE -u USER [-r RHOST] [-a ANSWER | -A CMD | -n]
 *
 * Prompts and messages go to stderr ("prompt: ...", "prompt-echo: ..." for a
 * prompt with echo on, "error: ...", "info: ..."),
 * the PAM return code's name is the last line on stdout. -a answers every
 * prompt with ANSWER; -A runs CMD (sh -c) when a prompt arrives and answers
 * with the first line of its output; -n installs a conversation whose function
 * pointer is NULL. Without any of them, prompts fail with PAM_CONV_ERR. Exits
 * 0 whatever PAM said, 2 on a usage error.
 *
 * Like login, su and sudo, it takes its locale from the environment
 * (setlocale), so the module speaks LANGUAGE / LC_MESSAGES; with
 * OTPSMS_TEST_LOCALEDIR set, the module's text domain is bound there first
 * (the build tree's po/), which the module keeps. */
#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

static const char *answer_fixed;
static const char *answer_cmd;

#define C(x) { x, #x }
static const struct {
	int code;
	const char *name;
} pam_names[] = {
	C(PAM_SUCCESS), C(PAM_OPEN_ERR), C(PAM_SYMBOL_ERR), C(PAM_SERVICE_ERR),
	C(PAM_SYSTEM_ERR), C(PAM_BUF_ERR), C(PAM_PERM_DENIED), C(PAM_AUTH_ERR),
	C(PAM_CRED_INSUFFICIENT), C(PAM_AUTHINFO_UNAVAIL),
	C(PAM_USER_UNKNOWN), C(PAM_MAXTRIES), C(PAM_NEW_AUTHTOK_REQD),
	C(PAM_ACCT_EXPIRED), C(PAM_SESSION_ERR), C(PAM_CRED_UNAVAIL),
	C(PAM_CRED_EXPIRED), C(PAM_CRED_ERR), C(PAM_NO_MODULE_DATA),
	C(PAM_CONV_ERR), C(PAM_AUTHTOK_ERR), C(PAM_AUTHTOK_RECOVERY_ERR),
	C(PAM_AUTHTOK_LOCK_BUSY), C(PAM_AUTHTOK_DISABLE_AGING),
	C(PAM_TRY_AGAIN), C(PAM_IGNORE), C(PAM_ABORT), C(PAM_AUTHTOK_EXPIRED),
	C(PAM_MODULE_UNKNOWN), C(PAM_BAD_ITEM), C(PAM_CONV_AGAIN),
	C(PAM_INCOMPLETE),
};

static const char *
pam_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(pam_names) / sizeof(pam_names[0]); i++)
		if (pam_names[i].code == code)
			return pam_names[i].name;
	return "PAM_UNKNOWN_CODE";
}

/* The first line of CMD's output, or NULL. */
static char *
run_cmd(const char *cmd)
{
	char line[1024];
	FILE *f;
	char *r = NULL;

	fflush(stdout);
	fflush(stderr);
	if ((f = popen(cmd, "r")) == NULL)
		return NULL;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		r = strdup(line);
	}
	/* Drain so the command never dies of SIGPIPE mid-way. */
	while (fgets(line, sizeof(line), f) != NULL)
		;
	pclose(f);
	return r;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			fprintf(stderr, "%s: %s\n", msg[i]->msg_style ==
			    PAM_PROMPT_ECHO_ON ? "prompt-echo" : "prompt",
			    msg[i]->msg);
			if (answer_fixed != NULL)
				r[i].resp = strdup(answer_fixed);
			else if (answer_cmd != NULL)
				r[i].resp = run_cmd(answer_cmd);
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
			fprintf(stderr, "error: %s\n", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			fprintf(stderr, "info: %s\n", msg[i]->msg);
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pamtest -d CONFDIR -s SERVICE -u USER "
	    "[-r RHOST] [-a ANSWER | -A CMD | -n]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *confdir = NULL, *service = NULL, *user = NULL;
	const char *rhost = NULL;
	int ch, nullconv = 0, r;

	while ((ch = getopt(argc, argv, "d:s:u:r:a:A:n")) != -1) {
		switch (ch) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'r': rhost = optarg; break;
		case 'a': answer_fixed = optarg; break;
		case 'A': answer_cmd = optarg; break;
		case 'n': nullconv = 1; break;
		default: usage();
		}
	}
	if (optind != argc || confdir == NULL || service == NULL ||
	    user == NULL || (answer_fixed != NULL) + (answer_cmd != NULL) +
	    nullconv > 1)
		usage();
	if (nullconv)
		pc.conv = NULL;

	(void)setlocale(LC_ALL, "");
	if (getenv("OTPSMS_TEST_LOCALEDIR") != NULL)
		(void)bindtextdomain("pam_otpsms", getenv("OTPSMS_TEST_LOCALEDIR"));
	if ((r = pam_start_confdir(service, user, &pc, confdir, &pamh)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %s\n", pam_name(r));
		goto out;
	}
	if (rhost != NULL &&
	    (r = pam_set_item(pamh, PAM_RHOST, rhost)) != PAM_SUCCESS) {
		fprintf(stderr, "pam_set_item: %s\n", pam_name(r));
		goto out;
	}
	r = pam_authenticate(pamh, 0);
out:
	if (pamh != NULL)
		pam_end(pamh, r);
	printf("%s\n", pam_name(r));
	return 0;
}
