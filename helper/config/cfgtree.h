/* A small tree built from a YAML document (libyaml), with line and column on
 * every node, and typed accessors that record errors as FILE:LINE:COL: msg.
 * Accessors mark the keys they read, so what is left over is an unknown key. */
#ifndef OTPSMS_CFGTREE_H
#define OTPSMS_CFGTREE_H

#include <stddef.h>
#include <sys/types.h>

struct config;

enum cfg_type { CFG_SCALAR, CFG_SEQ, CFG_MAP };

struct cfg_node {
	enum cfg_type type;
	unsigned line, col;        /* 1-based, from libyaml's start mark */
	char *value;               /* CFG_SCALAR: the text */
	int quoted;                /* CFG_SCALAR: was quoted in the source */
	size_t n;                  /* CFG_SEQ, CFG_MAP: entries */
	struct cfg_node **items;   /* CFG_SEQ: items; CFG_MAP: values */
	struct cfg_node **keys;    /* CFG_MAP: key nodes (scalars) */
	unsigned char *used;       /* CFG_MAP: set by the accessors */
	struct cfg_node *parent;   /* the enclosing map or sequence, NULL at the root */
	size_t index;              /* position in parent (keys[index] or items[index]) */
};

#define CFG_FILE_MAX (1024 * 1024)  /* a YAML file is read whole, up to this */
#define CFG_SCALAR_MAX 4096         /* longest scalar (paths, messages, tokens) */
#define CFG_DEPTH_MAX 32            /* deepest nesting of maps and sequences */

#define CFG_MAX_ERRORS 64
#define CFG_MAX_READS 256

struct cfg_ctx {
	const char *file;          /* for messages */
	char *errs[CFG_MAX_ERRORS];
	size_t nerr;
	uid_t secret_owner;        /* besides root, who may own secret files;
	                            * cfg_ctx_init sets geteuid() */
	int check_only;            /* -t: secrets are still read and checked */
	int no_files;              /* fuzzing: *_file and users_file are checked
	                            * as names but never opened */
	/* Who may read the file being parsed (cfg_parse_file sets them): an
	 * inline secret is as private as its file (cfg_secret). */
	int src_known;             /* 0: parsed from a string, no file */
	mode_t src_mode;
	gid_t src_gid;
	int daemon_gid_known;      /* the primary group of user: (config.c) */
	gid_t daemon_gid;
	uid_t daemon_uid;          /* user:'s uid, when daemon_gid_known */
	char daemon_name[64];      /* log-safe, for messages */
	gid_t secret_group;        /* may read secret files (open_secret);
	                            * (gid_t)-1 until user: is known */
	/* -t: what the daemon will need but that does not stop it starting. */
	char *warns[CFG_MAX_ERRORS];
	size_t nwarn;
	char *reads[CFG_MAX_READS];  /* every file read, for rootfs_check_read */
	size_t nreads;
	/* A reload (config_reload): the configuration being replaced. Its
	 * unchanged carriers are kept, its restart-only keys compared. */
	const struct config *prev;
};

void cfg_ctx_init(struct cfg_ctx *ctx, const char *file);
void cfg_ctx_free(struct cfg_ctx *ctx);
/* Notes a file about to be read (the configuration, users_file, secrets,
 * certificates): started as root, main checks each against the daemon's
 * user once it is known. Fails closed: an error when it cannot be noted. */
void cfg_note_read(struct cfg_ctx *ctx, const char *path);
/* Records "FILE:LINE:COL: message" (FILE: message when at is NULL). */
void cfg_err(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same as "FILE:LINE:COL: warning: message", in ctx->warns: not an error. */
void cfg_warn(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* -t: whether the daemon's user (user:, with its primary group only, as
 * privdrop leaves it) may access path with mode (R_OK, W_OK, X_OK), every
 * directory on the way searchable. Run as root, from the permission bits
 * (ACLs are not read); run as anyone else, that is the daemon's user:
 * the kernel answers (faccessat). 0, or -1 with the reason in why. */
int cfg_access_as(const struct cfg_ctx *ctx, const char *path, int mode,
    char *why, size_t whysz);
/* -t as root: a warning at at when the daemon's user could not read the
 * secret file (key: the secret's key, e.g. "auth_token"). */
void cfg_check_secret_access(struct cfg_ctx *ctx, const struct cfg_node *at,
    const char *key, const char *file);

/* Parses a whole YAML file (bounded size; aliases and multiple documents are
 * refused). Returns the root or NULL with errors recorded. The file must be a
 * regular file owned by root or ctx->secret_owner and not writable by group or
 * others: it says which numbers to send codes to. An empty file is an empty map. */
struct cfg_node *cfg_parse_file(struct cfg_ctx *ctx, const char *path);
struct cfg_node *cfg_parse_string(struct cfg_ctx *ctx, const char *text, size_t len);
void cfg_node_free(struct cfg_node *n);

/* Map lookup; marks the key used. NULL if absent. */
struct cfg_node *cfg_get(struct cfg_node *map, const char *key);
/* Records "unknown key" for each key no accessor read. */
void cfg_check_unused(struct cfg_ctx *ctx, const struct cfg_node *map);
/* Records an error unless n is a map (or a sequence); returns 1 if it is. */
int cfg_want_map(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what);
int cfg_want_seq(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what);

/* Typed getters. Each returns 1 when the key was present and valid, 0 when
 * absent (an error is recorded if required), -1 when invalid (error recorded).
 * *out is left untouched unless the value was valid. Strings are malloc'd. */
int cfg_str(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, int required);
int cfg_uint(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out, unsigned min, unsigned max, int required);
int cfg_bool(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    int *out, int required);
/* Integer seconds or a string with a unit: "90s", "5m", "1h", "7d" (also "500ms"
 * with cfg_duration_ms). Bounds and *out_ms in milliseconds. */
int cfg_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required);
/* The same, also accepting milliseconds ("500ms"): for network timeouts.
 * cfg_duration refuses them, since a TTL in ms would only be a typo. */
int cfg_duration_ms(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required);
/* A secret given inline as KEY or in a file as KEY_file (exactly one of the
 * two). The file must pass open_secret(); the value is malloc'd, wipe it.
 * Every secret key of every driver and the store is read here, so this is
 * the one place that knows them: an inline one is refused when the file it
 * is in may be read by others, or by a group other than the daemon's. */
int cfg_secret(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, size_t max, int required);

/* Parses a duration string or integer as above; 0 on success, -1 if it is
 * not a duration, -2 if it is too large. */
int cfg_parse_duration(const char *s, int ms_ok, unsigned *out_ms);

/* Where n is, for messages: "code.ttl", "carriers[1].name", "" for the root. */
const char *cfg_path(const struct cfg_node *n, char *buf, size_t bufsz);
/* A plain ~, null or empty value (key: with nothing after it). */
int cfg_is_null(const struct cfg_node *n);

/* A canonical text of n and everything under it (types, keys, values; no
 * positions): equal texts, equal settings. malloc'd; it may hold an inline
 * secret, so free it with freezero_str. NULL: out of memory. */
char *cfg_node_sig(const struct cfg_node *n);
/* Marks every key of n and below as read (a block kept whole on reload). */
void cfg_mark_used(struct cfg_node *n);

/* Builds a map in code (e.g. a default carrier's settings); line 0 means no
 * position, so messages about it read "FILE: ...". */
struct cfg_node *cfg_map_new(void);
int cfg_map_set(struct cfg_node *map, const char *key, const char *value);

#endif
