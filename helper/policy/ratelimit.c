/* Token buckets in exact integer arithmetic: a bucket of COUNT tokens over
 * WINDOW ms holds its level in units of 1/WINDOW token, so refilling COUNT
 * per WINDOW adds exactly COUNT units per elapsed ms. */
#include <config.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "countries.h"
#include "keytab.h"
#include "ratelimit.h"
#include "util.h"

#define KEY_MAX 300

struct bucket {
	uint64_t level;          /* tokens * window_ms */
	uint64_t last;           /* wall ms of the last update */
};

struct backoff {
	unsigned unverified;     /* codes sent in a row, none verified */
	uint64_t next;           /* no code before this wall ms */
};

struct limits {
	struct limits_conf c;
	struct keytab buckets;   /* "KIND KEY" */
	struct keytab backoffs;  /* user */
};

static const char *const kind_names[LIM_NKINDS] = {
	"per_user", "per_number", "per_prefix", "per_country", "global"
};

const char *
limit_kind_name(enum limit_kind k)
{
	return k < LIM_NKINDS ? kind_names[k] : "?";
}

void
limits_conf_default(struct limits_conf *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->rate[LIM_USER] = (struct rate){ 10, 10 * 60 * 1000 };
	lc->rate[LIM_NUMBER] = (struct rate){ 10, 10 * 60 * 1000 };
	lc->rate[LIM_PREFIX] = (struct rate){ 50, 60 * 60 * 1000 };
	lc->rate[LIM_COUNTRY] = (struct rate){ 500, 60 * 60 * 1000 };
	lc->rate[LIM_GLOBAL] = (struct rate){ 2000, 60 * 60 * 1000 };
	lc->backoff_after = 5;
	lc->backoff_max_ms = 15 * 60 * 1000;
	lc->pending = LIMITS_PENDING_DEFAULT;
}

int
rate_parse(const char *s, struct rate *out, char *err, size_t errsz)
{
	unsigned long long count = 0;
	unsigned ms;
	const char *p;
	char win[32];

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		count = count * 10 + (unsigned)(*p - '0');
		if (count > LIMITS_RATE_MAX)
			break;
	}
	if (p == s || *p != '/' || count == 0 || count > LIMITS_RATE_MAX) {
		snprintf(err, errsz, "expected COUNT/WINDOW with COUNT 1 to %d, e.g. 3/10m",
		    LIMITS_RATE_MAX);
		return -1;
	}
	if (strlen(p + 1) >= sizeof(win) || p[1] == '\0') {
		snprintf(err, errsz, "expected COUNT/WINDOW, e.g. 3/10m");
		return -1;
	}
	snprintf(win, sizeof(win), "%s", p + 1);
	/* Seconds, minutes, hours; up to a day: longer is not a rate. */
	if (cfg_parse_duration(win, 0, &ms) != 0 || ms < 1000 ||
	    ms > 24U * 60 * 60 * 1000) {
		snprintf(err, errsz, "window must be a duration from 1s to 24h, e.g. 10m");
		return -1;
	}
	out->count = (unsigned)count;
	out->window_ms = ms;
	return 0;
}

struct limits *
limits_new(const struct limits_conf *lc)
{
	struct limits *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->c = *lc;
	keytab_init(&l->buckets);
	keytab_init(&l->backoffs);
	return l;
}

void
limits_set_conf(struct limits *l, const struct limits_conf *lc)
{
	l->c = *lc;
}

void
limits_free(struct limits *l)
{
	if (l == NULL)
		return;
	keytab_free(&l->buckets, NULL);
	keytab_free(&l->backoffs, NULL);
	free(l);
}

