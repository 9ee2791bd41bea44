/* The abuse state (limits and lockouts) on disk, so that a restart or a
 * crash does not reset it: one file, STATE_DIR/state, written whole to a
 * temporary file, fsync'd and renamed over the old one (then the directory
 * fsync'd). It ends with a SHA-256 of its content: a file that is torn,
 * edited or otherwise corrupt is reported and never trusted. */
#ifndef OTPSMS_STATEFILE_H
#define OTPSMS_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

struct limits;
struct lockout;

#define STATEFILE_NAME "state"
#define STATEFILE_MAX (16 * 1024 * 1024)

/* The directory must exist, be a real directory (not a symbolic link) owned
 * by us, and not writable by group or others. 0 or -1 with err. */
int statefile_check_dir(const char *dir, char *err, size_t errsz);

/* Writes the state. 0 or -1 with err (the old file is left as it was). */
int statefile_save(const char *dir, struct limits *l, struct lockout *lo,
    uint64_t now, char *err, size_t errsz);

/* Called for each record (line) that cannot be read: it is skipped, the
 * others load. lineno counts from 1, the header line. */
typedef void statefile_skip_fn(void *arg, size_t lineno);

/* Reads the state into l and lo (both empty). 0 when loaded (records that
 * cannot be read skipped, each reported through skip, which may be NULL) or
 * when there is no file yet; -1 with err when the file as a whole is corrupt
 * (its checksum or header) or unsafe: it has then been renamed to
 * "state.corrupt" and l and lo may hold part of it, so the caller starts over
 * with empty ones; -2 when a file is there but could not be read (out of
 * memory, I/O error): it is left alone, and the caller must not start with
 * empty state. */
int statefile_load(const char *dir, struct limits *l, struct lockout *lo,
    uint64_t now, statefile_skip_fn *skip, void *arg, char *err, size_t errsz);

#endif
