/* A small string-keyed hash table for the daemon's abuse state (limits,
 * lockouts). Keys come from the configuration (user names, numbers), not
 * from peers, so a plain FNV-1a hash is enough. One thread, no locks. */
#ifndef OTPSMS_KEYTAB_H
#define OTPSMS_KEYTAB_H

#include <stddef.h>

struct keytab_ent {
	struct keytab_ent *next;
	void *val;               /* the owner's, freed by keytab_free's fn */
	char key[];
};

struct keytab {
	struct keytab_ent **b;
	size_t nb, n;
};

void keytab_init(struct keytab *t);
/* Frees every entry; fn(val) for each value first (may be NULL). */
void keytab_free(struct keytab *t, void (*fn)(void *));
struct keytab_ent *keytab_get(struct keytab *t, const char *key);
/* The entry for key, created (val = calloc(1, valsz)) if missing; NULL when
 * out of memory. */
struct keytab_ent *keytab_put(struct keytab *t, const char *key, size_t valsz);
/* Removes and frees one entry (and its value with free()). */
void keytab_del(struct keytab *t, const char *key);
/* Calls fn for each entry; an fn returning 1 deletes that entry. */
void keytab_each(struct keytab *t, int (*fn)(void *arg, const char *key, void *val),
    void *arg);

#endif
