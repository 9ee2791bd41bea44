/* store: in otpsmsd.yaml(5) (helper/config/config_store.c): the url forms
 * (redis://, rediss://, unix://, sentinel[s]://), the TLS and Sentinel keys,
 * and each refusal with its FILE:LINE:COL. */
#include "cfgtest.h"

static char key[160];        /* the fleet key file */
static int have_pem;         /* openssl made a certificate and a key */

/* The config for a store: body (lines indented by two) with the fleet key;
 * a static buffer, as cfgtest.h's load/loads/refused take it. */
static const char *
store(const char *body)
{
	static char yaml[4096];

	snprintf(yaml, sizeof(yaml), "fleet_key_file: %s\nstore:\n  type: redis\n%s",
	    key, body);
	return yaml;
}

static void
test_urls(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	struct store_conf *sc;

	c = loads(&ctx, store("  url: redis://10.0.0.5:6380/2\n"), "redis:// loads");
	if (c != NULL) {
		sc = &c->store;
		ok(!sc->tls && strcmp(sc->host, "10.0.0.5") == 0 && sc->port == 6380 &&
		    sc->db == 2 && sc->n_sentinels == 0, "  ... address, port, db, no TLS");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, store("  url: rediss://[::1]/1\n"), "rediss:// without a CA "
	    "loads (the system's CA store)");
	if (c != NULL) {
		sc = &c->store;
		ok(sc->tls && strcmp(sc->host, "::1") == 0 && sc->port == 6379 &&
		    sc->db == 1 && sc->tls_ca == NULL, "  ... TLS, v6, default port");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, store("  url: unix:///run/redis/redis.sock?db=3\n"), "unix:// loads");
	ok(c != NULL && c->store.db == 3 &&
	    strcmp(c->store.unix_path, "/run/redis/redis.sock") == 0, "  ... path, db");
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, store("  url: sentinel://127.0.0.1,10.0.0.2:26380,[::1]:5000/"
	    "my-master.1/4\n"), "sentinel:// with three sentinels loads");
	if (c != NULL) {
		sc = &c->store;
		ok(sc->n_sentinels == 3 && !sc->tls &&
		    strcmp(sc->sentinels[0].host, "127.0.0.1") == 0 &&
		    sc->sentinels[0].port == 26379 &&
		    strcmp(sc->sentinels[1].host, "10.0.0.2") == 0 &&
		    sc->sentinels[1].port == 26380 &&
		    strcmp(sc->sentinels[2].host, "::1") == 0 &&
		    sc->sentinels[2].port == 5000, "  ... in order, default port 26379");
		ok(strcmp(sc->master_name, "my-master.1") == 0 && sc->db == 4 &&
		    sc->host == NULL, "  ... master name and db");
	}
	config_free(c);
	cfg_ctx_free(&ctx);

	c = loads(&ctx, store("  url: sentinels://127.0.0.1/m\n"
	    "  sentinel_username: watcher\n"
	    "  sentinel_password: s3cret\n"), "sentinels:// with a sentinel ACL user loads");
	ok(c != NULL && c->store.tls && c->store.db == 0 &&
	    strcmp(c->store.sentinel_username, "watcher") == 0 &&
	    strcmp(c->store.sentinel_password, "s3cret") == 0, "  ... TLS and AUTH");
	config_free(c);
	cfg_ctx_free(&ctx);

	refused(store("  url: sentinel://127.0.0.1:26379\n"), ":4:8: store.url: expected "
	    "sentinel://ADDRESS[:PORT][,ADDRESS[:PORT]...]/MASTERNAME[/DB]",
	    "sentinel:// without a master name");
	refused(store("  url: sentinel://127.0.0.1/\n"), ":4:8: store.url: expected "
	    "sentinel://ADDRESS[:PORT][,ADDRESS[:PORT]...]/MASTERNAME[/DB]",
	    "sentinel:// with an empty master name");
	refused(store("  url: sentinel://127.0.0.1/bad*name\n"), ":4:8: store.url: master "
	    "name: 1 to 64 letters, digits, '-', '_' or '.'", "a bad master name");
	refused(store("  url: sentinel://sentinel.example/m\n"), ":4:8: store.url: the host "
	    "must be an IP address (v6 in brackets) or localhost: a name would "
	    "block the daemon on every reconnect", "a sentinel given by name");
	refused(store("  url: sentinel://127.0.0.1:0/m\n"), ":4:8: store.url: port: 1 to "
	    "65535", "a sentinel on port 0");
	refused(store("  url: sentinel://1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,"
	    "1.1.1.7,1.1.1.8,1.1.1.9/m\n"), ":4:8: store.url: at most 8 sentinels",
	    "nine sentinels");
	refused(store("  url: sentinel://127.0.0.1/m/16\n"), ":4:8: store.url: database: a "
	    "number, 0 to 15", "sentinel:// with db 16");
	refused(store("  url: redis://10.0.0.1,10.0.0.2\n"), ":4:8: store.url: several "
	    "addresses: only with sentinel://", "several addresses in redis://");
	refused(store("  url: rediss://10.0.0.1/x\n"), ":4:8: store.url: database: a "
	    "number, 0 to 15", "rediss:// with a bad db");
	refused(store("  url: redis://user:pw@10.0.0.1\n"), ":4:8: store.url: give "
	    "credentials with username and password_file, not in the url",
	    "credentials in the url");
	refused(store("  url: http://10.0.0.1\n"), ":4:8: store.url: expected "
	    "redis[s]://ADDRESS[:PORT][/DB], unix:///PATH[?db=N] or "
	    "sentinel[s]://ADDRESS[:PORT][,...]/MASTERNAME[/DB]", "another scheme");
}

