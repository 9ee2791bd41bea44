/* Backup codes: generation, hashing, the local file (backup.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "backup.h"
#include "savefile.h"

#define MAGIC "otpsms-backup 1\n"
#define END "end "

int
backup_normalize(const char *in, char out[BACKUP_DIGITS + 1])
{
	size_t n = 0;
	int r = -1;

	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (*in < '0' || *in > '9' || n >= BACKUP_DIGITS)
			goto out;
		out[n++] = *in;
	}
	if (n == BACKUP_DIGITS)
		r = 0;
 out:
	out[r == 0 ? n : 0] = '\0';
	if (r != 0)
		explicit_bzero(out, BACKUP_DIGITS + 1);
	return r;
}

int
backup_hash(const char *digits, const uint8_t salt[BACKUP_SALT_LEN],
    uint8_t out[BACKUP_HASH_LEN])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[6], *p = params;
	uint64_t n = BACKUP_SCRYPT_N;
	uint32_t rr = BACKUP_SCRYPT_R, pp = BACKUP_SCRYPT_P;
	int r = -1;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)digits, strlen(digits));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, BACKUP_SALT_LEN);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, BACKUP_HASH_LEN, params) != 1)
		goto out;
	r = 0;
 out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

/* A uniform decimal digit from the CSPRNG (rejection sampling). */
static int
random_digit(char *d)
{
	unsigned char b;

	do {
		if (RAND_bytes(&b, 1) != 1)
			return -1;
	} while (b >= 250);
	*d = (char)('0' + b % 10);
	return 0;
}

int
backup_generate(const char *user, size_t n, struct backup_set *set,
    char *text, size_t textsz)
{
	char digits[BACKUP_DIGITS + 1];
	size_t i, j, off = 0;
	int r = -1;

	memset(set, 0, sizeof(*set));
	if (n == 0 || n > BACKUP_MAX_N || textsz < n * (BACKUP_TEXT_LEN + 1) + 1 ||
	    strlen(user) >= sizeof(set->user))
		goto out;
	snprintf(set->user, sizeof(set->user), "%s", user);
	if (RAND_bytes(set->salt, BACKUP_SALT_LEN) != 1)
		goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; j < BACKUP_DIGITS; j++)
			if (random_digit(&digits[j]) != 0)
				goto out;
		digits[BACKUP_DIGITS] = '\0';
		if (backup_hash(digits, set->salt, set->hash[i]) != 0)
			goto out;
		memcpy(text + off, digits, 5);
		text[off + 5] = '-';
		memcpy(text + off + 6, digits + 5, 5);
		text[off + 11] = '\n';
		off += BACKUP_TEXT_LEN + 1;
	}
	text[off] = '\0';
	set->n = n;
	r = 0;
 out:
	explicit_bzero(digits, sizeof(digits));
	if (r != 0) {
		explicit_bzero(set, sizeof(*set));
		if (textsz > 0)
			explicit_bzero(text, textsz);
	}
	return r;
}

int
backup_match(const struct backup_set *set, const uint8_t h[BACKUP_HASH_LEN])
{
	size_t i;
	int found = -1;

	/* Every hash is compared, whichever matches. */
	for (i = 0; i < set->n; i++)
		if (CRYPTO_memcmp(set->hash[i], h, BACKUP_HASH_LEN) == 0)
			found = (int)i;
	return found;
}

void
backup_remove(struct backup_set *set, size_t i)
{
	if (i >= set->n)
		return;
	memmove(set->hash[i], set->hash[i + 1], (set->n - i - 1) * BACKUP_HASH_LEN);
	set->n--;
	explicit_bzero(set->hash[set->n], BACKUP_HASH_LEN);
}

void
backup_db_init(struct backup_db *db, const char *dir)
{
	memset(db, 0, sizeof(*db));
	db->dir = dir;
}

void
backup_db_free(struct backup_db *db)
{
	if (db->sets != NULL) {
		explicit_bzero(db->sets, db->cap * sizeof(*db->sets));
		free(db->sets);
	}
	db->sets = NULL;
	db->n = db->cap = 0;
}

struct backup_set *
backup_db_find(struct backup_db *db, const char *user)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		if (strcmp(db->sets[i].user, user) == 0)
			return &db->sets[i];
	return NULL;
}

