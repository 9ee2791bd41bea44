/* The spool driver: file names and contents for gammu-smsd and smstools,
 * and sends into a real directory (temp + rename, modes, failures). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrier.h"
#include "cfgtree.h"
#include "spool.h"
#include "tap.h"

static struct carrier_result last;
static int calls;

static void
on_done(void *arg, const struct carrier_result *res)
{
	(void)arg;
	last = *res;
	calls++;
}

static void
test_pure(void)
{
	char out[256];

	is_int(spool_name(out, sizeof(out), SPOOL_GAMMU, 'A', "+447700900123", "17"),
	    (long long)strlen("OUTA_+447700900123_17.txt"), "gammu name: length");
	is_str(out, "OUTA_+447700900123_17.txt", "gammu name: OUT<prio>_<number>_<serial>.txt");
	spool_name(out, sizeof(out), SPOOL_SMSTOOLS, 'A', "+447700900123", "17");
	is_str(out, "otpsms.17", "smstools name");
	is_int(spool_name(out, sizeof(out), SPOOL_GAMMU, 'A', "447700900123", "1"), -1,
	    "name: number must be E.164");
	is_int(spool_name(out, sizeof(out), SPOOL_GAMMU, 'A', "+447700900123", "1_2"), -1,
	    "name: serial digits only");
	is_int(spool_name(out, sizeof(out), SPOOL_GAMMU, 'a', "+447700900123", "1"), -1,
	    "name: priority A-Z");
	is_int(spool_name(out, 10, SPOOL_GAMMU, 'A', "+447700900123", "1"), -1,
	    "name: does not fit");

	spool_body(out, sizeof(out), SPOOL_GAMMU, "+447700900123", "123456 is your code");
	is_str(out, "123456 is your code", "gammu body: the text");
	spool_body(out, sizeof(out), SPOOL_SMSTOOLS, "+447700900123", "123456 caf\xc3\xa9");
	is_str(out, "To: 447700900123\nAlphabet: UTF-8\n\n123456 caf\xc3\xa9\n",
	    "smstools body: To without +, alphabet, blank line, text");
	is_int(spool_body(out, sizeof(out), SPOOL_SMSTOOLS, "+447700900123",
	    "x\nFlash: yes"), -1, "body: a line break (header injection) refused");
	ok(out[0] == '\0', "body: wiped after failure");
	is_int(spool_body(out, 20, SPOOL_SMSTOOLS, "+447700900123", "123456 code"), -1,
	    "body: does not fit");
}

static struct carrier *
make(const char *yaml, struct cfg_ctx *ctx)
{
	static struct carrier c;
	struct cfg_node *root;

	memset(&c, 0, sizeof(c));
	c.name = "modem";
	c.ops = carrier_lookup("spool");
	cfg_ctx_init(ctx, "t.yaml");
	root = cfg_parse_string(ctx, yaml, strlen(yaml));
	if (root == NULL || c.ops == NULL || c.ops->configure(&c, ctx, root) != 0) {
		cfg_node_free(root);
		return NULL;
	}
	cfg_check_unused(ctx, root);
	cfg_node_free(root);
	return &c;
}

/* The one file in dir (not hidden); its name into name. */
static int
only_file(const char *dir, char *name, size_t sz, int *hidden)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	*hidden = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				(*hidden)++;
			continue;
		}
		snprintf(name, sz, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void
test_send(void)
{
	struct carrier_msg m;
	struct cfg_ctx ctx;
	struct carrier *c;
	struct stat st;
	char dir[] = "/tmp/otpsms-spool.XXXXXX", yaml[512], name[256], path[512];
	char buf[256];
	int fd, hidden, n;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(yaml, sizeof(yaml), "path: %s\nformat: smstools\nfile_mode: \"0640\"\n", dir);
	c = make(yaml, &ctx);
	ok(c != NULL && ctx.nerr == 0, "configure: smstools, 0640");
	cfg_ctx_free(&ctx);
	if (c == NULL)
		goto out;
	memset(&m, 0, sizeof(m));
	m.to = "+447700900123";
	m.text = "654321 is your code";
	calls = 0;
	is_int(c->ops->send(c, &m, on_done, NULL), 0, "send: started");
	is_int(calls, 1, "send: done called once, at once");
	is_int(last.status, CARRIER_ACCEPTED, "send: accepted (queued)");
	n = only_file(dir, name, sizeof(name), &hidden);
	ok(n == 1 && hidden == 0, "send: one file, no temporary left");
	is_str(last.ref, name, "send: the ref is the file name");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640, "send: mode 0640");
	fd = open(path, O_RDONLY);
	n = fd == -1 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd != -1)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "To: 447700900123\nAlphabet: UTF-8\n\n654321 is your code\n",
	    "send: smstools file");
	unlink(path);
	c->ops->free(c);

	/* The directory is gone: failover with the reason, nothing left. */
	snprintf(yaml, sizeof(yaml), "path: %s/missing\n", dir);
	c = make(yaml, &ctx);
	cfg_ctx_free(&ctx);
	if (c != NULL) {
		calls = 0;
		c->ops->send(c, &m, on_done, NULL);
		ok(calls == 1 && last.status == CARRIER_FAILOVER &&
		    strstr(last.detail, "No such file") != NULL, "missing dir: failover");
		c->ops->free(c);
	}

	snprintf(yaml, sizeof(yaml), "path: %s\nformat: kannel\n", dir);
	ok(make(yaml, &ctx) == NULL && ctx.nerr == 1, "configure: unknown format refused");
	cfg_ctx_free(&ctx);
	snprintf(yaml, sizeof(yaml), "path: %s\nfile_mode: \"0666\"\n", dir);
	ok(make(yaml, &ctx) == NULL && ctx.nerr == 1, "configure: world-readable refused");
	cfg_ctx_free(&ctx);
	snprintf(yaml, sizeof(yaml), "path: %s\npriority: AB\n", dir);
	ok(make(yaml, &ctx) == NULL && ctx.nerr == 1, "configure: priority one letter");
	cfg_ctx_free(&ctx);
	ok(make("path: spool\n", &ctx) == NULL && ctx.nerr == 1,
	    "configure: relative path refused");
	cfg_ctx_free(&ctx);
 out:
	rmdir(dir);
}

int
main(void)
{
	test_pure();
	test_send();
	return done_testing();
}
