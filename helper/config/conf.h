/* otpsmsd's configuration (otpsmsd.yaml(5)). */
#ifndef OTPSMS_CONFIG_H
#define OTPSMS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfgtree.h"
#include "countries.h"
#include "ratelimit.h"
#include "lockout.h"

struct carrier;
struct route;

/* A user's numbers, tried in order (the prompt offers the next one). */
#define USER_NUMBERS_MAX 8

struct user_entry {
	char *name;
	char *number;        /* numbers[0]: E.164, validated */
	char *numbers[USER_NUMBERS_MAX];
	size_t n_numbers;    /* 1..USER_NUMBERS_MAX */
};

/* store: where pending challenges live (config_store.c). */
enum store_type { STORE_TYPE_LOCAL, STORE_TYPE_REDIS };

#define STORE_SENTINELS_MAX 8
struct store_addr {
	char host[64];               /* an IP address */
	unsigned port;
};

struct store_conf {
	enum store_type type;        /* default local */
	char *url;                   /* as given, for messages */
	char *host;                  /* an IP address; NULL with unix_path */
	unsigned port;
	char *unix_path;
	unsigned db;
	char *username;              /* ACL user; NULL: AUTH with the password only */
	char *password;              /* secret: wiped at free; NULL: no AUTH */
	char *key_prefix;            /* default "otpsms:" */
	unsigned timeout_ms;         /* per request, default 500 ms */
	int fallback_local;          /* on_failure: local */
	/* rediss:// and sentinels://: the files are read at load time (as
	 * root, before privileges go); PEM text, the key wiped at free. */
	int tls;
	char *tls_ca_file, *tls_cert_file, *tls_key_file;   /* paths */
	char *tls_ca, *tls_cert, *tls_key;  /* contents; no CA: system store */
	char *tls_server_name;       /* NULL: verify the IP against the IP SAN */
	/* sentinel://: the primary is asked of these, in order. */
	struct store_addr sentinels[STORE_SENTINELS_MAX];
	size_t n_sentinels;
	char *master_name;           /* NULL unless sentinel:// */
	char *sentinel_username;
	char *sentinel_password;     /* secret; NULL: no AUTH to the sentinels */
};

/* directory: numbers from LDAP (config_directory.c, docs/directory.md). */
#define DIRECTORY_ATTRS_MAX 8
struct directory_conf {
	int enabled;                 /* a directory: block was given */
	char *url;                   /* one or more, space separated, in order */
	char *bind_dn;               /* NULL: anonymous */
	char *bind_password;         /* secret: wiped at free */
	char *ca_file;               /* path, for messages */
	char *ca;                    /* its PEM, read at load; NULL: system store */
	int starttls;                /* ldap:// then StartTLS */
	char *base;
	char *filter;                /* holds {user} once */
	char **attributes;           /* in order, NULL-ended; default { "mobile" } */
	size_t n_attributes;
	char *default_country;       /* "+44": national numbers; NULL: none */
	unsigned timeout_ms;         /* per query, default 2 s */
	unsigned ttl_ms;             /* a found entry, default 10 min */
	unsigned negative_ttl_ms;    /* an absent one, default 1 min */
	unsigned stale_ms;           /* a found entry while unreachable, 8 h */
};

/* number_checks: a look at the number before a code is texted to it
 * (config_checks.c, docs/otpsmsd.yaml.5). */
enum nc_action { NC_REFUSE, NC_REQUIRE_BACKUP };
#define NC_DENY_MAX 16
#define NC_TYPE_MAX 32               /* a line type's name, with its NUL */
struct number_checks_conf {
	int enabled;                 /* the section is present */
	char *provider;              /* "twilio_lookup" */
	char *account_sid;
	char *auth_token;            /* secret: wiped at free */
	char *api_base;              /* api_url + /v2/PhoneNumbers/ (default
	                              * https://lookups.twilio.com) */
	int sim_swap;                /* sim_swap: set */
	unsigned sim_swap_within_ms;
	enum nc_action sim_swap_action;
	char deny[NC_DENY_MAX][NC_TYPE_MAX];     /* line_types.deny */
	size_t n_deny;
	int risk;                    /* sms_pumping_risk: set */
	unsigned risk_above;         /* 0..100: a score above it fails */
	enum nc_action risk_action;
	unsigned cache_ms;           /* 0: no cache */
	unsigned timeout_ms;         /* one lookup, default 3 s */
	int fail_send;               /* on_failure: send (1) or refuse (0) */
};

/* Keys a reload cannot change (the socket is open, privileges are gone, the
 * store's connection and keys are made): config_restart_keys[i] names them. */
