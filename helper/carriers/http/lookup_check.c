/* Number checks on the daemon's loop (lookup.h): one GET to Twilio Lookup v2
 * per number through carrier_util's request (the loop never blocks; a hung
 * lookup costs its timeout), its verdict cached by a keyed hash of the
 * number in a fixed table, and counters for otpsmsctl status. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "carrier.h"
#include "carrier_util.h"
#include "log.h"
#include "lookup.h"
#include "util.h"

#define NC_SLOTS 1024                /* cached numbers, at most */
#define NC_KEY_LEN 16

struct nc_slot {
	uint8_t key[NC_KEY_LEN];     /* HMAC(salt, number): no number kept */
	uint64_t expires_ms;         /* 0: empty */
	uint8_t verdict;             /* LOOKUP_PASS, REFUSE or BACKUP */
	char why[LOOKUP_WHY_MAX];
};

struct numcheck {
	const struct number_checks_conf *nc;
	struct carrier car;          /* what carrier_req needs: http, timeout */
	uint8_t salt[32];            /* secret, per start: wiped */
	struct nc_slot *slots;
	unsigned long lookups, cached, passed, refused, backup, failed_sent,
	    failed_refused;
};

/* One lookup in flight. */
struct nc_req {
	struct numcheck *n;
	numcheck_done_fn *done;
	void *arg;
	uint8_t key[NC_KEY_LEN];
	int answered;                /* parse ran: rep holds the answer */
	struct lookup_reply rep;
};

static int
number_key(const struct numcheck *n, const char *e164, uint8_t key[NC_KEY_LEN])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int r = -1;

	if (HMAC(EVP_sha256(), n->salt, sizeof(n->salt), (const uint8_t *)e164,
	    strlen(e164), md, &mdlen) == NULL || mdlen < NC_KEY_LEN)
		goto out;
	memcpy(key, md, NC_KEY_LEN);
	r = 0;
 out:
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}

static struct nc_slot *
slot_of(const struct numcheck *n, const uint8_t key[NC_KEY_LEN])
{
	return &n->slots[((unsigned)key[0] << 8 | key[1]) % NC_SLOTS];
}

/* The verdict: counted, cached when it came from an answer, passed on. */
static void
finish(struct numcheck *n, const uint8_t *key, enum lookup_verdict v,
    const char *why, numcheck_done_fn *done, void *arg)
{
	struct nc_slot *s;
	int failed = 0;

	if (v == LOOKUP_FAILED) {
		failed = 1;
		if (n->nc->fail_send) {
			v = LOOKUP_PASS;
			n->failed_sent++;
		} else {
			v = LOOKUP_REFUSE;
			n->failed_refused++;
		}
	} else {
		if (v == LOOKUP_PASS)
			n->passed++;
		else if (v == LOOKUP_REFUSE)
			n->refused++;
		else
			n->backup++;
		/* A failure is not cached: the next login asks again. */
		if (key != NULL && n->nc->cache_ms > 0) {
			s = slot_of(n, key);
			memcpy(s->key, key, NC_KEY_LEN);
			s->expires_ms = now_ms() + n->nc->cache_ms;
			s->verdict = (uint8_t)v;
			snprintf(s->why, sizeof(s->why), "%.*s",
			    (int)sizeof(s->why) - 1, why);
		}
	}
	done(arg, v, failed, why);
}

static void
on_parse(struct carrier_req *creq, long status, const char *body, size_t len,
    struct carrier_result *res)
{
	struct nc_req *q = creq->priv;

	lookup_parse_reply(status, body, len, &q->rep);
	q->answered = 1;
	res->status = CARRIER_ACCEPTED;
	if (status == 401 || status == 403)
		log_warn("number check: Twilio Lookup refused our credentials "
		    "(HTTP %ld); check number_checks.account_sid and auth_token",
		    status);
}

