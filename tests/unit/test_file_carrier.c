/* The file carrier: configured from YAML, one JSON line per message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "carrier.h"
#include "cfgtree.h"
#include "tap.h"

static struct carrier_result last;
static int ncalls;

static void
on_done(void *arg, const struct carrier_result *res)
{
	ncalls++;
	last = *res;
}

/* Configures a file carrier from yaml; returns configure()'s result. */
static int
configure(struct carrier *c, const char *yaml, size_t *nerr)
{
	struct cfg_ctx ctx;
	struct cfg_node *root;
	int r = -1;

	memset(c, 0, sizeof(*c));
	c->name = "outbox";
	c->ops = &carrier_file_ops;
	c->timeout_ms = 1000;
	cfg_ctx_init(&ctx, "test.yaml");
	if ((root = cfg_parse_string(&ctx, yaml, strlen(yaml))) == NULL)
		goto out;
	r = c->ops->configure(c, &ctx, root);
	cfg_node_free(root);
 out:
	*nerr = ctx.nerr;
	if (ctx.nerr > 0)
		printf("# config: %s\n", ctx.errs[0]);
	cfg_ctx_free(&ctx);
	return r;
}

static int
send_one(struct carrier *c, const char *to, const char *user, const char *text)
{
	struct carrier_msg m = { .to = to, .text = text, .user = user };

	memset(&last, 0, sizeof(last));
	ncalls = 0;
	return c->ops->send(c, &m, on_done, NULL);
}

/* The n-th (0-based) line of path as a JSON object, NULL if absent. */
static json_t *
read_line(const char *path, int n)
{
	char buf[4096];
	json_t *o = NULL;
	FILE *f;
	int i = 0;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (i++ == n) {
			o = json_loads(buf, 0, NULL);
			break;
		}
	}
	fclose(f);
	return o;
}

static const char *
field(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
count_lines(const char *path)
{
	int ch, n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		if (ch == '\n')
			n++;
	fclose(f);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/test_file_carrier.XXXXXX", path[256], link[256], yaml[512];
	struct carrier c;
	struct stat st;
	const char *t;
	json_t *o;
	size_t nerr;
	int i;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	snprintf(link, sizeof(link), "%s/link.jsonl", dir);

	/* Configuration */
	is_int(configure(&c, "path: relative/outbox.jsonl\n", &nerr), -1,
	    "relative path refused");
	ok(nerr > 0, "relative path: error recorded");
	is_int(configure(&c, "other: 1\n", &nerr), -1, "missing path refused");
	ok(nerr > 0, "missing path: error recorded");

	snprintf(yaml, sizeof(yaml), "path: %s\n", path);
	is_int(configure(&c, yaml, &nerr), 0, "absolute path accepted");
	is_int(nerr, 0, "no errors");
	ok(c.priv != NULL, "priv set");

	/* One message, one line */
	is_int(send_one(&c, "+447700900123", "alice", "Your code is 123456"), 0, "send returns 0");
	is_int(ncalls, 1, "done called once");
	is_int(last.status, CARRIER_ACCEPTED, "accepted");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file created 0600");
	is_int(count_lines(path), 1, "one line");
	o = read_line(path, 0);
	ok(o != NULL && json_is_object(o), "line is a JSON object");
	is_str(field(o, "carrier"), "outbox", "carrier field");
	is_str(field(o, "user"), "alice", "user field");
	is_str(field(o, "to"), "+447700900123", "to field");
	is_str(field(o, "text"), "Your code is 123456", "text field");
	t = field(o, "time");
	ok(t != NULL && strlen(t) == 20 && t[4] == '-' && t[10] == 'T' && t[19] == 'Z',
	    "time is ISO-8601 UTC (%s)", t ? t : "null");
	is_int(o ? (long long)json_object_size(o) : 0, 5, "five fields");
	json_decref(o);

	/* Escaping and UTF-8 */
	is_int(send_one(&c, "+15017122661", "bob", "Code \"42\"\n\xc3\xa9 \\ end"), 0, "send 2");
	is_int(last.status, CARRIER_ACCEPTED, "second accepted");
	is_int(count_lines(path), 2, "appended: two lines");
	o = read_line(path, 1);
	is_str(field(o, "text"), "Code \"42\"\n\xc3\xa9 \\ end", "quotes, newline, UTF-8 round-trip");
	is_str(field(o, "user"), "bob", "second user");
	json_decref(o);

	/* Not UTF-8: refused, nothing written */
	is_int(send_one(&c, "+15017122661", "bob", "bad \xff byte"), 0, "send bad UTF-8");
	is_int(ncalls, 1, "done called");
	is_int(last.status, CARRIER_FAILOVER, "bad UTF-8: failover");
	is_int(count_lines(path), 2, "bad UTF-8: nothing written");
	c.ops->free(&c);
	ok(c.priv == NULL, "free clears priv");

	/* Unwritable: missing directory */
	snprintf(yaml, sizeof(yaml), "path: %s/missing/outbox.jsonl\n", dir);
	is_int(configure(&c, yaml, &nerr), 0, "missing directory: configure ok");
	is_int(send_one(&c, "+447700900123", "alice", "x 1"), 0, "send");
	is_int(ncalls, 1, "done called");
	is_int(last.status, CARRIER_FAILOVER, "missing directory: failover");
	ok(strstr(last.detail, "No such file") != NULL, "detail has errno text (%s)",
	    last.detail);
	c.ops->free(&c);

	/* A symlink is not followed */
	ok(symlink(path, link) == 0, "symlink made");
	snprintf(yaml, sizeof(yaml), "path: %s\n", link);
	is_int(configure(&c, yaml, &nerr), 0, "symlink: configure ok");
	send_one(&c, "+447700900123", "alice", "x 2");
	is_int(last.status, CARRIER_FAILOVER, "symlink: failover");
	is_int(count_lines(path), 2, "symlink: target untouched");
	c.ops->free(&c);

	/* A directory in the way */
	snprintf(yaml, sizeof(yaml), "path: %s\n", dir);
	is_int(configure(&c, yaml, &nerr), 0, "directory: configure ok");
	send_one(&c, "+447700900123", "alice", "x 3");
	is_int(last.status, CARRIER_FAILOVER, "directory: failover");
	c.ops->free(&c);

	/* A FIFO neither blocks nor counts as a file */
	snprintf(link, sizeof(link), "%s/fifo", dir);
	ok(mkfifo(link, 0600) == 0, "fifo made");
	snprintf(yaml, sizeof(yaml), "path: %s\n", link);
	is_int(configure(&c, yaml, &nerr), 0, "fifo: configure ok");
	send_one(&c, "+447700900123", "alice", "x 4");
	is_int(last.status, CARRIER_FAILOVER, "fifo: failover, no hang");
	c.ops->free(&c);
	unlink(link);
	snprintf(link, sizeof(link), "%s/link.jsonl", dir);

	/* Many appends stay whole lines */
	snprintf(yaml, sizeof(yaml), "path: %s\n", path);
	configure(&c, yaml, &nerr);
	for (i = 0; i < 50; i++)
		send_one(&c, "+447700900123", "alice", "loop");
	is_int(count_lines(path), 52, "52 lines after 50 more");
	c.ops->free(&c);

	unlink(link);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
