#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ratelimit.h"
#include "savefile.h"
#include "lockout.h"
#include "statefile.h"

/* Version 2 spells names with keytab_word_write, so any name round-trips;
 * version 1 wrote them as they were (printable ASCII only) and still loads. */
#define MAGIC "otpsms-state 2\n"
#define MAGIC_V1 "otpsms-state 1\n"
#define END "end "

int
statefile_check_dir(const char *dir, char *err, size_t errsz)
{
	struct stat st;

	if (lstat(dir, &st) == -1) {
		snprintf(err, errsz, "state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "state_dir %s: not a directory%s", dir,
		    S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errsz, "state_dir %s: owned by uid %u, not by the "
		    "daemon's user (uid %u)", dir, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsz, "state_dir %s: writable by group or others "
		    "(mode %04o)", dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned len = 0, i;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
statefile_save(const char *dir, struct limits *l, struct lockout *lo,
    uint64_t now, char *err, size_t errsz)
{
	char hex[65];
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	struct iovec iov[4];
	int r = -1;

	if ((f = open_memstream(&text, &len)) == NULL ||
	    fputs(MAGIC, f) == EOF ||
	    limits_dump(l, f, now) != 0 || lockout_dump(lo, f, now) != 0 ||
	    fclose(f) != 0) {
		f = NULL;
		snprintf(err, errsz, "cannot format the state: out of memory");
		goto out;
	}
	f = NULL;
	if (sha256_hex(text, len, hex) != 0) {
		snprintf(err, errsz, "cannot hash the state");
		goto out;
	}
	iov[0] = (struct iovec){ text, len };
	iov[1] = (struct iovec){ (void *)END, 4 };
	iov[2] = (struct iovec){ hex, 64 };
	iov[3] = (struct iovec){ (void *)"\n", 1 };
	if (savefile_replace(dir, STATEFILE_NAME, iov, 4, err, errsz) != 0)
		goto out;
	r = 0;
 out:
	if (f != NULL)
		fclose(f);
	free(text);
	return r;
}

/* Reads path whole; -2 if absent, -3 if it could not be read (out of memory,
 * an I/O error): that says nothing about the file, which stays as it is. */
static int
read_file(const char *path, char **out, size_t *outlen, char *err, size_t errsz)
{
	struct stat st;
	char *p = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return -2;
		snprintf(err, errsz, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size > STATEFILE_MAX) {
		snprintf(err, errsz, "not a regular file of ours, not writable "
		    "by others, under %d bytes", STATEFILE_MAX);
		goto out;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		r = -3;
		goto out;
	}
	while (len < (size_t)st.st_size &&
	    (n = read(fd, p + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s", strerror(errno));
			r = -3;
			goto out;
		}
		len += (size_t)n;
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	p = NULL;
	r = 0;
 out:
	free(p);
	close(fd);
	return r;
}

/* A version 1 line as version 2 spells it: its names held no byte that
 * needs escaping but '%'. NULL when out of memory. */
static char *
from_v1(const char *line)
{
	size_t n = 0, i;
	char *out;

	if ((out = malloc(3 * strlen(line) + 1)) == NULL)
		return NULL;
	for (i = 0; line[i] != '\0'; i++) {
		if (line[i] == '%') {
			memcpy(out + n, "%25", 3);
			n += 3;
		} else
			out[n++] = line[i];
	}
	out[n] = '\0';
	return out;
}

/* 0 when the checksum holds (records that cannot be read are skipped and
 * reported one by one); -1 when the whole file is not to be trusted; -3 when
 * it could not be read for want of memory, which says nothing about it. */
static int
parse(char *text, size_t len, struct limits *l, struct lockout *lo, uint64_t now,
    statefile_skip_fn *skip, void *arg, char *err, size_t errsz)
{
	char hex[65], *line, *nl, *end, *conv;
	size_t body, lineno = 1;
	int v1, r;

	/* ... "end " 64 hex "\n" */
	if (len < strlen(MAGIC) + 4 + 64 + 1 ||
	    (memcmp(text, MAGIC, strlen(MAGIC)) != 0 &&
	    memcmp(text, MAGIC_V1, strlen(MAGIC_V1)) != 0)) {
		snprintf(err, errsz, "not an otpsms state file (bad header or truncated)");
		return -1;
	}
	v1 = memcmp(text, MAGIC_V1, strlen(MAGIC_V1)) == 0;
	body = len - (4 + 64 + 1);
	end = text + body;
	if (sha256_hex(text, body, hex) != 0) {
		snprintf(err, errsz, "cannot hash it: out of memory");
		return -3;
	}
	if (memcmp(end, END, 4) != 0 || end[4 + 64] != '\n' ||
	    (body > 0 && end[-1] != '\n') || memcmp(hex, end + 4, 64) != 0) {
		snprintf(err, errsz, "checksum does not match (torn or edited file)");
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errsz, "NUL byte in the file");
		return -1;
	}
	*end = '\0';
	for (line = text + strlen(MAGIC); *line != '\0'; line = nl + 1) {
		lineno++;
		nl = strchr(line, '\n');
		*nl = '\0';
		conv = NULL;
		if (v1 && (conv = from_v1(line)) == NULL) {
			snprintf(err, errsz, "line %zu: out of memory", lineno);
			return -3;
		}
		r = (conv ? conv : line)[0] == 'l' ?
		    lockout_load_line(lo, conv ? conv : line, now) :
		    limits_load_line(l, conv ? conv : line, now);
		free(conv);
		if (r == -2) {
			snprintf(err, errsz, "line %zu: out of memory", lineno);
			return -3;
		}
		/* One record that cannot be read costs that record only: the
		 * others (every other user's lockout) still hold. */
		if (r != 0 && skip != NULL)
			skip(arg, lineno);
	}
	return 0;
}

int
statefile_load(const char *dir, struct limits *l, struct lockout *lo,
    uint64_t now, statefile_skip_fn *skip, void *arg, char *err, size_t errsz)
{
	char path[4096], bad[4096], why[256];
	char *text = NULL;
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	snprintf(bad, sizeof(bad), "%s/%s.corrupt", dir, STATEFILE_NAME);
	if ((r = read_file(path, &text, &len, why, sizeof(why))) == -2)
		return 0;
	if (r == 0)
		r = parse(text, len, l, lo, now, skip, arg, why, sizeof(why));
	free(text);
	if (r == 0)
		return 0;
	if (r == -3) {
		/* Out of memory or an I/O error: the file may be good. */
		snprintf(err, errsz, "%s: cannot read: %s", path, why);
		return -2;
	}
	/* Kept aside for whoever investigates; it will not be read again. */
	if (rename(path, bad) == -1 && errno != ENOENT)
		(void)unlink(path);
	snprintf(err, errsz, "%s: %s; moved to %s, starting with empty state",
	    path, why, bad);
	return -1;
}
