/* YAML (libyaml's event API) into a small tree that keeps every node's line
 * and column, and typed getters that record errors as FILE:LINE:COL: msg.
 * The event API lets us refuse anchors and aliases as they appear, so no
 * document can expand into more than the bytes it was read from. */
/* autoconf's header: <> skips this directory and its helper/config.h. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "cfgtree.h"
#include "util.h"

#define CFG_MSG_MAX 512     /* one message, before the FILE:LINE:COL: prefix */
#define CFG_SHOWN 40        /* of a value quoted back in a message */

struct yp {
	yaml_parser_t parser;
	struct cfg_ctx *ctx;
};

void
cfg_ctx_init(struct cfg_ctx *ctx, const char *file)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->file = file;
	ctx->secret_owner = geteuid();
}

void
cfg_ctx_free(struct cfg_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++) {
		free(ctx->errs[i]);
		ctx->errs[i] = NULL;
	}
	ctx->nerr = 0;
}

static void __attribute__((format(printf, 4, 0)))
cfg_verr_pos(struct cfg_ctx *ctx, unsigned line, unsigned col, const char *fmt,
    va_list ap)
{
	char msg[CFG_MSG_MAX], *s = NULL;
	const char *file = ctx->file != NULL ? ctx->file : "(config)";
	int n;

	if (ctx->nerr >= CFG_MAX_ERRORS)
		return;
	if (ctx->nerr == CFG_MAX_ERRORS - 1) {
		/* Keep the count at the cap so callers still see a failure. */
		n = asprintf(&s, "%.256s: too many errors; the rest are not shown", file);
		goto out;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line == 0)
		n = asprintf(&s, "%.256s: %s", file, msg);
	else
		n = asprintf(&s, "%.256s:%u:%u: %s", file, line, col, msg);
 out:
	if (n == -1)
		s = NULL;
	/* Out of memory still counts as an error, with no text. */
	ctx->errs[ctx->nerr++] = s;
}

static void __attribute__((format(printf, 4, 5)))
cfg_err_pos(struct cfg_ctx *ctx, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr_pos(ctx, line, col, fmt, ap);
	va_end(ap);
}

void
cfg_err(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr_pos(ctx, at ? at->line : 0, at ? at->col : 0, fmt, ap);
	va_end(ap);
}

/* A value from the file, safe to put in a message: printable, bounded. */
static const char *
shown(char *buf, size_t bufsz, const char *s)
{
	size_t n;

	log_safe(buf, bufsz, s);
	n = strlen(buf);
	if (s != NULL && strlen(s) > n && n >= 3)
		memcpy(buf + n - 3, "...", 3);
	return buf;
}

