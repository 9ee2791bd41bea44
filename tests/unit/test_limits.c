/* Abuse limits with a clock the test moves: token buckets of every kind, the
 * resend backoff, lockouts, the country policy, and the state file (saved,
 * reloaded, corrupt). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "countries.h"
#include "ratelimit.h"
#include "lockout.h"
#include "statefile.h"
#include "tap.h"

#define MIN (60 * 1000ULL)
#define T0 1700000000000ULL     /* a wall-clock ms */

static struct limits_conf
only(enum limit_kind k, unsigned count, unsigned window_ms)
{
	struct limits_conf lc;

	memset(&lc, 0, sizeof(lc));
	lc.rate[k].count = count;
	lc.rate[k].window_ms = window_ms;
	return lc;
}

/* Sends as many codes as allowed at time now; returns how many went. */
static unsigned
burst(struct limits *l, const char *user, const char *num, uint64_t now, unsigned max)
{
	const char *why;
	unsigned n;

	for (n = 0; n < max; n++) {
		if (limits_check(l, user, num, now, &why) != 0)
			break;
		limits_note_sent(l, user, num, now, 0);
	}
	return n;
}

static void
test_rate_parse(void)
{
	struct rate r;
	char err[160];

	ok(rate_parse("3/10m", &r, err, sizeof(err)) == 0 && r.count == 3 &&
	    r.window_ms == 600000, "3/10m parses");
	ok(rate_parse("1000/1m", &r, err, sizeof(err)) == 0 && r.count == 1000 &&
	    r.window_ms == 60000, "1000/1m parses");
	ok(rate_parse("20/1h", &r, err, sizeof(err)) == 0 && r.window_ms == 3600000,
	    "20/1h parses");
	ok(rate_parse("0/1m", &r, err, sizeof(err)) == -1, "count 0 refused");
	ok(rate_parse("3", &r, err, sizeof(err)) == -1, "no window refused");
	ok(rate_parse("3/", &r, err, sizeof(err)) == -1, "empty window refused");
	ok(rate_parse("3/500ms", &r, err, sizeof(err)) == -1, "ms window refused");
	ok(rate_parse("3/2d", &r, err, sizeof(err)) == -1, "unknown unit refused");
	ok(rate_parse("3/25h", &r, err, sizeof(err)) == -1, "window over a day refused");
	ok(rate_parse("-3/1m", &r, err, sizeof(err)) == -1, "negative refused");
	ok(rate_parse("99999999999/1m", &r, err, sizeof(err)) == -1, "huge count refused");
}

static void
test_bucket(enum limit_kind k, const char *name)
{
	struct limits_conf lc = only(k, 3, 10 * MIN);
	struct limits *l = limits_new(&lc);
	const char *why;
	unsigned s;

	is_int(burst(l, "alice", "+447700900123", T0, 10), 3, "%s 3/10m: three at once", name);
	s = limits_check(l, "alice", "+447700900123", T0, &why);
	is_int(s, 200, "%s: the fourth waits 200 s (one token per 3m20s)", name);
	is_str(why, name, "%s: named in the refusal", name);
	ok(limits_check(l, "alice", "+447700900123", T0 + 199 * 1000, &why) != 0,
	    "%s: still refused a second early", name);
	ok(limits_check(l, "alice", "+447700900123", T0 + 200 * 1000, &why) == 0,
	    "%s: allowed when the token is back", name);
	is_int(burst(l, "alice", "+447700900123", T0 + 10 * MIN, 10), 3,
	    "%s: full again after the window", name);
	limits_free(l);
}

