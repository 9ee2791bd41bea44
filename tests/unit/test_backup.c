/* Backup codes (helper/policy/backup.c): the scrypt hash, generation, the
 * set's single use, and the file's round trip, checksum and safety. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "tap.h"

#define diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)
#define bail(m) do { printf("Bail out! %s\n", m); exit(1); } while (0)

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int
main(void)
{
	struct backup_db db, db2;
	struct backup_set set, *s;
	uint8_t salt[BACKUP_SALT_LEN] = { 1 }, h1[BACKUP_HASH_LEN],
	    h2[BACKUP_HASH_LEN], h3[BACKUP_HASH_LEN];
	char d[BACKUP_DIGITS + 1], text[BACKUP_MAX_N * 12 + 1], code[12];
	char dir[] = "/tmp/test_backup.XXXXXX", path[64], err[256] = "";
	char *f1 = NULL, *f2 = NULL;
	size_t n1, n2, i;
	struct timespec t0;
	struct stat st;
	FILE *f;

	ok(backup_normalize("12345-67890", d) == 0 && strcmp(d, "1234567890") == 0,
	    "NNNNN-NNNNN normalises to its 10 digits");
	ok(backup_normalize("1234567890", d) == 0, "10 digits are a code");
	ok(backup_normalize("123456789", d) != 0 && d[0] == '\0', "9 digits are not");
	ok(backup_normalize("12345678901", d) != 0, "11 digits are not");
	ok(backup_normalize("12345-6789x", d) != 0, "a letter is not");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(backup_hash("1234567890", salt, h1) == 0, "scrypt hash");
	diag("scrypt N=%d r=%d p=%d: %.1f ms", BACKUP_SCRYPT_N, BACKUP_SCRYPT_R,
	    BACKUP_SCRYPT_P, ms_since(&t0));
	ok(backup_hash("1234567890", salt, h2) == 0 && memcmp(h1, h2, sizeof(h1)) == 0,
	    "deterministic for a code and salt");
	salt[0] = 2;
	ok(backup_hash("1234567890", salt, h3) == 0 && memcmp(h1, h3, sizeof(h1)) != 0,
	    "another salt, another hash");
	ok(backup_hash("1234567891", salt, h2) == 0 && memcmp(h2, h3, sizeof(h2)) != 0,
	    "another code, another hash");

	ok(backup_generate("alice", 21, &set, text, sizeof(text)) != 0,
	    "more than BACKUP_MAX_N refused");
	ok(backup_generate("alice", 3, &set, text, sizeof(text)) == 0 && set.n == 3,
	    "three codes made");
	ok(strlen(text) == 36 && text[5] == '-' && text[11] == '\n',
	    "printed as NNNNN-NNNNN lines");
	for (i = 0; i < 3; i++) {
		memcpy(code, text + 12 * i, 11);
		code[11] = '\0';
		ok(backup_normalize(code, d) == 0 && backup_hash(d, set.salt, h1) == 0 &&
		    backup_match(&set, h1) == (int)i, "code %zu matches its hash", i + 1);
	}
	memcpy(code, text, 11);
	code[11] = '\0';
	backup_remove(&set, 0);
	ok(set.n == 2 && backup_normalize(code, d) == 0 &&
	    backup_hash(d, set.salt, h1) == 0 && backup_match(&set, h1) == -1,
	    "a used code no longer matches");
	explicit_bzero(text, sizeof(text));

	/* The file: round trip, checksum, mode. */
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	backup_db_init(&db, dir);
	ok(backup_db_put(&db, &set) == 0, "put alice's set");
	ok(backup_generate("bob\n\"x y", 1, &set, text, sizeof(text)) == 0 &&
	    backup_db_put(&db, &set) == 0, "a user name with odd bytes");
	ok(backup_db_save(&db, err, sizeof(err)) == 0, "saved (%s)", err);
	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_FILE_NAME);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	backup_db_init(&db2, dir);
	ok(backup_db_load(&db2, err, sizeof(err)) == 0 && db2.n == 2,
	    "loaded back: 2 sets");
	ok(backup_format(&db, &f1, &n1) == 0 && backup_format(&db2, &f2, &n2) == 0 &&
	    n1 == n2 && memcmp(f1, f2, n1) == 0, "the same file");
	ok((s = backup_db_find(&db2, "alice")) != NULL && s->n == 2 &&
	    backup_hash(d, s->salt, h1) == 0 && backup_match(s, h1) == -1,
	    "alice: 2 left, the used one still gone");
	backup_db_free(&db2);
	/* One byte changed: corrupt, set aside, never trusted. */
	f1[20] ^= 1;
	if ((f = fopen(path, "w")) == NULL || fwrite(f1, 1, n1, f) != n1 ||
	    fclose(f) != 0)
		bail("rewrite");
	backup_db_init(&db2, dir);
	ok(backup_db_load(&db2, err, sizeof(err)) == -1 && db2.n == 0,
	    "an edited file is refused (%s)", err);
	snprintf(path, sizeof(path), "%s/%s.corrupt", dir, BACKUP_FILE_NAME);
	ok(access(path, F_OK) == 0, "and set aside as backup.corrupt");
	backup_db_free(&db2);
	/* A file others can read is refused too. */
	ok(backup_db_save(&db, err, sizeof(err)) == 0, "saved again");
	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_FILE_NAME);
	chmod(path, 0640);
	backup_db_init(&db2, dir);
	ok(backup_db_load(&db2, err, sizeof(err)) == -1, "mode 0640 refused (%s)", err);
	backup_db_free(&db2);
	backup_db_init(&db2, dir);
	ok(backup_db_load(&db2, err, sizeof(err)) == 0 && db2.n == 0,
	    "no file: empty");
	backup_db_free(&db2);

	free(f1);
	free(f2);
	backup_db_free(&db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.corrupt", dir, BACKUP_FILE_NAME);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
