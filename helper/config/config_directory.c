/* otpsmsd.yaml(5): directory: (users' numbers from LDAP). Checked here
 * and read whole at load time (as root): the CA and the bind password. */
#include <config.h>
#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfgtree.h"
#include "util.h"

#define DIR_URL_MAX 1024
#define DIR_DN_MAX 1024
#define DIR_FILTER_MAX 1024
#define DIR_PASSWORD_MAX 512
#define DIR_PEM_MAX (256 * 1024)

/* "ldaps://host[:port][/]" ... separated by spaces. Plain ldap:// only with
 * starttls (the numbers decide where codes go; a bind password goes too);
 * ldapi:// is a local socket. 0, or -1 with why. */
static int
urls_valid(const char *s, int starttls, char *why, size_t whysz)
{
	const char *p = s, *end, *h;
	size_t n = 0, len;
	int plain;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " ");
		len = (size_t)(end - p);
		plain = 0;
		if (len > 8 && strncmp(p, "ldaps://", 8) == 0)
			h = p + 8;
		else if (len > 7 && strncmp(p, "ldap://", 7) == 0) {
			h = p + 7;
			plain = 1;
		} else if (len > 8 && strncmp(p, "ldapi://", 8) == 0)
			h = p + 8;
		else {
			snprintf(why, whysz, "each URL is ldaps://HOST, ldap://HOST "
			    "(with starttls: true) or ldapi://");
			return -1;
		}
		for (; h < end; h++)
			if ((unsigned char)*h < 0x21 || (unsigned char)*h > 0x7e ||
			    *h == '?' || *h == '#') {
				snprintf(why, whysz, "a URL names a server only (no "
				    "base, filter or extensions)");
				return -1;
			}
		if (plain && !starttls) {
			snprintf(why, whysz, "ldap:// sends the bind and the numbers "
			    "in clear: use ldaps:// or starttls: true");
			return -1;
		}
		n++;
		p = end;
	}
	if (n == 0) {
		snprintf(why, whysz, "no URL");
		return -1;
	}
	return 0;
}

/* An attribute description: a name (letter, then letters, digits, '-') or
 * an OID, with options (";lang-en"). */
static int
attr_valid(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == ';'))
			return 0;
	return 1;
}

/* "(...)" with balanced parentheses and exactly one {user}. */
static int
filter_valid(const char *s, char *why, size_t whysz)
{
	const char *u;
	size_t i;
	int depth = 0;

	if (s[0] != '(' || s[strlen(s) - 1] != ')') {
		snprintf(why, whysz, "an LDAP filter in parentheses, e.g. "
		    "\"(uid={user})\"");
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20) {
			snprintf(why, whysz, "control characters in the filter");
			return -1;
		}
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth < 0)
			break;
	}
	if (depth != 0) {
		snprintf(why, whysz, "unbalanced parentheses");
		return -1;
	}
	if ((u = strstr(s, "{user}")) == NULL || strstr(u + 1, "{user}") != NULL) {
		snprintf(why, whysz, "the filter names {user} exactly once");
		return -1;
	}
	return 0;
}

