/* YAML (libyaml's event API) into a small tree that keeps every node's line
 * and column, and typed getters that record errors as FILE:LINE:COL: msg.
 * The event API lets us refuse anchors and aliases as they appear, so no
 * document can expand into more than the bytes it was read from. */
/* autoconf's header */
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
#include "cfgtree_priv.h"
#include "util.h"


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
	ctx->secret_group = (gid_t)-1;
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
	for (i = 0; i < ctx->nwarn && i < CFG_MAX_ERRORS; i++) {
		free(ctx->warns[i]);
		ctx->warns[i] = NULL;
	}
	ctx->nwarn = 0;
	for (i = 0; i < ctx->nreads; i++) {
		free(ctx->reads[i]);
		ctx->reads[i] = NULL;
	}
	ctx->nreads = 0;
}

void
cfg_note_read(struct cfg_ctx *ctx, const char *path)
{
	if (ctx->nreads >= CFG_MAX_READS) {
		cfg_err(ctx, NULL, "%s: more than %d files to read", path, CFG_MAX_READS);
		return;
	}
	if ((ctx->reads[ctx->nreads] = strdup(path)) == NULL) {
		cfg_err(ctx, NULL, "out of memory");
		return;
	}
	ctx->nreads++;
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

void
cfg_warn(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
{
	const char *file = ctx->file != NULL ? ctx->file : "(config)";
	char msg[CFG_MSG_MAX], *s = NULL;
	va_list ap;
	int n;

	if (ctx->nwarn >= CFG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at == NULL || at->line == 0)
		n = asprintf(&s, "%.256s: warning: %s", file, msg);
	else
		n = asprintf(&s, "%.256s:%u:%u: warning: %s", file, at->line,
		    at->col, msg);
	if (n != -1)
		ctx->warns[ctx->nwarn++] = s;
}

/* The permission bits that apply to uid:gid (owner, else group, else
 * others) grant all of want (R_OK, W_OK, X_OK are 4, 2, 1). */
static int
bits_allow(const struct stat *st, uid_t uid, gid_t gid, int want)
{
	unsigned bits;

	if (st->st_uid == uid)
		bits = (st->st_mode >> 6) & 7;
	else if (st->st_gid == gid)
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return ((unsigned)want & bits) == (unsigned)want;
}

int
cfg_access_as(const struct cfg_ctx *ctx, const char *path, int mode,
    char *why, size_t whysz)
{
	char buf[4096], *p;
	struct stat st;
	int r = -1;

	if (geteuid() != 0) {
		if (faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0)
			r = 0;
		else
			snprintf(why, whysz, "%s", strerror(errno));
		goto out;
	}
	if (!ctx->daemon_gid_known || ctx->daemon_uid == 0) {
		r = 0;
		goto out;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(buf)) {
		snprintf(why, whysz, "not an absolute path");
		goto out;
	}
	memcpy(buf, path, strlen(path) + 1);
	for (p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (stat(buf, &st) == -1) {
			snprintf(why, whysz, "%.1024s: %s", buf, strerror(errno));
			goto out;
		}
		if (!bits_allow(&st, ctx->daemon_uid, ctx->daemon_gid, X_OK)) {
			snprintf(why, whysz, "no search permission on %.1024s "
			    "(mode %04o)", buf, (unsigned)(st.st_mode & 07777));
			goto out;
		}
		*p = '/';
	}
	if (stat(path, &st) == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		goto out;
	}
	if (!bits_allow(&st, ctx->daemon_uid, ctx->daemon_gid, mode)) {
		snprintf(why, whysz, "no %s permission (owner uid %u, group %u, "
		    "mode %04o)", mode & W_OK ? "write" : "read",
		    (unsigned)st.st_uid, (unsigned)st.st_gid,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	r = 0;
 out:
	return r;
}

/* A value from the file, safe to put in a message: printable, bounded. */
const char *
cfg_shown(char *buf, size_t bufsz, const char *s)
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
			    cfg_shown(key, sizeof(key), n->parent->keys[n->index]->value));
		else
			w = snprintf(buf + len, bufsz - len, "[%zu]", n->index);
		if (w < 0 || (size_t)w >= bufsz - len)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* "code.ttl" for the key in map, whether or not it is there. */
const char *
cfg_key_path(const struct cfg_node *map, const char *key, char *buf, size_t bufsz)
{
	char k[CFG_SHOWN + 1];
	size_t len;

	cfg_path(map, buf, bufsz);
	len = strlen(buf);
	snprintf(buf + len, bufsz - len, "%s%s", len ? "." : "",
	    cfg_shown(k, sizeof(k), key));
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
const char *
cfg_got(const struct cfg_node *n, int show, char *buf, size_t bufsz)
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
		    cfg_shown(v, sizeof(v), n->value));
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

	/* Symlinks are followed: the file is checked where it really is (and
	 * its path, once the daemon's user is known: rootfs_check_read). */
	cfg_note_read(ctx, path);
	/* O_NONBLOCK: a FIFO in its place must not hang the daemon. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		/* A reload reads as the daemon's user, no longer root. */
		if (errno == EACCES && ctx->prev != NULL)
			cfg_err(ctx, NULL, "cannot open: %s (a reload reads it as "
			    "otpsmsd's user: make it root-owned, group the daemon's "
			    "group, mode 0640, or restart otpsmsd)", strerror(errno));
		else
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
	/* Whoever can read it learns any secret written inline in it. */
	ctx->src_known = 1;
	ctx->src_mode = st.st_mode;
	ctx->src_gid = st.st_gid;
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

/* Appends len bytes to *buf (size *sz, used *n), growing it; -1: no memory
 * (the old buffer wiped and freed). */
static int
sig_put(char **buf, size_t *sz, size_t *n, const char *p, size_t len)
{
	char *nb;
	size_t nsz;

	if (*n + len + 1 > *sz) {
		nsz = (*n + len + 1) * 2;
		if ((nb = malloc(nsz)) == NULL) {
			freezero_str(*buf);
			*buf = NULL;
			return -1;
		}
		if (*buf != NULL) {
			memcpy(nb, *buf, *n);
			freezero_str(*buf);
		}
		*buf = nb;
		*sz = nsz;
	}
	memcpy(*buf + *n, p, len);
	*n += len;
	(*buf)[*n] = '\0';
	return 0;
}

/* Each scalar as its length and bytes, so no value can pose as structure. */
static int
sig_node(char **buf, size_t *sz, size_t *n, const struct cfg_node *nd, int depth)
{
	char head[32];
	size_t i;
	int r = -1;

	if (depth > CFG_DEPTH_MAX + 1)
		goto out;
	switch (nd->type) {
	case CFG_SCALAR:
		snprintf(head, sizeof(head), "S%d:%zu:", nd->quoted ? 1 : 0,
		    strlen(nd->value));
		if (sig_put(buf, sz, n, head, strlen(head)) != 0 ||
		    sig_put(buf, sz, n, nd->value, strlen(nd->value)) != 0)
			goto out;
		break;
	case CFG_SEQ:
	case CFG_MAP:
		snprintf(head, sizeof(head), "%c%zu(", nd->type == CFG_SEQ ? 'L' :
		    'M', nd->n);
		if (sig_put(buf, sz, n, head, strlen(head)) != 0)
			goto out;
		for (i = 0; i < nd->n; i++) {
			if ((nd->type == CFG_MAP &&
			    sig_node(buf, sz, n, nd->keys[i], depth + 1) != 0) ||
			    sig_node(buf, sz, n, nd->items[i], depth + 1) != 0)
				goto out;
		}
		if (sig_put(buf, sz, n, ")", 1) != 0)
			goto out;
		break;
	}
	r = 0;
 out:
	return r;
}

char *
cfg_node_sig(const struct cfg_node *nd)
{
	char *buf = NULL;
	size_t sz = 0, n = 0;

	if (nd == NULL)
		return strdup("-");
	if (sig_node(&buf, &sz, &n, nd, 0) != 0) {
		freezero_str(buf);
		buf = NULL;
	}
	return buf;
}

void
cfg_mark_used(struct cfg_node *nd)
{
	size_t i;

	if (nd == NULL || nd->type == CFG_SCALAR)
		return;
	for (i = 0; i < nd->n; i++) {
		if (nd->type == CFG_MAP)
			nd->used[i] = 1;
		cfg_mark_used(nd->items[i]);
	}
}
