/* Files the daemon writes whole: a state file replaced so that a crash
 * leaves the old one or the new one, never half of either (statefile.c,
 * backup.c), and a write that survives EINTR and short writes. */
#ifndef OTPSMS_SAVEFILE_H
#define OTPSMS_SAVEFILE_H

#include <stddef.h>
#include <sys/uio.h>

/* Writes all n bytes of p to fd. 0, or -1 with errno. */
int savefile_write_all(int fd, const void *p, size_t n);

/* dir/name replaced by the n pieces of iov, in order: written to
 * dir/.name.tmp (0600, never through a link; one left by a crash is ours to
 * replace), fsync'd, renamed over dir/name, then dir fsync'd. 0, or -1 with
 * err (dir/name is left as it was). */
int savefile_replace(const char *dir, const char *name,
    const struct iovec *iov, size_t n, char *err, size_t errsz);

#endif
