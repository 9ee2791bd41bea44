/* The in-memory store: an open-addressing hash table keyed by challenge id.
 * Ids are random, so their first bytes are a good hash. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"

struct memstore {
	struct challenge *slots;
	unsigned char *state;    /* 0 empty, 1 used, 2 deleted (tombstone) */
	size_t cap;              /* power of two */
	size_t count, tombs, max;
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
	unsigned left = 0;

	if ((c = find(m, id)) == NULL)
		goto out;
	if (c->expires_ms <= now) {
		kill_slot(m, c);
		goto out;
	}
	/* Another caller or user cannot use (or burn) this challenge. */
	if (c->uid != uid || strcmp(c->user, user) != 0)
		goto out;
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
	cb(arg, v, left);
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
	free(m);
	free(s);
}

static const struct store_ops memory_ops = {
	.name = "memory",
	.put = mem_put,
	.verify = mem_verify,
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
	if (m->slots == NULL || m->state == NULL)
		goto fail;
	s->ops = &memory_ops;
	s->priv = m;
	return s;
fail:
	if (m != NULL) {
		free(m->slots);
		free(m->state);
	}
	free(m);
	free(s);
	return NULL;
}