int
backup_db_put(struct backup_db *db, const struct backup_set *set)
{
	struct backup_set *s, *ns;
	size_t cap;

	if ((s = backup_db_find(db, set->user)) != NULL) {
		*s = *set;
		return 0;
	}
	if (db->n == db->cap) {
		cap = db->cap ? db->cap * 2 : 8;
		/* Not realloc: the old copy holds hashes and is wiped. */
		if ((ns = calloc(cap, sizeof(*ns))) == NULL)
			return -1;
		if (db->n > 0)
			memcpy(ns, db->sets, db->n * sizeof(*ns));
		if (db->sets != NULL) {
			explicit_bzero(db->sets, db->cap * sizeof(*db->sets));
			free(db->sets);
		}
		db->sets = ns;
		db->cap = cap;
	}
	db->sets[db->n++] = *set;
	return 0;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
unhex1(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2n lowercase hex digits at p, into out. 0 or -1. */
static int
unhex(const char *p, size_t len, uint8_t *out, size_t n)
{
	size_t i;
	int a, b;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((a = unhex1(p[2 * i])) < 0 || (b = unhex1(p[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return 0;
}

static int
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	hex(md, 32, out);
	return 0;
}

/* Line: "USERHEX SALTHEX HASHHEX HASHHEX ...\n"; the user name in hex, so
 * no byte of it needs escaping. */
int
backup_format(const struct backup_db *db, char **out, size_t *outlen)
{
	char h[2 * 256 + 1], sum[65];
	char *text = NULL;
	size_t len = 0, i, j;
	FILE *f;
	int r = -1;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -1;
	if (fputs(MAGIC, f) == EOF)
		goto out;
	for (i = 0; i < db->n; i++) {
		if (db->sets[i].n == 0)
			continue;
		hex((const uint8_t *)db->sets[i].user, strlen(db->sets[i].user), h);
		if (fputs(h, f) == EOF || fputc(' ', f) == EOF)
			goto out;
		hex(db->sets[i].salt, BACKUP_SALT_LEN, h);
		if (fputs(h, f) == EOF)
			goto out;
		for (j = 0; j < db->sets[i].n; j++) {
			hex(db->sets[i].hash[j], BACKUP_HASH_LEN, h);
			if (fputc(' ', f) == EOF || fputs(h, f) == EOF)
				goto out;
		}
		if (fputc('\n', f) == EOF)
			goto out;
	}
	r = 0;
 out:
	if (fclose(f) != 0)
		r = -1;
	if (r == 0 && sha256_hex(text, len, sum) != 0)
		r = -1;
	if (r == 0) {
		/* The checksum line, appended in place. */
		char *t = realloc(text, len + sizeof(END) - 1 + 64 + 2);

		if (t == NULL)
			r = -1;
		else {
			text = t;
			len += (size_t)sprintf(text + len, "%s%s\n", END, sum);
		}
	}
	if (r != 0) {
		free(text);
		text = NULL;
		len = 0;
	}
	*out = text;
	*outlen = len;
	return r;
}

/* One record line (no newline). 0 or -1. */
static int
parse_line(struct backup_db *db, const char *p, size_t len)
{
	struct backup_set s;
	const char *sp, *end = p + len;
	size_t ulen;
	int r = -1;

	memset(&s, 0, sizeof(s));
	if ((sp = memchr(p, ' ', len)) == NULL)
		goto out;
	ulen = (size_t)(sp - p);
	if (ulen == 0 || ulen % 2 != 0 || ulen / 2 >= sizeof(s.user) ||
	    unhex(p, ulen, (uint8_t *)s.user, ulen / 2) != 0 ||
	    memchr(s.user, '\0', ulen / 2) != NULL)
		goto out;
	s.user[ulen / 2] = '\0';
	p = sp + 1;
	if ((size_t)(end - p) < 2 * BACKUP_SALT_LEN ||
	    unhex(p, 2 * BACKUP_SALT_LEN, s.salt, BACKUP_SALT_LEN) != 0)
		goto out;
	p += 2 * BACKUP_SALT_LEN;
	while (p < end) {
		if (*p != ' ' || s.n >= BACKUP_MAX_N ||
		    (size_t)(end - p - 1) < 2 * BACKUP_HASH_LEN ||
		    unhex(p + 1, 2 * BACKUP_HASH_LEN, s.hash[s.n], BACKUP_HASH_LEN) != 0)
			goto out;
		s.n++;
		p += 1 + 2 * BACKUP_HASH_LEN;
	}
	if (s.n == 0 || backup_db_find(db, s.user) != NULL)
		goto out;
	r = backup_db_put(db, &s);
 out:
	explicit_bzero(&s, sizeof(s));
	return r;
}

int
backup_parse(struct backup_db *db, const char *text, size_t len, char *err,
    size_t errsz)
{
	const char *p, *nl, *last;
	char sum[65];
	size_t body, mlen = strlen(MAGIC), lineno = 1;
	int r = -1;

	/* The last line is "end SHA256\n" over everything before it. */
	if (len < mlen + sizeof(END) - 1 + 65 || text[len - 1] != '\n') {
		snprintf(err, errsz, "truncated");
		goto out;
	}
	body = len - (sizeof(END) - 1 + 65);
	last = text + body;
	if (memcmp(last, END, sizeof(END) - 1) != 0 ||
	    sha256_hex(text, body, sum) != 0 ||
	    CRYPTO_memcmp(sum, last + sizeof(END) - 1, 64) != 0) {
		snprintf(err, errsz, "checksum does not match");
		goto out;
	}
	if (memcmp(text, MAGIC, mlen) != 0) {
		snprintf(err, errsz, "not an otpsms backup code file");
		goto out;
	}
	for (p = text + mlen; p < last; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(last - p))) == NULL ||
		    parse_line(db, p, (size_t)(nl - p)) != 0) {
			snprintf(err, errsz, "line %zu cannot be read", lineno);
			goto out;
		}
	}
	r = 0;
 out:
	return r;
}

int
backup_db_save(const struct backup_db *db, char *err, size_t errsz)
{
	struct iovec iov;
	char *text = NULL;
	size_t len = 0;
	int r = -1;

	if (db->dir == NULL) {
		r = 0;
		goto out;
	}
	if (backup_format(db, &text, &len) != 0) {
		snprintf(err, errsz, "cannot format the backup codes: out of memory");
		goto out;
	}
	iov = (struct iovec){ text, len };
	if (savefile_replace(db->dir, BACKUP_FILE_NAME, &iov, 1, err, errsz) != 0)
		goto out;
	r = 0;
 out:
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	return r;
}

int
backup_db_load(struct backup_db *db, char *err, size_t errsz)
{
	char path[4096], bad[4096];
	struct stat st;
	char *p = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = -1;

	if (db->dir == NULL) {
		r = 0;
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/%s", db->dir, BACKUP_FILE_NAME) >=
	    (int)sizeof(path) || snprintf(bad, sizeof(bad), "%s.corrupt", path) >=
	    (int)sizeof(bad)) {
		snprintf(err, errsz, "state_dir path too long");
		r = -2;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) == -1) {
		r = errno == ENOENT ? 0 : -1;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto corrupt;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) || st.st_size > BACKUP_FILE_MAX) {
		snprintf(err, errsz, "%s: not a regular file of ours of mode 0600, "
		    "under %d bytes", path, BACKUP_FILE_MAX);
		goto corrupt;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		r = -2;
		goto out;
	}
	while (len < (size_t)st.st_size &&
	    (n = read(fd, p + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			r = -2;
			goto out;
		}
		len += (size_t)n;
	}
	if (backup_parse(db, p, len, err, errsz) == 0) {
		r = 0;
		goto out;
	}
 corrupt:
	/* Set aside for the administrator, never trusted: codes must be made
	 * again. */
	if (r == -1 && fd != -1)
		(void)rename(path, bad);
 out:
	if (fd != -1)
		close(fd);
	if (p != NULL) {
		explicit_bzero(p, len);
		free(p);
	}
	return r;
}

int
backup_kdf_admit(uint64_t now_ms)
{
	static uint64_t second;
	static unsigned used;

	if (now_ms / 1000 != second) {
		second = now_ms / 1000;
		used = 0;
	}
	if (used >= BACKUP_KDF_PER_SEC)
		return 0;
	used++;
	return 1;
}
