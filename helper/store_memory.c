/* The in-memory store: an open-addressing hash table keyed by challenge id.
 * Ids are random, so their first bytes are a good hash. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"

/* The newest challenge per (user, service, uid), for reuse. Entries may be
 * stale (their challenge verified or burned): find_pending checks. */
struct latest {
	uint64_t key;            /* 0: empty */
	uint8_t id[PROTO_ID_LEN];
};

struct memstore {
	struct challenge *slots;
	unsigned char *state;    /* 0 empty, 1 used, 2 deleted (tombstone) */
	size_t cap;              /* power of two */
	size_t count, tombs, max;
	struct latest *latest;
	size_t lcap, lcount;
};

#define S_EMPTY 0
#define S_USED 1
#define S_DEAD 2

static size_t
slot_of(const uint8_t id[PROTO_ID_LEN], size_t cap)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static struct challenge *
find(struct memstore *m, const uint8_t id[PROTO_ID_LEN])
{
	size_t i = slot_of(id, m->cap), n;

	for (n = 0; n < m->cap; n++, i = (i + 1) & (m->cap - 1)) {
		if (m->state[i] == S_EMPTY)
			return NULL;
		if (m->state[i] == S_USED &&
		    CRYPTO_memcmp(m->slots[i].id, id, PROTO_ID_LEN) == 0)
			return &m->slots[i];
	}
	return NULL;
}

static void
kill_slot(struct memstore *m, struct challenge *c)
{
	size_t i = (size_t)(c - m->slots);

	OPENSSL_cleanse(c, sizeof(*c));
	m->state[i] = S_DEAD;
	m->count--;
	m->tombs++;
}

static int
insert(struct memstore *m, const struct challenge *c)
{
	size_t i = slot_of(c->id, m->cap);

	while (m->state[i] == S_USED)
		i = (i + 1) & (m->cap - 1);
	if (m->state[i] == S_DEAD)
		m->tombs--;
	m->slots[i] = *c;
	m->state[i] = S_USED;
	m->count++;
	return 0;
}

static int
resize(struct memstore *m, size_t ncap)
{
	struct memstore o = *m;
	size_t i;

	m->slots = calloc(ncap, sizeof(*m->slots));
	m->state = calloc(ncap, 1);
	if (m->slots == NULL || m->state == NULL) {
		free(m->slots);
		free(m->state);
		*m = o;
		return -1;
	}
	m->cap = ncap;
	m->count = m->tombs = 0;
	for (i = 0; i < o.cap; i++)
		if (o.state[i] == S_USED)
			insert(m, &o.slots[i]);
	OPENSSL_cleanse(o.slots, o.cap * sizeof(*o.slots));
	free(o.slots);
	free(o.state);
	return 0;
}

