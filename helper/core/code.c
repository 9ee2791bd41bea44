#include <config.h>

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "code.h"

/* The key lives in memory only: a restart makes every pending code useless.
 * It is held by one keyed HMAC context for the process: the one-shot HMAC()
 * fetched the algorithms and derived the pads again for every code. */
static EVP_MAC *code_hmac;
static EVP_MAC_CTX *code_ctx;

/* Random bytes are drawn from OpenSSL's DRBG a kilobyte at a time and handed
 * out in order, each wiped from the pool as it is taken: one RAND_bytes call
 * cost as much as the HMAC, and a code needs two (its id and its digits).
 * The daemon does not fork after code_init, so no two processes share it. */
#define CODE_RAND_POOL 1024
static uint8_t rand_pool[CODE_RAND_POOL];
static size_t rand_off = CODE_RAND_POOL;

static int
rand_take(void *out, size_t n)
{
	if (n > sizeof(rand_pool))
		return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
	if (sizeof(rand_pool) - rand_off < n) {
		if (RAND_bytes(rand_pool, sizeof(rand_pool)) != 1)
			return -1;
		rand_off = 0;
	}
	memcpy(out, rand_pool + rand_off, n);
	OPENSSL_cleanse(rand_pool + rand_off, n);
	rand_off += n;
	return 0;
}

void
code_cleanup(void)
{
	OPENSSL_cleanse(rand_pool, sizeof(rand_pool));
	rand_off = sizeof(rand_pool);
	EVP_MAC_CTX_free(code_ctx);     /* cleanses the key and pads */
	EVP_MAC_free(code_hmac);
	code_ctx = NULL;
	code_hmac = NULL;
}

int
code_init_key(const uint8_t key[CODE_KEY_LEN])
{
	OSSL_PARAM params[2];
	char digest[] = "SHA256";
	int r = -1;

	code_cleanup();
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((code_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (code_ctx = EVP_MAC_CTX_new(code_hmac)) == NULL ||
	    EVP_MAC_init(code_ctx, key, CODE_KEY_LEN, params) != 1)
		goto out;
	r = 0;
 out:
	if (r != 0)
		code_cleanup();
	return r;
}

int
code_init(void)
{
	uint8_t key[CODE_KEY_LEN];
	int r = -1;

	if (RAND_bytes(key, sizeof(key)) != 1)
		goto out;
	r = code_init_key(key);
 out:
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

int
code_generate(char *out, size_t outsz, unsigned digits)
{
	uint64_t mod = 1, v, limit;
	unsigned i;

	if (digits < 4 || digits > 10 || outsz < digits + 1)
		return -1;
	for (i = 0; i < digits; i++)
		mod *= 10;
	/* Largest multiple of mod that fits: values at or above it are
	 * rejected so that v % mod is uniform. */
	limit = UINT64_MAX - (UINT64_MAX % mod);
	do {
		if (rand_take(&v, sizeof(v)) != 0)
			return -1;
	} while (v >= limit);
	v %= mod;
	for (i = digits; i > 0; i--) {
		out[i - 1] = '0' + (char)(v % 10);
		v /= 10;
	}
	out[digits] = '\0';
	OPENSSL_cleanse(&v, sizeof(v));
	return 0;
}

int
code_random_id(uint8_t id[PROTO_ID_LEN])
{
	return rand_take(id, PROTO_ID_LEN);
}

int
code_mac(const uint8_t id[PROTO_ID_LEN], const char *user, uid_t uid,
    const char *code, uint8_t mac[STORE_MAC_LEN])
{
	size_t ulen = strlen(user), clen = strlen(code), len = 0;
	uint8_t ub[4];
	int r = -1;

	if (code_ctx == NULL || ulen > PROTO_MAX_USER || clen > PROTO_MAX_CODE)
		goto out;
	ub[0] = (uint8_t)((uint32_t)uid >> 24);
	ub[1] = (uint8_t)((uint32_t)uid >> 16);
	ub[2] = (uint8_t)((uint32_t)uid >> 8);
	ub[3] = (uint8_t)uid;
	/* A NULL key restarts from the saved key pads: no allocation, no fetch. */
	if (EVP_MAC_init(code_ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(code_ctx, id, PROTO_ID_LEN) != 1 ||
	    EVP_MAC_update(code_ctx, (const uint8_t *)user, ulen + 1) != 1 ||
	    EVP_MAC_update(code_ctx, ub, sizeof(ub)) != 1 ||
	    EVP_MAC_update(code_ctx, (const uint8_t *)code, clen) != 1 ||
	    EVP_MAC_final(code_ctx, mac, &len, STORE_MAC_LEN) != 1 ||
	    len != STORE_MAC_LEN)
		goto out;
	r = 0;
 out:
	if (r != 0)
		OPENSSL_cleanse(mac, STORE_MAC_LEN);   /* never half a MAC */
	return r;
}

void
code_id_hex(const uint8_t id[PROTO_ID_LEN], char out[17])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	/* Once per message: a table, not snprintf per byte. */
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 0x0f];
	}
	out[16] = '\0';
}