/* The bucket keys of one send; empty string for a kind that is off. */
static void
bucket_keys(const struct limits *l, const char *user, const char *number,
    char keys[LIM_NKINDS][KEY_MAX])
{
	char cc[8];
	size_t n = strlen(number);
	int k;

	for (k = 0; k < LIM_NKINDS; k++)
		keys[k][0] = '\0';
	if (l->c.rate[LIM_USER].count)
		snprintf(keys[LIM_USER], KEY_MAX, "user %s", user);
	if (l->c.rate[LIM_NUMBER].count)
		snprintf(keys[LIM_NUMBER], KEY_MAX, "number %s", number);
	/* Pumping walks a range: the number without its last four digits. */
	if (l->c.rate[LIM_PREFIX].count && n > 4)
		snprintf(keys[LIM_PREFIX], KEY_MAX, "prefix %.*s", (int)(n - 4), number);
	if (l->c.rate[LIM_COUNTRY].count && country_code(number, cc, sizeof(cc)) == 0)
		snprintf(keys[LIM_COUNTRY], KEY_MAX, "country +%s", cc);
	if (l->c.rate[LIM_GLOBAL].count)
		snprintf(keys[LIM_GLOBAL], KEY_MAX, "global -");
}

static enum limit_kind
kind_of_key(const char *key)
{
	static const char *const pfx[LIM_NKINDS] = {
		"user ", "number ", "prefix ", "country ", "global "
	};
	int k;

	for (k = 0; k < LIM_NKINDS; k++)
		if (strncmp(key, pfx[k], strlen(pfx[k])) == 0)
			return (enum limit_kind)k;
	return LIM_NKINDS;
}

/* The level now: refilled since last, capped at a full bucket. A clock
 * that went back refills nothing. */
static uint64_t
level_now(const struct rate *r, const struct bucket *b, uint64_t now)
{
	uint64_t full = (uint64_t)r->count * r->window_ms, lv = b->level;

	if (now > b->last) {
		if ((now - b->last) >= full / r->count + 1)
			return full;
		lv += (now - b->last) * r->count;
	}
	return lv > full ? full : lv;
}

unsigned
limits_check(struct limits *l, const char *user, const char *number,
    uint64_t now, const char **why)
{
	char keys[LIM_NKINDS][KEY_MAX];
	struct keytab_ent *e;
	struct backoff *bo;
	const struct rate *r;
	uint64_t lv, wait, worst = 0;
	int k;

	*why = NULL;
	if ((e = keytab_get(&l->backoffs, user)) != NULL) {
		bo = e->val;
		if (bo->next > now) {
			worst = bo->next - now;
			*why = "backoff";
		}
	}
	bucket_keys(l, user, number, keys);
	for (k = 0; k < LIM_NKINDS; k++) {
		if (keys[k][0] == '\0' || (e = keytab_get(&l->buckets, keys[k])) == NULL)
			continue;
		r = &l->c.rate[k];
		lv = level_now(r, e->val, now);
		if (lv >= r->window_ms)
			continue;
		wait = (r->window_ms - lv + r->count - 1) / r->count;
		if (wait > worst) {
			worst = wait;
			*why = kind_names[k];
		}
	}
	if (worst == 0)
		return 0;
	return (unsigned)((worst + 999) / 1000);
}

/* One token from each of the send's buckets. */
static void
take_tokens(struct limits *l, const char *user, const char *number, uint64_t now)
{
	char keys[LIM_NKINDS][KEY_MAX];
	struct keytab_ent *e;
	struct bucket *b;
	const struct rate *r;
	uint64_t lv;
	unsigned k;

	bucket_keys(l, user, number, keys);
	for (k = 0; k < LIM_NKINDS; k++) {
		if (keys[k][0] == '\0')
			continue;
		r = &l->c.rate[k];
		if ((e = keytab_get(&l->buckets, keys[k])) == NULL) {
			if ((e = keytab_put(&l->buckets, keys[k], sizeof(*b))) == NULL)
				continue;    /* out of memory: this bucket forgets */
			b = e->val;
			b->level = (uint64_t)r->count * r->window_ms;
			b->last = now;
		}
		b = e->val;
		lv = level_now(r, b, now);
		b->level = lv >= r->window_ms ? lv - r->window_ms : 0;
		b->last = now > b->last ? now : b->last;
	}
}

