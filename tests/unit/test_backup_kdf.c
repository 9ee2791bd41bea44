/* The backup codes' scrypt worker (helper/backup/backup_kdf.c) and the
 * Redis answers' parsers (helper/policy/redis/backup_redis.c): hashes made on the
 * thread equal backup_hash's, answered on the loop in order; the queue is
 * bounded (BUSY beyond it); the loop runs while a hash is made; a stop
 * answers every job; out-of-range Redis answers are refused. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backup.h"
#include "backup_kdf.h"
#include "backup_redis.h"
#include "loop.h"
#include "tap.h"

#define NJOBS BACKUP_KDF_QUEUE

static struct loop *L;
static uint8_t got[NJOBS + 1][BACKUP_HASH_LEN];
static int res[NJOBS + 1], order[NJOBS + 1], answered, ticks;

static void
on_hash(void *arg, int r, const uint8_t h[BACKUP_HASH_LEN])
{
	int i = (int)(intptr_t)arg;

	res[i] = r;
	if (r == 0)
		memcpy(got[i], h, BACKUP_HASH_LEN);
	order[answered++] = i;
	if (answered == NJOBS)
		loop_stop(L);
}

/* A set made on the worker: each printed code hashes to the set's hash. */
static int gen_r = -2, gen_ok;
static void
on_set(void *arg, int r, const struct backup_set *set, const char *text)
{
	char d[BACKUP_DIGITS + 1];
	uint8_t h[BACKUP_HASH_LEN];
	size_t i;

	(void)arg;
	gen_r = r;
	gen_ok = r == 0 && set->n == 3 && strcmp(set->user, "alice") == 0 &&
	    strlen(text) == 3 * (BACKUP_TEXT_LEN + 1);
	for (i = 0; gen_ok && i < set->n; i++) {
		memcpy(d, text + i * (BACKUP_TEXT_LEN + 1), 5);
		memcpy(d + 5, text + i * (BACKUP_TEXT_LEN + 1) + 6, 5);
		d[BACKUP_DIGITS] = '\0';
		if (backup_hash(d, set->salt, h) != 0 ||
		    backup_match(set, h) != (int)i)
			gen_ok = 0;
	}
	loop_stop(L);
}

/* The loop's own timer: it keeps firing while the worker hashes. */
static struct loop_timer tick;
static void
on_tick(void *arg)
{
	(void)arg;
	ticks++;
	(void)loop_timer_set(L, &tick, 5);
}

