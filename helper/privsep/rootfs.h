/* File operations made as root in places the daemon's user may write.
 *
 * The rule: root never resolves a path through a directory that the
 * daemon's user can write. Directories are walked one component at a time
 * with O_NOFOLLOW; a symbolic link is followed only where the daemon's user
 * could not have put it; everything after that is done relative to the
 * opened directory (*at() calls, AT_SYMLINK_NOFOLLOW) or on a descriptor. */
#ifndef OTPSMS_ROOTFS_H
#define OTPSMS_ROOTFS_H

#include <sys/stat.h>
#include <sys/types.h>

/* Whether uid, with gid as its only group (privdrop sets no other), can
 * create, remove or rename entries in the directory st describes. */
int rootfs_writable_by(const struct stat *st, uid_t uid, gid_t gid);

/* Opens the directory path (relative to at, or absolute), refusing a
 * symbolic link that sits in a directory uid:gid can write (guard != 0).
 * Returns an O_RDONLY|O_DIRECTORY descriptor, or -1 with errno set (ENOENT
 * when a component is missing) and err filled in. */
int rootfs_open_dir(int at, const char *path, uid_t uid, gid_t gid, int guard,
    char *err, size_t errsz);

/* For a file root has read (configuration, secrets, certificates): 0 when
 * it was reached without a link in a directory uid:gid can write and sits
 * in a directory uid:gid cannot write, so that user could not have chosen
 * what root read; else -1 with err. */
int rootfs_check_read(const char *path, uid_t uid, gid_t gid, char *err,
    size_t errsz);

#endif
