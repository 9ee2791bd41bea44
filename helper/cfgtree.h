/* A small tree built from a YAML document (libyaml), with line and column on
 * every node, and typed accessors that record errors as FILE:LINE:COL: msg.
 * Accessors mark the keys they read, so what is left over is an unknown key. */
#ifndef OTPSMS_CFGTREE_H
#define OTPSMS_CFGTREE_H

#include <stddef.h>
#include <sys/types.h>

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
};

#define CFG_MAX_ERRORS 64

struct cfg_ctx {
	const char *file;          /* for messages */
	char *errs[CFG_MAX_ERRORS];
	size_t nerr;
	uid_t secret_owner;        /* besides root, who may own secret files */
	int check_only;            /* -t: secrets are still read and checked */
};

void cfg_ctx_init(struct cfg_ctx *ctx, const char *file);
void cfg_ctx_free(struct cfg_ctx *ctx);
/* Records "FILE:LINE:COL: message" (FILE: message when at is NULL). */
void cfg_err(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a whole YAML file (bounded size; aliases and multiple documents are
 * refused). Returns the root or NULL with errors recorded. */
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
/* Integer seconds or a string with a unit: "90s", "5m", "1h" (also "500ms"
 * when ms_ok). Bounds in milliseconds; *out_ms in milliseconds. */
int cfg_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required);
/* A secret given inline as KEY or in a file as KEY_file (exactly one of the
 * two). The file must pass open_secret(); the value is malloc'd, wipe it. */
int cfg_secret(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, size_t max, int required);

/* Parses a duration string or integer as above; 0 on success. */
int cfg_parse_duration(const char *s, int ms_ok, unsigned *out_ms);

#endif
