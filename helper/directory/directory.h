/* Users' numbers from an LDAP directory (docs/directory.md), with a cache.
 * The directory is asked by one worker thread (libldap's connect, TLS
 * handshake, StartTLS and name resolution block); answers come back to the
 * loop through an eventfd, so callbacks always run on the loop's thread.
 *
 * Failure is never absence: DIR_UNAVAILABLE is its own answer, and a found
 * entry fetched less than stale_for ago stands in for a directory that does not
 * answer; an absent one never does. */
#ifndef OTPSMS_DIRECTORY_H
#define OTPSMS_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "loop.h"

#define DIR_NUMBERS_MAX 8

enum dir_status { DIR_FOUND, DIR_ABSENT, DIR_UNAVAILABLE, DIR_INVALID };

/* Every usable number of the entry, in the order of the attributes and
 * their values (E.164, checked). */
struct dir_numbers {
	char num[DIR_NUMBERS_MAX][17];
	size_t n;
};

/* nums is set (n >= 1) for DIR_FOUND only, and only for the call. */
typedef void dir_cb(void *arg, enum dir_status st, const struct dir_numbers *nums);

struct directory;

/* NULL with err set on failure. The worker starts with the first lookup
 * (after start-up: it runs under the same seccomp filter as the loop). */
struct directory *directory_new(struct loop *loop, const struct directory_conf *dc,
    char *err, size_t errsz);
/* Answers every lookup still due with DIR_UNAVAILABLE, then stops the worker. */
void directory_free(struct directory *d);

/* Looks user up; cb may run before this returns (cache, invalid name). */
void directory_lookup(struct directory *d, const char *user, dir_cb *cb, void *arg);
/* Drops user's cached entry: 1 if there was one, 0 if not. */
int directory_flush(struct directory *d, const char *user);
/* Entries cached, for status. */
size_t directory_cached(const struct directory *d);

/* otpsmsctl user: user's cached entry without asking the directory: 1
 * found (nums set), 0 cached as absent, -1 not cached; *age_ms its age. */
int directory_peek(struct directory *d, const char *user,
    struct dir_numbers *nums, uint64_t *age_ms);

#endif
