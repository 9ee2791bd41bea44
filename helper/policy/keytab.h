/* A small string-keyed hash table for the daemon's abuse state (limits,
 * lockouts). Keys come from the configuration (user names, numbers), not
 * from peers, so a plain FNV-1a hash is enough. One thread, no locks. */
#ifndef OTPSMS_KEYTAB_H
#define OTPSMS_KEYTAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* A key as one word of a state file line: bytes 0x21..0x7e as they are but
 * '%', every other byte (space, controls, UTF-8, '%') as %XX. Any key
 * round-trips. write: 0 or -1 (stdio error). */
#define KEYTAB_WORD_MAX (3 * 300)    /* the longest key, every byte escaped */
int keytab_word_write(FILE *f, const char *key);
/* Decodes the word at *pp (up to a space or the end) into out and moves *pp
 * past it. -1 if it is empty, does not decode (a raw byte outside 0x21..0x7e,
 * a bad or NUL escape) or does not fit outsz with its NUL. */
int keytab_word_read(const char **pp, char *out, size_t outsz);
/* " DIGITS" at *pp: a space and a decimal number that fits 64 bits; moves
 * *pp past it. 0 or -1. */
int keytab_num_read(const char **pp, uint64_t *out);

#endif
