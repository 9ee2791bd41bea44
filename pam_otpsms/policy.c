/* Who is asked: the exemptions (trusted_nets, skip_groups, only_groups) and
 * group membership through NSS (files, LDAP, sssd), with reentrant calls
 * only: the module runs inside sshd and sudo. Any lookup failure is an
 * error, never "not a member", so that the module fails closed. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "module.h"
#include "policy.h"
#include "util.h"

#define NSS_BUF_MAX (1024 * 1024)
#define GROUPS_MAX 65536

/* getpwnam_r/getgrnam_r with a growing buffer. canon (users only, may be
 * NULL) receives pw_name, the name NSS knows the user by. */
static int
lookup_gid(const char *name, int is_group, gid_t *gid, char *canon,
    size_t canonsz)
{
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	char *b = NULL, *nb;
	size_t sz = 16384;
	int e, r = POLICY_ENOMEM;

	for (;;) {
		if ((nb = realloc(b, sz)) == NULL)
			goto out;
		b = nb;
		errno = 0;
		if (is_group)
			e = getgrnam_r(name, &gr, b, sz, &grr);
		else
			e = getpwnam_r(name, &pw, b, sz, &pwr);
		if (e == EINTR)
			continue;
		if (e != ERANGE || sz >= NSS_BUF_MAX)
			break;
		sz *= 2;
	}
	if (e == ENOMEM)
		goto out;
	/* Not found is 0 with a NULL result; ENOENT and friends are "not
	 * found" for some NSS modules too. */
	if ((is_group ? (void *)grr : (void *)pwr) == NULL) {
		r = (e == 0 || e == ENOENT || e == ESRCH || e == EBADF ||
		    e == EPERM) ? (is_group ? POLICY_ENOGROUP : POLICY_ENOUSER) :
		    POLICY_ESYS;
		goto out;
	}
	if (!is_group && canon != NULL) {
		/* A name that does not fit, or none at all, is not guessed
		 * at: the caller fails closed. */
		if (pw.pw_name == NULL || pw.pw_name[0] == '\0' ||
		    strlen(pw.pw_name) >= canonsz) {
			r = POLICY_ESYS;
			goto out;
		}
		memcpy(canon, pw.pw_name, strlen(pw.pw_name) + 1);
	}
	*gid = is_group ? gr.gr_gid : pw.pw_gid;
	r = POLICY_OK;
out:
	free(b);
	return r;
}

int
policy_in_groups(const char *user, const char *groups, int *member,
    char *err, size_t errsz)
{
	gid_t base, want, *list = NULL, *nl;
	char name[256], safe[64];
	const char *p = groups, *e;
	int n = 64, i, got, r;

	*member = 0;
	if ((r = lookup_gid(user, 0, &base, NULL, 0)) != POLICY_OK) {
		snprintf(err, errsz, "cannot look the user up");
		goto out;
	}
	for (;;) {
		if ((nl = realloc(list, (size_t)n * sizeof(*list))) == NULL) {
			r = POLICY_ENOMEM;
			goto out;
		}
		list = nl;
		got = n;
		if (getgrouplist(user, base, list, &got) != -1)
			break;
		if (got <= n) {
			/* -1 without a larger count: a failure. */
			snprintf(err, errsz, "getgrouplist failed");
			r = POLICY_ESYS;
			goto out;
		}
		if (got > GROUPS_MAX) {
			snprintf(err, errsz, "too many groups");
			r = POLICY_ESYS;
			goto out;
		}
		n = got;
	}
	/* Every group is looked up, even after a match: a misspelt one is
	 * reported the same way whoever logs in. */
	for (;;) {
		e = strchr(p, ',');
		snprintf(name, sizeof(name), "%.*s",
		    (int)(e != NULL ? (size_t)(e - p) : strlen(p)), p);
		if ((r = lookup_gid(name, 1, &want, NULL, 0)) != POLICY_OK) {
			log_safe(safe, sizeof(safe), name);
			snprintf(err, errsz, "group %s: %s", safe,
			    r == POLICY_ENOGROUP ? "no such group" :
			    "lookup failed");
			goto out;
		}
		for (i = 0; i < got; i++)
			if (list[i] == want)
				*member = 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	r = POLICY_OK;
out:
	free(list);
	return r;
}

int
policy_canonical(const char *user, char *canon, size_t canonsz)
{
	gid_t gid;

	return lookup_gid(user, 0, &gid, canon, canonsz);
}

/* A failed group lookup as a PAM code: never "not a member". */
static int
lookup_to_pam(struct ctx *c, int pr, const char *err)
{
	int r;

	switch (pr) {
	case POLICY_ENOUSER:
		outcome(c, LOG_NOTICE, "groups: %s", err);
		r = PAM_USER_UNKNOWN;
		break;
	case POLICY_ENOGROUP:
		outcome(c, LOG_ERR, "configuration error: %s", err);
		r = PAM_SERVICE_ERR;
		break;
	case POLICY_ENOMEM:
		outcome(c, LOG_ERR, "out of memory");
		r = PAM_BUF_ERR;
		break;
	default:
		say(c, MSG_UNAVAIL);
		outcome(c, LOG_ERR, "unavailable: groups: %s", err);
		r = PAM_AUTHINFO_UNAVAIL;
		break;
	}
	return r;
}

int
policy_exempt(struct ctx *c)
{
	const char *why = NULL;
	char err[256];
	int member, pr, r = -1;

	if (c->opts.n_nets > 0 && opts_net_match(&c->opts, c->creq.rhost)) {
		why = "remote host in trusted_nets";
		goto out;
	}
	if (c->opts.skip_groups[0] != '\0') {
		if ((pr = policy_in_groups(c->name, c->opts.skip_groups,
		    &member, err, sizeof(err))) != POLICY_OK) {
			r = lookup_to_pam(c, pr, err);
			goto out;
		}
		if (member) {
			why = "member of skip_groups";
			goto out;
		}
	}
	if (c->opts.only_groups[0] != '\0') {
		if ((pr = policy_in_groups(c->name, c->opts.only_groups,
		    &member, err, sizeof(err))) != POLICY_OK) {
			r = lookup_to_pam(c, pr, err);
			goto out;
		}
		if (!member) {
			why = "not in only_groups";
			goto out;
		}
	}
out:
	if (why != NULL) {
		outcome(c, LOG_INFO, "%s, ignored", why);
		c->ignore_ok = 1;
		r = PAM_IGNORE;
	}
	return r;
}