static void
test_scopes(void)
{
	struct limits_conf lc;
	struct limits *l;
	const char *why;

	lc = only(LIM_USER, 2, 10 * MIN);
	l = limits_new(&lc);
	burst(l, "alice", "+447700900123", T0, 2);
	ok(limits_check(l, "bob", "+447700900123", T0, &why) == 0,
	    "per_user: another user is not held back");
	limits_free(l);

	lc = only(LIM_NUMBER, 2, 10 * MIN);
	l = limits_new(&lc);
	burst(l, "alice", "+447700900123", T0, 2);
	ok(limits_check(l, "bob", "+447700900123", T0, &why) != 0,
	    "per_number: the same number for another user is refused");
	ok(limits_check(l, "bob", "+447700900124", T0, &why) == 0,
	    "per_number: a neighbouring number is not");
	limits_free(l);

	lc = only(LIM_PREFIX, 2, 10 * MIN);
	l = limits_new(&lc);
	limits_note_sent(l, "a", "+447700900001", T0, 0);
	limits_note_sent(l, "b", "+447700909999", T0, 0);
	ok(limits_check(l, "c", "+447700905555", T0, &why) != 0 &&
	    strcmp(why, "per_prefix") == 0,
	    "per_prefix: a range walk (+4477009xxxx) is caught");
	ok(limits_check(l, "c", "+447700915555", T0, &why) == 0,
	    "per_prefix: the next range is not");
	limits_free(l);

	lc = only(LIM_COUNTRY, 2, 10 * MIN);
	l = limits_new(&lc);
	limits_note_sent(l, "a", "+447700900001", T0, 0);
	limits_note_sent(l, "b", "+442079460000", T0, 0);
	ok(limits_check(l, "c", "+441632960000", T0, &why) != 0,
	    "per_country: a third +44 number is refused");
	ok(limits_check(l, "c", "+15017122661", T0, &why) == 0,
	    "per_country: +1 is not");
	limits_free(l);

	lc = only(LIM_GLOBAL, 2, 10 * MIN);
	l = limits_new(&lc);
	limits_note_sent(l, "a", "+447700900001", T0, 0);
	limits_note_sent(l, "b", "+15017122661", T0, 0);
	ok(limits_check(l, "c", "+4915112345678", T0, &why) != 0 &&
	    strcmp(why, "global") == 0, "global: anyone is refused");
	limits_free(l);
}

static void
test_backoff(void)
{
	struct limits_conf lc;
	struct limits *l;
	const char *why;
	uint64_t t = T0;
	unsigned s, want[] = { 30, 60, 120, 240, 300, 300 }, i;

	memset(&lc, 0, sizeof(lc));
	lc.backoff_after = 3;
	lc.backoff_max_ms = 5 * MIN;
	l = limits_new(&lc);
	is_int(burst(l, "alice", "+447700900123", t, 2), 2, "backoff: two codes freely");
	limits_note_sent(l, "alice", "+447700900123", t, 0);
	for (i = 0; i < 6; i++) {
		s = limits_check(l, "alice", "+447700900123", t, &why);
		is_int(s, want[i], "backoff: after %u unverified, wait %u s", 3 + i, want[i]);
		ok(why != NULL && strcmp(why, "backoff") == 0, "backoff: named");
		t += (uint64_t)s * 1000;
		ok(limits_check(l, "alice", "+447700900123", t, &why) == 0,
		    "backoff: allowed once waited");
		limits_note_sent(l, "alice", "+447700900123", t, 0);
	}
	ok(limits_check(l, "bob", "+447700900123", t, &why) == 0,
	    "backoff is per user");
	limits_note_verified(l, "alice");
	ok(limits_check(l, "alice", "+447700900123", t, &why) == 0,
	    "a verified code resets the backoff");
	is_int(burst(l, "alice", "+447700900123", t, 5), 3,
	    "after the reset, backoff_after codes before waiting again");
	limits_free(l);

	/* Jitter adds up to 10%, never less than the base. */
	l = limits_new(&lc);
	burst(l, "alice", "+447700900123", T0, 2);
	limits_note_sent(l, "alice", "+447700900123", T0, 999);
	s = limits_check(l, "alice", "+447700900123", T0, &why);
	ok(s >= 30 && s <= 33, "jitter keeps the wait within 30..33 s (%u)", s);
	limits_free(l);
}

/* The defaults let an honest user through: five logins in a minute, two of
 * them mistyped (each mistype a fresh code: the worst case). */