const char *
cfg_path(const struct cfg_node *n, char *buf, size_t bufsz)
{
	const struct cfg_node *chain[CFG_DEPTH_MAX + 2];
	char key[CFG_SHOWN + 1];
	size_t depth = 0, len = 0;
	int w;

	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	for (; n != NULL && n->parent != NULL && depth < CFG_DEPTH_MAX + 2;
	    n = n->parent)
		chain[depth++] = n;
	while (depth > 0) {
		n = chain[--depth];
		if (n->parent->type == CFG_MAP)
			w = snprintf(buf + len, bufsz - len, "%s%s", len ? "." : "",
			    shown(key, sizeof(key), n->parent->keys[n->index]->value));
		else
			w = snprintf(buf + len, bufsz - len, "[%zu]", n->index);
		if (w < 0 || (size_t)w >= bufsz - len)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* "code.ttl" for the key in map, whether or not it is there. */
static const char *
key_path(const struct cfg_node *map, const char *key, char *buf, size_t bufsz)
{
	char k[CFG_SHOWN + 1];
	size_t len;

	cfg_path(map, buf, bufsz);
	len = strlen(buf);
	snprintf(buf + len, bufsz - len, "%s%s", len ? "." : "",
	    shown(k, sizeof(k), key));
	return buf;
}

int
cfg_is_null(const struct cfg_node *n)
{
	return n != NULL && n->type == CFG_SCALAR && !n->quoted &&
	    (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	    strcmp(n->value, "NULL") == 0);
}

/* "a mapping", "nothing", "'abc'": what the file had instead. Values are only
 * quoted back when show is set, so secrets never reach a message. */
static const char *
got(const struct cfg_node *n, int show, char *buf, size_t bufsz)
{
	char v[CFG_SHOWN + 1];

	if (n->type == CFG_MAP)
		snprintf(buf, bufsz, "a mapping");
	else if (n->type == CFG_SEQ)
		snprintf(buf, bufsz, "a sequence");
	else if (cfg_is_null(n))
		snprintf(buf, bufsz, "nothing");
	else if (!show)
		snprintf(buf, bufsz, "a %s", n->quoted ? "quoted string" : "scalar");
	else
		snprintf(buf, bufsz, "%s'%s'", n->quoted ? "the string " : "",
		    shown(v, sizeof(v), n->value));
	return buf;
}

/* Tree building. */

static struct cfg_node *
node_new(enum cfg_type type, unsigned line, unsigned col)
{
	struct cfg_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->line = line;
	n->col = col;
	return n;
}

void
cfg_node_free(struct cfg_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++) {
		cfg_node_free(n->items[i]);
		if (n->keys != NULL)
			cfg_node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->used);
	if (n->value != NULL) {
		/* Inline secrets live in the tree too. */
		explicit_bzero(n->value, strlen(n->value));
		free(n->value);
	}
	free(n);
}

/* Appends item (and key for a map) to parent; on failure frees neither. */
static int
node_append(struct cfg_node *parent, struct cfg_node *key, struct cfg_node *item)
{
	struct cfg_node **items, **keys;
	unsigned char *used;
	size_t cap;

	/* Capacity doubles: reallocate only when n is 0 or a power of two. */
	if (parent->n == 0 || (parent->n & (parent->n - 1)) == 0) {
		cap = parent->n == 0 ? 1 : parent->n * 2;
		if ((items = reallocarray(parent->items, cap, sizeof(*items))) == NULL)
			return -1;
		parent->items = items;
		if (parent->type == CFG_MAP) {
			if ((keys = reallocarray(parent->keys, cap, sizeof(*keys))) == NULL)
				return -1;
			parent->keys = keys;
			if ((used = realloc(parent->used, cap)) == NULL)
				return -1;
			parent->used = used;
		}
	}
	item->parent = parent;
	item->index = parent->n;
	parent->items[parent->n] = item;
	if (parent->type == CFG_MAP) {
		key->parent = parent;
		key->index = parent->n;
		parent->keys[parent->n] = key;
		parent->used[parent->n] = 0;
	}
	parent->n++;
	return 0;
}

struct cfg_node *
cfg_map_new(void)
{
	return node_new(CFG_MAP, 0, 0);
}

int
cfg_map_set(struct cfg_node *map, const char *key, const char *value)
{
	struct cfg_node *k = NULL, *v = NULL;
	int r = -1;

	if (map == NULL || map->type != CFG_MAP)
		goto out;
	if ((k = node_new(CFG_SCALAR, 0, 0)) == NULL ||
	    (v = node_new(CFG_SCALAR, 0, 0)) == NULL)
		goto out;
	k->quoted = v->quoted = 1;
	if ((k->value = strdup(key)) == NULL || (v->value = strdup(value)) == NULL)
		goto out;
	if (node_append(map, k, v) == -1)
		goto out;
	k = v = NULL;
	r = 0;
 out:
	cfg_node_free(k);
	cfg_node_free(v);
	return r;
}

static void
parse_error(struct yp *p)
{
	yaml_parser_t *y = &p->parser;
	const char *problem = y->problem != NULL ? y->problem : "syntax error";

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		cfg_err(p->ctx, NULL, "out of memory");
		break;
	case YAML_READER_ERROR:
		/* Bad encoding: libyaml gives a byte offset, not a mark. */
		cfg_err(p->ctx, NULL, "%s at byte %zu", problem, y->problem_offset);
		break;
	default:
		if (y->context != NULL)
			cfg_err_pos(p->ctx, (unsigned)y->problem_mark.line + 1,
			    (unsigned)y->problem_mark.column + 1, "%s (%s at line %u)",
			    problem, y->context, (unsigned)y->context_mark.line + 1);
		else
			cfg_err_pos(p->ctx, (unsigned)y->problem_mark.line + 1,
			    (unsigned)y->problem_mark.column + 1, "%s", problem);
		break;
	}
}