int
main(void)
{
	struct backup_kdf *k;
	uint8_t salt[BACKUP_SALT_LEN], want[BACKUP_HASH_LEN], s2[BACKUP_SALT_LEN];
	char digits[BACKUP_DIGITS + 1], err[128];
	redisReply rep;
	unsigned left;
	int i, in_order = 1, same = 1;

	memset(salt, 7, sizeof(salt));
	if ((L = loop_new()) == NULL ||
	    (k = backup_kdf_new(L, err, sizeof(err))) == NULL) {
		printf("Bail out! %s\n", L == NULL ? "loop_new" : err);
		return 1;
	}
	for (i = 0; i < NJOBS; i++) {
		snprintf(digits, sizeof(digits), "%010d", 1234500000 + i);
		is_int(backup_kdf_submit(k, digits, salt, on_hash,
		    (void *)(intptr_t)i), 0, "job %d queued", i);
	}
	is_int((int)backup_kdf_pending(k), NJOBS, "%d jobs pending", NJOBS);
	is_int(backup_kdf_submit(k, "1234567890", salt, on_hash,
	    (void *)(intptr_t)NJOBS), -1, "one more than BACKUP_KDF_QUEUE: refused");
	is_int(backup_kdf_submit(k, "12345", salt, on_hash, NULL), -1,
	    "not 10 digits: refused");
	loop_timer_init(&tick, on_tick, NULL);
	(void)loop_timer_set(L, &tick, 5);
	is_int(loop_run(L), 0, "the loop ran until every hash was answered");
	loop_timer_cancel(L, &tick);
	is_int(answered, NJOBS, "every job answered once");
	ok(ticks >= 2, "the loop kept running while the worker hashed (%d ticks)",
	    ticks);
	for (i = 0; i < NJOBS; i++) {
		if (order[i] != i)
			in_order = 0;
		snprintf(digits, sizeof(digits), "%010d", 1234500000 + i);
		if (res[i] != 0 || backup_hash(digits, salt, want) != 0 ||
		    memcmp(want, got[i], BACKUP_HASH_LEN) != 0)
			same = 0;
	}
	ok(in_order, "answered in the order asked");
	ok(same, "each hash is backup_hash's");
	is_int((int)backup_kdf_pending(k), 0, "nothing pending");

	/* A set for otpsmsctl backup-codes, made off the loop. */
	is_int(backup_kdf_generate(k, "alice", 3, on_set, NULL), 0,
	    "a set of 3 queued");
	is_int(backup_kdf_generate(k, "alice", BACKUP_MAX_N + 1, on_set, NULL),
	    -1, "a set of 21: refused");
	is_int(loop_run(L), 0, "the loop ran until the set was made");
	is_int(gen_r, 0, "the set was made");
	ok(gen_ok, "for alice, 3 codes, each printed code matching its hash");

	/* A stop with jobs queued: each answered (hashed or failed). */
	answered = 0;
	for (i = 0; i < 3; i++)
		(void)backup_kdf_submit(k, "0000000000", salt, on_hash,
		    (void *)(intptr_t)i);
	backup_kdf_free(k);
	is_int(answered, 3, "a stop answers every job still due");
	loop_free(L);

	/* The Redis answers. */
	memset(&rep, 0, sizeof(rep));
	is_int(backup_redis_parse_salt(NULL, s2), -1, "salt: no answer: failed");
	rep.type = REDIS_REPLY_STRING;
	rep.str = (char *)"";
	rep.len = 0;
	is_int(backup_redis_parse_salt(&rep, s2), 0, "salt: \"\": no set");
	rep.str = (char *)"000102030405060708090a0b0c0d0e0f";
	rep.len = 32;
	is_int(backup_redis_parse_salt(&rep, s2), 1, "salt: 32 hex: read");
	ok(s2[0] == 0 && s2[15] == 15, "salt: its bytes");
	rep.str = (char *)"000102030405060708090a0b0c0d0e0g";
	is_int(backup_redis_parse_salt(&rep, s2), -1, "salt: not hex: failed");
	ok(s2[0] == 0 && s2[1] == 0, "salt: zero when refused");
	rep.len = 31;
	is_int(backup_redis_parse_salt(&rep, s2), -1, "salt: 31 chars: failed");
	rep.type = REDIS_REPLY_ERROR;
	rep.len = 3;
	rep.str = (char *)"ERR";
	is_int(backup_redis_parse_salt(&rep, s2), -1, "salt: an error: failed");
	rep.type = REDIS_REPLY_INTEGER;
	rep.integer = -1;
	is_int(backup_redis_parse_use(&rep, &left), 0, "use: -1: not in the set");
	rep.integer = 0;
	is_int(backup_redis_parse_use(&rep, &left), 1, "use: 0: used, none left");
	rep.integer = BACKUP_MAX_N - 1;
	is_int(backup_redis_parse_use(&rep, &left), 1, "use: 19 left");
	is_int((int)left, BACKUP_MAX_N - 1, "use: how many left");
	rep.integer = BACKUP_MAX_N;
	is_int(backup_redis_parse_use(&rep, &left), -1, "use: 20 left: out of range");
	rep.integer = -2;
	is_int(backup_redis_parse_use(&rep, &left), -1, "use: -2: out of range");
	rep.type = REDIS_REPLY_STRING;
	rep.str = (char *)"1";
	rep.len = 1;
	is_int(backup_redis_parse_use(&rep, &left), -1, "use: a string: refused");
	return done_testing();
}
