/* otpsmsctl's edits of users_file (docs/enrol.md): the file is YAML that
 * people write by hand, so it is edited as text: the user's entry (its key
 * line and the lines that belong to it) is replaced or removed, or a new one
 * appended; every other byte stays as it was. Written atomically (a
 * temporary file in the same directory, fsync, rename) with the old file's
 * owner and mode. */
#ifndef OTPSMS_USERSFILE_H
#define OTPSMS_USERSFILE_H

#include <stddef.h>

#define UF_MAX_NUMBERS 8
#define UF_MAX_SIZE (4 * 1024 * 1024)

struct uf_entry {
	size_t start, end;           /* byte range in the text; start == end: none */
	char numbers[UF_MAX_NUMBERS][20];
	size_t n;
};

/* From the main configuration, as text: the users_file path (empty when
 * none) and whether users: is given inline. 0, or -1 with err set. */
int uf_config(const char *cfgpath, char *users_file, size_t sz, int *inline_users,
    char *err, size_t errsz);

/* Finds user's entry in text (NUL-terminated): 0 (e->start == e->end if
 * absent), or -1 with err set (a layout it will not edit, e.g. a flow
 * mapping). */
int uf_find(const char *text, const char *user, struct uf_entry *e, char *err,
    size_t errsz);

/* A new text (malloc'd, *out) with user's entry set to numbers (n of them),
 * or removed (n == 0). 0 or -1 (err set). */
int uf_edit(const char *text, const char *user, const char *const *numbers,
    size_t n, char **out, char *err, size_t errsz);

/* The file's text (malloc'd, NUL-terminated), read with O_NOFOLLOW. */
int uf_read(const char *path, char **text, char *err, size_t errsz);
/* Replaces path with text, atomically, keeping its owner and mode. */
int uf_write(const char *path, const char *text, char *err, size_t errsz);
/* An exclusive lock on path's directory (one editor at a time): an fd to
 * close, or -1 (err set). */
int uf_lock(const char *path, char *err, size_t errsz);

#endif
