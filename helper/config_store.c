/* otpsmsd.yaml(5): store: (where pending challenges live) and
 * fleet_key_file (the key every host of a fleet shares). */
#include <config.h>
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <openssl/crypto.h>

#include "cfgtree.h"
#include "fleetkey.h"
#include "util.h"

#define DEFAULT_PREFIX "otpsms:"
#define PREFIX_MAX 64
#define PASSWORD_MAX 512
#define URL_MAX 512

/* Sets host/port/db or unix_path from url; 0, or -1 with why. */
static int
parse_url(struct store_conf *sc, const char *url, char *why, size_t whysz)
{
	struct sockaddr_un sun;
	struct in6_addr a6;
	struct in_addr a4;
	char host[64];
	const char *p, *end, *q;
	unsigned long v;
	char *e;

	if (strchr(url, '@') != NULL) {
		snprintf(why, whysz, "give credentials with username and "
		    "password_file, not in the url");
		return -1;
	}
	if (strncmp(url, "rediss://", 9) == 0 || strncmp(url, "sentinel://", 11) == 0) {
		snprintf(why, whysz, "TLS and Sentinel are not supported yet: "
		    "use redis://ADDRESS[:PORT][/DB] or unix:///PATH");
		return -1;
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
		if (q == NULL)
			return 0;
		p = q + 4;
		goto db;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(why, whysz, "expected redis://ADDRESS[:PORT][/DB] or "
		    "unix:///PATH[?db=N]");
		return -1;
	}
	p = url + 8;
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			goto badhost;
		if ((size_t)(end - p - 1) >= sizeof(host))
			goto badhost;
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto badhost;
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/");
		if (end == p || (size_t)(end - p) >= sizeof(host))
			goto badhost;
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = '\0';
		/* A name would be resolved with a blocking call on every
		 * reconnect, in the loop every login waits on. */
		if (strcmp(host, "localhost") == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		else if (inet_pton(AF_INET, host, &a4) != 1)
			goto badhost;
		p = end;
	}
	sc->port = 6379;
	if (*p == ':') {
		v = strtoul(p + 1, &e, 10);
		if (e == p + 1 || v == 0 || v > 65535 || (*e != '\0' && *e != '/')) {
			snprintf(why, whysz, "port: 1 to 65535");
			return -1;
		}
		sc->port = (unsigned)v;
		p = e;
	}
	if ((sc->host = strdup(host)) == NULL)
		goto nomem;
	if (*p == '\0' || strcmp(p, "/") == 0)
		return 0;
	p++;
 db:
	v = strtoul(p, &e, 10);
	if (e == p || *e != '\0' || v > 15) {
		snprintf(why, whysz, "database: a number, 0 to 15");
		return -1;
	}
	sc->db = (unsigned)v;
	return 0;
 badhost:
	snprintf(why, whysz, "the host must be an IP address (v6 in brackets) or "
	    "localhost: a name would block the daemon on every reconnect");
	return -1;
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

static void
read_fleet_key(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct cfg_node *n;
	char *path = NULL, err[512], safe[512];

	if (cfg_str(ctx, root, "fleet_key_file", &path, 0) != 1)
		goto out;
	n = cfg_get(root, "fleet_key_file");
	if (path[0] != '/') {
		cfg_err(ctx, n, "fleet_key_file: must be an absolute path");
		goto out;
	}
	if (ctx->no_files) {
		/* Fuzzing: never opened; a stand-in so the rest is checked. */
		if ((c->fleet_key = calloc(1, FLEETKEY_MIN)) == NULL)
			cfg_err(ctx, n, "out of memory");
		else
			c->fleet_key_len = FLEETKEY_MIN;
		goto out;
	}
	if (fleetkey_read(path, ctx->secret_owner, &c->fleet_key, &c->fleet_key_len,
	    err, sizeof(err)) != 0) {
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, n, "fleet_key_file: %s", safe);
	}
 out:
	free(path);
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
	cfg_duration_ms(ctx, map, "timeout", &sc->timeout_ms, 10, 10 * 1000, 0);
	if (cfg_str(ctx, map, "on_failure", &onf, 0) == 1) {
		if (strcmp(onf, "local") == 0)
			sc->fallback_local = 1;
		else if (strcmp(onf, "closed") != 0)
			cfg_err(ctx, cfg_get(map, "on_failure"),
			    "store.on_failure: closed or local");
	}
	/* Every host must compute the same MAC and open the others' seals. */
	if (sc->type == STORE_TYPE_REDIS && c->fleet_key == NULL)
		cfg_err(ctx, map, "store: type redis needs fleet_key_file (the key "
		    "every host of the fleet shares)");
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
	if (c->fleet_key != NULL) {
		OPENSSL_cleanse(c->fleet_key, c->fleet_key_len);
		free(c->fleet_key);
	}
	memset(sc, 0, sizeof(*sc));
	c->fleet_key = NULL;
	c->fleet_key_len = 0;
}