static int
next_event(struct yp *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev)) {
		parse_error(p);
		return -1;
	}
	return 0;
}

static int
duplicate_cmp(const void *a, const void *b)
{
	const struct cfg_node *x = *(struct cfg_node *const *)a;
	const struct cfg_node *y = *(struct cfg_node *const *)b;
	int c;

	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sorting keeps a map of many users (users_file) fast to check. Each later
 * repeat is reported, pointing back to the first. */
static void
check_duplicates(struct cfg_ctx *ctx, struct cfg_node *map)
{
	struct cfg_node **sorted;
	char path[256];
	size_t i, first = 0;

	if (map->n < 2)
		return;
	if ((sorted = reallocarray(NULL, map->n, sizeof(*sorted))) == NULL) {
		cfg_err(ctx, map, "out of memory");
		return;
	}
	memcpy(sorted, map->keys, map->n * sizeof(*sorted));
	qsort(sorted, map->n, sizeof(*sorted), duplicate_cmp);
	for (i = 1; i < map->n; i++) {
		if (strcmp(sorted[i]->value, sorted[first]->value) != 0) {
			first = i;
			continue;
		}
		cfg_err(ctx, sorted[i], "%s: duplicate key (first at line %u)",
		    cfg_path(sorted[i], path, sizeof(path)), sorted[first]->line);
	}
	free(sorted);
}

/* After the tree is whole, so messages carry the full path. */
static void
check_tree(struct cfg_ctx *ctx, struct cfg_node *n)
{
	size_t i;

	if (n->type == CFG_SCALAR)
		return;
	if (n->type == CFG_MAP)
		check_duplicates(ctx, n);
	for (i = 0; i < n->n; i++)
		check_tree(ctx, n->items[i]);
}

/* Builds the node that starts with ev (consumed) and everything inside it.
 * Returns NULL only when parsing cannot go on; refused constructs are
 * recorded in ctx and parsing continues, so one run reports them all. */
static struct cfg_node *
parse_node(struct yp *p, yaml_event_t *ev, int depth)
{
	struct cfg_node *n = NULL, *key = NULL, *val = NULL;
	yaml_event_t kev, vev;
	unsigned line, col;
	const char *anchor = NULL;
	int ok = 0;

	line = (unsigned)ev->start_mark.line + 1;
	col = (unsigned)ev->start_mark.column + 1;
	if (depth >= CFG_DEPTH_MAX) {
		cfg_err_pos(p->ctx, line, col, "nested deeper than %d levels",
		    CFG_DEPTH_MAX);
		goto out;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		cfg_err_pos(p->ctx, line, col, "aliases (*name) are not allowed");
		/* Stands in for the alias so the rest can still be checked. */
		if ((n = node_new(CFG_SCALAR, line, col)) == NULL ||
		    (n->value = strdup("")) == NULL)
			goto nomem;
		break;
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		if ((n = node_new(CFG_SCALAR, line, col)) == NULL)
			goto nomem;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (ev->data.scalar.length > CFG_SCALAR_MAX)
			cfg_err_pos(p->ctx, line, col, "value longer than %d bytes",
			    CFG_SCALAR_MAX);
		else if (memchr(ev->data.scalar.value, '\0',
		    ev->data.scalar.length) != NULL)
			cfg_err_pos(p->ctx, line, col, "value contains a NUL byte");
		if ((n->value = strndup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length > CFG_SCALAR_MAX ?
		    CFG_SCALAR_MAX : ev->data.scalar.length)) == NULL)
			goto nomem;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)ev->data.sequence_start.anchor;
		if ((n = node_new(CFG_SEQ, line, col)) == NULL)
			goto nomem;
		for (;;) {
			if (next_event(p, &vev) == -1)
				goto out;
			if (vev.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&vev);
				break;
			}
			if ((val = parse_node(p, &vev, depth + 1)) == NULL)
				goto out;
			if (node_append(n, NULL, val) == -1)
				goto nomem;
			val = NULL;
		}
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)ev->data.mapping_start.anchor;
		if ((n = node_new(CFG_MAP, line, col)) == NULL)
			goto nomem;
		for (;;) {
			if (next_event(p, &kev) == -1)
				goto out;
			if (kev.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&kev);
				break;
			}
			if ((key = parse_node(p, &kev, depth + 1)) == NULL)
				goto out;
			if (next_event(p, &vev) == -1)
				goto out;
			if ((val = parse_node(p, &vev, depth + 1)) == NULL)
				goto out;
			if (key->type != CFG_SCALAR) {
				/* No path: this map is not linked into the tree yet. */
				cfg_err(p->ctx, key, "keys must be plain strings, not %s",
				    key->type == CFG_MAP ? "mappings" : "sequences");
				cfg_node_free(key);
				cfg_node_free(val);
				key = val = NULL;
				continue;
			}
			if (node_append(n, key, val) == -1)
				goto nomem;
			key = val = NULL;
		}
		break;
	default:
		cfg_err_pos(p->ctx, line, col, "unexpected YAML event %d", ev->type);
		goto out;
	}
	if (anchor != NULL)
		cfg_err_pos(p->ctx, line, col, "anchors (&name) are not allowed");
	ok = 1;
	goto out;
 nomem:
	cfg_err_pos(p->ctx, line, col, "out of memory");
 out:
	yaml_event_delete(ev);
	cfg_node_free(key);
	cfg_node_free(val);
	if (!ok) {
		cfg_node_free(n);
		n = NULL;
	}
	return n;
}

