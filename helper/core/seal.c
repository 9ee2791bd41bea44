/* AES-256-GCM over the code, with the challenge id as additional data. The
 * key is random per daemon start, made on first use and kept in memory only
 * (never written, wiped at exit); each seal has a fresh random nonce. */
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

void
seal_cleanup(void)
{
	OPENSSL_cleanse(seal_key, sizeof(seal_key));
	seal_key_set = 0;
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
	memcpy(seal_key, key, sizeof(seal_key));
	seal_key_set = 1;
	return 0;
}

int
seal_code(const uint8_t id[PROTO_ID_LEN], const char *code,
    uint8_t out[STORE_SEALED_LEN])
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t pt[SEAL_TEXT_LEN];
	size_t n = strlen(code);
	int len, r = -1;

	memset(pt, 0, sizeof(pt));
	if (n < 4 || n > SEAL_TEXT_LEN || seal_key_init() != 0)
		goto out;
	memcpy(pt, code, n);
	if (RAND_bytes(out, SEAL_NONCE_LEN) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, seal_key, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, id, PROTO_ID_LEN) != 1 ||
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
	EVP_CIPHER_CTX_free(ctx);     /* cleanses the key schedule */
	return r;
}

int
seal_open(const uint8_t id[PROTO_ID_LEN], const uint8_t in[STORE_SEALED_LEN],
    char *code, size_t codesz)
{
	static const uint8_t zero[STORE_SEALED_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t pt[SEAL_TEXT_LEN], tag[SEAL_TAG_LEN];
	size_t n;
	int len, r = -1;

	memset(pt, 0, sizeof(pt));
	if (codesz <= SEAL_TEXT_LEN || !seal_key_set ||
	    CRYPTO_memcmp(in, zero, sizeof(zero)) == 0)
		goto out;
	/* The ctrl takes a non-const pointer. */
	memcpy(tag, in + SEAL_NONCE_LEN + SEAL_TEXT_LEN, sizeof(tag));
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, seal_key, in) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, id, PROTO_ID_LEN) != 1 ||
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
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
