/* The backup codes' scrypt off the loop (backup.h, docs/security.md "Backup
 * codes"): one worker thread, a bounded queue, an eventfd back to the loop,
 * as directory.c does for libldap. A hash costs ~30 ms and 16 MiB: on the
 * loop it stalled every login. The worker sees a job's digits and salt and
 * nothing else; every callback runs on the loop's thread. */
#ifndef OTPSMS_BACKUP_KDF_H
#define OTPSMS_BACKUP_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "backup.h"

struct loop;
struct backup_kdf;

/* Jobs queued or running at most; past that, backup_kdf_submit refuses
 * (the caller answers BUSY). 8 jobs are ~250 ms of work. */
#define BACKUP_KDF_QUEUE 8

/* r 0: h holds scrypt(digits, salt) (valid during the call only; the
 * worker's copy is wiped after it); r -1: not hashed (the KDF failed, or
 * the daemon is stopping). */
typedef void backup_kdf_fn(void *arg, int r, const uint8_t h[BACKUP_HASH_LEN]);

/* NULL with err set: no memory or no eventfd. The thread starts with the
 * first job (after the sandbox: clone for a thread is allowed). */
struct backup_kdf *backup_kdf_new(struct loop *l, char *err, size_t errsz);
/* Queues a hash of digits (BACKUP_DIGITS, copied then wiped by the worker)
 * under salt. 0 queued: cb is called once, later, from the loop. -1 (queue
 * full, no memory, no thread): cb is never called. */
int backup_kdf_submit(struct backup_kdf *k, const char *digits,
    const uint8_t salt[BACKUP_SALT_LEN], backup_kdf_fn *cb, void *arg);
/* A new set for user (backup_generate: n codes, n scrypt hashes, up to
 * ~1 s) made on the worker. r 0: set and text (the codes, secret) valid
 * during the call only, wiped after it; r -1: not made. Counts as one job
 * of the queue; same return as backup_kdf_submit. */
typedef void backup_kdf_set_fn(void *arg, int r, const struct backup_set *set,
    const char *text);
int backup_kdf_generate(struct backup_kdf *k, const char *user, size_t n,
    backup_kdf_set_fn *cb, void *arg);
/* Jobs queued or running. */
size_t backup_kdf_pending(const struct backup_kdf *k);
/* Stops the thread; finished jobs are answered, the others get r -1, while
 * the requests that wait on them are still there. */
void backup_kdf_free(struct backup_kdf *k);

#endif
