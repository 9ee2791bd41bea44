/* The pending-code store, code generation and the message template. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "store.h"
#include "template.h"
#include "../tap.h"

static int put_ok;
static enum store_verdict verdict;
static unsigned left;

static void
on_put(void *arg, int okk)
{
	put_ok = okk;
}

static void
on_verify(void *arg, enum store_verdict v, unsigned l, const char *service)
{
	verdict = v;
	left = l;
}

static const struct challenge *found;
static struct challenge found_copy;

static void
on_find(void *arg, const struct challenge *c)
{
	found = c ? &found_copy : NULL;
	if (c)
		found_copy = *c;
}

static void
make(struct challenge *c, const char *user, const char *code, uint64_t exp, unsigned att)
{
	memset(c, 0, sizeof(*c));
	code_random_id(c->id);
	strcpy(c->user, user);
	strcpy(c->service, "sshd");
	c->uid = 0;
	c->expires_ms = exp;
	c->attempts_left = att;
	code_mac(c->id, user, code, c->mac);
}

static enum store_verdict
check(struct store *s, const struct challenge *c, const char *user, uid_t uid,
    const char *code, uint64_t now)
{
	uint8_t mac[STORE_MAC_LEN];

	code_mac(c->id, user, code, mac);
	verdict = STORE_ERROR;
	s->ops->verify(s, c->id, user, uid, mac, now, on_verify, NULL);
	return verdict;
}

static void
test_store(void)
{
	struct store *s = store_memory_new(100000);
	struct challenge c, c2;
	size_t base;
	int i, bad;

	ok(s != NULL, "memory store");
	make(&c, "alice", "123456", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(put_ok, "put");
	ok(check(s, &c, "alice", 0, "123456", 10) == STORE_OK, "right code verifies");
	ok(check(s, &c, "alice", 0, "123456", 10) == STORE_EXPIRED, "single use");

	make(&c, "alice", "123456", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(check(s, &c, "alice", 0, "123456", 1000) == STORE_EXPIRED, "expired at ttl");
	ok(check(s, &c, "alice", 0, "123456", 10) == STORE_EXPIRED, "expired is gone");

	make(&c, "alice", "123456", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(check(s, &c, "alice", 0, "000000", 10) == STORE_WRONG && left == 2, "wrong, 2 left");
	ok(check(s, &c, "alice", 0, "000001", 10) == STORE_WRONG && left == 1, "wrong, 1 left");
	ok(check(s, &c, "alice", 0, "000002", 10) == STORE_MAXTRIES, "third wrong burns it");
	ok(check(s, &c, "alice", 0, "123456", 10) == STORE_EXPIRED, "burned code no longer verifies");

	make(&c, "alice", "123456", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(check(s, &c, "bob", 0, "123456", 10) == STORE_EXPIRED, "another user cannot use it");
	ok(check(s, &c, "alice", 1000, "123456", 10) == STORE_EXPIRED, "another caller uid cannot use it");
	ok(check(s, &c, "alice", 0, "123456", 10) == STORE_OK, "and did not burn attempts");

	/* pending challenges by owner, for reuse */
	make(&c, "alice", "123456", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	make(&c2, "alice", "654321", 1000, 3);
	s->ops->put(s, &c2, on_put, NULL);
	s->ops->find_pending(s, "alice", "sshd", 0, 10, on_find, NULL);
	ok(found && memcmp(found->id, c2.id, PROTO_ID_LEN) == 0, "newest pending challenge found");
	s->ops->find_pending(s, "alice", "sudo", 0, 10, on_find, NULL);
	ok(found == NULL, "not for another service");
	s->ops->find_pending(s, "alice", "sshd", 1000, 10, on_find, NULL);
	ok(found == NULL, "not for another caller");
	s->ops->find_pending(s, "alicf", "sshd", 0, 10, on_find, NULL);
	ok(found == NULL, "not for another user");
	s->ops->find_pending(s, "alice", "sshd", 0, 1000, on_find, NULL);
	ok(found == NULL, "not once expired");
	ok(check(s, &c2, "alice", 0, "654321", 10) == STORE_OK, "verify the newest");
	s->ops->find_pending(s, "alice", "sshd", 0, 10, on_find, NULL);
	ok(found == NULL, "a verified challenge is not pending");

	/* many entries: growth, tombstones, expiry sweep */
	bad = 0;
	base = s->ops->count(s);
	for (i = 0; i < 5000; i++) {
		make(&c2, "u", "1111", i < 2500 ? 50 : 5000, 3);
		s->ops->put(s, &c2, on_put, NULL);
		bad += !put_ok;
	}
	is_int(bad, 0, "5000 puts");
	is_int(s->ops->count(s), base + 5000, "count");
	is_int(s->ops->expire(s, 100), 2500, "sweep drops the expired half");
	is_int(s->ops->count(s), base + 2500, "count after sweep");
	ok(check(s, &c2, "u", 0, "1111", 100) == STORE_OK, "a survivor still verifies");
	s->ops->free(s);

	s = store_memory_new(2);
	make(&c, "a", "1234", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	make(&c, "b", "1234", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	make(&c, "c", "1234", 1000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(!put_ok, "store refuses past its cap");
	s->ops->free(s);
}

static void
test_codes(void)
{
	static unsigned counts[10][10];
	char code[16];
	int i, j, bad = 0, n = 200000;
	double chi, worst = 0;

	for (i = 4; i <= 10; i++) {
		code_generate(code, sizeof(code), (unsigned)i);
		if ((int)strlen(code) != i || strspn(code, "0123456789") != (size_t)i)
			bad++;
	}
	is_int(bad, 0, "codes have the configured number of digits, 4..10");
	ok(code_generate(code, sizeof(code), 3) == -1, "3 digits refused");
	ok(code_generate(code, sizeof(code), 11) == -1, "11 digits refused");
	ok(code_generate(code, 6, 6) == -1, "buffer too small refused");
	/* Each position's digit must be uniform: chi-square, 9 degrees of
	 * freedom, p = 0.0001 critical value 33.7. */
	for (i = 0; i < n; i++) {
		code_generate(code, sizeof(code), 6);
		for (j = 0; j < 6; j++)
			counts[j][code[j] - '0']++;
	}
	for (j = 0; j < 6; j++) {
		chi = 0;
		for (i = 0; i < 10; i++) {
			double e = n / 10.0, d = counts[j][i] - e;
			chi += d * d / e;
		}
		if (chi > worst)
			worst = chi;
	}
	ok(worst < 33.7, "digits uniform in every position (worst chi2 %.1f)", worst);
}

static void
test_mac(void)
{
	uint8_t id[PROTO_ID_LEN] = { 1 }, a[STORE_MAC_LEN], b[STORE_MAC_LEN];

	code_mac(id, "alice", "123456", a);
	code_mac(id, "alice", "123456", b);
	ok(memcmp(a, b, sizeof(a)) == 0, "mac is deterministic under one key");
	code_mac(id, "alice", "123457", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "mac depends on the code");
	code_mac(id, "alicf", "123456", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "mac depends on the user");
	/* "ab"+"1234" and "a"+"b1234" must differ: the NUL separates them. */
	code_mac(id, "ab", "1234", a);
	code_mac(id, "a", "b1234", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "user and code cannot be shifted into each other");
}

static void
test_template(void)
{
	struct template_vars v = { "042137", "bastion1", 300, "alice", "sshd" };
	char out[TEMPLATE_MAX], err[256];

	ok(template_check("{code} is your code for {host}. It expires in {ttl}.", err,
	    sizeof(err)) == 0, "default template ok");
	ok(template_check("no code here", err, sizeof(err)) == -1, "template without {code} refused");
	ok(template_check("{code} {bogus}", err, sizeof(err)) == -1 && strstr(err, "unknown"),
	    "unknown placeholder refused");
	ok(template_check("{code} }", err, sizeof(err)) == -1, "stray brace refused");
	ok(template_check("{code}\n", err, sizeof(err)) == -1, "control character refused");
	template_render(out, sizeof(out), "{code} is your code for {host}. It expires in {ttl}.", &v);
	is_str(out, "042137 is your code for bastion1. It expires in 5 minutes.", "render");
	v.ttl_s = 90;
	template_render(out, sizeof(out), "{user}@{service}: {code} ({ttl})", &v);
	is_str(out, "alice@sshd: 042137 (90 seconds)", "render all variables");
	ok(template_render(out, 8, "{code} {host}", &v) == -1 && out[0] == 0,
	    "overflow refused and wiped");
}

int
main(void)
{
	code_init();
	test_store();
	test_codes();
	test_mac();
	test_template();
	code_cleanup();
	return done_testing();
}
