/* libFuzzer: what a Redis server, or anyone in the middle of a plain
 * connection, could send the daemon: bytes fed to hiredis's reader in
 * pieces (the first byte says how big) through the client's capped
 * reader (rc_reader_new), each reply given to the Sentinel
 * parsers (get-master-addr-by-name, ROLE), the store's (put, verify,
 * find) and the shared policy's (reserve, failure, unlock, locked: their
 * callbacks abort on an answer out of range). What must hold: no crash, no over-read; a master address is
 * accepted only as a NUL-terminated IP address and a port of 1 to 65535.
 * Built by tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "backup_redis.h"
#include "conf.h"
#include "rpolicy.h"
#include "redis_priv.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A policy with a made-up fleet key: the parsers need its keys only to
 * open sealed names, which random input never is. */
static struct rpolicy *
policy(void)
{
	static struct config cfg;
	static uint8_t key[32];
	static char prefix[] = "f:";
	static struct rpolicy *rp;

	if (rp == NULL) {
		cfg.fleet_key = key;
		cfg.fleet_key_len = sizeof(key);
		cfg.store.key_prefix = prefix;
		if ((rp = rpolicy_new(&cfg, NULL)) == NULL)
			abort();
	}
	return rp;
}

static void
check(const redisReply *r)
{
	struct in6_addr a;
	char host[64], role[32];
	unsigned port = 0;

	memset(host, 'X', sizeof(host));
	if (rc_parse_master_addr(r, host, &port) == 1) {
		if (memchr(host, '\0', sizeof(host)) == NULL || port == 0 ||
		    port > 65535 || (inet_pton(AF_INET, host, &a) != 1 &&
		    inet_pton(AF_INET6, host, &a) != 1))
			abort();
	}
	if (rc_parse_role(r, role, sizeof(role)) >= 0 &&
	    memchr(role, '\0', sizeof(role)) == NULL)
		abort();
	(void)store_redis_parse_all(r);
	rpolicy_parse_all(policy(), r);
	/* Backup codes (backup_redis.c): answers in range or refused. */
	{
		uint8_t salt[BACKUP_SALT_LEN];
		unsigned left;
		int v;

		v = backup_redis_parse_salt(r, salt);
		if (v < -1 || v > 1)
			abort();
		for (left = 0; v != 1 && left < BACKUP_SALT_LEN; left++)
			if (salt[left] != 0)
				abort();
		v = backup_redis_parse_use(r, &left);
		if (v < -1 || v > 1 || (v != 1 && left != 0) ||
		    left >= BACKUP_MAX_N)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	void *reply;
	size_t chunk, off = 1;

	if (size < 1 || (rd = rc_reader_new()) == NULL)
		return 0;
	chunk = (size_t)data[0] % 16 + 1;
	while (off < size) {
		if (chunk > size - off)
			chunk = size - off;
		if (redisReaderFeed(rd, (const char *)data + off, chunk) != REDIS_OK ||
		    rd->len - rd->pos > RC_MAX_PENDING)
			break;
		off += chunk;
		for (;;) {
			reply = NULL;
			if (redisReaderGetReply(rd, &reply) != REDIS_OK || reply == NULL)
				break;
			check(reply);
			freeReplyObject(reply);
		}
		if (rd->err)
			break;
	}
	redisReaderFree(rd);
	return 0;
}
