/* libFuzzer: otpsmsctl check-pam's PAM file parser and stack walk
 * (tools/checkpam.c). The input is a PAM file; "@include common-auth" (and
 * auth include/substack) finds Debian's common-auth, any other name is
 * missing. The first byte's low bit is -k. Properties: never crashes, every
 * report line is printable ASCII, names a file that was read and a line that
 * exists in it, and the result agrees with what was reported. Built by
 * tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char common_auth[] =
    "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
    "auth\trequisite\t\t\tpam_deny.so\n"
    "auth\trequired\t\t\tpam_permit.so\n"
    "auth\toptional\t\t\tpam_cap.so\n";

struct seen {
	size_t lines;           /* in the input */
	int warnings, errors;
};

static size_t
count_lines(const char *s, size_t n)
{
	size_t i, l = 1;

	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			l++;
	return l;
}

static int
load(void *arg, const char *path, char **buf, size_t *len)
{
	const char *b = strrchr(path, '/');

	(void)arg;
	b = b != NULL ? b + 1 : path;
	if (strcmp(b, "common-auth") != 0)
		return ENOENT;
	if ((*buf = malloc(sizeof(common_auth))) == NULL)
		return ENOMEM;
	memcpy(*buf, common_auth, sizeof(common_auth));
	*len = sizeof(common_auth) - 1;
	return 0;
}

static void
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f)
			abort();
}

static void
emit(void *arg, const char *file, unsigned line, const char *level,
    const char *kind, const char *msg)
{
	struct seen *s = arg;

	printable(file);
	printable(level);
	printable(msg);
	if (kind != NULL)
		printable(kind);
	if (strcmp(level, "warning") == 0) {
		if (kind == NULL || line == 0)
			abort();
		s->warnings++;
	} else if (strcmp(level, "error") == 0)
		s->errors++;
	else
		abort();
	if (strcmp(file, "/etc/pam.d/fuzz") == 0) {
		if (line > s->lines)
			abort();
	} else if (strcmp(file, "/etc/pam.d/common-auth") == 0) {
		if (line > 4)
			abort();
	} else
		abort();        /* no other file is ever read */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_opts o;
	struct seen s;
	char *text;
	int r;

	if (size == 0 || size > CP_FILE_MAX + 16)
		return 0;
	/* An exact-size copy, no terminator: the parser must not need one. */
	if ((text = malloc(size - 1 > 0 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	s.lines = count_lines(text, size - 1);
	o.after_key = data[0] & 1;
	o.load = load;
	o.emit = emit;
	o.emit_arg = &s;
	r = checkpam_text(&o, "/etc/pam.d/fuzz", text, size - 1);
	if ((r == CP_ERROR) != (s.errors > 0) ||
	    (r == CP_WARN && s.warnings == 0) ||
	    (r == CP_CLEAN && s.warnings + s.errors != 0))
		abort();
	free(text);
	return 0;
}
