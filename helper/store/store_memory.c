/* The in-memory store, sized for a million pending codes in little memory:
 * fixed 120-byte records in one dense array, found through two open-addressing
 * indexes of 4-byte record numbers (by challenge id; by owner, for reuse),
 * and expired by a min-heap on the expiry, so a sweep touches only what is
 * due and tells when the next one is. Linear probing with backward-shift
 * deletion: no tombstones, no rehash but to grow or shrink.
 *
 * A record keeps the user as a keyed 64-bit hash (SipHash-2-4 under a random
 * per-store key: no one can aim for a collision, and a chance one is 2^-64)
 * and the service as a reference into a small table of interned names (a
 * handful of PAM services in practice), so verify still names the service
 * and find_pending hands back a whole struct challenge. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "store.h"

#define MIN_CAP 64
#define SVC_CAP 1024             /* distinct services pending at once */
#define NO_POS 0                 /* heap_pos of a record not in the heap */

struct rec {
	uint8_t id[PROTO_ID_LEN];
	uint8_t mac[STORE_MAC_LEN];
	uint8_t sealed[STORE_SEALED_LEN];
	uint16_t svc;                /* index into the service table */
	uint64_t user_h;             /* keyed hash of the user name */
	uint64_t created_ms;
	uint32_t ttl_ms;             /* expires_ms - created_ms */
	uint32_t uid;
	uint32_t heap_pos;           /* slot + 1 in the heap; free list link when free */
	uint8_t attempts_left;       /* 0: the record is free */
};

struct svc {
	char *name;                  /* NULL: free (tombstone if used) */
	uint32_t refs;
	int used;                    /* ever held a name: keeps probe chains */
};

struct memstore {
	struct rec *recs;
	size_t nrecs, caprecs;       /* records handed out (live or free), room */
	uint32_t free_head;          /* record number + 1, 0: none */
	uint32_t *byid;              /* record number + 1, 0 empty */
	uint32_t *byowner;
	size_t cap;                  /* of both indexes: power of two */
	size_t count, owners, max;
	uint32_t *heap;              /* record numbers, min-heap on expiry */
	size_t nheap, capheap;
	struct svc svcs[SVC_CAP];
	size_t nsvc;
	uint64_t k0, k1;             /* SipHash key */
};

/* SipHash-2-4 (Aumasson, Bernstein), 64-bit output. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
siphash(const struct memstore *m, const void *p, size_t len)
{
	const uint8_t *in = p;
	uint64_t v0 = 0x736f6d6570736575ULL ^ m->k0, v1 = 0x646f72616e646f6dULL ^ m->k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ m->k0, v3 = 0x7465646279746573ULL ^ m->k1;
	uint64_t b = (uint64_t)len << 56, w;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, in + i, 8);   /* little-endian hosts; the key is random anyway */
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	for (; left > 0; left--)
		b |= (uint64_t)in[i + left - 1] << (8 * (left - 1));
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t
user_hash(const struct memstore *m, const char *user)
{
	return siphash(m, user, strlen(user));
}

/* Ids are random (our CSPRNG made them): their first bytes are the hash. */
static size_t
id_home(const struct memstore *m, const uint8_t id[PROTO_ID_LEN])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h & (m->cap - 1));
}

static size_t
owner_home(const struct memstore *m, uint64_t user_h, uint16_t svc, uint32_t uid)
{
	uint64_t h = user_h ^ ((uint64_t)svc << 32 | uid);

	h ^= h >> 33;                /* murmur3's finaliser: spreads the bits */
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)(h & (m->cap - 1));
}

static uint64_t
rec_expires(const struct rec *r)
{
	return r->created_ms + r->ttl_ms;
}

/* Services: interned, reference counted, found by probing from a hash. */