static void
test_defaults(void)
{
	struct limits_conf lc;
	struct lockout_conf oc;
	struct limits *l;
	struct lockout *lo;
	const char *why;
	unsigned i, sent = 0;

	limits_conf_default(&lc);
	lockout_conf_default(&oc);
	l = limits_new(&lc);
	lo = lockout_new(&oc);
	for (i = 0; i < 7; i++) {
		uint64_t t = T0 + i * 8000;

		if (limits_check(l, "alice", "+447700900123", t, &why) != 0 ||
		    lockout_check(lo, "alice", t) != 0)
			break;
		limits_note_sent(l, "alice", "+447700900123", t, 500);
		sent++;
		if (i == 1 || i == 4)
			lockout_note_failure(lo, "alice", t);    /* mistyped: a new code */
		else {
			lockout_note_success(lo, "alice");
			limits_note_verified(l, "alice");
		}
	}
	is_int(sent, 7, "defaults: 5 logins + 2 mistyped in a minute all go through");
	limits_free(l);
	lockout_free(lo);
}

static void
test_lockout(void)
{
	struct lockout_conf oc = { 3, 15 * MIN, 15 * MIN };
	struct lockout *lo = lockout_new(&oc);
	char list[256];

	ok(lockout_note_failure(lo, "alice", T0) == 0, "first failure: not locked");
	ok(lockout_note_failure(lo, "alice", T0 + 1000) == 0, "second: not locked");
	is_int(lockout_check(lo, "alice", T0 + 1000), 0, "not locked yet");
	ok(lockout_note_failure(lo, "alice", T0 + 2000) == 1, "third locks");
	is_int(lockout_check(lo, "alice", T0 + 2000), 900, "locked for 15 minutes");
	is_int(lockout_check(lo, "bob", T0 + 2000), 0, "only alice");
	is_int(lockout_list(lo, T0 + 2000, list, sizeof(list)), 1, "one locked user listed");
	is_str(list, "alice 900\n", "listing: user and seconds");
	is_int(lockout_check(lo, "alice", T0 + 2000 + 15 * MIN), 0, "unlocked after 15 minutes");

	/* Failures outside the window do not add up. */
	lockout_note_failure(lo, "bob", T0);
	lockout_note_failure(lo, "bob", T0 + 1000);
	ok(lockout_note_failure(lo, "bob", T0 + 15 * MIN + 1000) == 0,
	    "failures spread over more than the window do not lock");
	lockout_note_success(lo, "bob");
	lockout_note_failure(lo, "bob", T0 + 16 * MIN);
	ok(lockout_note_failure(lo, "bob", T0 + 16 * MIN + 1) == 0,
	    "a right code forgives earlier failures");
	lockout_note_failure(lo, "bob", T0 + 16 * MIN + 2);
	ok(lockout_check(lo, "bob", T0 + 16 * MIN + 3) > 0, "bob locked");
	ok(lockout_unlock(lo, "bob") == 1 && lockout_check(lo, "bob", T0 + 16 * MIN + 3) == 0,
	    "unlock clears the lock");
	ok(lockout_unlock(lo, "nobody") == 0, "unlock of an unknown user says so");
	lockout_free(lo);

	oc.failures = 0;
	lo = lockout_new(&oc);
	lockout_note_failure(lo, "alice", T0);
	is_int(lockout_check(lo, "alice", T0), 0, "failures: 0 turns lockout off");
	lockout_free(lo);
}

/* Brute force: guesses per user in any window are bounded by the lockout;
 * the chance of guessing a 6-digit code with them is attempts/10^6. */
static void
test_bruteforce_bound(void)
{
	struct lockout_conf oc;
	struct lockout *lo;
	uint64_t t = T0, day = 24 * 60 * MIN;
	unsigned guesses = 0;

	lockout_conf_default(&oc);
	lo = lockout_new(&oc);
	while (t < T0 + day) {
		if (lockout_check(lo, "alice", t) == 0) {
			guesses++;
			lockout_note_failure(lo, "alice", t);
		}
		t += 1000;    /* one guess a second, as fast as logins go */
	}
	/* 5 failures, then 15 minutes locked: at most 5 per 15 min + window. */
	ok(guesses <= 5 * (day / (15 * MIN)) + 5,
	    "at most %u wrong guesses a day with the defaults (got %u)",
	    (unsigned)(5 * (day / (15 * MIN)) + 5), guesses);
	printf("# defaults: %u guesses/day -> P(success) <= %.4f%% per day for 6 digits\n",
	    guesses, 100.0 * guesses / 1e6);
	lockout_free(lo);
}

