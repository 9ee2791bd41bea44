/* Group membership through NSS (files, LDAP, sssd), with reentrant calls
 * only: the module runs inside sshd and sudo. Any lookup failure is an
 * error, never "not a member", so the caller can fail closed. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "util.h"

#define NSS_BUF_MAX (1024 * 1024)
#define GROUPS_MAX 65536

/* getpwnam_r/getgrnam_r with a growing buffer. */
static int
lookup_gid(const char *name, int is_group, gid_t *gid)
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
	if ((r = lookup_gid(user, 0, &base)) != POLICY_OK) {
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
		if ((r = lookup_gid(name, 1, &want)) != POLICY_OK) {
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