#define CONFIG_RESTART_KEYS 8
extern const char *const config_restart_keys[CONFIG_RESTART_KEYS];

struct config {
	char *user;          /* daemon's user, default "otpsms" */
	char *socket;        /* default /run/otpsms/otpsmsd.sock */
	uid_t *allow_uids;   /* default { 0 } */
	size_t n_allow_uids;
	unsigned digits;     /* 4..10, default 6 */
	unsigned ttl_ms;     /* 30 s .. 10 min, default 300 s */
	unsigned max_attempts;   /* 1..10, default 3 */
	unsigned reuse_window_ms;    /* reuse a pending code this long; 0 = never */
	char *message;       /* template: {code} {host} {ttl} {user} {service} */
	char *host;          /* for {host}: default gethostname() */
	char *webotp_domain; /* NULL, or the WebOTP last line's origin host */
	struct user_entry *users;    /* sorted by name (bsearch) */
	size_t n_users;
	char *users_file;    /* NULL if users are inline */
	struct carrier **carriers;   /* in order; default: one file carrier */
	size_t n_carriers;
	struct route *routes;        /* by E.164 prefix (route.h); may be none */
	size_t n_routes;
	unsigned max_clients;        /* concurrent connections, default 256 */
	unsigned client_timeout_ms;  /* per connection deadline, default 30 s */
	/* Hardening (config_policy.c, docs/security.md). */
	char *state_dir;             /* where limits and lockouts persist */
	int state_dir_explicit;      /* set: it must work; default: if usable */
	struct limits_conf limits;
	struct lockout_conf lockout;
	struct country_policy countries;
	gid_t *allow_gids;           /* allow_groups, resolved */
	size_t n_allow_gids;
	int allow_self;              /* others may ask for their own user only */
	unsigned max_clients_per_uid;    /* for non-root callers, default 8 */
	/* The fleet (config_store.c, docs/fleet.md). */
	struct store_conf store;
	uint8_t *fleet_key;          /* secret: fleet_key_file's bytes; NULL: none */
	size_t fleet_key_len;
	struct directory_conf directory;
	struct number_checks_conf checks;    /* config_checks.c */
	/* Reload (config_reload). */
	unsigned refs;               /* config_ref / config_free */
	int store_borrowed;          /* store and fleet_key are the first
	                              * configuration's, which outlives this one */
	char *restart_sig[CONFIG_RESTART_KEYS];  /* cfg_node_sig of each */
	/* Monitoring (docs/monitoring.md). */
	char *metrics_file;          /* NULL: none; else an absolute path */
	unsigned metrics_interval_ms;    /* default 15 s */
};

/* Loads and checks path. Returns NULL when any error was recorded in ctx
 * (all errors are collected, not just the first). */
struct config *config_load(struct cfg_ctx *ctx, const char *path);
/* The same checks on a tree already parsed (tests, fuzzing); the tree stays
 * the caller's to free. */
struct config *config_from_tree(struct cfg_ctx *ctx, struct cfg_node *root);
/* Drops one reference (config_ref); frees c at the last. */
void config_free(struct config *c);
struct config *config_ref(struct config *c);
/* Moves c's store and fleet key into a configuration of their own, which
 * the daemon keeps while the store and the Redis client point into it; c
 * (and every reload after it) borrows them. NULL: out of memory. */
struct config *config_split_store(struct config *c);

/* A reload: loads path again, as the daemon's user, against prev (the
 * configuration in use). Carriers whose settings did not change are prev's
 * own (their breakers and connections kept); store: and the fleet key are
 * prev's (they need a restart); a changed restart-only key is an error
 * naming it. NULL with every error in ctx: prev stays in use. */
struct config *config_reload(struct cfg_ctx *ctx, const char *path,
    const struct config *prev);

/* NULL if the user has no number. */
const struct user_entry *config_find_user(const struct config *c, const char *name);
int config_uid_allowed(const struct config *c, uid_t uid);
/* 1 if s may be a user's name (what users: and the protocol accept). */
int config_user_name_valid(const char *s);

/* config_policy.c: the hardening keys; defaults are set even when absent. */
void config_read_policy(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c);
void config_free_policy(struct config *c);
int config_gid_allowed(const struct config *c, gid_t gid);

/* config_store.c: store: and fleet_key_file. */
void config_read_store(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c);
void config_free_store(struct config *c);

/* config_directory.c: directory:. */
void config_read_directory(struct cfg_ctx *ctx, struct cfg_node *root,
    struct config *c);
void config_free_directory(struct config *c);
/* config_checks.c: number_checks:. */
void config_read_checks(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c);
void config_free_checks(struct config *c);

#endif