struct cfg_node *
cfg_parse_string(struct cfg_ctx *ctx, const char *text, size_t len)
{
	struct cfg_node *root = NULL;
	struct yp p;
	yaml_event_t ev;
	size_t nerr0 = ctx->nerr;
	int have_parser = 0;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	if (len > CFG_FILE_MAX) {
		cfg_err(ctx, NULL, "longer than %d bytes", CFG_FILE_MAX);
		goto out;
	}
	if (!yaml_parser_initialize(&p.parser)) {
		cfg_err(ctx, NULL, "out of memory");
		goto out;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);

	if (next_event(&p, &ev) == -1)
		goto out;
	yaml_event_delete(&ev);         /* STREAM-START */
	if (next_event(&p, &ev) == -1)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		/* Nothing but comments: every setting takes its default. */
		yaml_event_delete(&ev);
		if ((root = node_new(CFG_MAP, 1, 1)) == NULL)
			cfg_err(ctx, NULL, "out of memory");
		goto out;
	}
	yaml_event_delete(&ev);         /* DOCUMENT-START */
	if (next_event(&p, &ev) == -1)
		goto out;
	if ((root = parse_node(&p, &ev, 0)) == NULL)
		goto out;
	check_tree(ctx, root);
	if (next_event(&p, &ev) == -1)  /* DOCUMENT-END */
		goto out;
	yaml_event_delete(&ev);
	if (next_event(&p, &ev) == -1)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT)
		cfg_err_pos(ctx, (unsigned)ev.start_mark.line + 1,
		    (unsigned)ev.start_mark.column + 1,
		    "only one YAML document is allowed");
	yaml_event_delete(&ev);
 out:
	if (have_parser)
		yaml_parser_delete(&p.parser);
	if (ctx->nerr != nerr0) {
		cfg_node_free(root);
		root = NULL;
	}
	return root;
}

