/* Abuse limits on sending codes: token buckets per user, number, number
 * prefix, country and overall, and a resend backoff per user. Pure: every
 * call takes the time (wall-clock ms, so state survives a restart), so the
 * unit tests move the clock. */
#ifndef OTPSMS_RATELIMIT_H
#define OTPSMS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* COUNT/WINDOW: COUNT codes at once, refilled at COUNT per WINDOW. */
struct rate {
	unsigned count;          /* 0: no limit */
	unsigned window_ms;
};

enum limit_kind { LIM_USER, LIM_NUMBER, LIM_PREFIX, LIM_COUNTRY, LIM_GLOBAL, LIM_NKINDS };

#define LIMITS_BACKOFF_BASE_MS (30 * 1000)
#define LIMITS_RATE_MAX 1000000

/* Codes pending for one user at once, across services and hosts. */
#define LIMITS_PENDING_DEFAULT 3
#define LIMITS_PENDING_MAX 16

struct limits_conf {
	struct rate rate[LIM_NKINDS];
	unsigned backoff_after;      /* unverified codes in a row; 0: no backoff */
	unsigned backoff_max_ms;
	unsigned pending;            /* codes pending for one user; 0: no cap */
};

/* The defaults (docs/security.md): five logins a minute with a couple of
 * them mistyped go through untouched. */
void limits_conf_default(struct limits_conf *lc);
/* "3/10m", "1000/1m", "20/1h"; 0 or -1 (with err). */
int rate_parse(const char *s, struct rate *out, char *err, size_t errsz);
const char *limit_kind_name(enum limit_kind k);

struct limits;

struct limits *limits_new(const struct limits_conf *lc);
void limits_free(struct limits *l);
/* A reload: the new limits apply to the counts already made (a bucket keeps
 * what it has used, measured against the new rate and window). */
void limits_set_conf(struct limits *l, const struct limits_conf *lc);

/* May a code go to number for user now? 0 if so; else the seconds to wait
 * (>= 1) and *why names the limit ("per_user", "backoff", ...). Takes
 * nothing: a refused request costs no token. */
unsigned limits_check(struct limits *l, const char *user, const char *number,
    uint64_t now, const char **why);
/* A code went out: one token from each bucket, and the backoff advances.
 * jitter is 0..999 (random in the daemon, fixed in tests): the backoff
 * delay grows by up to 10% so that clients do not retry in step. */
void limits_note_sent(struct limits *l, const char *user, const char *number,
    uint64_t now, unsigned jitter);

/* The same in two steps, for sends that take time: limits_check and, if it
 * passes, the tokens taken at once, so that concurrent requests cannot all
 * pass before the first send is counted. Then either limits_note_delivered
 * (the backoff advances; the tokens stay spent) or limits_refund (nothing
 * went out: one token back to each bucket, never above full). */
unsigned limits_reserve(struct limits *l, const char *user, const char *number,
    uint64_t now, const char **why);
void limits_refund(struct limits *l, const char *user, const char *number,
    uint64_t now);
void limits_note_delivered(struct limits *l, const char *user, uint64_t now,
    unsigned jitter);
/* A code verified: the user's backoff starts over. */
void limits_note_verified(struct limits *l, const char *user);

/* State file lines ("b KIND KEY LEVEL LAST", "o USER UNVERIFIED NEXT"; KEY
 * and USER as keytab_word_write spells them), and back. Entries that carry no
 * information any more (full buckets, no backoff) are dropped on the way.
 * load_line: 0; -1 on a line it does not own or cannot parse; -2 out of
 * memory (the line was fine). */
int limits_dump(struct limits *l, FILE *f, uint64_t now);
int limits_load_line(struct limits *l, const char *line, uint64_t now);
size_t limits_entries(struct limits *l);

/* otpsmsctl user (LIM_USER with the user, LIM_NUMBER with a number): whole
 * tokens left now; *limited 0 when that limit is off. Changes nothing. */
unsigned limits_left(struct limits *l, enum limit_kind k, const char *value,
    uint64_t now, int *limited);
/* Seconds the user's backoff still holds codes back (0: none), and the
 * codes sent in a row unverified. Changes nothing. */
unsigned limits_backoff_left(struct limits *l, const char *user, uint64_t now,
    unsigned *unverified);

#endif