static void
test_countries(void)
{
	char cc[8], why[128];
	char allow[2][COUNTRY_PREFIX_MAX + 1] = { "+44", "+1" };
	char deny[1][COUNTRY_PREFIX_MAX + 1] = { "+4477009" };
	struct country_policy p = { allow, 2, deny, 1 };

	ok(country_code("+447700900123", cc, sizeof(cc)) == 0 && strcmp(cc, "44") == 0, "+44");
	ok(country_code("+15017122661", cc, sizeof(cc)) == 0 && strcmp(cc, "1") == 0, "+1");
	ok(country_code("+79161234567", cc, sizeof(cc)) == 0 && strcmp(cc, "7") == 0, "+7");
	ok(country_code("+353871234567", cc, sizeof(cc)) == 0 && strcmp(cc, "353") == 0, "+353");
	ok(country_code("+919812345678", cc, sizeof(cc)) == 0 && strcmp(cc, "91") == 0, "+91");
	ok(country_code("+8821234567", cc, sizeof(cc)) == 0 && strcmp(cc, "882") == 0, "+882");
	ok(country_code("447700900123", cc, sizeof(cc)) == -1, "not E.164");

	ok(country_allowed(NULL, "+447700800123", why, sizeof(why)), "no policy: allowed");
	ok(!country_allowed(NULL, "+88212345678", why, sizeof(why)) &&
	    strstr(why, "+882") != NULL, "built-in deny: +882 (%s)", why);
	ok(!country_allowed(NULL, "+979123456789", why, sizeof(why)), "built-in deny: +979");
	ok(!country_allowed(NULL, "+449012345678", why, sizeof(why)), "built-in deny: UK 09");
	ok(country_allowed(&p, "+447700800123", why, sizeof(why)), "allowed country");
	ok(!country_allowed(&p, "+4915112345678", why, sizeof(why)) &&
	    strcmp(why, "not in countries.allow") == 0, "country not allowed");
	ok(!country_allowed(&p, "+447700900123", why, sizeof(why)), "admin deny inside allow");
	ok(!country_allowed(&p, "+447012345678", why, sizeof(why)),
	    "built-in deny wins over a shorter allow");
	ok(country_prefix_valid("+44") && !country_prefix_valid("44") &&
	    !country_prefix_valid("+") && !country_prefix_valid("+0") &&
	    !country_prefix_valid("+44a"), "prefix syntax");
}

static char dir[64];

