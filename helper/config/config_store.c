/* otpsmsd.yaml(5): store: (where pending challenges live) and
 * fleet_key_file (the key every host of a fleet shares). */
#include <config.h>
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfgtree.h"
#include "fleetkey.h"
#include "util.h"

#define DEFAULT_PREFIX "otpsms:"
#define PREFIX_MAX 64
#define PASSWORD_MAX 512
#define URL_MAX 512
#define PEM_MAX (256 * 1024)

/* ADDRESS[:PORT] at *pp (up to ',', '/' or the end) into host and port;
 * *pp moves past it. 0, or -1 with why. */
static int
parse_hostport(const char **pp, char host[64], unsigned *port, unsigned defport,
    char *why, size_t whysz)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *p = *pp, *end;
	unsigned long v;
	char *e;

	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL || (size_t)(end - p - 1) >= 64)
			goto badhost;
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto badhost;
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/,");
		if (end == p || (size_t)(end - p) >= 64)
			goto badhost;
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = '\0';
		/* A name would be resolved with a blocking call on every
		 * reconnect, in the loop every login waits on. */
		if (strcmp(host, "localhost") == 0)
			snprintf(host, 64, "127.0.0.1");
		else if (inet_pton(AF_INET, host, &a4) != 1)
			goto badhost;
		p = end;
	}
	*port = defport;
	if (*p == ':') {
		v = strtoul(p + 1, &e, 10);
		if (e == p + 1 || v == 0 || v > 65535 ||
		    (*e != '\0' && *e != '/' && *e != ',')) {
			snprintf(why, whysz, "port: 1 to 65535");
			return -1;
		}
		*port = (unsigned)v;
		p = e;
	}
	*pp = p;
	return 0;
 badhost:
	snprintf(why, whysz, "the host must be an IP address (v6 in brackets) or "
	    "localhost: a name would block the daemon on every reconnect");
	return -1;
}

static int
parse_db(struct store_conf *sc, const char *p, char *why, size_t whysz)
{
	unsigned long v;
	char *e;

	v = strtoul(p, &e, 10);
	if (e == p || *e != '\0' || v > 15 || *p == '-' || *p == '+') {
		snprintf(why, whysz, "database: a number, 0 to 15");
		return -1;
	}
	sc->db = (unsigned)v;
	return 0;
}

