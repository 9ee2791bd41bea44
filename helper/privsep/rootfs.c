#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

#define MAX_LINKS 40    /* as the kernel's own limit */

int
rootfs_writable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	return st->st_uid == uid || (st->st_mode & S_IWOTH) != 0 ||
	    ((st->st_mode & S_IWGRP) != 0 && st->st_gid == gid);
}

/* A link's target joined to what was left of the path, into buf. */
static int
splice_link(char *buf, size_t bufsz, const char *target, const char *rest)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >= sizeof(tmp) ||
	    strlen(tmp) >= bufsz)
		return -1;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

/* Walks path from at (or /). The last component is opened as a directory
 * (want_dir), else with O_PATH, whatever it is; *parent_writable then says
 * whether uid:gid can write the directory that holds it. */
static int
walk(int at, const char *path, uid_t uid, gid_t gid, int guard, int want_dir,
    int *parent_writable, char *err, size_t errsz)
{
	char buf[PATH_MAX], target[PATH_MAX], *p, *comp, *slash;
	struct stat st, dst;
	unsigned links = 0;
	ssize_t n;
	int fd = -1, nfd, e = 0, r = -1, last;
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	if (strlen(path) >= sizeof(buf)) {
		snprintf(err, errsz, "%s: path too long", path);
		e = ENAMETOOLONG;
		goto out;
	}
	memcpy(buf, path, strlen(path) + 1);
	p = buf;
	for (;;) {
		/* From / for an absolute path or link, else from where we are. */
		if (fd == -1 || (p == buf && *p == '/')) {
			if (fd != -1)
				close(fd);
			fd = *p == '/' ? open("/", flags) : openat(at, ".", flags);
			if (fd == -1) {
				e = errno;
				snprintf(err, errsz, "%s: %s", path, strerror(e));
				goto out;
			}
		}
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		comp = p;
		if ((slash = strchr(p, '/')) != NULL) {
			*slash = '\0';
			p = slash + 1;
		} else
			p += strlen(p);
		if (strcmp(comp, ".") == 0)
			continue;
		last = !want_dir && p[strspn(p, "/")] == '\0';
		if (last) {
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1) {
				e = errno;
				snprintf(err, errsz, "%s: %s", path, strerror(e));
				goto out;
			}
			if (!S_ISLNK(st.st_mode)) {
				if (fstat(fd, &dst) == -1 ||
				    (nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
					e = errno;
					snprintf(err, errsz, "%s: %s", path, strerror(e));
					goto out;
				}
				*parent_writable = rootfs_writable_by(&dst, uid, gid);
				close(fd);
				fd = nfd;
				break;
			}
		} else if ((nfd = openat(fd, comp, flags)) != -1) {
			close(fd);
			fd = nfd;
			continue;
		} else {
			e = errno;
			if ((e != ELOOP && e != ENOTDIR) ||
			    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
			    !S_ISLNK(st.st_mode)) {
				snprintf(err, errsz, "%s: %s: %s", path, comp, strerror(e));
				goto out;
			}
		}
		/* Whoever can write this directory chooses where the link
		 * points, and so where root would go next. */
		if (guard && (fstat(fd, &dst) == -1 || rootfs_writable_by(&dst, uid, gid))) {
			e = ELOOP;
			snprintf(err, errsz, "%s: %s is a symbolic link in a directory "
			    "that uid %u can write; refusing to follow it as root",
			    path, comp, (unsigned)uid);
			goto out;
		}
		if (++links > MAX_LINKS ||
		    (n = readlinkat(fd, comp, target, sizeof(target))) <= 0 ||
		    (size_t)n >= sizeof(target)) {
			e = ELOOP;
			snprintf(err, errsz, "%s: %s: cannot resolve the link", path, comp);
			goto out;
		}
		target[n] = '\0';
		if (splice_link(buf, sizeof(buf), target, p) != 0) {
			e = ENAMETOOLONG;
			snprintf(err, errsz, "%s: path too long", path);
			goto out;
		}
		p = buf;
	}
	r = fd;
	fd = -1;
 out:
	if (fd != -1)
		close(fd);
	if (r == -1)
		errno = e;
	return r;
}

int
rootfs_open_dir(int at, const char *path, uid_t uid, gid_t gid, int guard,
    char *err, size_t errsz)
{
	return walk(at, path, uid, gid, guard, 1, NULL, err, errsz);
}

int
rootfs_check_read(const char *path, uid_t uid, gid_t gid, char *err, size_t errsz)
{
	int fd, pw = 0, r = -1;

	if ((fd = walk(AT_FDCWD, path, uid, gid, 1, 0, &pw, err, errsz)) == -1)
		goto out;
	if (pw) {
		snprintf(err, errsz, "%s: in a directory that uid %u can write, "
		    "so that user chooses what root reads; keep it where only "
		    "root writes", path, (unsigned)uid);
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	return r;
}
