/* users_file edited as text (usersfile.h). The root mapping's entries are
 * the lines at its indent that are not sequence items or comments; an entry
 * runs on over deeper lines, and over items of an indentless sequence
 * ("- ..." at the same indent), and ends at its last such line: comments
 * and blank lines after it belong to what follows. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usersfile.h"
#include "util.h"

/* A line: [s, e) without its newline; next is after it. */
static size_t
line_end(const char *t, size_t s)
{
	while (t[s] != '\0' && t[s] != '\n')
		s++;
	return s;
}

static size_t
indent_of(const char *t, size_t s, size_t e)
{
	size_t i = s;

	while (i < e && t[i] == ' ')
		i++;
	return i - s;
}

/* Blank or a comment only. */
static int
is_void(const char *t, size_t s, size_t e)
{
	size_t i = s;

	while (i < e && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'))
		i++;
	return i == e || t[i] == '#';
}

static int
is_marker(const char *t, size_t s, size_t e, const char *m)
{
	size_t n = strlen(m);

	return e - s >= n && strncmp(t + s, m, n) == 0 &&
	    (e - s == n || t[s + n] == ' ' || t[s + n] == '\r');
}

static int
is_item(const char *t, size_t i, size_t e)
{
	return t[i] == '-' && (i + 1 == e || t[i + 1] == ' ' || t[i + 1] == '\r');
}

/* The key of the line at [s, e) (after its indent) into key; 0, or -1 when
 * the line is no simple "key:" (then it is nobody's entry). */
static int
line_key(const char *t, size_t s, size_t e, char *key, size_t ksz)
{
	size_t i = s, k = 0;
	char q;

	if (t[i] == '"' || t[i] == '\'') {
		q = t[i++];
		for (; i < e; i++) {
			if (q == '\'' && t[i] == '\'' && i + 1 < e && t[i + 1] == '\'')
				i++;
			else if (q == '"' && t[i] == '\\' && i + 1 < e &&
			    (t[i + 1] == '"' || t[i + 1] == '\\'))
				i++;
			else if (t[i] == q)
				break;
			if (k + 1 >= ksz)
				return -1;
			key[k++] = t[i];
		}
		if (i >= e)
			return -1;
		i++;
		while (i < e && t[i] == ' ')
			i++;
		if (i >= e || t[i] != ':')
			return -1;
	} else {
		for (; i < e; i++) {
			if (t[i] == ':' && (i + 1 == e || t[i + 1] == ' ' ||
			    t[i + 1] == '\t' || t[i + 1] == '\r'))
				break;
			if (k + 1 >= ksz)
				return -1;
			key[k++] = t[i];
		}
		if (i >= e)
			return -1;
		while (k > 0 && (key[k - 1] == ' ' || key[k - 1] == '\t'))
			k--;
	}
	key[k] = '\0';
	return 0;
}

/* E.164 numbers in [s, e): "+" and digits, outside comments. */
static void
numbers_in(const char *t, size_t s, size_t e, struct uf_entry *en)
{
	size_t i, j, le;

	for (; s < e; s = le + 1) {
		le = line_end(t, s);
		for (i = s; i < le && t[i] != '#'; i++) {
			if (t[i] != '+' || (i > s && t[i - 1] == '\\'))
				continue;
			for (j = i + 1; j < le && t[j] >= '0' && t[j] <= '9'; j++)
				;
			if (j - i < sizeof(en->numbers[0]) && en->n < UF_MAX_NUMBERS) {
				memcpy(en->numbers[en->n], t + i, j - i);
				en->numbers[en->n][j - i] = '\0';
				if (e164_valid(en->numbers[en->n]))
					en->n++;
			}
			i = j - 1;
		}
		if (le >= e || t[le] == '\0')
			break;
	}
}

/* The root mapping's indent: the first content line's; -1 for a layout
 * this does not edit. */
static int
root_indent(const char *t, size_t *indent, char *err, size_t errsz)
{
	size_t s, e, i;

	*indent = 0;
	for (s = 0; t[s] != '\0'; s = e + 1) {
		e = line_end(t, s);
		if (is_void(t, s, e) || t[s] == '%' || is_marker(t, s, e, "---")) {
			if (e - s > 3 && is_marker(t, s, e, "---") &&
			    !is_void(t, s + 3, e)) {
				snprintf(err, errsz, "content on the \"---\" line");
				return -1;
			}
			if (t[e] == '\0')
				break;
			continue;
		}
		i = s + indent_of(t, s, e);
		if (t[i] == '{' || t[i] == '[' || is_item(t, i, e) || t[i] == '?' ||
		    t[i] == '&' || t[i] == '!' || t[i] == '\t') {
			snprintf(err, errsz, "not a block mapping of users at the top: "
			    "edit it by hand");
			return -1;
		}
		*indent = i - s;
		return 0;
	}
	return 0;
}

int
uf_find(const char *text, const char *user, struct uf_entry *en, char *err,
    size_t errsz)
{
	char key[512];
	size_t s, e, ind, in, last = 0, found = 0;
	int r = -1, in_entry = 0;

	memset(en, 0, sizeof(*en));
	if (root_indent(text, &ind, err, errsz) != 0)
		goto out;
	for (s = 0; text[s] != '\0'; s = e + 1) {
		e = line_end(text, s);
		in = indent_of(text, s, e);
		if (!is_void(text, s, e) && !is_marker(text, s, e, "---") &&
		    !is_marker(text, s, e, "...")) {
			if (in > ind || (in == ind && is_item(text, s + in, e))) {
				if (in_entry)
					last = e;
			} else if (in == ind) {
				in_entry = 0;
				if (line_key(text, s + in, e, key, sizeof(key)) == 0 &&
				    strcmp(key, user) == 0) {
					if (found) {
						snprintf(err, errsz, "the user is listed twice");
						goto out;
					}
					found = 1;
					in_entry = 1;
					en->start = s;
					last = e;
				}
			} else
				in_entry = 0;
		} else if (is_marker(text, s, e, "...") || (in_entry &&
		    is_marker(text, s, e, "---")))
			in_entry = 0;
		if (found && !in_entry && en->end == 0)
			en->end = text[last] == '\n' ? last + 1 : last;
		if (text[e] == '\0')
			break;
	}
	if (found && en->end == 0)
		en->end = text[last] == '\n' ? last + 1 : last;
	if (found) {
		/* The numbers after the key. */
		e = line_end(text, en->start);
		for (s = en->start; s < e && text[s] != ':'; s++)
			;
		if (text[en->start + ind] == '"' || text[en->start + ind] == '\'') {
			/* A quoted key may hold ':': skip past its closing quote. */
			for (s = en->start + ind + 1; s < e && text[s] !=
			    text[en->start + ind]; s++)
				;
		}
		numbers_in(text, s, en->end, en);
	}
	r = 0;
 out:
	return r;
}

/* The user as a YAML key: plain when it is only [A-Za-z0-9._-] and starts
 * with a letter or '_', else double-quoted (names have no control
 * characters: only '"' and '\' need escaping). */
static void
put_key(FILE *f, const char *user)
{
	const char *p;
	int plain = (user[0] >= 'a' && user[0] <= 'z') ||
	    (user[0] >= 'A' && user[0] <= 'Z') || user[0] == '_';

	for (p = user; *p != '\0' && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
	if (plain) {
		fputs(user, f);
		return;
	}
	fputc('"', f);
	for (p = user; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

int
uf_edit(const char *text, const char *user, const char *const *numbers,
    size_t n, char **out, char *err, size_t errsz)
{
	struct uf_entry en;
	FILE *f = NULL;
	char *o = NULL;
	size_t osz = 0, ind, i, at, s, e;
	int r = -1;

	*out = NULL;
	if (uf_find(text, user, &en, err, errsz) != 0 ||
	    root_indent(text, &ind, err, errsz) != 0)
		goto out;
	if ((f = open_memstream(&o, &osz)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	at = en.start;
	if (en.start == en.end) {
		/* Appended: before a "..." end marker if there is one. */
		at = strlen(text);
		for (s = 0; text[s] != '\0'; s = e + 1) {
			e = line_end(text, s);
			if (is_marker(text, s, e, "...")) {
				at = s;
				break;
			}
			if (text[e] == '\0')
				break;
		}
	}
	fwrite(text, 1, at, f);
	if (at > 0 && text[at - 1] != '\n')
		fputc('\n', f);
	if (n > 0) {
		fprintf(f, "%*s", (int)ind, "");
		put_key(f, user);
		if (n == 1)
			fprintf(f, ": \"%s\"\n", numbers[0]);
		else {
			fputs(": [", f);
			for (i = 0; i < n; i++)
				fprintf(f, "%s\"%s\"", i ? ", " : "", numbers[i]);
			fputs("]\n", f);
		}
	}
	fputs(text + (en.start == en.end ? at : en.end), f);
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	f = NULL;
	*out = o;
	o = NULL;
	r = 0;
 out:
	if (f != NULL)
		fclose(f);
	free(o);
	return r;
}

int
uf_read(const char *path, char **text, char *err, size_t errsz)
{
	struct stat st;
	char *t = NULL;
	ssize_t got;
	size_t len = 0;
	int fd = -1, r = -1;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > UF_MAX_SIZE) {
		snprintf(err, errsz, "%s: not a regular file, or too large", path);
		goto out;
	}
	if ((t = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size &&
	    (got = read(fd, t + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)got;
	t[len] = '\0';
	if (strlen(t) != len) {
		snprintf(err, errsz, "%s: holds a NUL byte", path);
		goto out;
	}
	*text = t;
	t = NULL;
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	free(t);
	return r;
}

int
uf_write(const char *path, const char *text, char *err, size_t errsz)
{
	struct stat st;
	char *dcopy = NULL, tmp[4096];
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd = -1, dfd = -1, r = -1;

	tmp[0] = '\0';
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto out;
	}
	if ((dcopy = strdup(path)) == NULL ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", path);
		tmp[0] = '\0';
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	/* The old file's owner and mode: its readers (the daemon) still can. */
	if (fchown(fd, st.st_uid, st.st_gid) != 0 ||
	    fchmod(fd, st.st_mode & 07777) != 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) <= 0) {
			snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* The rename itself survives a crash. */
	if ((dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		(void)fsync(dfd);
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(dcopy);
	return r;
}

int
uf_lock(const char *path, char *err, size_t errsz)
{
	char *dcopy;
	int fd = -1;

	if ((dcopy = strdup(path)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((fd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(fd, LOCK_EX) != 0) {
		snprintf(err, errsz, "cannot lock the directory of %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(dcopy);
	return fd;
}

/* A top-level "KEY:" of the main configuration (column 0): its value, as
 * a plain or quoted scalar on the same line. */
int
uf_config(const char *cfgpath, char *users_file, size_t sz, int *inline_users,
    char *err, size_t errsz)
{
	char *t = NULL, *v;
	size_t s, e, n;
	int r = -1;

	users_file[0] = '\0';
	*inline_users = 0;
	if (uf_read(cfgpath, &t, err, errsz) != 0)
		goto out;
	for (s = 0; t[s] != '\0'; s = e + 1) {
		e = line_end(t, s);
		if (is_marker(t, s, e, "users:") || strncmp(t + s, "users:", 6) == 0)
			*inline_users = 1;
		if (strncmp(t + s, "users_file:", 11) == 0) {
			v = t + s + 11;
			while (*v == ' ' || *v == '\t')
				v++;
			n = 0;
			if (*v == '"' || *v == '\'') {
				for (v++; v + n < t + e && v[n] != v[-1]; n++)
					;
			} else
				while (v + n < t + e && v[n] != ' ' && v[n] != '\t' &&
				    v[n] != '#' && v[n] != '\r')
					n++;
			if (n == 0 || n >= sz || v[0] != '/') {
				snprintf(err, errsz, "%s: users_file: not an absolute path "
				    "otpsmsctl can read (a scalar on its line)", cfgpath);
				goto out;
			}
			memcpy(users_file, v, n);
			users_file[n] = '\0';
		}
		if (t[e] == '\0')
			break;
	}
	r = 0;
 out:
	free(t);
	return r;
}
