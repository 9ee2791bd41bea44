/* A stand-in for a name service that resolves aliases (sssd or winbind with
 * case-insensitive names, user@domain), linked into pamtest: the module,
 * dlopened by libpam, finds this getpwnam_r before libc's because the
 * executable exports it (-export-dynamic).
 *
 * With OTPSMS_TEST_NSS=FILE, each line "ASKED NAME UID GID" makes
 * getpwnam_r(ASKED) return the account NAME, and "ASKED ! ERRNO" makes it
 * fail with that errno (an NSS back end that is down). Names not in the file,
 * and every name without the variable, go to libc. Test code only. */
#include "config.h"       /* _GNU_SOURCE, for RTLD_NEXT */

#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*getpwnam_r_fn)(const char *, struct passwd *, char *, size_t,
    struct passwd **);

/* Lays "s" out in buf at *off; -1 if it does not fit. */
static int
put(char *buf, size_t buflen, size_t *off, const char *s, char **out)
{
	size_t n = strlen(s) + 1;

	if (n > buflen - *off)
		return -1;
	memcpy(buf + *off, s, n);
	*out = buf + *off;
	*off += n;
	return 0;
}

/* 1 and the result when FILE has a line for name, 0 when it has none. */
static int
shim_lookup(const char *path, const char *name, struct passwd *pw, char *buf,
    size_t buflen, struct passwd **result, int *err)
{
	char line[1024], asked[256], canon[256];
	unsigned uid, gid;
	size_t off = 0;
	FILE *f;
	int e, found = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%255s ! %d", asked, &e) == 2 &&
		    strcmp(asked, name) == 0) {
			*result = NULL;
			*err = e;
			found = 1;
		} else if (sscanf(line, "%255s %255s %u %u", asked, canon,
		    &uid, &gid) == 4 && strcmp(asked, name) == 0) {
			found = 1;
			*result = NULL;
			*err = ERANGE;
			memset(pw, 0, sizeof(*pw));
			if (put(buf, buflen, &off, canon, &pw->pw_name) != 0 ||
			    put(buf, buflen, &off, "x", &pw->pw_passwd) != 0 ||
			    put(buf, buflen, &off, "", &pw->pw_gecos) != 0 ||
			    put(buf, buflen, &off, "/nonexistent",
			    &pw->pw_dir) != 0 ||
			    put(buf, buflen, &off, "/bin/sh", &pw->pw_shell) != 0)
				break;
			pw->pw_uid = uid;
			pw->pw_gid = gid;
			*result = pw;
			*err = 0;
		}
	}
	fclose(f);
	return found;
}

int
getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t buflen,
    struct passwd **result)
{
	static getpwnam_r_fn real;
	const char *path = getenv("OTPSMS_TEST_NSS");
	int err;

	if (path != NULL && path[0] != '\0' &&
	    shim_lookup(path, name, pw, buf, buflen, result, &err))
		return err;
	if (real == NULL &&
	    (real = (getpwnam_r_fn)dlsym(RTLD_NEXT, "getpwnam_r")) == NULL) {
		*result = NULL;
		return ENOSYS;
	}
	return real(name, pw, buf, buflen, result);
}
