#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
e164_valid(const char *s)
{
	size_t n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (n = 1; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	n--;
	return n >= 8 && n <= 15;
}

void
mask_number(char *out, size_t outsz, const char *e164)
{
	size_t n;

	if (!e164_valid(e164)) {
		snprintf(out, outsz, "your phone");
		return;
	}
	n = strlen(e164);
	snprintf(out, outsz, "%.3s\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2%s",
	    e164, e164 + n - 4);
}

void
log_safe(char *out, size_t outsz, const char *in)
{
	size_t i;

	if (outsz == 0)
		return;
	for (i = 0; in != NULL && in[i] != '\0' && i < outsz - 1; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static int
hex_digit(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

int
hex_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	size_t i;
	int hi, lo;

	if (len % 2 != 0 || len / 2 > outsz || len / 2 > INT32_MAX)
		return -1;
	for (i = 0; i < len / 2; i++) {
		if ((hi = hex_digit(in[2 * i])) < 0 ||
		    (lo = hex_digit(in[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
open_secret(const char *path, uid_t owner_ok, gid_t group_ok, char *err,
    size_t errsz)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != owner_ok) {
		snprintf(err, errsz, "%s: must be owned by root (owner uid is %u)",
		    path, (unsigned)st.st_uid);
		goto fail;
	}
	/* The daemon's own group may read it: how a root-owned secret reaches
	 * a daemon that systemd starts as its user (otpsmsd.service). */
	if ((st.st_mode & S_IRWXO) || ((st.st_mode & S_IRWXG) &&
	    (group_ok == (gid_t)-1 || st.st_gid != group_ok ||
	    (st.st_mode & (S_IWGRP | S_IXGRP))))) {
		snprintf(err, errsz, "%s: holds secrets but is accessible by group or "
		    "others (mode %04o); chmod 600 it%s", path,
		    (unsigned)(st.st_mode & 07777), group_ok == (gid_t)-1 ? "" :
		    " (or 640 with the daemon's group)");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

char *
read_fd_bounded(int fd, const char *path, size_t max, size_t *lenp, char *err,
    size_t errsz)
{
	char *s;
	size_t len = 0;
	ssize_t n;

	if ((s = calloc(1, max + 2)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		return NULL;
	}
	while (len <= max && (n = read(fd, s + len, max + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	if (len > max) {
		snprintf(err, errsz, "%s: longer than %zu bytes", path, max);
		goto fail;
	}
	*lenp = len;
	return s;
 fail:
	explicit_bzero(s, max + 2);
	free(s);
	return NULL;
}

char *
read_secret(const char *path, uid_t owner_ok, gid_t group_ok, size_t max,
    char *err, size_t errsz)
{
	char *s = NULL;
	size_t len = 0;
	int fd;

	if ((fd = open_secret(path, owner_ok, group_ok, err, errsz)) == -1)
		return NULL;
	if ((s = read_fd_bounded(fd, path, max, &len, err, errsz)) == NULL)
		goto fail;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (len == 0 || strlen(s) != len) {
		snprintf(err, errsz, "%s: empty or contains NUL bytes", path);
		goto fail;
	}
	close(fd);
	return s;
fail:
	close(fd);
	if (s != NULL) {
		explicit_bzero(s, max + 2);
		free(s);
	}
	return NULL;
}

void
freezero_str(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
