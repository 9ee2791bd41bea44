/* The fleet key file and the keys derived from it (fleetkey.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "fleetkey.h"
#include "util.h"

#define FLEETKEY_SALT "otpsms fleet"

int
fleetkey_read(const char *path, uid_t owner_ok, gid_t group_ok, uint8_t **key,
    size_t *len,
    char *err, size_t errsz)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, r = -1;

	*key = NULL;
	*len = 0;
	if ((fd = open_secret(path, owner_ok, group_ok, err, errsz)) == -1)
		goto out;
	if ((buf = malloc(FLEETKEY_MAX + 1)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	while (n <= FLEETKEY_MAX &&
	    (got = read(fd, buf + n, FLEETKEY_MAX + 1 - n)) != 0) {
		if (got == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)got;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n < FLEETKEY_MIN || n > FLEETKEY_MAX) {
		snprintf(err, errsz, "%s: a fleet key is %d to %d bytes (make one "
		    "with: openssl rand -hex 32)", path, FLEETKEY_MIN, FLEETKEY_MAX);
		goto out;
	}
	*key = buf;
	*len = n;
	buf = NULL;
	r = 0;
 out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, FLEETKEY_MAX + 1);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return r;
}

int
fleetkey_derive(const uint8_t *ikm, size_t len, const char *label,
    uint8_t out[FLEETKEY_OUT])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM p[5];
	char digest[] = "SHA256", salt[] = FLEETKEY_SALT;
	int r = -1;

	if (len < FLEETKEY_MIN || label == NULL || *label == '\0')
		goto out;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt,
	    sizeof(salt) - 1);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)label, strlen(label));
	p[4] = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(ctx, out, FLEETKEY_OUT, p) != 1)
		goto out;
	r = 0;
 out:
	if (r != 0)
		OPENSSL_cleanse(out, FLEETKEY_OUT);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

int
fleetkey_name_key(const uint8_t key[FLEETKEY_OUT], const char *prefix,
    const char *kind, const char *tag, const char *value, char *out,
    size_t outsz)
{
	char buf[512], h[2 * 16 + 1];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int n, r = -1;

	n = snprintf(buf, sizeof(buf), "%s%c%s", tag, 0, value);
	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    HMAC(EVP_sha256(), key, FLEETKEY_OUT, (const uint8_t *)buf,
	    (size_t)n, md, &mdlen) == NULL || mdlen < 16)
		goto out;
	hex_encode(md, 16, h);
	n = snprintf(out, outsz, "%s%s%s", prefix, kind, h);
	r = n < 0 || (size_t)n >= outsz ? -1 : 0;
 out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}
