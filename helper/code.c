#include <config.h>

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "code.h"

/* Lives in memory only: a restart makes every pending code useless. */
static uint8_t code_key[CODE_KEY_LEN];
static int code_key_set;

int
code_init(void)
{
	if (RAND_bytes(code_key, sizeof(code_key)) != 1)
		return -1;
	code_key_set = 1;
	return 0;
}

void
code_cleanup(void)
{
	OPENSSL_cleanse(code_key, sizeof(code_key));
	code_key_set = 0;
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
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
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
	return RAND_bytes(id, PROTO_ID_LEN) == 1 ? 0 : -1;
}

int
code_mac(const uint8_t id[PROTO_ID_LEN], const char *user, const char *code,
    uint8_t mac[STORE_MAC_LEN])
{
	uint8_t msg[PROTO_ID_LEN + PROTO_MAX_USER + 1 + PROTO_MAX_CODE];
	size_t ulen = strlen(user), clen = strlen(code), n = 0;
	unsigned int len = STORE_MAC_LEN;
	int r = -1;

	if (!code_key_set || ulen > PROTO_MAX_USER || clen > PROTO_MAX_CODE)
		return -1;
	/* One buffer and the one-shot HMAC(): HMAC_CTX is deprecated in 3.0. */
	memcpy(msg, id, PROTO_ID_LEN);
	n += PROTO_ID_LEN;
	memcpy(msg + n, user, ulen + 1);
	n += ulen + 1;
	memcpy(msg + n, code, clen);
	n += clen;
	if (HMAC(EVP_sha256(), code_key, sizeof(code_key), msg, n, mac, &len) != NULL &&
	    len == STORE_MAC_LEN)
		r = 0;
	OPENSSL_cleanse(msg, sizeof(msg));
	return r;
}

void
code_id_hex(const uint8_t id[PROTO_ID_LEN], char out[17])
{
	int i;

	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}
