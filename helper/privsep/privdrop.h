/* Dropping root for good. */
#ifndef OTPSMS_PRIVDROP_H
#define OTPSMS_PRIVDROP_H

#include <sys/types.h>

/* Resolves name; 0 or -1 with err. */
int privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errsz);
/* As root: setgroups, setresgid, setresuid to uid/gid, then proves that root
 * cannot be regained. As non-root: checks we already are uid. 0 or -1. */
int privdrop(uid_t uid, gid_t gid, char *err, size_t errsz);
/* No core dumps (they would hold the HMAC key and codes). */
void privdrop_nodump(void);

#endif