struct cfg_node *
cfg_parse_file(struct cfg_ctx *ctx, const char *path)
{
	struct cfg_node *root = NULL;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1;

	/* Symlinks are followed: the file is checked where it really is. */
	/* O_NONBLOCK: a FIFO in its place must not hang the daemon. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		cfg_err(ctx, NULL, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		cfg_err(ctx, NULL, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_err(ctx, NULL, "not a regular file");
		goto out;
	}
	/* Whoever can write it chooses where codes go. */
	if (st.st_uid != 0 && st.st_uid != ctx->secret_owner) {
		cfg_err(ctx, NULL, "must be owned by root or uid %u (owner uid is %u)",
		    (unsigned)ctx->secret_owner, (unsigned)st.st_uid);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		cfg_err(ctx, NULL, "writable by group or others (mode %04o), so "
		    "they could redirect codes; chmod go-w it",
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > CFG_FILE_MAX) {
		cfg_err(ctx, NULL, "longer than %d bytes", CFG_FILE_MAX);
		goto out;
	}
	if ((text = malloc(CFG_FILE_MAX + 1)) == NULL) {
		cfg_err(ctx, NULL, "out of memory");
		goto out;
	}
	/* The size may change under us: read to EOF, one byte past the cap. */
	while (len <= CFG_FILE_MAX &&
	    (n = read(fd, text + len, CFG_FILE_MAX + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			cfg_err(ctx, NULL, "read: %s", strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	root = cfg_parse_string(ctx, text, len);
 out:
	if (fd != -1)
		close(fd);
	if (text != NULL) {
		/* Inline secrets were in it. */
		explicit_bzero(text, len);
		free(text);
	}
	return root;
}

/* Accessors. */

struct cfg_node *
cfg_get(struct cfg_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != CFG_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		if (strcmp(map->keys[i]->value, key) == 0) {
			map->used[i] = 1;
			return map->items[i];
		}
	}
	return NULL;
}

void
cfg_check_unused(struct cfg_ctx *ctx, const struct cfg_node *map)
{
	char path[256];
	size_t i;

	if (map == NULL || map->type != CFG_MAP)
		return;
	for (i = 0; i < map->n; i++)
		if (!map->used[i])
			cfg_err(ctx, map->keys[i], "%s: unknown key",
			    cfg_path(map->keys[i], path, sizeof(path)));
}

static int
want(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what,
    enum cfg_type type)
{
	char path[256], g[64];
	const char *expected = type == CFG_MAP ? "a mapping" : "a sequence";

	if (n == NULL) {
		cfg_err(ctx, NULL, "%s: expected %s", what ? what : "value", expected);
		return 0;
	}
	if (n->type == type)
		return 1;
	if (what == NULL || what[0] == '\0')
		what = cfg_path(n, path, sizeof(path));
	cfg_err(ctx, n, "%s%sexpected %s, got %s", what, what[0] ? ": " : "",
	    expected, got(n, 1, g, sizeof(g)));
	return 0;
}

int
cfg_want_map(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what)
{
	return want(ctx, n, what, CFG_MAP);
}

int
cfg_want_seq(struct cfg_ctx *ctx, const struct cfg_node *n, const char *what)
{
	return want(ctx, n, what, CFG_SEQ);
}

/* Looks key up; 0 if absent (error if required), -1 and an error if it is not
 * a non-null scalar, else 1 with *np set. */
static int
get_scalar(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    int required, const char *expected, int show, struct cfg_node **np)
{
	struct cfg_node *n;
	char path[256], g[64];

	if ((n = cfg_get(map, key)) == NULL) {
		if (required)
			cfg_err(ctx, map, "%s: required but missing",
			    key_path(map, key, path, sizeof(path)));
		return 0;
	}
	if (n->type != CFG_SCALAR || cfg_is_null(n)) {
		cfg_err(ctx, n, "%s: expected %s, got %s",
		    cfg_path(n, path, sizeof(path)), expected, got(n, show, g, sizeof(g)));
		return -1;
	}
	*np = n;
	return 1;
}

int
cfg_str(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, int required)
{
	struct cfg_node *n = NULL;
	char *s;
	int r;

	if ((r = get_scalar(ctx, map, key, required, "a string", 1, &n)) != 1)
		return r;
	if ((s = strdup(n->value)) == NULL) {
		cfg_err(ctx, n, "out of memory");
		return -1;
	}
	*out = s;
	return 1;
}

/* Digits only: no sign, no '+', no spaces, no 0x; -2 if it overflows. */
static int
parse_uint(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX)
			return -2;
	}
	*out = (unsigned)v;
	return 0;
}

int
cfg_uint(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out, unsigned min, unsigned max, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64], expected[64];
	unsigned v = 0;
	int r;

	snprintf(expected, sizeof(expected), "an integer in %u..%u", min, max);
	if ((r = get_scalar(ctx, map, key, required, expected, 1, &n)) != 1)
		return r;
	cfg_path(n, path, sizeof(path));
	/* A quoted "6" is a string in YAML: say so rather than guess. */
	if (n->quoted || (r = parse_uint(n->value, &v)) == -1) {
		cfg_err(ctx, n, "%s: expected %s, got %s", path, expected,
		    got(n, 1, g, sizeof(g)));
		return -1;
	}
	if (r == -2 || v < min || v > max) {
		cfg_err(ctx, n, "%s: %s is out of range %u..%u", path,
		    shown(g, sizeof(g), n->value), min, max);
		return -1;
	}
	*out = v;
	return 1;
}

int
cfg_bool(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    int *out, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64];
	int r;

	if ((r = get_scalar(ctx, map, key, required, "true or false", 1, &n)) != 1)
		return r;
	if (strcasecmp(n->value, "true") == 0 || strcasecmp(n->value, "yes") == 0)
		*out = 1;
	else if (strcasecmp(n->value, "false") == 0 || strcasecmp(n->value, "no") == 0)
		*out = 0;
	else {
		cfg_err(ctx, n, "%s: expected true or false, got %s",
		    cfg_path(n, path, sizeof(path)), got(n, 1, g, sizeof(g)));
		return -1;
	}
	return 1;
}