static int
svc_find(struct memstore *m, const char *name, int add)
{
	size_t i, n, len = strlen(name);
	int spare = -1;

	i = (size_t)siphash(m, name, len) & (SVC_CAP - 1);
	for (n = 0; n < SVC_CAP; n++, i = (i + 1) & (SVC_CAP - 1)) {
		if (m->svcs[i].name == NULL) {
			if (spare == -1)
				spare = (int)i;
			if (!m->svcs[i].used)
				break;
			continue;
		}
		if (strcmp(m->svcs[i].name, name) == 0)
			return (int)i;
	}
	if (!add || spare == -1 || (m->svcs[spare].name = strdup(name)) == NULL)
		return -1;
	m->svcs[spare].used = 1;
	m->svcs[spare].refs = 0;
	m->nsvc++;
	return spare;
}

static void
svc_unref(struct memstore *m, uint16_t i)
{
	size_t j;

	if (--m->svcs[i].refs > 0)
		return;
	free(m->svcs[i].name);
	m->svcs[i].name = NULL;
	/* Nothing left: tombstones go too, so chains never grow for good. */
	if (--m->nsvc == 0)
		for (j = 0; j < SVC_CAP; j++)
			m->svcs[j].used = 0;
}

/* The expiry heap. */

static int
heap_less(const struct memstore *m, size_t a, size_t b)
{
	return rec_expires(&m->recs[m->heap[a]]) < rec_expires(&m->recs[m->heap[b]]);
}

static void
heap_swap(struct memstore *m, size_t a, size_t b)
{
	uint32_t t = m->heap[a];

	m->heap[a] = m->heap[b];
	m->heap[b] = t;
	m->recs[m->heap[a]].heap_pos = (uint32_t)a + 1;
	m->recs[m->heap[b]].heap_pos = (uint32_t)b + 1;
}

static void
heap_up(struct memstore *m, size_t i)
{
	while (i > 0 && heap_less(m, i, (i - 1) / 2)) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct memstore *m, size_t i)
{
	size_t l, s;

	for (;;) {
		s = i;
		l = 2 * i + 1;
		if (l < m->nheap && heap_less(m, l, s))
			s = l;
		if (l + 1 < m->nheap && heap_less(m, l + 1, s))
			s = l + 1;
		if (s == i)
			return;
		heap_swap(m, i, s);
		i = s;
	}
}

static void
heap_remove(struct memstore *m, uint32_t rn)
{
	size_t i = m->recs[rn].heap_pos - 1;

	m->recs[rn].heap_pos = NO_POS;
	if (i != --m->nheap) {
		m->heap[i] = m->heap[m->nheap];
		m->recs[m->heap[i]].heap_pos = (uint32_t)i + 1;
		heap_up(m, i);
		heap_down(m, i);
	}
}

/* The indexes. */

static uint32_t *
id_slot(struct memstore *m, const uint8_t id[PROTO_ID_LEN])
{
	size_t i = id_home(m, id);

	for (; m->byid[i] != 0; i = (i + 1) & (m->cap - 1))
		if (CRYPTO_memcmp(m->recs[m->byid[i] - 1].id, id, PROTO_ID_LEN) == 0)
			break;
	return &m->byid[i];
}

static uint32_t *
owner_slot(struct memstore *m, uint64_t user_h, uint16_t svc, uint32_t uid)
{
	size_t i = owner_home(m, user_h, svc, uid);
	const struct rec *r;

	for (; m->byowner[i] != 0; i = (i + 1) & (m->cap - 1)) {
		r = &m->recs[m->byowner[i] - 1];
		if (r->user_h == user_h && r->svc == svc && r->uid == uid)
			break;
	}
	return &m->byowner[i];
}

/* Backward-shift deletion: pulls later members of the run into the hole so
 * that every entry stays reachable from its home slot. */