static void
test_keys(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	char body[2048];
	const char *ca, *crt, *k, *loose;

	refused(store("  url: redis://10.0.0.1\n  tls_server_name: redis.example\n"),
	    ":5:20: store.tls_server_name: only with a rediss:// or sentinels:// url",
	    "a TLS key with redis://");
	refused(store("  url: rediss://10.0.0.1\n  tls_server_name: \"bad name\"\n"),
	    ":5:20: store.tls_server_name: a DNS name or an IP address",
	    "a bad tls_server_name");
	refused(store("  url: rediss://10.0.0.1\n  tls_ca_file: ca.pem\n"),
	    ":5:16: store.tls_ca_file: must be an absolute path", "a relative CA path");
	refused(store("  url: redis://10.0.0.1\n  sentinel_password: x\n"),
	    ":3:3: store: sentinel_username and sentinel_password only with a "
	    "sentinel:// url", "sentinel_password with redis://");
	refused(store("  url: sentinel://10.0.0.1/m\n  sentinel_username: w\n"),
	    ":5:22: store.sentinel_username: needs sentinel_password or "
	    "sentinel_password_file", "sentinel_username without a password");
	ca = put("notpem.crt", 0644, "not a certificate\n");
	snprintf(body, sizeof(body), "  url: rediss://10.0.0.1\n  tls_ca_file: %s\n", ca);
	refused(store(body), ":5:16: store.tls_ca_file: no PEM certificate in it",
	    "a CA file without a certificate");
	if (!have_pem) {
		for (int i = 0; i < 4; i++)
			ok(1, "# SKIP openssl could not make a certificate");
		return;
	}
	snprintf(body, sizeof(body), "%s/ca.crt", dir);
	ca = strdup(body);
	snprintf(body, sizeof(body), "%s/ca.key", dir);
	k = strdup(body);
	snprintf(body, sizeof(body), "%s/loose.key", dir);
	loose = strdup(body);
	crt = ca;    /* any certificate will do for the checks */
	snprintf(body, sizeof(body), "  url: rediss://10.0.0.1\n  tls_ca_file: %s\n"
	    "  tls_cert_file: %s\n  tls_key_file: %s\n  tls_server_name: "
	    "redis.example\n", ca, crt, k);
	c = loads(&ctx, store(body), "rediss:// with a CA, a client certificate and a name");
	ok(c != NULL && c->store.tls_ca != NULL && c->store.tls_cert != NULL &&
	    c->store.tls_key != NULL &&
	    strcmp(c->store.tls_server_name, "redis.example") == 0,
	    "  ... read at load time");
	config_free(c);
	cfg_ctx_free(&ctx);
	snprintf(body, sizeof(body), "  url: rediss://10.0.0.1\n  tls_cert_file: %s\n", crt);
	refused(store(body), ":5:18: store: tls_cert_file and tls_key_file go together "
	    "(the client certificate and its key)", "a certificate without its key");
	snprintf(body, sizeof(body), "  url: rediss://10.0.0.1\n  tls_cert_file: %s\n"
	    "  tls_key_file: %s\n", crt, loose);
	c = load(&ctx, store(body));
	ok(c == NULL && ctx.nerr == 1 && strstr(ctx.errs[0], "store.tls_key_file: ") &&
	    strstr(ctx.errs[0], "chmod 600"), "a client key readable by others");
	config_free(c);
	cfg_ctx_free(&ctx);
	free((char *)ca);
	free((char *)k);
	free((char *)loose);
}