static uint64_t
owner_key(const char *user, const char *service, uid_t uid)
{
	uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a */
	const unsigned char *p;
	uint32_t u = (uint32_t)uid;
	size_t i;

	for (p = (const unsigned char *)user; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (p = (const unsigned char *)service; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	for (i = 0; i < sizeof(u); i++)
		h = (h ^ ((u >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	return h ? h : 1;
}

static struct latest *
latest_slot(struct memstore *m, uint64_t key)
{
	size_t i = (size_t)key & (m->lcap - 1);

	while (m->latest[i].key != 0 && m->latest[i].key != key)
		i = (i + 1) & (m->lcap - 1);
	return &m->latest[i];
}

static int
latest_grow(struct memstore *m, size_t ncap)
{
	struct latest *o = m->latest, *e;
	size_t ocap = m->lcap, i;

	if ((m->latest = calloc(ncap, sizeof(*m->latest))) == NULL) {
		m->latest = o;
		return -1;
	}
	m->lcap = ncap;
	m->lcount = 0;
	for (i = 0; i < ocap; i++) {
		if (o[i].key == 0)
			continue;
		e = latest_slot(m, o[i].key);
		*e = o[i];
		m->lcount++;
	}
	free(o);
	return 0;
}

static void
latest_set(struct memstore *m, const struct challenge *c)
{
	uint64_t key = owner_key(c->user, c->service, c->uid);
	struct latest *e;

	if ((m->lcount + 1) * 2 > m->lcap && latest_grow(m, m->lcap * 2) == -1)
		return;     /* no reuse for this one; not an error */
	e = latest_slot(m, key);
	if (e->key == 0)
		m->lcount++;
	e->key = key;
	memcpy(e->id, c->id, PROTO_ID_LEN);
}

/* Drops entries whose challenge is gone: called from the sweep. */
static void
latest_prune(struct memstore *m)
{
	struct latest *o = m->latest, *e;
	size_t ocap = m->lcap, i, ncap = 64;

	while (ncap < m->count * 2 + 2)
		ncap *= 2;
	if ((m->latest = calloc(ncap, sizeof(*m->latest))) == NULL) {
		m->latest = o;
		return;
	}
	m->lcap = ncap;
	m->lcount = 0;
	for (i = 0; i < ocap; i++) {
		if (o[i].key == 0 || find(m, o[i].id) == NULL)
			continue;
		e = latest_slot(m, o[i].key);
		*e = o[i];
		m->lcount++;
	}
	free(o);
}

static int
mem_find_pending(struct store *s, const char *user, const char *service, uid_t uid,
    uint64_t now, store_find_fn *cb, void *arg)
{
	struct memstore *m = s->priv;
	struct latest *e = latest_slot(m, owner_key(user, service, uid));
	struct challenge *c = NULL;

	if (e->key != 0 && (c = find(m, e->id)) != NULL &&
	    (c->expires_ms <= now || c->uid != uid || c->attempts_left == 0 ||
	    strcmp(c->user, user) != 0 || strcmp(c->service, service) != 0))
		c = NULL;
	cb(arg, c);
	return 0;
}

static int
mem_put(struct store *s, const struct challenge *c, store_put_fn *cb, void *arg)
{
	struct memstore *m = s->priv;
	int ok = 0;

	if (m->count >= m->max)
		goto out;
	/* Keep the load (live + tombstones) under 1/2 for short probes. */
	if ((m->count + m->tombs + 1) * 2 > m->cap &&
	    resize(m, (m->count + 1) * 4 > m->cap ? m->cap * 2 : m->cap) == -1)
		goto out;
	insert(m, c);
	latest_set(m, c);
	ok = 1;
out:
	cb(arg, ok);
	return 0;
}

static int
mem_verify(struct store *s, const uint8_t id[PROTO_ID_LEN], const char *user,
    uid_t uid, const uint8_t mac[STORE_MAC_LEN], uint64_t now,
    store_verify_fn *cb, void *arg)
{
	struct memstore *m = s->priv;
	struct challenge *c;
	enum store_verdict v = STORE_EXPIRED;
	char service[PROTO_MAX_SERVICE + 1] = "";
	unsigned left = 0;

	if ((c = find(m, id)) == NULL)
		goto out;
	memcpy(service, c->service, sizeof(service));
	if (c->expires_ms <= now) {
		kill_slot(m, c);
		goto out;
	}
	/* Another caller or user cannot use (or burn) this challenge. */
	if (c->uid != uid || strcmp(c->user, user) != 0) {
		service[0] = '\0';    /* not theirs: tell them nothing */
		goto out;
	}
	if (CRYPTO_memcmp(c->mac, mac, STORE_MAC_LEN) == 0) {
		kill_slot(m, c);
		v = STORE_OK;
		goto out;
	}
	if (c->attempts_left <= 1) {
		kill_slot(m, c);
		v = STORE_MAXTRIES;
		goto out;
	}
	left = --c->attempts_left;
	v = STORE_WRONG;
out:
	cb(arg, v, left, service);
	return 0;
}

static size_t
mem_expire(struct store *s, uint64_t now)
{
	struct memstore *m = s->priv;
	size_t i, n = 0;

	for (i = 0; i < m->cap; i++)
		if (m->state[i] == S_USED && m->slots[i].expires_ms <= now) {
			kill_slot(m, &m->slots[i]);
			n++;
		}
	/* Tombstones only go away by rehashing. */
	if (m->tombs > m->cap / 4)
		(void)resize(m, m->cap);
	if (m->lcount > m->count + 64)
		latest_prune(m);
	return n;
}

static size_t
mem_count(struct store *s)
{
	return ((struct memstore *)s->priv)->count;
}

static void
mem_free(struct store *s)
{
	struct memstore *m;

	if (s == NULL)
		return;
	m = s->priv;
	OPENSSL_cleanse(m->slots, m->cap * sizeof(*m->slots));
	free(m->slots);
	free(m->state);
	free(m->latest);
	free(m);
	free(s);
}

static const struct store_ops memory_ops = {
	.name = "memory",
	.put = mem_put,
	.verify = mem_verify,
	.find_pending = mem_find_pending,
	.expire = mem_expire,
	.count = mem_count,
	.free = mem_free,
};

struct store *
store_memory_new(size_t max_entries)
{
	struct store *s;
	struct memstore *m;

	s = calloc(1, sizeof(*s));
	m = calloc(1, sizeof(*m));
	if (s == NULL || m == NULL)
		goto fail;
	m->cap = 64;
	m->max = max_entries;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	m->state = calloc(m->cap, 1);
	m->lcap = 64;
	m->latest = calloc(m->lcap, sizeof(*m->latest));
	if (m->slots == NULL || m->state == NULL || m->latest == NULL)
		goto fail;
	s->ops = &memory_ops;
	s->priv = m;
	return s;
fail:
	if (m != NULL) {
		free(m->slots);
		free(m->state);
		free(m->latest);
	}
	free(m);
	free(s);
	return NULL;
}