static void
index_delete(struct memstore *m, uint32_t *tab, size_t hole, int by_owner)
{
	size_t j = hole, home;
	const struct rec *r;

	for (;;) {
		tab[hole] = 0;
		for (;;) {
			j = (j + 1) & (m->cap - 1);
			if (tab[j] == 0)
				return;
			r = &m->recs[tab[j] - 1];
			home = by_owner ? owner_home(m, r->user_h, r->svc, r->uid) :
			    id_home(m, r->id);
			/* Stays unless its home is cyclically outside (hole, j]. */
			if (((j - home) & (m->cap - 1)) >= ((j - hole) & (m->cap - 1)))
				break;
		}
		tab[hole] = tab[j];
		hole = j;
	}
}

static int
rebuild(struct memstore *m, size_t ncap)
{
	uint32_t *nid, *now, *oid = m->byid, *oown = m->byowner;
	size_t i, ocap = m->cap;
	const struct rec *r;

	nid = calloc(ncap, sizeof(*nid));
	now = calloc(ncap, sizeof(*now));
	if (nid == NULL || now == NULL) {
		free(nid);
		free(now);
		return -1;
	}
	m->byid = nid;
	m->byowner = now;
	m->cap = ncap;
	for (i = 0; i < ocap; i++) {
		if (oid[i] != 0) {
			r = &m->recs[oid[i] - 1];
			*id_slot(m, r->id) = oid[i];
		}
		if (oown[i] != 0) {
			r = &m->recs[oown[i] - 1];
			*owner_slot(m, r->user_h, r->svc, r->uid) = oown[i];
		}
	}
	free(oid);
	free(oown);
	return 0;
}

/* Room for one more record; the array grows by copying so that the old one
 * can be wiped (it holds MACs and sealed codes). */
static int
rec_alloc(struct memstore *m, uint32_t *rn)
{
	struct rec *n;
	uint32_t *h;
	size_t ncap;

	if (m->free_head != 0) {
		*rn = m->free_head - 1;
		m->free_head = m->recs[*rn].heap_pos;
		return 0;
	}
	if (m->nrecs == m->caprecs) {
		ncap = m->caprecs * 2;
		if ((n = calloc(ncap, sizeof(*n))) == NULL)
			return -1;
		if ((h = realloc(m->heap, ncap * sizeof(*h))) == NULL) {
			free(n);
			return -1;
		}
		m->heap = h;
		m->capheap = ncap;
		memcpy(n, m->recs, m->nrecs * sizeof(*n));
		OPENSSL_cleanse(m->recs, m->nrecs * sizeof(*n));
		free(m->recs);
		m->recs = n;
		m->caprecs = ncap;
	}
	*rn = (uint32_t)m->nrecs++;
	return 0;
}

static void
rec_kill(struct memstore *m, uint32_t rn)
{
	struct rec *r = &m->recs[rn];
	uint32_t *s;

	s = owner_slot(m, r->user_h, r->svc, r->uid);
	if (*s == rn + 1) {
		index_delete(m, m->byowner, (size_t)(s - m->byowner), 1);
		m->owners--;
	}
	index_delete(m, m->byid, (size_t)(id_slot(m, r->id) - m->byid), 0);
	heap_remove(m, rn);
	svc_unref(m, r->svc);
	OPENSSL_cleanse(r, sizeof(*r));
	r->heap_pos = m->free_head;
	m->free_head = rn + 1;
	m->count--;
}

