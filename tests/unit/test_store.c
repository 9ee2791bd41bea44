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
on_find(void *arg, const struct challenge *c, const char *tampered)
{
	(void)tampered;
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
	code_mac(c->id, user, c->uid, code, c->mac);
}

/* The MAC again once the test changed the caller uid (bound in it). */
static void
remac(struct challenge *c, const char *code)
{
	code_mac(c->id, c->user, c->uid, code, c->mac);
}

static enum store_verdict
check(struct store *s, const struct challenge *c, const char *user, uid_t uid,
    const char *code, uint64_t now)
{
	uint8_t mac[STORE_MAC_LEN];

	code_mac(c->id, user, uid, code, mac);
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

static char verified_service[PROTO_MAX_SERVICE + 1];
static int changed_calls;
static uint64_t changed_when;

static void
on_verify_svc(void *arg, enum store_verdict v, unsigned l, const char *service)
{
	verdict = v;
	left = l;
	snprintf(verified_service, sizeof(verified_service), "%s", service);
}

static void
on_changed(void *arg, uint64_t when)
{
	changed_calls++;
	changed_when = when;
}

/* The compact store: expiry by heap, indexes under deletion, what a record
 * hands back. */
static void
test_store_compact(void)
{
	struct store *s = store_memory_new(1000000);
	static struct challenge many[20000];
	struct challenge c, c2;
	uint8_t mac[STORE_MAC_LEN];
	char svc[32];
	int i, bad;

	s->expiry_changed = on_changed;
	s->expiry_arg = NULL;
	ok(s->ops->next_expiry(s) == 0, "nothing pending: no next expiry");
	make(&c, "alice", "123456", 3000, 3);
	s->ops->put(s, &c, on_put, NULL);
	ok(changed_calls == 1 && changed_when == 3000, "first put tells the owner when");
	make(&c2, "bob", "123456", 5000, 3);
	s->ops->put(s, &c2, on_put, NULL);
	ok(changed_calls == 1, "a later expiry does not");
	make(&c2, "bob", "123456", 2000, 3);
	s->ops->put(s, &c2, on_put, NULL);
	ok(changed_calls == 2 && changed_when == 2000, "an earlier one does");
	is_int((long long)s->ops->next_expiry(s), 2000, "next expiry is the earliest");
	is_int(s->ops->expire(s, 1999), 0, "nothing due before it");
	is_int(s->ops->expire(s, 2000), 1, "due at its expiry");
	is_int((long long)s->ops->next_expiry(s), 3000, "then the next one");

	/* verify names the service; another user's try names nothing */
	code_mac(c.id, "alice", 0, "123456", mac);
	s->ops->verify(s, c.id, "bob", 0, mac, 10, on_verify_svc, NULL);
	ok(verdict == STORE_EXPIRED && verified_service[0] == 0, "wrong user: no service named");
	s->ops->verify(s, c.id, "alice", 0, mac, 10, on_verify_svc, NULL);
	ok(verdict == STORE_OK && strcmp(verified_service, "sshd") == 0, "verify names the service");

	/* find_pending hands back the whole challenge, sealed code included */
	make(&c, "carol", "123456", 500000, 3);
	c.created_ms = 7;
	memset(c.sealed, 0xa5, sizeof(c.sealed));
	strcpy(c.service, "sudo-otp");
	c.uid = 42;
	remac(&c, "123456");
	s->ops->put(s, &c, on_put, NULL);
	s->ops->find_pending(s, "carol", "sudo-otp", 42, 10, on_find, NULL);
	ok(found && memcmp(found->id, c.id, PROTO_ID_LEN) == 0 &&
	    memcmp(found->mac, c.mac, STORE_MAC_LEN) == 0 &&
	    memcmp(found->sealed, c.sealed, STORE_SEALED_LEN) == 0 &&
	    strcmp(found->user, "carol") == 0 && strcmp(found->service, "sudo-otp") == 0 &&
	    found->uid == 42 && found->created_ms == 7 && found->expires_ms == 500000 &&
	    found->attempts_left == 3, "find_pending returns every field");
	/* an older challenge of the owner going away leaves the newest pending */
	make(&c2, "carol", "654321", 500000, 3);
	strcpy(c2.service, "sudo-otp");
	c2.uid = 42;
	remac(&c2, "654321");
	s->ops->put(s, &c2, on_put, NULL);
	ok(check(s, &c, "carol", 42, "123456", 10) == STORE_OK, "older one verifies");
	s->ops->find_pending(s, "carol", "sudo-otp", 42, 10, on_find, NULL);
	ok(found && memcmp(found->id, c2.id, PROTO_ID_LEN) == 0, "newest still pending");

	/* deletions in the middle of probe runs keep every other entry found */
	for (i = 0; i < 20000; i++) {
		snprintf(svc, sizeof(svc), "svc%d", i % 7);
		make(&many[i], i % 3 ? "dave" : "erin", "4321", 100000 + i, 3);
		strcpy(many[i].service, svc);
		many[i].uid = (uid_t)(i % 5);
		remac(&many[i], "4321");
		s->ops->put(s, &many[i], on_put, NULL);
	}
	bad = 0;
	for (i = 0; i < 20000; i += 2)
		bad += check(s, &many[i], many[i].user, many[i].uid, "4321", 10) != STORE_OK;
	for (i = 1; i < 20000; i += 2)
		bad += check(s, &many[i], many[i].user, many[i].uid, "0000", 10) != STORE_WRONG;
	is_int(bad, 0, "20000 entries: half verified, the rest still found");
	is_int(s->ops->expire(s, 100000 + 20000), 10001, "the rest (and bob's) expire by the heap");
	is_int(s->ops->count(s), 1, "only carol's newest is left");
	ok(check(s, &c2, "carol", 42, "654321", 10) == STORE_OK, "and it verifies");
	ok(s->ops->next_expiry(s) == 0, "empty again");
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

	code_mac(id, "alice", 0, "123456", a);
	code_mac(id, "alice", 0, "123456", b);
	ok(memcmp(a, b, sizeof(a)) == 0, "mac is deterministic under one key");
	code_mac(id, "alice", 0, "123457", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "mac depends on the code");
	code_mac(id, "alicf", 0, "123456", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "mac depends on the user");
	code_mac(id, "alice", 1000, "123456", b);
	ok(memcmp(a, b, sizeof(a)) != 0, "mac depends on the caller uid");
	/* "ab"+"1234" and "a"+"b1234" must differ: the NUL separates them. */
	code_mac(id, "ab", 0, "1234", a);
	code_mac(id, "a", 0, "b1234", b);
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
	test_store_compact();
	test_codes();
	test_mac();
	test_template();
	code_cleanup();
	return done_testing();
}
