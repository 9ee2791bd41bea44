/* Error paths, walked: every allocation (and, for the state file, every
 * read and write) of the protocol, configuration, store, template and state
 * code fails in turn, call 1, 2, 3, ... until a run completes without
 * reaching the failure. Each run must fail cleanly or produce exactly what
 * a run without failures does: never a crash, a half-built result or a leak
 * (scripts/test.sh runs this under valgrind and ASan, which catch those). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtree.h"
#include "failinject.h"
#include "lockout.h"
#include "proto.h"
#include "ratelimit.h"
#include "route.h"
#include "statefile.h"
#include "store.h"
#include "template.h"
/* By path: "config.h" alone is autoconf's header in the build dir. */
#include "conf.h"
#include "tap.h"

#define WALK_MAX 100000     /* no path here makes this many calls */

static const char yaml[] =
	"state_dir: /var/lib/otpsms\n"
	"limits: { per_user: 3/10m, per_number: 3/10m, per_prefix: 20/1h,\n"
	"  per_country: off, global: 1000/1m, backoff_after: 3, backoff_max: 15m }\n"
	"lockout: { failures: 5, window: 15m, duration: 15m }\n"
	"countries: { allow: [\"+1\", \"+44\", \"+91\"], deny: [\"+4479\"] }\n"
	"allow_groups: [0, root]\n"
	"allow_self: true\n"
	"message: \"{code} is your code for {host} ({ttl})\"\n"
	"users:\n"
	"  alice: \"+447700900123\"\n"
	"  bob: \"+919876543210\"\n"
	"  carol: \"+15017122661\"\n"
	"carriers:\n"
	"  - {name: v, type: vonage, api_key: abcd1234, api_secret: abcdef0123456789,\n"
	"     from: ACME, api_url: \"http://127.0.0.1:1\", retries: 1}\n"
	"  - name: t\n"
	"    type: twilio\n"
	"    account_sid: AC0123456789abcdef0123456789abcdef\n"
	"    auth_token: x\n"
	"    from: \"+15017122661\"\n"
	"  - {name: f, type: file, path: /tmp/otpsms-failinject.jsonl}\n"
	"routes:\n"
	"  - {prefix: \"+44\", carriers: [v, t], from: ACME, message: \"{code} ok\"}\n"
	"  - {prefix: \"+\", carriers: [t, f]}\n";

/* --- configuration */

static struct config *
load_config(struct cfg_ctx *ctx, struct cfg_node **root)
{
	cfg_ctx_init(ctx, "fi.yaml");
	ctx->no_files = 1;
	if ((*root = cfg_parse_string(ctx, yaml, sizeof(yaml) - 1)) == NULL)
		return NULL;
	return config_from_tree(ctx, *root);
}

static int
same_config(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->n_users != b->n_users || a->n_carriers != b->n_carriers ||
	    a->n_routes != b->n_routes || strcmp(a->message, b->message) != 0 ||
	    a->countries.n_allow != b->countries.n_allow ||
	    a->countries.n_deny != b->countries.n_deny ||
	    a->n_allow_gids != b->n_allow_gids || a->allow_self != b->allow_self ||
	    memcmp(&a->limits, &b->limits, sizeof(a->limits)) != 0)
		return 0;
	for (i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, b->users[i].name) != 0 ||
		    strcmp(a->users[i].number, b->users[i].number) != 0)
			return 0;
	for (i = 0; i < a->n_routes; i++)
		if (a->routes[i].n_carriers != b->routes[i].n_carriers)
			return 0;
	return 1;
}

static void
walk_config(void)
{
	struct cfg_ctx ctx;
	struct cfg_node *root = NULL, *ref_root = NULL;
	struct config *ref, *c;
	unsigned long n, bad = 0, failed = 0;

	ref = load_config(&ctx, &ref_root);
	if (!ok(ref != NULL, "config: loads without failures")) {
		for (n = 0; n < ctx.nerr && n < CFG_MAX_ERRORS; n++)
			printf("# %s\n", ctx.errs[n] ? ctx.errs[n] : "?");
		cfg_node_free(ref_root);
		cfg_ctx_free(&ctx);
		return;
	}
	cfg_ctx_free(&ctx);
	for (n = 1; n < WALK_MAX; n++) {
		root = NULL;
		fi_arm(FI_ALLOC, n);
		c = load_config(&ctx, &root);
		fi_off();
		if (c == NULL)
			failed++;
		/* Failed with a message, or loaded whole. */
		if ((c == NULL && ctx.nerr == 0) || (c != NULL && !same_config(ref, c)))
			bad++;
		config_free(c);
		cfg_node_free(root);
		cfg_ctx_free(&ctx);
		if (!fi_fired())
			break;
	}
	ok(n < WALK_MAX && n > 10, "config: %lu allocations walked", n - 1);
	ok(bad == 0, "config: every failure reported, every success whole "
	    "(%lu refused, %lu bad)", failed, bad);
	config_free(ref);
	cfg_node_free(ref_root);
}

