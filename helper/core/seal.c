/* AES-256-GCM over the code, with the challenge id, user, uid and service
 * as additional data: a store that can be rewritten (Redis) can point one
 * user at another's record, but the seal then does not open. The key is
 * random per daemon start (or the fleet's), made on first use and kept in
 * memory only (never written, wiped at exit); each seal has a fresh random
 * nonce. One cipher context per direction is keyed once (the AES key
 * schedule and GCM's hash key) and given only the nonce per seal: a fresh
 * context and key setup per code cost about 10,000 instructions. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "seal.h"

#if SEAL_NONCE_LEN + SEAL_TEXT_LEN + SEAL_TAG_LEN != STORE_SEALED_LEN
#error "STORE_SEALED_LEN does not match the seal layout"
#endif

static uint8_t seal_key[32];
static int seal_key_set;
/* Keyed with seal_key, or NULL: made on first use, freed (the key
 * schedule cleansed) whenever the key changes or goes. */
static EVP_CIPHER_CTX *seal_enc, *seal_dec;

static void
seal_ctx_drop(void)
{
	EVP_CIPHER_CTX_free(seal_enc);     /* cleanses the key schedule */
	EVP_CIPHER_CTX_free(seal_dec);
	seal_enc = seal_dec = NULL;
}

void
seal_cleanup(void)
{
	seal_ctx_drop();
	OPENSSL_cleanse(seal_key, sizeof(seal_key));
	seal_key_set = 0;
}

/* The context for one direction keyed with seal_key (made on first use),
 * or NULL. */
static EVP_CIPHER_CTX *
seal_ctx(int enc)
{
	EVP_CIPHER_CTX **pp = enc ? &seal_enc : &seal_dec;
	EVP_CIPHER_CTX *ctx = *pp;

	if (ctx != NULL)
		return ctx;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, seal_key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	*pp = ctx;
	return ctx;
}

static int
seal_key_init(void)
{
	if (seal_key_set)
		return 0;
	if (RAND_bytes(seal_key, sizeof(seal_key)) != 1)
		return -1;
	seal_key_set = 1;
	/* The daemon wipes the HMAC key in main(); this one goes at exit. */
	atexit(seal_cleanup);
	return 0;
}

int
seal_init_key(const uint8_t key[32])
{
	if (!seal_key_set)
		atexit(seal_cleanup);
	seal_ctx_drop();             /* keyed with the old key */
	memcpy(seal_key, key, sizeof(seal_key));
	seal_key_set = 1;
	return 0;
}

/* The AAD, unambiguous: the id and uid have fixed sizes, and neither name
 * can hold a NUL. Returns its length, or 0 for names too long. */
static size_t
seal_aad(const struct challenge *c, uint8_t aad[SEAL_AAD_MAX])
{
	size_t ulen = strnlen(c->user, sizeof(c->user));
	size_t slen = strnlen(c->service, sizeof(c->service));
	uint32_t uid = (uint32_t)c->uid;
	size_t n = 0;

	if (ulen > PROTO_MAX_USER || slen > PROTO_MAX_SERVICE)
		return 0;
	memcpy(aad, c->id, PROTO_ID_LEN);
	n = PROTO_ID_LEN;
	aad[n++] = (uint8_t)(uid >> 24);
	aad[n++] = (uint8_t)(uid >> 16);
	aad[n++] = (uint8_t)(uid >> 8);
	aad[n++] = (uint8_t)uid;
	memcpy(aad + n, c->user, ulen);
	n += ulen;
	aad[n++] = 0;
	memcpy(aad + n, c->service, slen);
	n += slen;
	aad[n++] = 0;
	return n;
}

int
seal_code(const struct challenge *c, const char *code,
    uint8_t out[STORE_SEALED_LEN])
{
	EVP_CIPHER_CTX *ctx;
	uint8_t pt[SEAL_TEXT_LEN], aad[SEAL_AAD_MAX];
	size_t n = strlen(code), alen;
	int len, r = -1;

	memset(pt, 0, sizeof(pt));
	if (n < 4 || n > SEAL_TEXT_LEN || (alen = seal_aad(c, aad)) == 0 ||
	    seal_key_init() != 0)
		goto out;
	memcpy(pt, code, n);
	/* The nonce alone restarts the keyed context for a new message. */
	if (RAND_bytes(out, SEAL_NONCE_LEN) != 1 ||
	    (ctx = seal_ctx(1)) == NULL ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)alen) != 1 ||
	    EVP_EncryptUpdate(ctx, out + SEAL_NONCE_LEN, &len, pt,
	    SEAL_TEXT_LEN) != 1 || len != SEAL_TEXT_LEN ||
	    EVP_EncryptFinal_ex(ctx, out + SEAL_NONCE_LEN + len, &len) != 1 ||
	    len != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    out + SEAL_NONCE_LEN + SEAL_TEXT_LEN) != 1)
		goto out;
	r = 0;
out:
	if (r != 0)
		OPENSSL_cleanse(out, STORE_SEALED_LEN);
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(aad, sizeof(aad));
	return r;
}

int
seal_open(const struct challenge *c, char *code, size_t codesz)
{
	static const uint8_t zero[STORE_SEALED_LEN];
	EVP_CIPHER_CTX *ctx;
	const uint8_t *in = c->sealed;
	uint8_t pt[SEAL_TEXT_LEN], tag[SEAL_TAG_LEN], aad[SEAL_AAD_MAX];
	size_t n, alen;
	int len, r = -1;

	memset(pt, 0, sizeof(pt));
	memset(aad, 0, sizeof(aad));
	if (codesz <= SEAL_TEXT_LEN || !seal_key_set ||
	    CRYPTO_memcmp(in, zero, sizeof(zero)) == 0 ||
	    (alen = seal_aad(c, aad)) == 0)
		goto out;
	/* The ctrl takes a non-const pointer. */
	memcpy(tag, in + SEAL_NONCE_LEN + SEAL_TEXT_LEN, sizeof(tag));
	if ((ctx = seal_ctx(0)) == NULL ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, in) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)alen) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &len, in + SEAL_NONCE_LEN,
	    SEAL_TEXT_LEN) != 1 || len != SEAL_TEXT_LEN ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + len, &len) != 1)
		goto out;
	/* Authentic, so well formed: digits, then NUL padding. */
	for (n = 0; n < SEAL_TEXT_LEN && pt[n] != '\0'; n++)
		if (pt[n] < '0' || pt[n] > '9')
			goto out;
	if (n < 4)
		goto out;
	memcpy(code, pt, n);
	code[n] = '\0';
	r = 0;
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(aad, sizeof(aad));
	return r;
}
