#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "../tap.h"

static void
test_e164(void)
{
	ok(e164_valid("+447700900123"), "UK mobile valid");
	ok(e164_valid("+15017122661"), "US number valid");
	ok(e164_valid("+12345678"), "8 digits valid");
	ok(e164_valid("+123456789012345"), "15 digits valid");
	ok(!e164_valid("+1234567"), "7 digits invalid");
	ok(!e164_valid("+1234567890123456"), "16 digits invalid");
	ok(!e164_valid("447700900123"), "missing + invalid");
	ok(!e164_valid("+047700900123"), "leading zero invalid");
	ok(!e164_valid("+44 7700 900123"), "spaces invalid");
	ok(!e164_valid("+4477009001a3"), "letter invalid");
	ok(!e164_valid(""), "empty invalid");
	ok(!e164_valid("+"), "plus alone invalid");
	ok(!e164_valid(NULL), "NULL invalid");
}

static void
test_mask(void)
{
	char out[64];

	mask_number(out, sizeof(out), "+447700900123");
	is_str(out, "+44\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "0123",
	    "mask keeps prefix and last four");
	mask_number(out, sizeof(out), "+12345678");
	is_str(out, "+12\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "5678",
	    "short number masked the same way");
	mask_number(out, sizeof(out), "garbage");
	is_str(out, "your phone", "invalid number never echoed");
}

static void
test_log_safe(void)
{
	char out[8];

	log_safe(out, sizeof(out), "al\nice\x1b[");
	is_str(out, "al?ice?", "control characters replaced, truncated");
	log_safe(out, sizeof(out), "\xc3\xa9t\xc3\xa9");
	is_str(out, "??t??", "non-ASCII replaced");
}

static void
test_secrets(void)
{
	char dir[] = "/tmp/otpsms-util.XXXXXX", path[128], err[256], *s;
	int fd;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/token", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok(fd != -1 && write(fd, "s3cret\n", 7) == 7, "write token");
	close(fd);
	s = read_secret(path, geteuid(), (gid_t)-1, 64, err, sizeof(err));
	is_str(s, "s3cret", "secret read, newline stripped");
	freezero_str(s);
	chmod(path, 0640);
	s = read_secret(path, geteuid(), (gid_t)-1, 64, err, sizeof(err));
	ok(s == NULL && strstr(err, "chmod 600") != NULL, "group-readable secret refused: %s", err);
	/* 0640 with the daemon's group: how otpsmsd.service, which never runs
	 * as root, reads a root-owned secret. */
	s = read_secret(path, geteuid(), getegid(), 64, err, sizeof(err));
	is_str(s, "s3cret", "0640 with the daemon's group: read");
	freezero_str(s);
	s = read_secret(path, geteuid(), getegid() + 1, 64, err, sizeof(err));
	ok(s == NULL && strstr(err, "640 with the daemon's group") != NULL,
	    "0640 with another group refused: %s", err);
	chmod(path, 0660);
	s = read_secret(path, geteuid(), getegid(), 64, err, sizeof(err));
	ok(s == NULL, "group-writable secret refused, even the daemon's group");
	chmod(path, 0644);
	s = read_secret(path, geteuid(), getegid(), 64, err, sizeof(err));
	ok(s == NULL, "world-readable secret refused, whatever the group");
	chmod(path, 0604);
	s = read_secret(path, geteuid(), (gid_t)-1, 64, err, sizeof(err));
	ok(s == NULL, "world-readable secret refused");
	chmod(path, 0600);
	s = read_secret(path, geteuid(), (gid_t)-1, 3, err, sizeof(err));
	ok(s == NULL && strstr(err, "longer") != NULL, "oversized secret refused");
	snprintf(path, sizeof(path), "%s/link", dir);
	ok(symlink("token", path) == 0, "symlink");
	s = read_secret(path, geteuid(), (gid_t)-1, 64, err, sizeof(err));
	ok(s == NULL, "symlink refused (O_NOFOLLOW): %s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/token", dir);
	if (geteuid() == 0) {
		ok(chown(path, 65534, 65534) == 0, "chown to nobody");
		s = read_secret(path, 0, (gid_t)-1, 64, err, sizeof(err));
		ok(s == NULL && strstr(err, "owned by root") != NULL,
		    "secret owned by another user refused");
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_e164();
	test_mask();
	test_log_safe();
	test_secrets();
	return done_testing();
}
