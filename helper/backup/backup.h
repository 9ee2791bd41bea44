/* Break-glass backup codes (docs/security.md, "Backup codes"): one set per
 * user, made by otpsmsctl backup-codes, each code single use. Only a salted
 * scrypt hash of each code is kept: in STATE_DIR/backup (this file's
 * functions, atomically rewritten on every change) or, on a fleet, in Redis
 * (backup_redis.c). Nothing here keeps or logs a code. */
#ifndef OTPSMS_BACKUP_H
#define OTPSMS_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#define BACKUP_DIGITS 10             /* 33 bits: NNNNN-NNNNN */
#define BACKUP_TEXT_LEN 11           /* with the dash */
#define BACKUP_DEFAULT_N 10
#define BACKUP_MAX_N 20              /* 20 lines of 12 bytes: well inside a CTL_RSP */
#define BACKUP_SALT_LEN 16
#define BACKUP_HASH_LEN 32
/* scrypt N=2^14 r=8 p=1: 16 MiB and ~30 ms a hash (docs/security.md). */
#define BACKUP_SCRYPT_N 16384
#define BACKUP_SCRYPT_R 8
#define BACKUP_SCRYPT_P 1
#define BACKUP_FILE_NAME "backup"
#define BACKUP_FILE_MAX (4 * 1024 * 1024)
/* At most this many hashes start a second (on the worker of backup_kdf.c,
 * which also bounds its queue): the rest are answered BUSY. A backstop on
 * CPU and memory (~30 ms and 16 MiB each), no longer on the loop's time. */
#define BACKUP_KDF_PER_SEC 4

/* One user's set: a salt for the set, the hashes of the codes not used yet. */
struct backup_set {
	char user[256 + 1];
	uint8_t salt[BACKUP_SALT_LEN];
	size_t n;
	uint8_t hash[BACKUP_MAX_N][BACKUP_HASH_LEN];
};

struct backup_db {
	struct backup_set *sets;
	size_t n, cap;
	const char *dir;             /* NULL: memory only */
};

/* The typed answer as 10 digits (dashes and spaces dropped); 0, or -1 when
 * it is not 10 digits. */
int backup_normalize(const char *in, char out[BACKUP_DIGITS + 1]);

/* scrypt(digits, salt) -> out. 0 or -1. */
int backup_hash(const char *digits, const uint8_t salt[BACKUP_SALT_LEN],
    uint8_t out[BACKUP_HASH_LEN]);

/* n fresh codes for user in *set (salt and hashes), their text, "NNNNN-NNNNN\n"
 * each, in text (secret: the caller wipes it). 0 or -1. */
int backup_generate(const char *user, size_t n, struct backup_set *set,
    char *text, size_t textsz);

/* Index of the set's hash equal to h (constant time over the set), or -1. */
int backup_match(const struct backup_set *set, const uint8_t h[BACKUP_HASH_LEN]);

/* Removes hash i from the set (it was used). */
void backup_remove(struct backup_set *set, size_t i);

/* The local database. */
void backup_db_init(struct backup_db *db, const char *dir);
void backup_db_free(struct backup_db *db);
struct backup_set *backup_db_find(struct backup_db *db, const char *user);
/* Replaces (or adds) user's set. 0 or -1 (out of memory). */
int backup_db_put(struct backup_db *db, const struct backup_set *set);

/* The file: text, ends with a SHA-256 of its content like the state file.
 * format writes the database (malloc'd *out, the caller frees); parse reads
 * one into an empty db: 0, or -1 with err when it is corrupt (the db may
 * then hold part of it). */
int backup_format(const struct backup_db *db, char **out, size_t *outlen);
int backup_parse(struct backup_db *db, const char *text, size_t len,
    char *err, size_t errsz);
/* save: atomically (temporary file, fsync, rename, directory fsync), mode
 * 0600. load: 0 loaded or no file, -1 corrupt or unsafe (renamed
 * "backup.corrupt"), -2 unreadable (left alone). Both need db->dir. */
int backup_db_save(const struct backup_db *db, char *err, size_t errsz);
int backup_db_load(struct backup_db *db, char *err, size_t errsz);

/* The KDF budget: 1 when a hash may run now (and counts it), else 0. */
int backup_kdf_admit(uint64_t now_ms);

#endif
