/* code_mac: one keyed HMAC context per process must give exactly the
 * HMAC-SHA-256 of id || user || '\0' || code, code after code. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "code.h"
#include "../tap.h"

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The one-shot HMAC() over the same bytes: id, user, NUL, uid (big-endian),
 * code. */
static void
reference(const uint8_t *key, const uint8_t *id, const char *user, uint32_t uid,
    const char *code, uint8_t *out)
{
	uint8_t msg[PROTO_ID_LEN + PROTO_MAX_USER + 1 + 4 + PROTO_MAX_CODE];
	size_t ulen = strlen(user), clen = strlen(code), n = 0;
	unsigned int len = STORE_MAC_LEN;

	memcpy(msg, id, PROTO_ID_LEN);
	n = PROTO_ID_LEN;
	memcpy(msg + n, user, ulen + 1);
	n += ulen + 1;
	msg[n++] = (uint8_t)(uid >> 24);
	msg[n++] = (uint8_t)(uid >> 16);
	msg[n++] = (uint8_t)(uid >> 8);
	msg[n++] = (uint8_t)uid;
	memcpy(msg + n, code, clen);
	n += clen;
	HMAC(EVP_sha256(), key, CODE_KEY_LEN, msg, n, out, &len);
}

int
main(void)
{
	uint8_t key[CODE_KEY_LEN], id[PROTO_ID_LEN], mac[STORE_MAC_LEN],
	    want[STORE_MAC_LEN], first[STORE_MAC_LEN];   /* first: a MAC, then a key */
	char h[2 * STORE_MAC_LEN + 1], user[PROTO_MAX_USER + 1], code[16];
	size_t i, ulen;
	int bad = 0;

	memset(id, 0, sizeof(id));
	ok(code_mac(id, "alice", 0, "123456", mac) == -1, "no MAC before code_init");

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)i;
	ok(code_init_key(key) == 0, "keyed");
	/* Python: hmac.new(bytes(range(32)), bytes(range(16)) + b"alice\x00" +
	 * uid.to_bytes(4, "big") + b"123456", hashlib.sha256).hexdigest() */
	ok(code_mac(id, "alice", 0, "123456", mac) == 0, "MAC");
	hex(mac, sizeof(mac), h);
	is_str(h, "df6651281acb9fcbc56a3e10abfaf40aed9f960c14bd33f865d6d9c1fd00607d",
	    "known answer (uid 0)");
	ok(code_mac(id, "alice", 1000, "123456", mac) == 0, "MAC for uid 1000");
	hex(mac, sizeof(mac), h);
	is_str(h, "d36eec5e98772d920d0f59676756983bc7e6680d29c52a8bdd7de586e57e1ed6",
	    "known answer (uid 1000): the caller is bound in the MAC");
	ok(code_mac(id, "alice", 0, "123456", first) == 0, "MAC again");
	ok(code_mac(id, "alice", 0, "123456", mac) == 0 &&
	    memcmp(mac, first, sizeof(mac)) == 0, "the same again (context restarted)");
	ok(code_mac(id, "alice", 0, "123457", mac) == 0 &&
	    memcmp(mac, first, sizeof(mac)) != 0, "another code, another MAC");
	ok(code_mac(id, "ab", 0, "1234", mac) == 0 &&
	    code_mac(id, "a", 0, "b1234", first) == 0 &&
	    memcmp(mac, first, sizeof(mac)) != 0, "the NUL separates user and code");

	/* Random keys, ids, users and codes against the one-shot HMAC(). */
	for (i = 0; i < 2000 && !bad; i++) {
		RAND_bytes(key, sizeof(key));
		RAND_bytes(id, sizeof(id));
		RAND_bytes((uint8_t *)&ulen, sizeof(ulen));
		ulen = 1 + ulen % PROTO_MAX_USER;
		memset(user, 'a' + (int)(i % 26), ulen);
		user[ulen] = '\0';
		snprintf(code, sizeof(code), "%06zu", i * 7919 % 1000000);
		/* A new key now and then; many codes under each. */
		if (i % 100 == 0 && code_init_key(key) != 0)
			bad = 1;
		if (i % 100 == 0)
			memcpy(first, key, sizeof(key));
		reference(first, id, user, (uint32_t)(i * 40503u), code, want);
		if (code_mac(id, user, (uid_t)(i * 40503u), code, mac) != 0 ||
		    memcmp(mac, want, sizeof(mac)) != 0)
			bad = 1;
	}
	ok(!bad, "matches HMAC() for random keys, users, uids and codes");

	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(0xf0 + i * 0x13);
	code_id_hex(id, h);
	is_str(h, "f00316293c4f6275", "id hex: the first 8 bytes, lower case");

	/* Ids across many refills of the random pool: none repeats, none is
	 * the zeros a wiped pool would leave. */
	{
		static uint8_t ids[1000][PROTO_ID_LEN];
		static const uint8_t zero[PROTO_ID_LEN];
		size_t j;

		for (i = 0; i < 1000 && !bad; i++)
			if (code_random_id(ids[i]) != 0 ||
			    memcmp(ids[i], zero, PROTO_ID_LEN) == 0)
				bad = 1;
		for (i = 0; i < 1000 && !bad; i++)
			for (j = i + 1; j < 1000; j++)
				if (memcmp(ids[i], ids[j], PROTO_ID_LEN) == 0)
					bad = 1;
		ok(!bad, "1000 random ids (16 KB through a 1 KB pool): distinct, not zero");
		for (i = 0; i < 2000 && !bad; i++)
			if (code_generate(code, sizeof(code), 6) != 0 ||
			    strlen(code) != 6 || strspn(code, "0123456789") != 6)
				bad = 1;
		ok(!bad, "2000 codes of 6 digits");
	}

	ok(code_init() == 0, "random key");
	ok(code_mac(id, user, 0, code, mac) == 0, "MAC under the random key");
	memset(user, '1', PROTO_MAX_CODE + 1);
	user[PROTO_MAX_CODE + 1] = '\0';
	ok(code_mac(id, "alice", 0, user, mac) == -1, "code too long refused");
	code_cleanup();
	ok(code_mac(id, "alice", 0, "123456", mac) == -1, "no MAC after code_cleanup");
	return done_testing();
}