/* "+" and 1 to 3 digits, the first not 0. */
static int
country_valid(const char *s)
{
	size_t i;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (i > 3 || s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
read_ca(struct cfg_ctx *ctx, struct cfg_node *map, struct directory_conf *dc)
{
	struct cfg_node *n;
	struct stat st;
	char err[512], safe[512];
	size_t len;
	BIO *b = NULL;
	X509 *x = NULL;
	int fd = -1;

	if (cfg_str(ctx, map, "ca_file", &dc->ca_file, 0) != 1)
		return;
	n = cfg_get(map, "ca_file");
	if (dc->ca_file[0] != '/') {
		cfg_err(ctx, n, "directory.ca_file: must be an absolute path");
		goto out;
	}
	if (ctx->no_files)
		goto out;
	cfg_note_read(ctx, dc->ca_file);
	if ((fd = open(dc->ca_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		snprintf(err, sizeof(err), "%s: %s", dc->ca_file, strerror(errno));
		goto bad;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, sizeof(err), "%s: not a regular file", dc->ca_file);
		goto bad;
	}
	if ((dc->ca = read_fd_bounded(fd, dc->ca_file, DIR_PEM_MAX, &len, err,
	    sizeof(err))) == NULL)
		goto bad;
	if ((b = BIO_new_mem_buf(dc->ca, -1)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		cfg_err(ctx, n, "directory.ca_file: no PEM certificate in it");
		goto out;
	}
	goto out;
 bad:
	log_safe(safe, sizeof(safe), err);
	cfg_err(ctx, n, "directory.ca_file: %s", safe);
 out:
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	if (fd != -1)
		close(fd);
}

static void
read_attributes(struct cfg_ctx *ctx, struct cfg_node *map,
    struct directory_conf *dc)
{
	struct cfg_node *seq, *it;
	size_t i;

	if ((seq = cfg_get(map, "attributes")) == NULL) {
		/* The usual place for a mobile number (RFC 4524). NULL-ended,
		 * as libldap takes the list. */
		if ((dc->attributes = calloc(2, sizeof(char *))) == NULL ||
		    (dc->attributes[0] = strdup("mobile")) == NULL)
			cfg_err(ctx, map, "out of memory");
		else
			dc->n_attributes = 1;
		return;
	}
	if (!cfg_want_seq(ctx, seq, "directory.attributes"))
		return;
	if (seq->n == 0 || seq->n > DIRECTORY_ATTRS_MAX) {
		cfg_err(ctx, seq, "directory.attributes: 1 to %d attribute names",
		    DIRECTORY_ATTRS_MAX);
		return;
	}
	if ((dc->attributes = calloc(seq->n + 1, sizeof(char *))) == NULL) {
		cfg_err(ctx, seq, "out of memory");
		return;
	}
	for (i = 0; i < seq->n; i++) {
		it = seq->items[i];
		if (it->type != CFG_SCALAR || !attr_valid(it->value)) {
			cfg_err(ctx, it, "directory.attributes[%zu]: an attribute name "
			    "(letters, digits, '-'; e.g. mobile)", i);
			continue;
		}
		if ((dc->attributes[dc->n_attributes] = strdup(it->value)) == NULL) {
			cfg_err(ctx, it, "out of memory");
			continue;
		}
		dc->n_attributes++;
	}
}

static void
read_cache(struct cfg_ctx *ctx, struct cfg_node *map, struct directory_conf *dc)
{
	struct cfg_node *cm;

	if ((cm = cfg_get(map, "cache")) == NULL ||
	    !cfg_want_map(ctx, cm, "directory.cache"))
		return;
	cfg_duration(ctx, cm, "ttl", &dc->ttl_ms, 1000, 24 * 3600 * 1000, 0);
	cfg_duration(ctx, cm, "negative_ttl", &dc->negative_ttl_ms, 0,
	    3600 * 1000, 0);
	cfg_duration(ctx, cm, "stale_for", &dc->stale_ms, 0,
	    7 * 24 * 3600 * 1000u, 0);
	cfg_check_unused(ctx, cm);
}

void
config_read_directory(struct cfg_ctx *ctx, struct cfg_node *root,
    struct config *c)
{
	struct directory_conf *dc = &c->directory;
	struct cfg_node *map, *n;
	char *type = NULL, why[256];

	dc->timeout_ms = 2000;
	dc->ttl_ms = 10 * 60 * 1000;
	dc->negative_ttl_ms = 60 * 1000;
	dc->stale_ms = 8 * 3600 * 1000;
	if ((map = cfg_get(root, "directory")) == NULL ||
	    !cfg_want_map(ctx, map, NULL))
		goto out;
	dc->enabled = 1;
	if (cfg_str(ctx, map, "type", &type, 1) == 1 && strcmp(type, "ldap") != 0)
		cfg_err(ctx, cfg_get(map, "type"), "directory.type: ldap");
	cfg_bool(ctx, map, "starttls", &dc->starttls, 0);
	if (cfg_str(ctx, map, "url", &dc->url, 1) == 1) {
		n = cfg_get(map, "url");
		if (strlen(dc->url) > DIR_URL_MAX)
			cfg_err(ctx, n, "directory.url: longer than %d bytes",
			    DIR_URL_MAX);
		else if (urls_valid(dc->url, dc->starttls, why, sizeof(why)) != 0)
			cfg_err(ctx, n, "directory.url: %s", why);
		else if (dc->starttls && strstr(dc->url, "ldaps://") != NULL)
			cfg_err(ctx, n, "directory.url: starttls is for ldap:// "
			    "(ldaps:// is TLS from the start)");
	}
	if (cfg_str(ctx, map, "bind_dn", &dc->bind_dn, 0) == 1 &&
	    (strlen(dc->bind_dn) > DIR_DN_MAX || dc->bind_dn[0] == '\0'))
		cfg_err(ctx, cfg_get(map, "bind_dn"), "directory.bind_dn: 1 to %d "
		    "bytes", DIR_DN_MAX);
	/* -1: refused and said there; no second message about it. */
	if (cfg_secret(ctx, map, "bind_password", &dc->bind_password,
	    DIR_PASSWORD_MAX, 0) != -1 &&
	    (dc->bind_dn == NULL) != (dc->bind_password == NULL))
		cfg_err(ctx, map, "directory: bind_dn and bind_password (or "
		    "bind_password_file) go together; give neither for an "
		    "anonymous search");
	read_ca(ctx, map, dc);
	if (cfg_str(ctx, map, "base", &dc->base, 1) == 1 &&
	    (strlen(dc->base) > DIR_DN_MAX || dc->base[0] == '\0'))
		cfg_err(ctx, cfg_get(map, "base"), "directory.base: 1 to %d bytes",
		    DIR_DN_MAX);
	if (cfg_str(ctx, map, "filter", &dc->filter, 1) == 1) {
		n = cfg_get(map, "filter");
		if (strlen(dc->filter) > DIR_FILTER_MAX)
			cfg_err(ctx, n, "directory.filter: longer than %d bytes",
			    DIR_FILTER_MAX);
		else if (filter_valid(dc->filter, why, sizeof(why)) != 0)
			cfg_err(ctx, n, "directory.filter: %s", why);
	}
	read_attributes(ctx, map, dc);
	if (cfg_str(ctx, map, "default_country", &dc->default_country, 0) == 1 &&
	    !country_valid(dc->default_country))
		cfg_err(ctx, cfg_get(map, "default_country"), "directory."
		    "default_country: '+' and the country code, e.g. \"+44\"");
	cfg_duration_ms(ctx, map, "timeout", &dc->timeout_ms, 100, 30 * 1000, 0);
	read_cache(ctx, map, dc);
	cfg_check_unused(ctx, map);
 out:
	free(type);
}

void
config_free_directory(struct config *c)
{
	struct directory_conf *dc = &c->directory;
	size_t i;

	free(dc->url);
	free(dc->bind_dn);
	freezero_str(dc->bind_password);
	free(dc->ca_file);
	free(dc->ca);
	free(dc->base);
	free(dc->filter);
	for (i = 0; i < dc->n_attributes; i++)
		free(dc->attributes[i]);
	free(dc->attributes);
	free(dc->default_country);
	memset(dc, 0, sizeof(*dc));
}
