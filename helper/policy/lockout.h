/* Lockout after wrong codes: `failures` wrong answers for one user within
 * `window` lock that user for `duration` (no code is sent or checked while
 * locked). A code is checked only inside lockout_begin/lockout_end, which
 * hold a guess of the user's budget, so however many codes are pending at
 * most `failures` wrong ones are checked per window. Pure: every call takes
 * the wall-clock time in ms. */
#ifndef OTPSMS_LOCKOUT_H
#define OTPSMS_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LOCKOUT_FAILURES_MAX 100

struct lockout_conf {
	unsigned failures;       /* 0: no lockout */
	unsigned window_ms;
	unsigned duration_ms;
};

void lockout_conf_default(struct lockout_conf *lc);

struct lockout;

struct lockout *lockout_new(const struct lockout_conf *lc);
void lockout_free(struct lockout *lo);
/* A reload: failures counted so far count against the new threshold; a
 * lock in force keeps its end. */
void lockout_set_conf(struct lockout *lo, const struct lockout_conf *lc);

/* Seconds the user stays locked (>= 1), or 0. */
unsigned lockout_check(struct lockout *lo, const char *user, uint64_t now);
/* Before a code is checked: 0 to go ahead (one guess held until
 * lockout_end), else the seconds to wait (>= 1): the user is locked, or the
 * wrong codes in the window plus the guesses being checked reach
 * `failures`. */
unsigned lockout_begin(struct lockout *lo, const char *user, uint64_t now);
/* The guess lockout_begin held was answered (note its outcome first). */
void lockout_end(struct lockout *lo, const char *user);
/* A wrong code. Returns 1 when this failure locked the user. */
int lockout_note_failure(struct lockout *lo, const char *user, uint64_t now);
/* A right code: the failures so far are forgiven. */
void lockout_note_success(struct lockout *lo, const char *user);
/* otpsmsctl unlock: 1 if the user was locked or had failures, else 0. */
int lockout_unlock(struct lockout *lo, const char *user);
/* "USER SECONDS\n" per locked user into out (truncated with "...\n");
 * returns how many are locked. */
size_t lockout_list(struct lockout *lo, uint64_t now, char *out, size_t outsz);

/* State file lines: "l USER UNTIL N T1 .. TN", USER as keytab_word_write
 * spells it. load_line: 0; -1 on a line it does not own or cannot parse; -2
 * out of memory (the line was fine). */
int lockout_dump(struct lockout *lo, FILE *f, uint64_t now);
int lockout_load_line(struct lockout *lo, const char *line, uint64_t now);
size_t lockout_entries(struct lockout *lo);

/* otpsmsctl user: the wrong codes counted in the window now. Changes
 * nothing. */
unsigned lockout_failures(struct lockout *lo, const char *user, uint64_t now);

#endif