/* sentinel[s]://ADDR[:PORT][,ADDR[:PORT]...]/MASTER[/DB], p past "://". */
static int
parse_sentinel(struct store_conf *sc, const char *p, char *why, size_t whysz)
{
	struct store_addr *a;
	const char *end;
	size_t i, len;

	for (;;) {
		if (sc->n_sentinels == STORE_SENTINELS_MAX) {
			snprintf(why, whysz, "at most %d sentinels", STORE_SENTINELS_MAX);
			return -1;
		}
		a = &sc->sentinels[sc->n_sentinels];
		if (parse_hostport(&p, a->host, &a->port, 26379, why, whysz) != 0)
			return -1;
		sc->n_sentinels++;
		if (*p != ',')
			break;
		p++;
	}
	if (*p != '/' || p[1] == '\0' || p[1] == '/') {
		snprintf(why, whysz, "expected sentinel://ADDRESS[:PORT]"
		    "[,ADDRESS[:PORT]...]/MASTERNAME[/DB]");
		return -1;
	}
	p++;
	end = p + strcspn(p, "/");
	len = (size_t)(end - p);
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_' ||
		    p[i] == '.'))
			break;
	if (i < len || len > 64) {
		snprintf(why, whysz, "master name: 1 to 64 letters, digits, "
		    "'-', '_' or '.'");
		return -1;
	}
	if ((sc->master_name = strndup(p, len)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (*end == '\0')
		return 0;
	return parse_db(sc, end + 1, why, whysz);
}

/* Sets host/port/db, unix_path, or the sentinels and master name from
 * url, and tls; 0, or -1 with why. */
static int
parse_url(struct store_conf *sc, const char *url, char *why, size_t whysz)
{
	struct sockaddr_un sun;
	char host[64];
	const char *p, *end, *q;

	if (strchr(url, '@') != NULL) {
		snprintf(why, whysz, "give credentials with username and "
		    "password_file, not in the url");
		return -1;
	}
	if (strncmp(url, "sentinel://", 11) == 0)
		return parse_sentinel(sc, url + 11, why, whysz);
	if (strncmp(url, "sentinels://", 12) == 0) {
		sc->tls = 1;
		return parse_sentinel(sc, url + 12, why, whysz);
	}
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		q = strstr(p, "?db=");
		end = q != NULL ? q : p + strlen(p);
		if (*p != '/' || (size_t)(end - p) >= sizeof(sun.sun_path)) {
			snprintf(why, whysz, "unix:// takes an absolute socket path "
			    "shorter than %zu bytes", sizeof(sun.sun_path));
			return -1;
		}
		if ((sc->unix_path = strndup(p, (size_t)(end - p))) == NULL)
			goto nomem;
		return q == NULL ? 0 : parse_db(sc, q + 4, why, whysz);
	}
	if (strncmp(url, "redis://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "rediss://", 9) == 0) {
		p = url + 9;
		sc->tls = 1;
	} else {
		snprintf(why, whysz, "expected redis[s]://ADDRESS[:PORT][/DB], "
		    "unix:///PATH[?db=N] or sentinel[s]://ADDRESS[:PORT][,...]"
		    "/MASTERNAME[/DB]");
		return -1;
	}
	if (parse_hostport(&p, host, &sc->port, 6379, why, whysz) != 0)
		return -1;
	if (*p == ',') {
		snprintf(why, whysz, "several addresses: only with sentinel://");
		return -1;
	}
	if ((sc->host = strdup(host)) == NULL)
		goto nomem;
	if (*p == '\0' || strcmp(p, "/") == 0)
		return 0;
	return parse_db(sc, p + 1, why, whysz);
 nomem:
	snprintf(why, whysz, "out of memory");
	return -1;
}

static int
prefix_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= PREFIX_MAX || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* A certificate file (not secret): a regular file, whole, bounded. */
static char *
read_plain(const char *path, size_t max, char *err, size_t errsz)
{
	struct stat st;
	char *s = NULL;
	size_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(err, errsz, "%s: not a regular file", path);
	else
		s = read_fd_bounded(fd, path, max, &len, err, errsz);
	close(fd);
	return s;
}

/* 1: pem holds a certificate (want_key 0) or a private key (want_key 1). */
static int
pem_ok(const char *pem, int want_key)
{
	BIO *b;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int ok;

	if ((b = BIO_new_mem_buf(pem, -1)) == NULL)
		return 0;
	if (want_key)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	else
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	ok = k != NULL || x != NULL;
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return ok;
}

/* KEY: an absolute path read now (as root, before privileges go); the
 * key file as a secret (root-owned, 0600). */
static void
read_pem(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **path, char **out, int secret)
{
	struct cfg_node *n;
	char err[512], safe[512];

	if (cfg_str(ctx, map, key, path, 0) != 1)
		return;
	n = cfg_get(map, key);
	if ((*path)[0] != '/') {
		cfg_err(ctx, n, "store.%s: must be an absolute path", key);
		return;
	}
	if (ctx->no_files)
		return;
	cfg_note_read(ctx, *path);
	*out = secret ? read_secret(*path, ctx->secret_owner, ctx->secret_group, PEM_MAX, err,
	    sizeof(err)) : read_plain(*path, PEM_MAX, err, sizeof(err));
	if (*out == NULL) {
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, n, "store.%s: %s", key, safe);
	} else if (!pem_ok(*out, secret))
		cfg_err(ctx, n, "store.%s: no PEM %s in it", key,
		    secret ? "private key" : "certificate");
}

static int
name_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 253 || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == ':'))
			return 0;
	return i > 0;
}