static int
mem_find_pending(struct store *s, const char *user, const char *service, uid_t uid,
    uint64_t now, store_find_fn *cb, void *arg)
{
	struct memstore *m = s->priv;
	struct challenge out;
	const struct rec *r = NULL;
	uint64_t uh = user_hash(m, user);
	uint32_t *slot;
	int si;

	if ((si = svc_find(m, service, 0)) == -1)
		goto out;
	slot = owner_slot(m, uh, (uint16_t)si, (uint32_t)uid);
	if (*slot == 0)
		goto out;
	r = &m->recs[*slot - 1];
	if (rec_expires(r) <= now || r->attempts_left == 0)
		r = NULL;
 out:
	if (r == NULL) {
		cb(arg, NULL, NULL);
		return 0;
	}
	/* The owner matched by hash: the caller's own names are the record's. */
	memset(&out, 0, sizeof(out));
	memcpy(out.id, r->id, sizeof(out.id));
	memcpy(out.mac, r->mac, sizeof(out.mac));
	memcpy(out.sealed, r->sealed, sizeof(out.sealed));
	snprintf(out.user, sizeof(out.user), "%s", user);
	snprintf(out.service, sizeof(out.service), "%s", service);
	out.uid = uid;
	out.created_ms = r->created_ms;
	out.expires_ms = rec_expires(r);
	out.attempts_left = r->attempts_left;
	cb(arg, &out, NULL);
	OPENSSL_cleanse(&out, sizeof(out));
	return 0;
}

static int
mem_put(struct store *s, const struct challenge *c, store_put_fn *cb, void *arg)
{
	struct memstore *m = s->priv;
	struct rec *r;
	uint32_t rn, *slot;
	uint64_t first = m->nheap ? rec_expires(&m->recs[m->heap[0]]) : 0;
	int si, ok = 0;

	/* Out of what a record holds: never from the daemon (ttl <= 10 min,
	 * attempts <= 10), refused rather than bent. */
	if (m->count >= m->max || c->expires_ms < c->created_ms ||
	    c->expires_ms - c->created_ms > UINT32_MAX || c->attempts_left == 0 ||
	    c->attempts_left > UINT8_MAX)
		goto out;
	/* Both indexes stay under half full: short probes. */
	if ((m->count + 1) * 2 > m->cap && rebuild(m, m->cap * 2) == -1)
		goto out;
	if (rec_alloc(m, &rn) == -1)
		goto out;
	r = &m->recs[rn];
	/* The last step that can fail: a new name is not left unreferenced. */
	if ((si = svc_find(m, c->service, 1)) == -1) {
		r->heap_pos = m->free_head;
		m->free_head = rn + 1;
		goto out;
	}
	m->svcs[si].refs++;
	memcpy(r->id, c->id, sizeof(r->id));
	memcpy(r->mac, c->mac, sizeof(r->mac));
	memcpy(r->sealed, c->sealed, sizeof(r->sealed));
	r->svc = (uint16_t)si;
	r->user_h = user_hash(m, c->user);
	r->created_ms = c->created_ms;
	r->ttl_ms = (uint32_t)(c->expires_ms - c->created_ms);
	r->uid = (uint32_t)c->uid;
	r->attempts_left = (uint8_t)c->attempts_left;
	*id_slot(m, r->id) = rn + 1;
	/* The newest challenge of its owner, for reuse. */
	slot = owner_slot(m, r->user_h, r->svc, r->uid);
	if (*slot == 0)
		m->owners++;
	*slot = rn + 1;
	m->heap[m->nheap++] = rn;
	r->heap_pos = (uint32_t)m->nheap;
	heap_up(m, m->nheap - 1);
	m->count++;
	ok = 1;
	/* A new earliest expiry: the owner's timer must fire sooner. */
	if (s->expiry_changed != NULL && (first == 0 || c->expires_ms < first))
		s->expiry_changed(s->expiry_arg, c->expires_ms);
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
	enum store_verdict v = STORE_EXPIRED;
	char service[PROTO_MAX_SERVICE + 1] = "";
	struct rec *r;
	uint32_t rn;
	unsigned left = 0;

	if ((rn = *id_slot(m, id)) == 0)
		goto out;
	r = &m->recs[--rn];
	snprintf(service, sizeof(service), "%s", m->svcs[r->svc].name);
	if (rec_expires(r) <= now) {
		rec_kill(m, rn);
		goto out;
	}
	/* Another caller or user cannot use (or burn) this challenge. */
	if (r->uid != (uint32_t)uid || r->user_h != user_hash(m, user)) {
		service[0] = '\0';    /* not theirs: tell them nothing */
		goto out;
	}
	if (CRYPTO_memcmp(r->mac, mac, STORE_MAC_LEN) == 0) {
		rec_kill(m, rn);
		v = STORE_OK;
		goto out;
	}
	if (r->attempts_left <= 1) {
		rec_kill(m, rn);
		v = STORE_MAXTRIES;
		goto out;
	}
	left = --r->attempts_left;
	v = STORE_WRONG;
 out:
	cb(arg, v, left, service);
	return 0;
}

