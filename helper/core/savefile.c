/* Files written whole (savefile.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "savefile.h"

int
savefile_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
savefile_replace(const char *dir, const char *name,
    const struct iovec *iov, size_t n, char *err, size_t errsz)
{
	char path[4096], tmp[4096];
	size_t i;
	int fd = -1, dfd = -1, r = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp)) {
		snprintf(err, errsz, "state_dir path too long");
		goto out;
	}
	/* A temporary file left by a crash is ours to replace. */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++)
		if (savefile_write_all(fd, iov[i].iov_base, iov[i].iov_len) == -1) {
			snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
			goto out;
		}
	if (fsync(fd) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errsz, "rename %s: %s", path, strerror(errno));
		goto out;
	}
	/* The rename itself must reach the disk before we rely on it. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		(void)fsync(dfd);
	r = 0;
 out:
	if (fd != -1) {
		close(fd);
		(void)unlink(tmp);
	}
	if (dfd != -1)
		close(dfd);
	return r;
}