/* tls_* (rediss://, sentinels://) and sentinel_* (sentinel[s]://). */
static void
read_tls_sentinel(struct cfg_ctx *ctx, struct cfg_node *map, struct store_conf *sc)
{
	static const char *const tls_keys[] = { "tls_ca_file", "tls_cert_file",
	    "tls_key_file", "tls_server_name" };
	struct cfg_node *n;
	size_t i;

	read_pem(ctx, map, "tls_ca_file", &sc->tls_ca_file, &sc->tls_ca, 0);
	read_pem(ctx, map, "tls_cert_file", &sc->tls_cert_file, &sc->tls_cert, 0);
	read_pem(ctx, map, "tls_key_file", &sc->tls_key_file, &sc->tls_key, 1);
	if (cfg_str(ctx, map, "tls_server_name", &sc->tls_server_name, 0) == 1 &&
	    !name_valid(sc->tls_server_name))
		cfg_err(ctx, cfg_get(map, "tls_server_name"), "store.tls_server_name: "
		    "a DNS name or an IP address");
	if ((sc->tls_cert_file == NULL) != (sc->tls_key_file == NULL))
		cfg_err(ctx, cfg_get(map, sc->tls_cert_file != NULL ?
		    "tls_cert_file" : "tls_key_file"), "store: tls_cert_file and "
		    "tls_key_file go together (the client certificate and its key)");
	for (i = 0; i < sizeof(tls_keys) / sizeof(tls_keys[0]); i++)
		if (!sc->tls && (n = cfg_get(map, tls_keys[i])) != NULL)
			cfg_err(ctx, n, "store.%s: only with a rediss:// or "
			    "sentinels:// url", tls_keys[i]);
	if (cfg_str(ctx, map, "sentinel_username", &sc->sentinel_username, 0) == 1 &&
	    !prefix_valid(sc->sentinel_username))
		cfg_err(ctx, cfg_get(map, "sentinel_username"), "store.sentinel_username: "
		    "1 to %d printable characters without spaces", PREFIX_MAX);
	cfg_secret(ctx, map, "sentinel_password", &sc->sentinel_password,
	    PASSWORD_MAX, 0);
	if (sc->sentinel_username != NULL && sc->sentinel_password == NULL)
		cfg_err(ctx, cfg_get(map, "sentinel_username"), "store.sentinel_username: "
		    "needs sentinel_password or sentinel_password_file");
	if (sc->master_name == NULL && (sc->sentinel_username != NULL ||
	    sc->sentinel_password != NULL))
		cfg_err(ctx, map, "store: sentinel_username and sentinel_password "
		    "only with a sentinel:// url");
}

/* fleet_key_file: PATH, or fleet_key_credential: NAME (a systemd
 * credential, LoadCredential=, for the shipped unit that never runs as
 * root): the same file rules either way. */
static void
read_fleet_key(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *n, *cn;
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path = NULL, *cred = NULL, file[4096], err[512], safe[512];

	n = cfg_get(root, "fleet_key_file");
	cn = cfg_get(root, "fleet_key_credential");
	if (n != NULL && cn != NULL) {
		cfg_err(ctx, cn->parent->keys[cn->index], "give fleet_key_file or "
		    "fleet_key_credential, not both");
		return;
	}
	if (cn != NULL) {
		if (cfg_str(ctx, root, "fleet_key_credential", &cred, 0) != 1)
			goto out;
		if (cred[0] == '\0' || strchr(cred, '/') != NULL ||
		    strcmp(cred, ".") == 0 || strcmp(cred, "..") == 0 ||
		    strlen(cred) > 255) {
			cfg_err(ctx, cn, "fleet_key_credential: a credential name "
			    "is 1 to 255 bytes without '/'");
			goto out;
		}
		if (!ctx->no_files && (dir == NULL || dir[0] != '/')) {
			cfg_err(ctx, cn, "fleet_key_credential: $CREDENTIALS_DIRECTORY "
			    "is not set (LoadCredential= in the systemd unit)");
			goto out;
		}
		snprintf(file, sizeof(file), "%s/%s", dir != NULL ? dir : "", cred);
		n = cn;
	} else {
		if (cfg_str(ctx, root, "fleet_key_file", &path, 0) != 1)
			goto out;
		if (path[0] != '/') {
			cfg_err(ctx, n, "fleet_key_file: must be an absolute path");
			goto out;
		}
		snprintf(file, sizeof(file), "%s", path);
	}
	if (ctx->no_files) {
		/* Fuzzing: never opened; a stand-in so the rest is checked. */
		if ((c->fleet_key = calloc(1, FLEETKEY_MIN)) == NULL)
			cfg_err(ctx, n, "out of memory");
		else
			c->fleet_key_len = FLEETKEY_MIN;
		goto out;
	}
	cfg_note_read(ctx, file);
	if (fleetkey_read(file, ctx->secret_owner, ctx->secret_group,
	    &c->fleet_key, &c->fleet_key_len, err, sizeof(err)) != 0) {
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, n, "%s: %s", cn != NULL ? "fleet_key_credential" :
		    "fleet_key_file", safe);
	} else if (cn == NULL)
		cfg_check_secret_access(ctx, n, "fleet_key", file);
 out:
	free(path);
	free(cred);
}

