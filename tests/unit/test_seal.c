/* helper/core/seal.c: the pending code sealed with AES-256-GCM for resends, bound
 * (the AAD) to the challenge id, user, caller uid and service.
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

/* A challenge as issue_new makes it: id, user, service, caller uid. */
static void
make(struct challenge *c, uint8_t v, const char *user, const char *service,
    uid_t uid)
{
	memset(c, 0, sizeof(*c));
	fill_id(c->id, v);
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->service, sizeof(c->service), "%s", service);
	c->uid = uid;
}

/* Opens s for c's binding with every other field of c as it is. */
static int
open_as(const struct challenge *c, const uint8_t s[STORE_SEALED_LEN],
    char *code, size_t codesz)
{
	struct challenge t = *c;

	memcpy(t.sealed, s, STORE_SEALED_LEN);
	return seal_open(&t, code, codesz);
}

/* Opens s with a one-shot context of its own (not seal.c's): the seal is
 * plain AES-256-GCM under key, nonce first, tag last. */
static int
open_with(const uint8_t key[32], const struct challenge *c,
    const uint8_t s[STORE_SEALED_LEN], char code[SEAL_TEXT_LEN + 1])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t aad[SEAL_AAD_MAX], tag[SEAL_TAG_LEN];
	size_t alen = seal_aad(c, aad);
	int len, r = -1;

	memcpy(tag, s + SEAL_NONCE_LEN + SEAL_TEXT_LEN, sizeof(tag));
	memset(code, 0, SEAL_TEXT_LEN + 1);
	if (ctx != NULL && alen != 0 &&
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) == 1 &&
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, s) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)alen) == 1 &&
	    EVP_DecryptUpdate(ctx, (uint8_t *)code, &len, s + SEAL_NONCE_LEN,
	    SEAL_TEXT_LEN) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, (uint8_t *)code + len, &len) == 1)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