static void
test_statefile(void)
{
	struct limits_conf lc = only(LIM_USER, 2, 10 * MIN);
	struct lockout_conf oc = { 3, 15 * MIN, 15 * MIN };
	struct limits *l = limits_new(&lc), *l2;
	struct lockout *lo = lockout_new(&oc), *lo2;
	char err[600] = "", path[128], buf[8192];
	const char *why;
	FILE *f;
	size_t n;

	lc.backoff_after = 1;
	lc.backoff_max_ms = 5 * MIN;
	limits_free(l);
	l = limits_new(&lc);
	limits_note_sent(l, "alice", "+447700900123", T0, 0);
	limits_note_sent(l, "alice", "+447700900123", T0, 0);
	lockout_note_failure(lo, "bob", T0);
	lockout_note_failure(lo, "bob", T0);
	lockout_note_failure(lo, "bob", T0);
	lockout_note_failure(lo, "carol", T0);
	ok(statefile_check_dir(dir, err, sizeof(err)) == 0, "state dir accepted");
	ok(statefile_save(dir, l, lo, T0, err, sizeof(err)) == 0, "state saved (%s)", err);
	snprintf(path, sizeof(path), "%s/state", dir);
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	ok(statefile_load(dir, l2, lo2, T0 + 1000, NULL, NULL, err, sizeof(err)) == 0, "state loaded");
	ok(lockout_check(lo2, "bob", T0 + 1000) > 0, "the lock survived");
	ok(lockout_note_failure(lo2, "carol", T0 + 2000) == 0 &&
	    lockout_note_failure(lo2, "carol", T0 + 2000) == 1,
	    "carol's earlier failure survived");
	ok(limits_check(l2, "alice", "+447700900123", T0 + 1000, &why) != 0,
	    "the empty bucket and backoff survived");
	limits_free(l2);
	lockout_free(lo2);

	/* Flip one byte: the checksum catches it, and the file is set aside. */
	f = fopen(path, "r+");
	n = fread(buf, 1, sizeof(buf), f);
	buf[20] ^= 1;
	rewind(f);
	fwrite(buf, 1, n, f);
	fclose(f);
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	ok(statefile_load(dir, l2, lo2, T0, NULL, NULL, err, sizeof(err)) == -1 &&
	    strstr(err, "checksum") != NULL, "a corrupt file is refused: %s", err);
	ok(access(path, F_OK) == -1, "and moved away");
	snprintf(path, sizeof(path), "%s/state.corrupt", dir);
	ok(access(path, F_OK) == 0, "kept as state.corrupt");
	unlink(path);
	limits_free(l2);
	lockout_free(lo2);

	/* Truncated (a torn write without the rename would never be seen, but
	 * a disk may still lose the tail). */
	ok(statefile_save(dir, l, lo, T0, err, sizeof(err)) == 0, "saved again");
	snprintf(path, sizeof(path), "%s/state", dir);
	ok(truncate(path, 40) == 0, "truncated it");
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	ok(statefile_load(dir, l2, lo2, T0, NULL, NULL, err, sizeof(err)) == -1, "a truncated file is refused");
	limits_free(l2);
	lockout_free(lo2);
	snprintf(path, sizeof(path), "%s/state.corrupt", dir);
	unlink(path);

	/* A symbolic link in its place is not followed. */
	snprintf(path, sizeof(path), "%s/state", dir);
	ok(symlink("/etc/passwd", path) == 0, "a symlink as the state file");
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	ok(statefile_load(dir, l2, lo2, T0, NULL, NULL, err, sizeof(err)) == -1, "is refused: %s", err);
	limits_free(l2);
	lockout_free(lo2);
	snprintf(path, sizeof(path), "%s/state.corrupt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", dir);
	unlink(path);

	ok(chmod(dir, 0777) == 0 && statefile_check_dir(dir, err, sizeof(err)) == -1,
	    "a world-writable state dir is refused: %s", err);
	chmod(dir, 0700);
	limits_free(l);
	lockout_free(lo);
}