int
cfg_parse_duration(const char *s, int ms_ok, unsigned *out_ms)
{
	unsigned long long v = 0, mult;
	const char *p;
	int r = -1;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX) {
			r = -2;
			goto out;
		}
	}
	if (p == s)
		goto out;
	if (*p == '\0' || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0 && ms_ok)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 60 * 60 * 1000;
	else
		goto out;
	if (v * mult > UINT_MAX) {
		r = -2;
		goto out;
	}
	*out_ms = (unsigned)(v * mult);
	r = 0;
 out:
	return r;
}

/* 300000 -> "5m", 90000 -> "90s", 500 -> "500ms": as the file would say it. */
static const char *
fmt_duration(char *buf, size_t bufsz, unsigned ms)
{
	if (ms % 1000 != 0)
		snprintf(buf, bufsz, "%ums", ms);
	else if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, bufsz, "%uh", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, bufsz, "%um", ms / 60000);
	else
		snprintf(buf, bufsz, "%us", ms / 1000);
	return buf;
}

static int
get_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int ms_ok, int required)
{
	struct cfg_node *n = NULL;
	char path[256], g[64], expected[96], lo[32], hi[32];
	unsigned v = 0;
	int r;

	snprintf(expected, sizeof(expected), "a duration in %s..%s",
	    fmt_duration(lo, sizeof(lo), min_ms), fmt_duration(hi, sizeof(hi), max_ms));
	if ((r = get_scalar(ctx, map, key, required, expected, 1, &n)) != 1)
		return r;
	cfg_path(n, path, sizeof(path));
	r = -1;
	if (n->value[0] == '\0')
		cfg_err(ctx, n, "%s: empty duration; expected %s", path, expected);
	else if (n->value[0] == '-')
		cfg_err(ctx, n, "%s: durations cannot be negative", path);
	else if ((r = cfg_parse_duration(n->value, ms_ok, &v)) == -1)
		cfg_err(ctx, n, "%s: expected %s (seconds, or a number and %s), "
		    "got %s", path, expected, ms_ok ? "ms, s, m or h" : "s, m or h",
		    got(n, 1, g, sizeof(g)));
	else if (r == -2)
		cfg_err(ctx, n, "%s: %s is too large (range %s..%s)", path,
		    shown(g, sizeof(g), n->value), lo, hi);
	else if (v < min_ms || v > max_ms)
		cfg_err(ctx, n, "%s: %s is out of range %s..%s", path,
		    shown(g, sizeof(g), n->value), lo, hi);
	else {
		*out_ms = v;
		return 1;
	}
	return -1;
}

int
cfg_duration(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required)
{
	return get_duration(ctx, map, key, out_ms, min_ms, max_ms, 0, required);
}

int
cfg_duration_ms(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    unsigned *out_ms, unsigned min_ms, unsigned max_ms, int required)
{
	return get_duration(ctx, map, key, out_ms, min_ms, max_ms, 1, required);
}

/* KEY_credential: NAME, a systemd credential (LoadCredential=), read from
 * $CREDENTIALS_DIRECTORY/NAME under the same rules as a secret file. */