void
config_read_store(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct store_conf *sc = &c->store;
	struct cfg_node *map, *n;
	char *type = NULL, *onf = NULL, why[256];

	sc->type = STORE_TYPE_LOCAL;
	sc->timeout_ms = 500;
	read_fleet_key(ctx, root, c);
	if ((map = cfg_get(root, "store")) == NULL || !cfg_want_map(ctx, map, NULL))
		goto defaults;
	if (cfg_str(ctx, map, "type", &type, 0) == 1) {
		if (strcmp(type, "redis") == 0)
			sc->type = STORE_TYPE_REDIS;
		else if (strcmp(type, "local") != 0)
			cfg_err(ctx, cfg_get(map, "type"), "store.type: local or redis");
	}
	if (cfg_str(ctx, map, "url", &sc->url, sc->type == STORE_TYPE_REDIS) == 1) {
		n = cfg_get(map, "url");
		if (strlen(sc->url) > URL_MAX)
			cfg_err(ctx, n, "store.url: longer than %d bytes", URL_MAX);
		else if (parse_url(sc, sc->url, why, sizeof(why)) != 0)
			cfg_err(ctx, n, "store.url: %s", why);
	}
	if (cfg_str(ctx, map, "username", &sc->username, 0) == 1 &&
	    !prefix_valid(sc->username))
		cfg_err(ctx, cfg_get(map, "username"), "store.username: 1 to %d "
		    "printable characters without spaces", PREFIX_MAX);
	cfg_secret(ctx, map, "password", &sc->password, PASSWORD_MAX, 0);
	if (sc->username != NULL && sc->password == NULL)
		cfg_err(ctx, cfg_get(map, "username"), "store.username: needs "
		    "password or password_file");
	if (cfg_str(ctx, map, "key_prefix", &sc->key_prefix, 0) == 1 &&
	    !prefix_valid(sc->key_prefix))
		cfg_err(ctx, cfg_get(map, "key_prefix"), "store.key_prefix: up to "
		    "%d printable characters without spaces", PREFIX_MAX);
	read_tls_sentinel(ctx, map, sc);
	cfg_duration_ms(ctx, map, "timeout", &sc->timeout_ms, 10, 10 * 1000, 0);
	if (cfg_str(ctx, map, "on_failure", &onf, 0) == 1) {
		if (strcmp(onf, "local") == 0)
			sc->fallback_local = 1;
		else if (strcmp(onf, "closed") != 0)
			cfg_err(ctx, cfg_get(map, "on_failure"),
			    "store.on_failure: closed or local");
	}
	/* Every host must compute the same MAC and open the others' seals. */
	if (sc->type == STORE_TYPE_REDIS && c->fleet_key == NULL &&
	    cfg_get(root, "fleet_key_file") == NULL &&
	    cfg_get(root, "fleet_key_credential") == NULL)    /* else said */
		cfg_err(ctx, map, "store: type redis needs fleet_key_file (or "
		    "fleet_key_credential): the key every host of the fleet shares");
	cfg_check_unused(ctx, map);
 defaults:
	if (sc->key_prefix == NULL && (sc->key_prefix = strdup(DEFAULT_PREFIX)) == NULL)
		cfg_err(ctx, NULL, "out of memory");
	free(type);
	free(onf);
}

void
config_free_store(struct config *c)
{
	struct store_conf *sc = &c->store;

	free(sc->url);
	free(sc->host);
	free(sc->unix_path);
	free(sc->username);
	freezero_str(sc->password);
	free(sc->key_prefix);
	free(sc->tls_ca_file);
	free(sc->tls_cert_file);
	free(sc->tls_key_file);
	free(sc->tls_ca);
	free(sc->tls_cert);
	freezero_str(sc->tls_key);
	free(sc->tls_server_name);
	free(sc->master_name);
	free(sc->sentinel_username);
	freezero_str(sc->sentinel_password);
	if (c->fleet_key != NULL) {
		OPENSSL_cleanse(c->fleet_key, c->fleet_key_len);
		free(c->fleet_key);
	}
	memset(sc, 0, sizeof(*sc));
	c->fleet_key = NULL;
	c->fleet_key_len = 0;
}