/* --- protocol */

static void
sample_messages(struct proto_msg m[4])
{
	memset(m, 0, 4 * sizeof(m[0]));
	m[0].type = PROTO_CHALLENGE_REQ;
	snprintf(m[0].u.creq.user, sizeof(m[0].u.creq.user), "alice");
	snprintf(m[0].u.creq.service, sizeof(m[0].u.creq.service), "sshd");
	snprintf(m[0].u.creq.rhost, sizeof(m[0].u.creq.rhost), "192.0.2.1");
	m[1].type = PROTO_VERIFY_REQ;
	memset(m[1].u.vreq.id, 0x22, PROTO_ID_LEN);
	snprintf(m[1].u.vreq.user, sizeof(m[1].u.vreq.user), "alice");
	snprintf(m[1].u.vreq.code, sizeof(m[1].u.vreq.code), "123456");
	m[2].type = PROTO_ERROR;
	m[2].u.err.code = PROTO_E_RATE;
	m[2].u.err.retry_after = 30;
	snprintf(m[2].u.err.message, sizeof(m[2].u.err.message), "rate limited");
	m[3].type = PROTO_CTL_RSP;
	memset(m[3].u.crsp_ctl.text, 'x', PROTO_MAX_CTLTEXT);
}

static void
walk_proto(void)
{
	struct proto_msg m[4], back;
	struct buf b;
	unsigned long n, bad = 0, total = 0;
	int i, r;

	sample_messages(m);
	for (i = 0; i < 4; i++) {
		for (n = 1; n < WALK_MAX; n++) {
			buf_init(&b, PROTO_MAX_FRAME + 4);
			fi_arm(FI_ALLOC, n);
			r = proto_encode(&b, &m[i]);
			if (r == PROTO_OK) {
				memset(&back, 0, sizeof(back));
				if (proto_decode(b.d, b.len, &back) != PROTO_OK ||
				    back.type != m[i].type)
					bad++;
			} else if (r != PROTO_ENOMEM)
				bad++;
			fi_off();
			buf_free(&b);
			total++;
			if (!fi_fired())
				break;
		}
	}
	ok(bad == 0, "proto: %lu runs, each encoded whole or refused with "
	    "PROTO_ENOMEM", total);
}

/* --- store */

struct put_res { int called, ok; };
struct ver_res { int called; enum store_verdict v; };

static void
on_put(void *arg, int okv)
{
	struct put_res *p = arg;

	p->called = 1;
	p->ok = okv;
}

static void
on_verify(void *arg, enum store_verdict v, unsigned left, const char *service)
{
	struct ver_res *p = arg;

	p->called = 1;
	p->v = v;
}

static void
on_find(void *arg, const struct challenge *c, const char *tampered)
{
	(void)tampered;
	*(int *)arg = c != NULL;
}

static void
walk_store(void)
{
	struct challenge ch;
	struct store *s;
	struct put_res pr;
	struct ver_res vr, wr;
	uint8_t wrong[STORE_MAC_LEN];
	unsigned long n, bad = 0;
	int i, found;

	memset(&ch, 0, sizeof(ch));
	memset(ch.mac, 0x5a, sizeof(ch.mac));
	memset(wrong, 0xa5, sizeof(wrong));
	snprintf(ch.user, sizeof(ch.user), "alice");
	snprintf(ch.service, sizeof(ch.service), "sshd");
	ch.created_ms = 1000;
	ch.expires_ms = 1000 + 300000;
	ch.attempts_left = 3;
	for (n = 1; n < WALK_MAX; n++) {
		fi_arm(FI_ALLOC, n);
		if ((s = store_memory_new(64)) == NULL) {
			fi_off();
			continue;
		}
		/* A few challenges, so that tables grow. */
		memset(&pr, 0, sizeof(pr));
		for (i = 0; i < 20; i++) {
			ch.id[0] = (uint8_t)i;
			(void)s->ops->put(s, &ch, on_put, &pr);
		}
		ch.id[0] = 7;
		found = -1;
		(void)s->ops->find_pending(s, "alice", "sshd", 0, 2000, on_find, &found);
		memset(&wr, 0, sizeof(wr));
		(void)s->ops->verify(s, ch.id, "alice", 0, wrong, 2000, on_verify, &wr);
		memset(&vr, 0, sizeof(vr));
		(void)s->ops->verify(s, ch.id, "alice", 0, ch.mac, 2000, on_verify, &vr);
		(void)s->ops->expire(s, 1000000);
		fi_off();
		/* Fail closed: a wrong code never verifies; after a failure a
		 * right one verifies or is refused, never anything else. */
		if (!pr.called || (wr.called && wr.v == STORE_OK) ||
		    (vr.called && vr.v != STORE_OK && vr.v != STORE_ERROR &&
		    vr.v != STORE_EXPIRED))
			bad++;
		s->ops->free(s);
		if (!fi_fired())
			break;
	}
	ok(n < WALK_MAX, "store: %lu allocations walked", n - 1);
	ok(bad == 0, "store: no wrong code verified, every callback called");
}