static int
read_credential(struct cfg_ctx *ctx, struct cfg_node *map, const char *ckey,
    size_t max, char **out)
{
	struct cfg_node *n = NULL;
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[256], file[4096], err[512], safe[512];

	if (get_scalar(ctx, map, ckey, 1, "a credential name", 1, &n) != 1)
		return -1;
	cfg_path(n, path, sizeof(path));
	if (n->value[0] == '\0' || strchr(n->value, '/') != NULL ||
	    strcmp(n->value, ".") == 0 || strcmp(n->value, "..") == 0 ||
	    strlen(n->value) > 255) {
		cfg_err(ctx, n, "%s: a credential name is 1 to 255 bytes without '/'", path);
		return -1;
	}
	if (ctx->no_files) {
		if ((*out = strdup("not read")) == NULL)
			return -1;
		return 1;
	}
	if (dir == NULL || dir[0] != '/') {
		cfg_err(ctx, n, "%s: $CREDENTIALS_DIRECTORY is not set (LoadCredential= "
		    "in the systemd unit)", path);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, n->value);
	if ((*out = read_secret(file, ctx->secret_owner, max, err, sizeof(err))) == NULL) {
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, n, "%s: %s", path, safe);
		return -1;
	}
	return 1;
}

int
cfg_secret(struct cfg_ctx *ctx, struct cfg_node *map, const char *key,
    char **out, size_t max, int required)
{
	struct cfg_node *inl, *file, *later, *cred;
	char fkey[128], ckey[128], path[256], err[512], safe[512];
	char *s = NULL;
	int r = -1;

	if ((size_t)snprintf(fkey, sizeof(fkey), "%s_file", key) >= sizeof(fkey) ||
	    (size_t)snprintf(ckey, sizeof(ckey), "%s_credential", key) >= sizeof(ckey)) {
		cfg_err(ctx, map, "%s: key name too long", key);
		goto out;
	}
	inl = cfg_get(map, key);
	file = cfg_get(map, fkey);
	if ((cred = cfg_get(map, ckey)) != NULL) {
		if (inl != NULL || file != NULL) {
			cfg_path(map, path, sizeof(path));
			cfg_err(ctx, cred->parent->keys[cred->index], "%s%sgive one of "
			    "%s, %s or %s", path, path[0] ? ": " : "", key, fkey, ckey);
			goto out;
		}
		r = read_credential(ctx, map, ckey, max, &s);
		goto out;
	}
	if (inl != NULL && file != NULL) {
		later = inl->line > file->line ||
		    (inl->line == file->line && inl->col > file->col) ? inl : file;
		cfg_path(map, path, sizeof(path));
		cfg_err(ctx, later->parent->keys[later->index],
		    "%s%sgive %s or %s, not both", path, path[0] ? ": " : "", key, fkey);
		goto out;
	}
	if (inl == NULL && file == NULL) {
		if (required)
			cfg_err(ctx, map, "%s: required but missing (or %s)",
			    key_path(map, key, path, sizeof(path)), fkey);
		r = 0;
		goto out;
	}
	if (inl != NULL) {
		/* Never quote a secret back, not even a wrong one. */
		if ((r = get_scalar(ctx, map, key, 1, "a string", 0, &inl)) != 1) {
			r = -1;
			goto out;
		}
		r = -1;
		cfg_path(inl, path, sizeof(path));
		if (inl->value[0] == '\0')
			cfg_err(ctx, inl, "%s: empty", path);
		else if (strlen(inl->value) > max)
			cfg_err(ctx, inl, "%s: longer than %zu bytes", path, max);
		else if ((s = strdup(inl->value)) == NULL)
			cfg_err(ctx, inl, "out of memory");
		else
			r = 1;
		goto out;
	}
	if (get_scalar(ctx, map, fkey, 1, "a file name", 1, &file) != 1)
		goto out;
	cfg_path(file, path, sizeof(path));
	if (ctx->no_files) {
		/* Fuzzing: a path from the input is never opened. */
		if ((s = strdup("not read")) == NULL)
			cfg_err(ctx, file, "out of memory");
		else
			r = 1;
		goto out;
	}
	if ((s = read_secret(file->value, ctx->secret_owner, max, err,
	    sizeof(err))) == NULL) {
		/* read_secret's reason names the file, never its contents. */
		log_safe(safe, sizeof(safe), err);
		cfg_err(ctx, file, "%s: %s", path, safe);
		goto out;
	}
	r = 1;
 out:
	if (r == 1)
		*out = s;
	return r;
}
