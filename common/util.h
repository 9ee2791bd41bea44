/* Small helpers shared by the module, the daemon and the tools. */
#ifndef OTPSMS_UTIL_H
#define OTPSMS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* E.164: '+', 8 to 15 digits, the first not 0. */
int e164_valid(const char *s);

/* "+447700900123" -> "+44•••••0123": country prefix and last four digits;
 * the bullet count is fixed so the mask does not reveal the length. */
void mask_number(char *out, size_t outsz, const char *e164);

/* Copies in to out for logging: printable ASCII kept, anything else '?',
 * truncated to outsz-1. Use for every peer-supplied string before logging. */
void log_safe(char *out, size_t outsz, const char *in);

/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* len lower-case hex digits (len even, len/2 <= outsz) into out; returns
 * the bytes written, or -1. */
int hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t now_ms(void);

/* Opens a file that may hold secrets: O_NOFOLLOW, regular, owned by root or
 * by owner_ok (pass (uid_t)-1 for root only), not world accessible, and not
 * group accessible either unless its group is group_ok, which may then read
 * it, never write it (0640 root:otpsms; pass (gid_t)-1 for none). On failure
 * returns -1 and writes the reason to err. */
int open_secret(const char *path, uid_t owner_ok, gid_t group_ok, char *err,
    size_t errsz);

/* Reads all of fd (path for messages) into a NUL-terminated malloc'd buffer
 * of max + 2 bytes; *len the bytes read. NULL with err set when longer than
 * max or on error (the buffer wiped). The caller closes fd. */
char *read_fd_bounded(int fd, const char *path, size_t max, size_t *len,
    char *err, size_t errsz);

/* Reads a whole small secret file (<= max bytes) into a NUL-terminated malloc'd
 * string with one trailing newline removed. Returns NULL with err set. */
char *read_secret(const char *path, uid_t owner_ok, gid_t group_ok, size_t max,
    char *err, size_t errsz);

/* Frees a string after wiping it. NULL is fine. */
void freezero_str(char *s);

#endif