/* --- templates */

static void
walk_template(void)
{
	struct template_vars tv = { "123456", "host", 300, "alice", "sshd" };
	char out[TEMPLATE_MAX], err[128];
	int r;

	fi_arm(FI_ALLOC | FI_IO, 1);
	r = template_check("{code} for {user}@{host} ({service}, {ttl})", err,
	    sizeof(err)) == 0 && template_render(out, sizeof(out),
	    "{code} for {user}@{host} ({service}, {ttl})", &tv) == 0;
	fi_off();
	ok(r && fi_calls() == 0, "template: checks and renders without "
	    "allocating (%lu calls)", fi_calls());
	explicit_bzero(out, sizeof(out));
}

/* --- the state file: allocation and I/O */

static int
fill_state(struct limits *l, struct lockout *lo, uint64_t now)
{
	int i;
	char user[16];

	for (i = 0; i < 30; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		limits_note_sent(l, user, "+447700900123", now, 0);
		(void)lockout_note_failure(lo, user, now);
	}
	return 0;
}

static char *
dump(struct limits *l, struct lockout *lo, uint64_t now)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		return NULL;
	(void)limits_dump(l, f, now);
	(void)lockout_dump(lo, f, now);
	fclose(f);
	return text;
}

static void
walk_statefile(void)
{
	struct limits_conf lc;
	struct lockout_conf oc;
	struct limits *l, *l2;
	struct lockout *lo, *lo2;
	char dir[] = "/tmp/otpsms-fi.XXXXXX", err[512], *want, *got;
	uint64_t now = 1700000000000ULL;
	unsigned long n, bad_save = 0, bad_load = 0, refused = 0, discarded = 0;
	int r;

	limits_conf_default(&lc);
	lockout_conf_default(&oc);
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	l = limits_new(&lc);
	lo = lockout_new(&oc);
	fill_state(l, lo, now);
	want = dump(l, lo, now);
	ok(statefile_save(dir, l, lo, now, err, sizeof(err)) == 0,
	    "state: saved without failures");

	/* Saving: fails (the old file stays whole) or saves it all. */
	for (n = 1; n < WALK_MAX; n++) {
		fi_arm(FI_ALLOC | FI_IO, n);
		(void)statefile_save(dir, l, lo, now, err, sizeof(err));
		fi_off();
		l2 = limits_new(&lc);
		lo2 = lockout_new(&oc);
		r = statefile_load(dir, l2, lo2, now, NULL, NULL, err, sizeof(err));
		got = dump(l2, lo2, now);
		if (r != 0 || got == NULL || strcmp(got, want) != 0)
			bad_save++;
		free(got);
		limits_free(l2);
		lockout_free(lo2);
		if (r != 0)    /* put it back for the next run */
			(void)statefile_save(dir, l, lo, now, err, sizeof(err));
		if (!fi_fired())
			break;
	}
	ok(n < WALK_MAX && n > 2, "state save: %lu calls walked", n - 1);
	ok(bad_save == 0, "state save: a failed save leaves the old file whole");

	/* Loading: fails, or loads it all. */
	for (n = 1; n < WALK_MAX; n++) {
		l2 = limits_new(&lc);
		lo2 = lockout_new(&oc);
		fi_arm(FI_ALLOC | FI_IO, n);
		r = statefile_load(dir, l2, lo2, now, NULL, NULL, err, sizeof(err));
		fi_off();
		got = dump(l2, lo2, now);
		if (r == 0 && (got == NULL || strcmp(got, want) != 0))
			bad_load++;
		if (r == -1)
			discarded++;    /* called corrupt and moved aside */
		if (r != 0) {
			refused++;
			(void)statefile_save(dir, l, lo, now, err, sizeof(err));
		}
		free(got);
		limits_free(l2);
		lockout_free(lo2);
		if (!fi_fired())
			break;
	}
	ok(n < WALK_MAX && n > 2, "state load: %lu calls walked", n - 1);
	ok(bad_load == 0, "state load: refused (%lu) or loaded whole", refused);
	ok(refused > 0 && discarded == 0, "state load: a failed allocation or read "
	    "is -2 (the daemon refuses to start), never a file moved aside (%lu)",
	    discarded);

	free(want);
	limits_free(l);
	lockout_free(lo);
	snprintf(err, sizeof(err), "%s/state", dir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/state.corrupt", dir);
	unlink(err);
	ok(rmdir(dir) == 0, "state: temporary directory removed");
}

int
main(void)
{
	walk_proto();
	walk_config();
	walk_store();
	walk_template();
	walk_statefile();
	return done_testing();
}