/* Writes dir/state as the daemon would: body, then "end " and its SHA-256. */
static int
write_state(const char *body)
{
	unsigned char md[32];
	unsigned len = 0, i;
	char path[128];
	FILE *f;

	if (EVP_Digest(body, strlen(body), md, &len, EVP_sha256(), NULL) != 1)
		return -1;
	snprintf(path, sizeof(path), "%s/state", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(body, f);
	fputs("end ", f);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", md[i]);
	fputc('\n', f);
	return fclose(f) == 0 && chmod(path, 0600) == 0 ? 0 : -1;
}

struct skips {
	size_t n, last;
};

static void
note_skip(void *arg, size_t lineno)
{
	struct skips *sk = arg;

	sk->n++;
	sk->last = lineno;
}

/* Every name the configuration accepts (UTF-8, '%') round-trips through the
 * state file; a record that cannot be read costs that record only. */
static void
test_statefile_names(void)
{
	struct lockout_conf oc = { 3, 15 * MIN, 15 * MIN };
	struct limits_conf lc = only(LIM_USER, 2, 10 * MIN);
	struct limits *l, *l2;
	struct lockout *lo, *lo2;
	struct skips sk = { 0, 0 };
	const char *why;
	char err[600] = "", path[128], body[1024], buf[8192];
	FILE *f;
	size_t n;
	int i;

	lc.backoff_after = 1;
	lc.backoff_max_ms = 5 * MIN;
	l = limits_new(&lc);
	lo = lockout_new(&oc);
	for (i = 0; i < 3; i++)
		lockout_note_failure(lo, "alice", T0);
	lockout_note_failure(lo, "jos\xc3\xa9", T0);
	for (i = 0; i < 3; i++)
		lockout_note_failure(lo, "50%off", T0);
	limits_note_sent(l, "jos\xc3\xa9", "+447700900123", T0, 0);
	limits_note_sent(l, "jos\xc3\xa9", "+447700900123", T0, 0);
	ok(statefile_save(dir, l, lo, T0, err, sizeof(err)) == 0, "names: saved (%s)", err);
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "r");
	n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f != NULL)
		fclose(f);
	ok(strncmp(buf, "otpsms-state 2\n", 15) == 0 &&
	    strstr(buf, "l jos%C3%A9 ") != NULL && strstr(buf, "l 50%25off ") != NULL &&
	    strstr(buf, "b user jos%C3%A9 ") != NULL && strstr(buf, "o jos%C3%A9 ") != NULL &&
	    strstr(buf, "\xc3") == NULL, "names: spelt %%XX in the file, no raw UTF-8");
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	if (!ok(statefile_load(dir, l2, lo2, T0 + 1000, note_skip, &sk, err,
	    sizeof(err)) == 0 && sk.n == 0, "names: loaded, nothing skipped"))
		printf("#   %s\n", err);
	ok(lockout_check(lo2, "alice", T0 + 1000) > 0, "names: alice still locked");
	ok(lockout_check(lo2, "50%off", T0 + 1000) > 0, "names: 50%%off still locked");
	ok(lockout_note_failure(lo2, "jos\xc3\xa9", T0 + 2000) == 0 &&
	    lockout_note_failure(lo2, "jos\xc3\xa9", T0 + 2000) == 1,
	    "names: jos\xc3\xa9's earlier failure survived");
	ok(limits_check(l2, "jos\xc3\xa9", "+447700900123", T0 + 1000, &why) != 0,
	    "names: jos\xc3\xa9's empty bucket and backoff survived");
	limits_free(l2);
	lockout_free(lo2);

	/* A garbled record among good ones: that one skipped and reported by
	 * its line number, the others kept; the checksum still holds. */
	snprintf(body, sizeof(body), "otpsms-state 2\n"
	    "l alice %llu 0\n"
	    "l bob %llu x 7\n"
	    "l jos%%C3%%A9 %llu 0\n"
	    "l bad%%zz %llu 0\n"
	    "l carol %llu 0\n",
	    T0 + 10 * MIN, T0 + 10 * MIN, T0 + 10 * MIN, T0 + 10 * MIN, T0 + 10 * MIN);
	ok(write_state(body) == 0, "garbled: written with a good checksum");
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	sk.n = sk.last = 0;
	if (!ok(statefile_load(dir, l2, lo2, T0, note_skip, &sk, err, sizeof(err)) == 0,
	    "garbled: the file loads"))
		printf("#   %s\n", err);
	ok(sk.n == 2 && sk.last == 5, "garbled: two records skipped, each reported "
	    "(last at line %zu)", sk.last);
	ok(lockout_check(lo2, "alice", T0) > 0 && lockout_check(lo2, "carol", T0) > 0 &&
	    lockout_check(lo2, "jos\xc3\xa9", T0) > 0, "garbled: the good records kept");
	ok(access(path, F_OK) == 0, "garbled: the file was not moved aside");
	limits_free(l2);
	lockout_free(lo2);

	/* Version 1 (names as they were, '%' included) still loads. */
	snprintf(body, sizeof(body), "otpsms-state 1\n"
	    "l 50%%off %llu 0\n"
	    "b user 50%%off 0 %llu\n",
	    T0 + 10 * MIN, T0);
	ok(write_state(body) == 0, "v1: written");
	l2 = limits_new(&lc);
	lo2 = lockout_new(&oc);
	sk.n = 0;
	ok(statefile_load(dir, l2, lo2, T0, note_skip, &sk, err, sizeof(err)) == 0 &&
	    sk.n == 0, "v1: loads (%s)", err);
	ok(lockout_check(lo2, "50%off", T0) > 0 &&
	    limits_check(l2, "50%off", "+447700900123", T0, &why) != 0,
	    "v1: a name with '%%' is read as it was written");
	limits_free(l2);
	lockout_free(lo2);
	unlink(path);
	limits_free(l);
	lockout_free(lo);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/otpsms-limits.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_rate_parse();
	test_bucket(LIM_USER, "per_user");
	test_bucket(LIM_NUMBER, "per_number");
	test_bucket(LIM_PREFIX, "per_prefix");
	test_bucket(LIM_COUNTRY, "per_country");
	test_bucket(LIM_GLOBAL, "global");
	test_scopes();
	test_backoff();
	test_defaults();
	test_lockout();
	test_bruteforce_bound();
	test_countries();
	test_statefile();
	test_statefile_names();
	rmdir(dir);
	return done_testing();
}