unsigned
limits_reserve(struct limits *l, const char *user, const char *number,
    uint64_t now, const char **why)
{
	unsigned s;

	if ((s = limits_check(l, user, number, now, why)) == 0)
		take_tokens(l, user, number, now);
	return s;
}

void
limits_refund(struct limits *l, const char *user, const char *number,
    uint64_t now)
{
	char keys[LIM_NKINDS][KEY_MAX];
	struct keytab_ent *e;
	struct bucket *b;
	const struct rate *r;
	uint64_t lv, full;
	unsigned k;

	bucket_keys(l, user, number, keys);
	for (k = 0; k < LIM_NKINDS; k++) {
		if (keys[k][0] == '\0' ||
		    (e = keytab_get(&l->buckets, keys[k])) == NULL)
			continue;    /* forgotten: nothing to give back */
		r = &l->c.rate[k];
		b = e->val;
		full = (uint64_t)r->count * r->window_ms;
		lv = level_now(r, b, now) + r->window_ms;
		b->level = lv > full ? full : lv;
		b->last = now > b->last ? now : b->last;
	}
}

void
limits_note_delivered(struct limits *l, const char *user, uint64_t now,
    unsigned jitter)
{
	struct keytab_ent *e;
	struct backoff *bo;
	uint64_t delay;
	unsigned shift;

	if (l->c.backoff_after == 0 ||
	    (e = keytab_put(&l->backoffs, user, sizeof(*bo))) == NULL)
		return;
	bo = e->val;
	bo->unverified++;
	if (bo->unverified < l->c.backoff_after)
		return;
	/* 30 s after the last allowed one, then 60 s, 120 s ... up to the cap. */
	shift = bo->unverified - l->c.backoff_after;
	delay = shift >= 20 ? l->c.backoff_max_ms :
	    (uint64_t)LIMITS_BACKOFF_BASE_MS << shift;
	if (delay > l->c.backoff_max_ms)
		delay = l->c.backoff_max_ms;
	delay += delay * (jitter % 1000) / 10000;
	bo->next = now + delay;
}

void
limits_note_sent(struct limits *l, const char *user, const char *number,
    uint64_t now, unsigned jitter)
{
	take_tokens(l, user, number, now);
	limits_note_delivered(l, user, now, jitter);
}

void
limits_note_verified(struct limits *l, const char *user)
{
	keytab_del(&l->backoffs, user);
}

struct dump_arg {
	struct limits *l;
	FILE *f;
	uint64_t now;
	int err;
};

static int
dump_bucket(void *arg, const char *key, void *val)
{
	struct dump_arg *a = arg;
	struct bucket *b = val;
	enum limit_kind k = kind_of_key(key);
	const struct rate *r;
	const char *rest;
	uint64_t lv;

	if (k == LIM_NKINDS || a->l->c.rate[k].count == 0)
		return 1;
	r = &a->l->c.rate[k];
	lv = level_now(r, b, a->now);
	if (lv >= (uint64_t)r->count * r->window_ms)
		return 1;    /* full: as good as absent */
	/* "KIND KEY": the kind is a word of ours, the key a name or number. */
	rest = strchr(key, ' ') + 1;
	if (fprintf(a->f, "b %.*s ", (int)(rest - 1 - key), key) < 0 ||
	    keytab_word_write(a->f, rest) != 0 ||
	    fprintf(a->f, " %" PRIu64 " %" PRIu64 "\n", b->level, b->last) < 0)
		a->err = 1;
	return 0;
}

static int
dump_backoff(void *arg, const char *key, void *val)
{
	struct dump_arg *a = arg;
	struct backoff *bo = val;

	if (fputs("o ", a->f) == EOF || keytab_word_write(a->f, key) != 0 ||
	    fprintf(a->f, " %u %" PRIu64 "\n", bo->unverified, bo->next) < 0)
		a->err = 1;
	return 0;
}