static void
on_done(void *arg, const struct carrier_result *res)
{
	struct nc_req *q = arg;
	struct numcheck *n = q->n;
	char why[LOOKUP_WHY_MAX];
	struct timespec ts;
	enum lookup_verdict v;

	if (!q->answered) {
		/* No answer (timeout, connection): res says why, log-safe. */
		snprintf(why, sizeof(why), "lookup failed: %.100s", res->detail);
		v = LOOKUP_FAILED;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = lookup_decide(n->nc, &q->rep, (int64_t)ts.tv_sec, why, sizeof(why));
	}
	finish(n, q->key, v, why, q->done, q->arg);
	free(q);
}

int
numcheck_start(struct numcheck *n, const char *e164, numcheck_done_fn *done,
    void *arg)
{
	struct carrier_req *creq = NULL;
	struct nc_req *q = NULL;
	struct nc_slot *s;
	char url[CARRIER_URL_MAX], num[64], fields[96];
	int r = -1;

	if ((q = calloc(1, sizeof(*q))) == NULL || number_key(n, e164, q->key) != 0)
		goto out;
	s = slot_of(n, q->key);
	if (s->expires_ms > now_ms() && CRYPTO_memcmp(s->key, q->key, NC_KEY_LEN) == 0) {
		n->cached++;
		done(arg, (enum lookup_verdict)s->verdict, 0, s->why);
		r = 0;
		goto out;
	}
	lookup_fields(n->nc, fields, sizeof(fields));
	if (carrier_pct_encode(num, sizeof(num), e164) < 0 ||
	    (size_t)snprintf(url, sizeof(url), "%s%s?Fields=%s", n->nc->api_base, num,
	    fields) >= sizeof(url))
		goto out;
	if ((creq = carrier_req_new(&n->car, on_parse, on_done, q)) == NULL)
		goto out;
	creq->priv = q;
	creq->username = n->nc->account_sid;
	creq->password = n->nc->auth_token;
	q->n = n;
	q->done = done;
	q->arg = arg;
	if (carrier_req_start(creq, url, 0, LOOKUP_REPLY_MAX) != 0)
		goto out;
	n->lookups++;
	creq = NULL;
	q = NULL;
	r = 0;
 out:
	carrier_req_free(creq);
	free(q);
	return r;
}

struct numcheck *
numcheck_new(const struct number_checks_conf *nc, struct loop *l, struct http *h)
{
	struct numcheck *n = NULL;

	if (!nc->enabled || (n = calloc(1, sizeof(*n))) == NULL)
		goto out;
	if ((n->slots = calloc(NC_SLOTS, sizeof(*n->slots))) == NULL ||
	    RAND_bytes(n->salt, sizeof(n->salt)) != 1) {
		numcheck_free(n);
		n = NULL;
		goto out;
	}
	n->nc = nc;
	n->car.name = (char *)"number_checks";
	n->car.http = h;
	n->car.loop = l;
	n->car.timeout_ms = nc->timeout_ms;
 out:
	return n;
}

void
numcheck_free(struct numcheck *n)
{
	if (n == NULL)
		return;
	free(n->slots);
	OPENSSL_cleanse(n->salt, sizeof(n->salt));
	free(n);
}

void
numcheck_status(const struct numcheck *n, char *out, size_t outsz)
{
	size_t len = strlen(out);

	if (n == NULL || len >= outsz)
		return;
	snprintf(out + len, outsz - len, "number checks: lookups=%lu cached=%lu "
	    "passed=%lu refused=%lu backup_required=%lu failed_sent=%lu "
	    "failed_refused=%lu\n", n->lookups, n->cached, n->passed, n->refused,
	    n->backup, n->failed_sent, n->failed_refused);
}

int
numcheck_peek(const struct numcheck *n, const char *e164, unsigned *secs,
    char *why, size_t whysz)
{
	uint8_t key[NC_KEY_LEN];
	const struct nc_slot *s;
	uint64_t now = now_ms();
	int r = -1;

	*secs = 0;
	why[0] = '\0';
	if (n == NULL || number_key(n, e164, key) != 0)
		goto out;
	s = slot_of(n, key);
	if (s->expires_ms <= now || CRYPTO_memcmp(s->key, key, NC_KEY_LEN) != 0)
		goto out;
	*secs = (unsigned)((s->expires_ms - now + 999) / 1000);
	snprintf(why, whysz, "%s", s->why);
	r = s->verdict;
 out:
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}
