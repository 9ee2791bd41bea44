/* helper/seal.c: the pending code sealed with AES-256-GCM for resends.
 *
 * The source is compiled into this test (not linked from libotpsmsd) so that
 * the test can look at the key, which is static: "wiped on cleanup" is then
 * checked on the bytes themselves, not only through the API. */
#include "../../helper/core/seal.c"

#include <stdio.h>

#include "../tap.h"

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t acc = 0;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void
fill_id(uint8_t id[PROTO_ID_LEN], uint8_t v)
{
	size_t i;

	for (i = 0; i < PROTO_ID_LEN; i++)
		id[i] = (uint8_t)(v + i);
}

int
main(void)
{
	uint8_t id[PROTO_ID_LEN], id2[PROTO_ID_LEN];
	uint8_t s[STORE_SEALED_LEN], s2[STORE_SEALED_LEN], t[STORE_SEALED_LEN];
	uint8_t zero[STORE_SEALED_LEN];
	char code[SEAL_TEXT_LEN + 1];
	const char *codes[] = { "0000", "123456", "00012345", "9876543210" };
	size_t i, bit, bad;
	int r;

	memset(zero, 0, sizeof(zero));
	memset(s, 0x5a, sizeof(s));
	fill_id(id, 1);
	fill_id(id2, 1);
	id2[PROTO_ID_LEN - 1] ^= 1;

	ok(!seal_key_set && all_zero(seal_key, sizeof(seal_key)),
	    "no key before the first seal");
	memset(code, 'x', sizeof(code));
	ok(seal_open(id, s, code, sizeof(code)) == -1,
	    "open before any key exists fails");

	/* Round trips, every code length the daemon may use. */
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(code, 'x', sizeof(code));
		r = seal_code(id, codes[i], s);
		ok(r == 0, "seal \"%s\"", codes[i]);
		r = seal_open(id, s, code, sizeof(code));
		ok(r == 0, "open \"%s\"", codes[i]);
		ok(r == 0 && strcmp(code, codes[i]) == 0,
		    "round trip \"%s\" (leading zeros kept)", codes[i]);
	}
	ok(seal_key_set && !all_zero(seal_key, sizeof(seal_key)),
	    "a key was made on first use");

	/* The code is not in the seal in the clear. */
	ok(seal_code(id, "123456", s) == 0, "seal 123456 again");
	ok(memmem(s, sizeof(s), "123456", 6) == NULL,
	    "the sealed bytes do not hold the code in the clear");

	/* A fresh nonce each time: the same code twice seals differently. */
	ok(seal_code(id, "123456", s2) == 0, "seal the same code twice");
	ok(memcmp(s, s2, SEAL_NONCE_LEN) != 0, "with different nonces");
	ok(memcmp(s + SEAL_NONCE_LEN, s2 + SEAL_NONCE_LEN,
	    STORE_SEALED_LEN - SEAL_NONCE_LEN) != 0,
	    "and different ciphertext and tag");

	/* Tamper: every single bit flip, anywhere (nonce, text, tag). */
	bad = 0;
	for (bit = 0; bit < STORE_SEALED_LEN * 8; bit++) {
		memcpy(t, s, sizeof(t));
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(code, 'x', sizeof(code));
		if (seal_open(id, t, code, sizeof(code)) != -1)
			bad++;
	}
	is_int(bad, 0, "each of the %d one-bit flips is refused",
	    STORE_SEALED_LEN * 8);
	memcpy(t, s, sizeof(t));
	ok(seal_open(id, t, code, sizeof(code)) == 0,
	    "the untouched seal still opens");

	/* The challenge id is the AAD: a seal cannot move to another one. */
	ok(seal_open(id2, s, code, sizeof(code)) == -1,
	    "another challenge id (one bit off) is refused");
	memset(id2, 0, sizeof(id2));
	ok(seal_open(id2, s, code, sizeof(code)) == -1,
	    "an all-zero challenge id is refused");

	/* Not kept: the store's slot is all zero. */
	ok(seal_open(id, zero, code, sizeof(code)) == -1,
	    "an all-zero sealed field is refused");

	/* Output too small for the longest code and its NUL. */
	ok(seal_open(id, s, code, SEAL_TEXT_LEN) == -1,
	    "a code buffer of %d bytes is refused", SEAL_TEXT_LEN);

	/* Codes the daemon never makes are not sealed; out is then zero. */
	memset(t, 0xaa, sizeof(t));
	ok(seal_code(id, "123", t) == -1 && all_zero(t, sizeof(t)),
	    "a 3-digit code is refused, out wiped");
	memset(t, 0xaa, sizeof(t));
	ok(seal_code(id, "12345678901", t) == -1 && all_zero(t, sizeof(t)),
	    "an 11-digit code is refused, out wiped");

	/* Cleanup wipes the key: earlier seals no longer open, and a new key
	 * (a restart, in effect) does not open them either. */
	seal_cleanup();
	ok(!seal_key_set && all_zero(seal_key, sizeof(seal_key)),
	    "seal_cleanup wipes the key bytes");
	ok(seal_open(id, s, code, sizeof(code)) == -1,
	    "after cleanup an earlier seal does not open");
	ok(seal_code(id, "654321", s2) == 0 && !all_zero(seal_key,
	    sizeof(seal_key)), "the next seal makes a new key");
	ok(seal_open(id, s, code, sizeof(code)) == -1,
	    "a seal from before (another daemon run) does not open");
	ok(seal_open(id, s2, code, sizeof(code)) == 0 &&
	    strcmp(code, "654321") == 0, "a seal under the new key does");
	seal_cleanup();
	ok(all_zero(seal_key, sizeof(seal_key)), "wiped again at the end");
	return done_testing();
}