/* fleet_key_credential: the key as a systemd credential. */
static void
test_credential(void)
{
	struct cfg_ctx ctx;
	struct config *c;
	char yaml[1024];

	put("fleet.cred", 0600,
	    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n");
	snprintf(yaml, sizeof(yaml), "fleet_key_credential: fleet.cred\nstore:\n"
	    "  type: redis\n  url: redis://127.0.0.1\n");
	unsetenv("CREDENTIALS_DIRECTORY");
	refused(yaml, ":1:23: fleet_key_credential: $CREDENTIALS_DIRECTORY is not "
	    "set (LoadCredential= in the systemd unit)",
	    "fleet_key_credential without LoadCredential= is refused");
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	c = loads(&ctx, yaml, "fleet_key_credential: read from $CREDENTIALS_DIRECTORY");
	ok(c != NULL && c->fleet_key_len == 64, "  ... the whole key");
	config_free(c);
	cfg_ctx_free(&ctx);
	put("redis.pass", 0600, "s3cret-redis\n");
	snprintf(yaml, sizeof(yaml), "fleet_key_credential: fleet.cred\nstore:\n"
	    "  type: redis\n  url: redis://127.0.0.1\n"
	    "  password_credential: redis.pass\n");
	c = loads(&ctx, yaml, "store.password_credential with it");
	ok(c != NULL && c->store.password != NULL &&
	    strcmp(c->store.password, "s3cret-redis") == 0, "  ... the password");
	config_free(c);
	cfg_ctx_free(&ctx);
	snprintf(yaml, sizeof(yaml), "fleet_key_file: %s\nfleet_key_credential: "
	    "fleet.cred\nstore:\n  type: redis\n  url: redis://127.0.0.1\n", key);
	refused(yaml, ":2:1: give fleet_key_file or fleet_key_credential, not both",
	    "fleet_key_file and fleet_key_credential together are refused");
	refused("fleet_key_credential: ../fleet.cred\n",
	    ":1:23: fleet_key_credential: a credential name is 1 to 255 bytes "
	    "without '/'", "a credential name with a '/' is refused");
	put("loose.cred", 0644,
	    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n");
	c = load(&ctx, "fleet_key_credential: loose.cred\n");
	ok(c == NULL && ctx.nerr == 1 && strstr(ctx.errs[0],
	    "fleet_key_credential: ") != NULL && strstr(ctx.errs[0], "chmod 600"),
	    "a credential readable by others is refused");
	config_free(c);
	cfg_ctx_free(&ctx);
	unsetenv("CREDENTIALS_DIRECTORY");
}

int
main(void)
{
	char cmd[512];

	cfgtest_setup("test_config_store");
	snprintf(key, sizeof(key), "%s", put("fleet.key", 0600,
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"));
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=t "
	    "-keyout ca.key -out ca.crt >/dev/null 2>&1 && chmod 600 ca.key && "
	    "cp ca.key loose.key && chmod 644 loose.key", dir);
	have_pem = system(cmd) == 0;
	test_urls();
	test_keys();
	test_credential();
	cfgtest_cleanup();
	return done_testing();
}