int
limits_dump(struct limits *l, FILE *f, uint64_t now)
{
	struct dump_arg a = { l, f, now, 0 };

	keytab_each(&l->buckets, dump_bucket, &a);
	keytab_each(&l->backoffs, dump_backoff, &a);
	return a.err ? -1 : 0;
}

int
limits_load_line(struct limits *l, const char *line, uint64_t now)
{
	char kind[16], key[KEY_MAX], full[KEY_MAX];
	const char *p = line + 2;
	struct keytab_ent *e;
	struct bucket *b;
	struct backoff *bo;
	enum limit_kind k;
	uint64_t a, c, cap;

	if (line[0] == 'b' && line[1] == ' ') {
		if (keytab_word_read(&p, kind, sizeof(kind)) != 0 || *p++ != ' ' ||
		    keytab_word_read(&p, key, sizeof(key)) != 0 ||
		    keytab_num_read(&p, &a) != 0 || keytab_num_read(&p, &c) != 0 ||
		    *p != '\0' || strchr(kind, ' ') != NULL ||
		    (size_t)snprintf(full, sizeof(full), "%s %s", kind, key) >= sizeof(full))
			return -1;
		if ((k = kind_of_key(full)) == LIM_NKINDS)
			return -1;
		if (l->c.rate[k].count == 0)
			return 0;    /* that limit is off now */
		cap = (uint64_t)l->c.rate[k].count * l->c.rate[k].window_ms;
		if ((e = keytab_put(&l->buckets, full, sizeof(*b))) == NULL)
			return -2;
		b = e->val;
		/* A limit may have changed since: never more than a full
		 * bucket, never a time in the future. */
		b->level = a > cap ? cap : a;
		b->last = c > now ? now : c;
		return 0;
	}
	if (line[0] == 'o' && line[1] == ' ') {
		if (keytab_word_read(&p, key, sizeof(key)) != 0 ||
		    keytab_num_read(&p, &c) != 0 || c > UINT_MAX ||
		    keytab_num_read(&p, &a) != 0 || *p != '\0')
			return -1;
		if (l->c.backoff_after == 0)
			return 0;
		if ((e = keytab_put(&l->backoffs, key, sizeof(*bo))) == NULL)
			return -2;
		bo = e->val;
		bo->unverified = (unsigned)c;
		/* No wait longer than the cap from now (a clock set back). */
		bo->next = a > now + l->c.backoff_max_ms + l->c.backoff_max_ms / 10 ?
		    now + l->c.backoff_max_ms : a;
		return 0;
	}
	return -1;
}

size_t
limits_entries(struct limits *l)
{
	return l->buckets.n + l->backoffs.n;
}

/* otpsmsctl user: whole tokens left in one bucket now (an absent bucket is
 * full); 0 with *limited 0 when that limit is off. */
unsigned
limits_left(struct limits *l, enum limit_kind k, const char *value,
    uint64_t now, int *limited)
{
	char key[KEY_MAX];
	struct keytab_ent *e;
	const struct rate *r;
	static const char *const pfx[] = { "user", "number" };

	*limited = 0;
	if ((k != LIM_USER && k != LIM_NUMBER) || l->c.rate[k].count == 0)
		return 0;
	*limited = 1;
	r = &l->c.rate[k];
	snprintf(key, sizeof(key), "%s %s", pfx[k], value);
	if ((e = keytab_get(&l->buckets, key)) == NULL)
		return r->count;
	return (unsigned)(level_now(r, e->val, now) / r->window_ms);
}

/* otpsmsctl user: seconds until the backoff lets a code go (0: none), and
 * the unverified codes in a row. */
unsigned
limits_backoff_left(struct limits *l, const char *user, uint64_t now,
    unsigned *unverified)
{
	struct keytab_ent *e;
	const struct backoff *bo;

	*unverified = 0;
	if ((e = keytab_get(&l->backoffs, user)) == NULL)
		return 0;
	bo = e->val;
	*unverified = bo->unverified;
	return bo->next > now ? (unsigned)((bo->next - now + 999) / 1000) : 0;
}
