/* Who is asked: group membership for only_groups= and skip_groups=. The
 * exemptions as a PAM code, policy_exempt(), are declared in module.h. */
#ifndef OTPSMS_PAM_POLICY_H
#define OTPSMS_PAM_POLICY_H

#include <stddef.h>

#define POLICY_OK 0
#define POLICY_ENOUSER (-1)     /* the user is not known to NSS */
#define POLICY_ENOGROUP (-2)    /* a listed group does not exist: config error */
#define POLICY_ENOMEM (-3)
#define POLICY_ESYS (-4)        /* NSS failed: fail closed */

/* Sets *member to 1 if user is in one of the comma-separated groups (as
 * primary or supplementary group), else 0. Every listed group must exist, so
 * that a misspelt group cannot silently exempt or skip everyone. */
int policy_in_groups(const char *user, const char *groups, int *member,
    char *err, size_t errsz);

/* The name NSS knows user by (pw_name of getpwnam_r), into canon: "Alice"
 * or "alice@example.com" where sssd or winbind resolve them to "alice".
 * POLICY_ENOUSER if NSS does not know the name; POLICY_ESYS if the lookup
 * failed or pw_name does not fit in canonsz. */
int policy_canonical(const char *user, char *canon, size_t canonsz);

#endif