/* Pops what is due off the heap: the work is the number expired, not the
 * number pending. */
static size_t
mem_expire(struct store *s, uint64_t now)
{
	struct memstore *m = s->priv;
	size_t n = 0, ncap;

	while (m->nheap > 0 && rec_expires(&m->recs[m->heap[0]]) <= now) {
		rec_kill(m, m->heap[0]);
		n++;
	}
	/* After a burst, give the indexes back (records stay for reuse). */
	ncap = m->cap;
	while (ncap > MIN_CAP && (m->count + 1) * 8 < ncap)
		ncap /= 2;
	if (ncap != m->cap)
		(void)rebuild(m, ncap);
	return n;
}

static uint64_t
mem_next_expiry(struct store *s)
{
	struct memstore *m = s->priv;

	return m->nheap ? rec_expires(&m->recs[m->heap[0]]) : 0;
}

static size_t
mem_count(struct store *s)
{
	return ((struct memstore *)s->priv)->count;
}

static void
memstore_free(struct memstore *m)
{
	size_t i;

	if (m == NULL)
		return;
	if (m->recs != NULL)
		OPENSSL_cleanse(m->recs, m->caprecs * sizeof(*m->recs));
	free(m->recs);
	free(m->byid);
	free(m->byowner);
	free(m->heap);
	for (i = 0; i < SVC_CAP; i++)
		free(m->svcs[i].name);
	OPENSSL_cleanse(&m->k0, sizeof(m->k0));
	OPENSSL_cleanse(&m->k1, sizeof(m->k1));
	free(m);
}

static void
mem_free(struct store *s)
{
	if (s == NULL)
		return;
	memstore_free(s->priv);
	free(s);
}

static const struct store_ops memory_ops = {
	.name = "memory",
	.put = mem_put,
	.verify = mem_verify,
	.find_pending = mem_find_pending,
	.expire = mem_expire,
	.next_expiry = mem_next_expiry,
	.count = mem_count,
	.free = mem_free,
};

struct store *
store_memory_new(size_t max_entries)
{
	struct store *s = NULL;
	struct memstore *m = NULL;
	uint8_t key[16];

	if (max_entries > UINT32_MAX - 1)
		max_entries = UINT32_MAX - 1;
	s = calloc(1, sizeof(*s));
	m = calloc(1, sizeof(*m));
	if (s == NULL || m == NULL || RAND_bytes(key, sizeof(key)) != 1)
		goto fail;
	memcpy(&m->k0, key, 8);
	memcpy(&m->k1, key + 8, 8);
	OPENSSL_cleanse(key, sizeof(key));
	m->max = max_entries;
	m->cap = MIN_CAP;
	m->caprecs = MIN_CAP;
	m->capheap = MIN_CAP;
	m->recs = calloc(m->caprecs, sizeof(*m->recs));
	m->heap = calloc(m->capheap, sizeof(*m->heap));
	m->byid = calloc(m->cap, sizeof(*m->byid));
	m->byowner = calloc(m->cap, sizeof(*m->byowner));
	if (m->recs == NULL || m->heap == NULL || m->byid == NULL || m->byowner == NULL)
		goto fail;
	s->ops = &memory_ops;
	s->priv = m;
	return s;
fail:
	memstore_free(m);
	free(s);
	return NULL;
}