main(void)
{
	struct challenge a, b;
	uint8_t s[STORE_SEALED_LEN], s2[STORE_SEALED_LEN], t[STORE_SEALED_LEN];
	uint8_t zero[STORE_SEALED_LEN];
	char code[SEAL_TEXT_LEN + 1];
	const char *codes[] = { "0000", "123456", "00012345", "9876543210" };
	size_t i, bit, bad;
	int r;

	memset(zero, 0, sizeof(zero));
	memset(s, 0x5a, sizeof(s));
	make(&a, 1, "alice", "sshd", 0);

	ok(!seal_key_set && all_zero(seal_key, sizeof(seal_key)),
	    "no key before the first seal");
	memset(code, 'x', sizeof(code));
	ok(open_as(&a, s, code, sizeof(code)) == -1,
	    "open before any key exists fails");

	/* Round trips, every code length the daemon may use. */
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(code, 'x', sizeof(code));
		r = seal_code(&a, codes[i], s);
		ok(r == 0, "seal \"%s\"", codes[i]);
		r = open_as(&a, s, code, sizeof(code));
		ok(r == 0, "open \"%s\"", codes[i]);
		ok(r == 0 && strcmp(code, codes[i]) == 0,
		    "round trip \"%s\" (leading zeros kept)", codes[i]);
	}
	ok(seal_key_set && !all_zero(seal_key, sizeof(seal_key)),
	    "a key was made on first use");

	/* The code is not in the seal in the clear. */
	ok(seal_code(&a, "123456", s) == 0, "seal 123456 again");
	ok(memmem(s, sizeof(s), "123456", 6) == NULL,
	    "the sealed bytes do not hold the code in the clear");

	/* Sealing into the challenge's own slot (as issue_new does). */
	b = a;
	ok(seal_code(&b, "123456", b.sealed) == 0 &&
	    seal_open(&b, code, sizeof(code)) == 0 &&
	    strcmp(code, "123456") == 0, "seal into c->sealed, open from it");

	/* A fresh nonce each time: the same code twice seals differently. */
	ok(seal_code(&a, "123456", s2) == 0, "seal the same code twice");
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
		if (open_as(&a, t, code, sizeof(code)) != -1)
			bad++;
	}
	is_int(bad, 0, "each of the %d one-bit flips is refused",
	    STORE_SEALED_LEN * 8);
	memcpy(t, s, sizeof(t));
	ok(open_as(&a, t, code, sizeof(code)) == 0,
	    "the untouched seal still opens");

	/* The AAD: id, user, uid and service. A store writer who points one
	 * owner at another's record cannot open its seal as that owner. */
	b = a;
	b.id[PROTO_ID_LEN - 1] ^= 1;
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "another challenge id (one bit off) is refused");
	memset(b.id, 0, sizeof(b.id));
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "an all-zero challenge id is refused");
	make(&b, 1, "bob", "sshd", 0);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "another user (the same id, service, uid) is refused");
	make(&b, 1, "alicf", "sshd", 0);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "a user one bit off is refused");
	make(&b, 1, "alice", "sshd", 1000);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "another caller uid is refused");
	make(&b, 1, "alice", "sshd", (uid_t)1 << 24);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "a uid differing in its top byte only is refused");
	make(&b, 1, "alice", "sudo", 0);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "another service is refused");
	make(&b, 1, "alice", "", 0);
	ok(open_as(&b, s, code, sizeof(code)) == -1,
	    "an empty service is refused");
	/* The fields cannot be shifted into each other: "ab"/"c" vs "a"/"bc". */
	make(&b, 1, "ab", "c", 0);
	ok(seal_code(&b, "123456", t) == 0, "seal for user ab, service c");
	make(&b, 1, "a", "bc", 0);
	ok(open_as(&b, t, code, sizeof(code)) == -1,
	    "user a, service bc does not open it");
	make(&b, 1, "ab", "c", 0);
	ok(open_as(&b, t, code, sizeof(code)) == 0,
	    "user ab, service c does");
	/* A name without its NUL (never from the daemon) is not sealed. */
	make(&b, 1, "alice", "sshd", 0);
	memset(b.user, 'u', sizeof(b.user));
	memset(t, 0xaa, sizeof(t));
	ok(seal_code(&b, "123456", t) == -1 && all_zero(t, sizeof(t)),
	    "an unterminated user is refused, out wiped");
	make(&b, 1, "alice", "sshd", 0);
	memset(b.service, 's', sizeof(b.service));
	memcpy(b.sealed, s, sizeof(s));
	ok(seal_open(&b, code, sizeof(code)) == -1,
	    "an unterminated service does not open");
	/* The longest names the protocol allows still seal and open. */
	make(&b, 7, "", "", (uid_t)-1);
	memset(b.user, 'u', PROTO_MAX_USER);
	memset(b.service, 's', PROTO_MAX_SERVICE);
	ok(seal_code(&b, "4242", b.sealed) == 0 &&
	    seal_open(&b, code, sizeof(code)) == 0 && strcmp(code, "4242") == 0,
	    "%d-byte user, %d-byte service, uid %u: round trip",
	    PROTO_MAX_USER, PROTO_MAX_SERVICE, (unsigned)(uid_t)-1);

	/* Not kept: the store's slot is all zero. */
	ok(open_as(&a, zero, code, sizeof(code)) == -1,
	    "an all-zero sealed field is refused");

	/* Output too small for the longest code and its NUL. */
	ok(open_as(&a, s, code, SEAL_TEXT_LEN) == -1,
	    "a code buffer of %d bytes is refused", SEAL_TEXT_LEN);

	/* Codes the daemon never makes are not sealed; out is then zero. */
	memset(t, 0xaa, sizeof(t));
	ok(seal_code(&a, "123", t) == -1 && all_zero(t, sizeof(t)),
	    "a 3-digit code is refused, out wiped");
	memset(t, 0xaa, sizeof(t));
	ok(seal_code(&a, "12345678901", t) == -1 && all_zero(t, sizeof(t)),
	    "an 11-digit code is refused, out wiped");

	/* Cleanup wipes the key: earlier seals no longer open, and a new key
	 * (a restart, in effect) does not open them either. */
	seal_cleanup();
	ok(!seal_key_set && all_zero(seal_key, sizeof(seal_key)),
	    "seal_cleanup wipes the key bytes");
	ok(open_as(&a, s, code, sizeof(code)) == -1,
	    "after cleanup an earlier seal does not open");
	ok(seal_code(&a, "654321", s2) == 0 && !all_zero(seal_key,
	    sizeof(seal_key)), "the next seal makes a new key");
	ok(open_as(&a, s, code, sizeof(code)) == -1,
	    "a seal from before (another daemon run) does not open");
	ok(open_as(&a, s2, code, sizeof(code)) == 0 &&
	    strcmp(code, "654321") == 0, "a seal under the new key does");
	/* One keyed context per direction, kept across seals (issue 16): the
	 * nonce alone restarts it, each seal still plain AES-256-GCM under
	 * the key, and a new key (seal_init_key) re-keys it. */
	{
		static const uint8_t ka[32] = { 1, 2, 3 }, kb[32] = { 9, 8, 7 };
		EVP_CIPHER_CTX *e0, *d0;
		char got[SEAL_TEXT_LEN + 1], want[SEAL_TEXT_LEN + 1];
		int nbad = 0, n;

		seal_init_key(ka);
		ok(seal_code(&a, "111111", s) == 0 && (e0 = seal_enc) != NULL,
		    "a seal keys the encrypting context");
		ok(open_as(&a, s, code, sizeof(code)) == 0 &&
		    (d0 = seal_dec) != NULL, "an open keys the decrypting one");
		for (n = 0; n < 200; n++) {
			snprintf(want, sizeof(want), "%06d", n * 4999 % 1000000);
			make(&b, (uint8_t)n, n % 2 ? "alice" : "bob", "sshd",
			    (uid_t)n);
			if (seal_code(&b, want, t) != 0 ||
			    open_with(ka, &b, t, got) != 0 ||
			    strcmp(got, want) != 0 ||
			    open_as(&b, t, code, sizeof(code)) != 0 ||
			    strcmp(code, want) != 0)
				nbad++;
			/* A forged seal in between leaves the context usable. */
			t[SEAL_NONCE_LEN] ^= 1;
			if (open_as(&b, t, code, sizeof(code)) != -1)
				nbad++;
		}
		ok(nbad == 0, "200 seals on the kept contexts open with a "
		    "one-shot AES-256-GCM and with seal_open; forgeries fail");
		ok(seal_enc == e0 && seal_dec == d0,
		    "the same two contexts served them all");
		seal_init_key(kb);
		ok(seal_code(&a, "222222", s2) == 0 &&
		    open_with(kb, &a, s2, got) == 0 && strcmp(got, "222222") == 0
		    && open_with(ka, &a, s2, got) == -1,
		    "after seal_init_key the seal is under the new key");
		ok(open_as(&a, s, code, sizeof(code)) == -1,
		    "and a seal under the old key no longer opens");
		seal_cleanup();
		ok(seal_enc == NULL && seal_dec == NULL,
		    "seal_cleanup frees the keyed contexts");
	}
	seal_cleanup();
	ok(all_zero(seal_key, sizeof(seal_key)), "wiped again at the end");
	return done_testing();
}
