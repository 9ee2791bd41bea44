/* otpsmsctl's requests (control.h): status, locked, unlock, routes NUMBER,
 * reload, test-send NUMBER [CARRIER] (the one that finishes later),
 * backup-codes, flush, metrics and user USER. */
#include <config.h>
#include "conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "backup_kdf.h"
#include "backup_redis.h"
#include "carrier.h"
#include "challenge.h"
#include "daemon.h"
#include "control.h"
#include "directory.h"
#include "counters.h"
#include "log.h"
#include "lookup.h"
#include "loop.h"
#include "policy.h"
#include "proto.h"
#include "redis_client.h"
#include "reload.h"
#include "route.h"
#include "server.h"
#include "store.h"
#include "util.h"
#include "verify.h"

#define TEST_TEXT "otpsms test message from %s"
#define TEST_TEXT_MAX 320           /* the text above with a 255-byte host */

/* One test-send in flight: the carriers to try, the verdicts so far. */
struct ctl_send {
	struct daemon *d;
	struct config *cfg;          /* held: its carriers outlive a reload */
	struct client *client;       /* NULL once it went away */
	pid_t pid;
	const struct route *route;
	struct carrier *cars[ROUTE_MAX_CARRIERS];
	size_t n_cars, i;
	char to[20];
	char masked[PROTO_MAX_MASKED + 1];
	char msgtext[TEST_TEXT_MAX];
	char text[PROTO_MAX_CTLTEXT + 1];
	int accepted, permanent;
};

static const char *
status_name(enum carrier_status st)
{
	switch (st) {
	case CARRIER_ACCEPTED: return "accepted";
	case CARRIER_RETRY: return "throttled (retry)";
	case CARRIER_FAILOVER: return "failed (fail over)";
	case CARRIER_PERMANENT: return "refused the number (permanent)";
	}
	return "?";
}

/* Appends to the reply text, truncating. */
static void __attribute__((format(printf, 2, 3)))
addf(struct ctl_send *s, const char *fmt, ...)
{
	size_t n = strlen(s->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->text + n, sizeof(s->text) - n, fmt, ap);
	va_end(ap);
}

static void
send_free(struct ctl_send *s)
{
	config_free(s->cfg);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* client_on_close: the send finishes quietly. */
static void
on_client_gone(void *arg)
{
	struct ctl_send *s = arg;

	s->client = NULL;
}

static void send_next(struct ctl_send *s);

static void
finish(struct ctl_send *s)
{
	struct proto_msg m;

	log_info("test message: to=%s by=otpsmsctl pid=%ld result=%s", s->masked,
	    (long)s->pid, s->accepted ? "accepted" : s->permanent ?
	    "number refused" : "no carrier accepted it");
	if (s->client != NULL) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CTL_RSP;
		m.u.crsp_ctl.status = s->accepted ? 0 : s->permanent ?
		    PROTO_E_NUMBER : PROTO_E_DELIVERY;
		snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text), "%s", s->text);
		client_reply(s->client, &m);
	}
	send_free(s);
}

/* A diagnostic: the verdict is reported, the breaker and counters are left
 * alone (a test must not open, or close, a real route's carrier). */
static void
on_sent(void *arg, const struct carrier_result *res)
{
	struct ctl_send *s = arg;
	struct carrier *c = s->cars[s->i];

	addf(s, "carrier %s (%s): %s%s%s%s%s\n", c->name, c->ops->type,
	    status_name(res->status), res->ref[0] ? "; ref " : "", res->ref,
	    res->detail[0] ? "; " : "", res->detail);
	log_info("test message: to=%s carrier=%s: %s%s%s", s->masked, c->name,
	    status_name(res->status), res->detail[0] ? ": " : "", res->detail);
	if (res->status == CARRIER_ACCEPTED)
		s->accepted = 1;
	else if (res->status == CARRIER_PERMANENT)
		s->permanent = 1;
	s->i++;
	if (s->accepted || s->permanent || s->i >= s->n_cars) {
		finish(s);
		return;
	}
	send_next(s);
}

/* Tries cars[i..] until one starts a send; done (on_sent) carries on. */
static void
send_next(struct ctl_send *s)
{
	struct carrier_msg msg;
	struct carrier *c;

	for (; s->i < s->n_cars; s->i++) {
		c = s->cars[s->i];
		memset(&msg, 0, sizeof(msg));
		msg.channel = PROTO_CH_SMS;
		msg.to = s->to;
		msg.text = s->msgtext;
		msg.code = "";
		msg.user = "otpsmsctl";
		if (s->route != NULL) {
			msg.from = s->route->from;
			msg.dlt_entity_id = s->route->dlt_entity_id;
			msg.dlt_template_id = s->route->dlt_template_id;
		}
		/* on_sent may run (and free s) before send returns. */
		if (c->ops->send(c, &msg, on_sent, s) == 0)
			return;
		addf(s, "carrier %s (%s): could not start a send\n", c->name,
		    c->ops->type);
	}
	finish(s);
}

/* arg: "NUMBER" or "NUMBER CARRIER". 0, or -1 with the reason in err. */
static int
test_send_start(struct daemon *d, struct client *cl, const char *arg, char *err,
    size_t errsz)
{
	struct config *cfg = d->cfg;
	struct carrier *const *cars;
	struct ctl_send *s;
	const char *sp, *name = NULL;
	size_t i, n, len;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	sp = strchr(arg, ' ');
	len = sp != NULL ? (size_t)(sp - arg) : strlen(arg);
	if (len >= sizeof(s->to))
		len = sizeof(s->to) - 1;
	memcpy(s->to, arg, len);
	if (!e164_valid(s->to)) {
		snprintf(err, errsz, "not an E.164 number (+ and 8 to 15 digits)");
		goto fail;
	}
	if (sp != NULL)
		name = sp + 1;
	s->d = d;
	s->cfg = config_ref(cfg);
	s->client = cl;
	s->pid = client_pid(cl);
	mask_number(s->masked, sizeof(s->masked), s->to);
	s->route = route_lookup(cfg, s->to);
	cars = route_carriers(cfg, s->route, &n);
	if (name != NULL) {
		/* Any configured carrier, on the route or not. */
		for (i = 0; i < cfg->n_carriers; i++)
			if (strcmp(cfg->carriers[i]->name, name) == 0)
				s->cars[s->n_cars++] = cfg->carriers[i];
		if (s->n_cars == 0) {
			snprintf(err, errsz, "no carrier by that name");
			goto fail;
		}
		if (!(carrier_channels(s->cars[0]) & PROTO_CH_SMS)) {
			snprintf(err, errsz, "that carrier cannot send SMS");
			goto fail;
		}
	} else {
		for (i = 0; i < n && s->n_cars < ROUTE_MAX_CARRIERS; i++)
			if (carrier_channels(cars[i]) & PROTO_CH_SMS)
				s->cars[s->n_cars++] = cars[i];
		if (s->n_cars == 0) {
			snprintf(err, errsz, "no carrier of this number sends SMS");
			goto fail;
		}
	}
	snprintf(s->msgtext, sizeof(s->msgtext), TEST_TEXT, cfg->host);
	client_on_close(cl, on_client_gone, s);
	log_info("test message requested: to=%s carrier=%s by=otpsmsctl pid=%ld",
	    s->masked, name != NULL ? s->cars[0]->name : "(route)", (long)s->pid);
	send_next(s);
	return 0;
 fail:
	send_free(s);
	return -1;
}

/* The number's route and carriers, marking those cooling down. */
static void
routes_text(const struct config *cfg, const char *num, char *text, size_t sz)
{
	const struct route *rt;
	struct carrier *const *cars;
	const char *dom;
	char masked[PROTO_MAX_MASKED + 1];
	uint64_t now = now_ms();
	size_t i, n, off;

	rt = route_lookup(cfg, num);
	cars = route_carriers(cfg, rt, &n);
	mask_number(masked, sizeof(masked), num);
	if (rt != NULL)
		snprintf(text, sz, "%s: route \"%s\" (line %u):", masked, rt->prefix,
		    rt->line);
	else
		snprintf(text, sz, "%s: %s:", masked, cfg->n_routes > 0 ?
		    "no route matches, carriers in order" : "carriers in order");
	for (i = 0; i < n; i++) {
		off = strlen(text);
		snprintf(text + off, sz - off, "%s%s%s", i ? ", " : " ", cars[i]->name,
		    cars[i]->health.open_until_ms > now ? " (failing, skipped)" : "");
	}
	off = strlen(text);
	if (rt != NULL && rt->from != NULL)
		snprintf(text + off, sz - off, " (from \"%s\")", rt->from);
	off = strlen(text);
	if ((dom = route_webotp_domain(cfg, rt)) != NULL)
		snprintf(text + off, sz - off, " (webotp %s)", dom);
	off = strlen(text);
	snprintf(text + off, sz - off, "\n");
}

/* otpsmsctl locked / unlock: the answer may come from Redis. */
struct lock_op {
	struct client *client;       /* NULL once it went away */
	int unlock;
	char user[PROTO_MAX_USER + 1];   /* log-safe */
	pid_t pid;
};

static void
lock_op_gone(void *arg)
{
	struct lock_op *o = arg;

	o->client = NULL;
}

static void
lock_op_done(void *arg, int r, const char *result)
{
	struct lock_op *o = arg;
	struct proto_msg m;
	char *text = m.u.crsp_ctl.text;
	size_t sz = sizeof(m.u.crsp_ctl.text);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_RSP;
	if (r < 0) {
		m.u.crsp_ctl.status = PROTO_E_INTERNAL;
		snprintf(text, sz, "the shared store did not answer: try again\n");
	} else if (!o->unlock) {
		snprintf(text, sz, "%s", r == 0 ? "no user is locked out\n" : result);
	} else if (r > 0) {
		log_info("unlocked: user=%s by=otpsmsctl pid=%ld", o->user,
		    (long)o->pid);
		snprintf(text, sz, "%s unlocked\n", o->user);
	} else {
		m.u.crsp_ctl.status = PROTO_E_NOUSER;
		snprintf(text, sz, "%s was not locked out\n", o->user);
	}
	if (o->client != NULL)
		client_reply(o->client, &m);
	free(o);
}

static int
lock_op_start(struct daemon *d, struct client *c, const struct proto_ctl_req *q)
{
	struct lock_op *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -1;
	client_on_close(c, lock_op_gone, o);
	o->client = c;
	o->unlock = q->op == PROTO_CTL_UNLOCK;
	o->pid = client_pid(c);
	log_safe(o->user, sizeof(o->user), q->arg);
	if (o->unlock)
		policy_ctl_unlock(d->policy, q->arg, lock_op_done, o);
	else
		policy_ctl_locked(d->policy, lock_op_done, o);
	return 0;
}

/* otpsmsctl flush USER: the directory is asked again at the next login.
 * 0 with text set, or -1 once an error went out. */
static int
flush_text(struct daemon *d, struct client *c, const char *user, char *text,
    size_t sz)
{
	char safe[PROTO_MAX_USER + 1];

	if (d->directory == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "no directory configured");
		return -1;
	}
	if (!config_user_name_valid(user)) {
		client_error(c, PROTO_E_MALFORMED, 0, "flush needs a user name");
		return -1;
	}
	log_safe(safe, sizeof(safe), user);
	if (directory_flush(d->directory, user)) {
		log_info("directory: user=%s: cached entry dropped by otpsmsctl "
		    "pid=%ld", safe, (long)client_pid(c));
		snprintf(text, sz, "%s: cached directory entry dropped\n", safe);
	} else
		snprintf(text, sz, "%s: nothing cached\n", safe);
	return 0;
}

/* otpsmsctl backup-codes, under way: the set is made on the KDF worker
 * (n scrypt hashes, up to a second: not on the loop), then stored (this
 * host's file, or one SET in the fleet's Redis), then the codes go to
 * otpsmsctl, and nowhere else. */
struct backup_put {
	struct daemon *d;
	struct client *client;       /* NULL once it went away */
	char codes[BACKUP_MAX_N * (BACKUP_TEXT_LEN + 1) + 1];   /* secret */
	char safe[PROTO_MAX_USER + 1];
	unsigned long n;
	pid_t pid;
};

static void
backup_put_gone(void *arg)
{
	struct backup_put *o = arg;

	o->client = NULL;
}

static void
backup_put_free(struct backup_put *o)
{
	explicit_bzero(o, sizeof(*o));
	free(o);
}

static void
backup_put_reply(struct backup_put *o, int fleet, int had)
{
	struct proto_msg m;
	size_t len, clen;

	memset(&m, 0, sizeof(m));
	log_info("backup codes issued: user=%s n=%lu by=otpsmsctl pid=%ld%s",
	    o->safe, o->n, (long)o->pid, fleet ? " (shared by the fleet; any "
	    "previous set revoked)" : had ? " (the previous set revoked)" : "");
	m.type = PROTO_CTL_RSP;
	/* The codes copied, not formatted: printf's work buffer is on a
	 * stack frame of libc's that nothing wipes. */
	len = (size_t)snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text),
	    "%lu backup codes for %s (each works once%s; any earlier set no "
	    "longer works):\n", o->n, o->safe, fleet ? ", on every host" : "");
	clen = strlen(o->codes);
	if (len + clen >= sizeof(m.u.crsp_ctl.text)) {
		if (o->client != NULL)
			client_error(o->client, PROTO_E_INTERNAL, 0,
			    "codes do not fit the reply");
		return;
	}
	memcpy(m.u.crsp_ctl.text + len, o->codes, clen + 1);
	if (o->client != NULL)
		client_reply(o->client, &m);
	explicit_bzero(&m, sizeof(m));
}

static void
backup_put_fail(struct backup_put *o, const char *msg)
{
	if (o->client != NULL)
		client_error(o->client, PROTO_E_INTERNAL, 0, msg);
	backup_put_free(o);
}

/* The fleet's answer: whether a set was replaced, SET does not say. */
static void
backup_put_done(void *arg, int r)
{
	struct backup_put *o = arg;

	if (r != 0) {
		log_err("backup codes for %s: the shared store did not take the "
		    "new set; the previous one (if any) still works", o->safe);
		backup_put_fail(o, "the shared store did not answer: try again");
		return;
	}
	backup_put_reply(o, 1, 1);
	backup_put_free(o);
}

/* This host's file: the new set replaces the old one once it is on disk;
 * if the write fails the old set stays, on disk and here. */
static void
backup_put_local(struct backup_put *o, const struct backup_set *set)
{
	struct backup_db *db = o->d->backup;
	struct backup_set old, *cur;
	char err[256];
	int had;

	snprintf(err, sizeof(err), "out of memory");
	memset(&old, 0, sizeof(old));
	if ((cur = backup_db_find(db, set->user)) != NULL)
		old = *cur;
	had = cur != NULL && cur->n > 0;
	if (backup_db_put(db, set) != 0 ||
	    backup_db_save(db, err, sizeof(err)) != 0) {
		if ((cur = backup_db_find(db, set->user)) != NULL)
			*cur = old;
		if (!had && cur != NULL)
			cur->n = 0;
		log_err("backup codes for %s: %s", o->safe, err);
		explicit_bzero(&old, sizeof(old));
		backup_put_fail(o, "cannot save the codes");
		return;
	}
	explicit_bzero(&old, sizeof(old));
	backup_put_reply(o, 0, had);
	backup_put_free(o);
}

static void
backup_generated(void *arg, int r, const struct backup_set *set,
    const char *text)
{
	struct backup_put *o = arg;

	if (r != 0) {
		backup_put_fail(o, "cannot make codes");
		return;
	}
	if (strlen(text) >= sizeof(o->codes)) {
		backup_put_fail(o, "cannot make codes");
		return;
	}
	memcpy(o->codes, text, strlen(text) + 1);    /* not printf: see above */
	if (o->d->backup_fleet != NULL)
		backup_redis_put(o->d->backup_fleet, set, backup_put_done, o);
	else
		backup_put_local(o, set);
}

/* otpsmsctl backup-codes: arg "N USER". */
static void
backup_codes(struct daemon *d, struct client *c, const char *arg)
{
	struct backup_put *o = NULL;
	const char *user;
	char *end;
	unsigned long n;

	n = strtoul(arg, &end, 10);
	user = end + 1;
	if (end == arg || *end != ' ' || n == 0 || n > BACKUP_MAX_N ||
	    *user == '\0' || strlen(user) > PROTO_MAX_USER) {
		client_error(c, PROTO_E_MALFORMED, 0, "backup-codes needs \"N USER\", "
		    "N from 1 to 20");
		return;
	}
	if ((d->backup_fleet == NULL && d->backup == NULL) ||
	    d->backup_kdf == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "backup codes unavailable");
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	o->d = d;
	o->n = n;
	o->pid = client_pid(c);
	log_safe(o->safe, sizeof(o->safe), user);
	o->client = c;
	client_on_close(c, backup_put_gone, o);
	if (backup_kdf_generate(d->backup_kdf, user, n, backup_generated, o) != 0) {
		client_on_close(c, NULL, NULL);
		backup_put_free(o);
		client_error(c, PROTO_E_BUSY, 0, "backup codes busy: try again");
	}
}

/* otpsmsctl user USER: where the numbers come from, each masked with its
 * cached number check, then the policy's lines (maybe from Redis). Reads
 * only: nothing is asked of the directory or the number check service. */
#define USER_NUMS_MAX (USER_NUMBERS_MAX < DIR_NUMBERS_MAX ? \
    USER_NUMBERS_MAX : DIR_NUMBERS_MAX)

struct user_op {
	struct client *client;       /* NULL once it went away */
	uint32_t status;
	char nums[USER_NUMS_MAX][17];    /* full numbers: wiped, never sent */
	const char *np[USER_NUMS_MAX];
	size_t n;
	char text[PROTO_MAX_CTLTEXT + 1];
};

static void
user_op_gone(void *arg)
{
	struct user_op *o = arg;

	o->client = NULL;
}

static void
user_op_free(struct user_op *o)
{
	explicit_bzero(o, sizeof(*o));
	free(o);
}

static void __attribute__((format(printf, 2, 3)))
user_addf(struct user_op *o, const char *fmt, ...)
{
	size_t n = strlen(o->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->text + n, sizeof(o->text) - n, fmt, ap);
	va_end(ap);
}

static void
user_op_done(void *arg, int r, const char *result)
{
	struct user_op *o = arg;
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_RSP;
	if (r < 0) {
		m.u.crsp_ctl.status = PROTO_E_INTERNAL;
		user_addf(o, "lock and limits: the shared store did not answer: "
		    "try again\n");
	} else {
		m.u.crsp_ctl.status = o->status;
		user_addf(o, "%s", result);
	}
	/* Bounded by the frame; a cut reply says so. */
	if (strlen(o->text) >= sizeof(o->text) - 1)
		memcpy(o->text + sizeof(o->text) - 5, "...\n", 4);
	snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text), "%s", o->text);
	if (o->client != NULL)
		client_reply(o->client, &m);
	user_op_free(o);
}

static const char *
check_name(int v)
{
	switch (v) {
	case LOOKUP_PASS: return "pass";
	case LOOKUP_REFUSE: return "refuse";
	case LOOKUP_BACKUP: return "backup required";
	}
	return "?";
}

static void
user_start(struct daemon *d, struct client *c, const char *user)
{
	const struct user_entry *u;
	struct dir_numbers dn;
	struct user_op *o;
	char safe[PROTO_MAX_USER + 1], masked[PROTO_MAX_MASKED + 1];
	char why[LOOKUP_WHY_MAX];
	uint64_t age = 0;
	unsigned secs;
	size_t i;
	int v = -1, known = 0;

	memset(&dn, 0, sizeof(dn));
	if (!config_user_name_valid(user)) {
		client_error(c, PROTO_E_MALFORMED, 0, "user needs a user name");
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	log_safe(safe, sizeof(safe), user);
	user_addf(o, "user %s\n", safe);
	/* The order a login asks them in (challenge.c). */
	if ((u = config_find_user(d->cfg, user)) != NULL) {
		known = 1;
		if (d->cfg->users_file != NULL)
			user_addf(o, "source: users_file %s\n", d->cfg->users_file);
		else
			user_addf(o, "source: users: in the configuration\n");
		for (i = 0; i < u->n_numbers && o->n < USER_NUMS_MAX; i++)
			snprintf(o->nums[o->n++], sizeof(o->nums[0]), "%s",
			    u->numbers[i]);
	} else if (d->directory != NULL) {
		v = directory_peek(d->directory, user, &dn, &age);
		if (v < 0)
			user_addf(o, "source: directory: not cached (asked at the "
			    "next login)\n");
		else {
			user_addf(o, "source: directory (cached %llu s ago%s)\n",
			    (unsigned long long)(age / 1000),
			    v == 0 ? ", not found there" : "");
			known = v > 0;
		}
		for (i = 0; i < dn.n && o->n < USER_NUMS_MAX; i++)
			snprintf(o->nums[o->n++], sizeof(o->nums[0]), "%s", dn.num[i]);
		explicit_bzero(&dn, sizeof(dn));
	} else {
		user_addf(o, "source: none: not in the configuration's users\n");
		o->status = PROTO_E_NOUSER;
	}
	if (!known && d->directory != NULL && v == 0)
		o->status = PROTO_E_NOUSER;
	user_addf(o, "numbers: %zu\n", o->n);
	for (i = 0; i < o->n; i++) {
		o->np[i] = o->nums[i];
		mask_number(masked, sizeof(masked), o->nums[i]);
		user_addf(o, "  number %zu: %s", i + 1, masked);
		if (d->checks != NULL) {
			v = numcheck_peek(d->checks, o->nums[i], &secs, why, sizeof(why));
			if (v < 0)
				user_addf(o, " (number check: none cached)");
			else
				user_addf(o, " (number check: %s%s%s, cached %u s more)",
				    check_name(v), why[0] ? ": " : "", why, secs);
		}
		user_addf(o, "\n");
	}
	o->client = c;
	client_on_close(c, user_op_gone, o);
	policy_ctl_user(d->policy, user, o->np, o->n, user_op_done, o);
}

/* otpsmsctl metrics: the counters, not their text (which would not fit in
 * a frame): one page of carriers from index arg ("" is 0) on; otpsmsctl
 * asks for the next page while there is one, and renders. */
static void
metrics_reply(struct daemon *d, struct client *c, const char *arg)
{
	struct proto_msg *m;
	unsigned long first = 0;
	char *end;

	if (arg[0] != '\0') {
		first = strtoul(arg, &end, 10);
		if (*end != '\0' || arg[0] < '0' || arg[0] > '9' ||
		    first > METRICS_MAX_CARRIERS) {
			client_error(c, PROTO_E_MALFORMED, 0, "metrics: bad page");
			return;
		}
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		client_error(c, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	m->type = PROTO_METRICS_RSP;
	counters_snapshot(d, &m->u.metrics, (uint32_t)first, METRICS_PAGE_CARRIERS);
	client_reply(c, m);
	free(m);
}

/* otpsmsctl enroll / change-number: "NUMBER USER", or (verify) "IDHEX CODE
 * NUMBER USER". Refused unless the users are in users_file (the only place
 * otpsmsctl writes): the daemon never writes it, it proves the pair. 0 with
 * the parts in place (pointing into buf), or -1 once an error went out. */
static int
enrol_args(struct daemon *d, struct client *c, char *buf, int with_code,
    uint8_t id[PROTO_ID_LEN], char **code, char **number, char **user)
{
	char *p = buf, *sp;

	if (d->cfg->users_file == NULL) {
		client_error(c, PROTO_E_DENIED, 0, "no users_file configured: "
		    "enrolment writes users_file (otpsmsd.yaml(5))");
		return -1;
	}
	if (with_code) {
		if ((sp = strchr(p, ' ')) == NULL || sp - p != 2 * PROTO_ID_LEN ||
		    hex_decode(p, 2 * PROTO_ID_LEN, id, PROTO_ID_LEN) !=
		    PROTO_ID_LEN)
			goto malformed;
		*code = sp + 1;
		if ((sp = strchr(*code, ' ')) == NULL || sp == *code ||
		    sp - *code > PROTO_MAX_CODE)
			goto malformed;
		*sp = '\0';
		p = sp + 1;
	}
	*number = p;
	if ((sp = strchr(p, ' ')) == NULL)
		goto malformed;
	*sp = '\0';
	*user = sp + 1;
	if (!e164_valid(*number) || !config_user_name_valid(*user))
		goto malformed;
	return 0;
 malformed:
	client_error(c, PROTO_E_MALFORMED, 0, with_code ?
	    "enroll-verify needs \"ID CODE NUMBER USER\"" :
	    "enroll needs \"NUMBER USER\": an E.164 number and a user name");
	return -1;
}

static void
enrol(struct daemon *d, struct client *c, struct proto_ctl_req *q)
{
	char buf[PROTO_MAX_CTLARG + 1];
	uint8_t id[PROTO_ID_LEN];
	char *code = NULL, *number, *user;
	int with_code = q->op == PROTO_CTL_ENROLL_VERIFY;

	memcpy(buf, q->arg, sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	explicit_bzero(q->arg, sizeof(q->arg));    /* may hold a code */
	if (enrol_args(d, c, buf, with_code, id, &code, &number, &user) != 0)
		goto out;
	if (with_code)
		verify_enrol(d, c, id, user, number, code);
	else
		challenge_enrol(d, c, user, number);
 out:
	explicit_bzero(buf, sizeof(buf));
}

void
control_handle(struct daemon *d, struct client *c, struct proto_msg *req)
{
	const struct proto_ctl_req *q = &req->u.creq_ctl;
	struct proto_msg m;
	char text[PROTO_MAX_CTLTEXT + 1];
	char err[128];
	struct loop_stats ls;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_RSP;
	text[0] = '\0';
	if (d->policy == NULL && (q->op == PROTO_CTL_STATUS ||
	    q->op == PROTO_CTL_LOCKED || q->op == PROTO_CTL_UNLOCK ||
	    q->op == PROTO_CTL_USER)) {
		client_error(c, PROTO_E_INTERNAL, 0, "no policy");
		return;
	}
	switch (q->op) {
	case PROTO_CTL_STATUS:
		policy_status(d->policy, text, sizeof(text));
		n = strlen(text);
		if (d->redis != NULL)
			rclient_status(d->redis, text + n, sizeof(text) - n);
		else
			snprintf(text + n, sizeof(text) - n, "store: local (this host's "
			    "memory)\n");
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "clients: %zu\npending codes: %zu\n",
		    server_clients(d->server), d->store->ops->count(d->store));
		loop_stats(d->loop, &ls, 1);
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "loop: longest turn %llu.%03llu ms "
		    "(%u events%s), %llu turns, %llu of 1 ms or more, since the last "
		    "status", (unsigned long long)(ls.max_us / 1000),
		    (unsigned long long)(ls.max_us % 1000), ls.max_events,
		    ls.max_timers ? ", timers" : "", (unsigned long long)ls.turns,
		    (unsigned long long)ls.over_1ms);
		n = strlen(text);
		/* With -d the turns' CPU time too: a long turn with little CPU
		 * time was the machine preempting the daemon. */
		if (ls.max_cpu_us != 0)
			snprintf(text + n, sizeof(text) - n, "; the longest on the "
			    "CPU %llu.%03llu ms", (unsigned long long)(ls.max_cpu_us / 1000),
			    (unsigned long long)(ls.max_cpu_us % 1000));
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "\n");
		route_status(d->cfg, text, sizeof(text), now_ms());
		numcheck_status(d->checks, text, sizeof(text));
		break;
	case PROTO_CTL_LOCKED:
	case PROTO_CTL_UNLOCK:
		/* Replies later when the fleet's state is in Redis. */
		if (q->op == PROTO_CTL_UNLOCK && q->arg[0] == '\0') {
			client_error(c, PROTO_E_MALFORMED, 0, "unlock needs a user");
			return;
		}
		if (lock_op_start(d, c, q) != 0)
			client_error(c, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	case PROTO_CTL_ROUTES:
		if (!e164_valid(q->arg)) {
			client_error(c, PROTO_E_MALFORMED, 0, "routes needs an E.164 "
			    "number (+ and 8 to 15 digits)");
			return;
		}
		routes_text(d->cfg, q->arg, text, sizeof(text));
		break;
	case PROTO_CTL_FLUSH:
		if (flush_text(d, c, q->arg, text, sizeof(text)) != 0)
			return;
		break;
	case PROTO_CTL_RELOAD:
		/* The errors, one per line, as FILE:LINE:COL: message. */
		if (daemon_reload(d, text, sizeof(text)) != 0)
			m.u.crsp_ctl.status = PROTO_E_INTERNAL;
		/* arg: why, from otpsmsctl ("enrolled USER +NUMBER"): logged
		 * made safe, never acted on. */
		log_safe(err, sizeof(err), q->arg);
		log_info("reload %s: by=otpsmsctl pid=%ld%s%s%s",
		    m.u.crsp_ctl.status == 0 ? "done" : "refused",
		    (long)client_pid(c), err[0] ? " reason=\"" : "", err,
		    err[0] ? "\"" : "");
		break;
	case PROTO_CTL_TEST_SEND:
		/* Replies later, from the carrier's answer. */
		if (test_send_start(d, c, q->arg, err, sizeof(err)) != 0)
			client_error(c, PROTO_E_MALFORMED, 0, err);
		return;
	case PROTO_CTL_BACKUP_CODES:
		backup_codes(d, c, q->arg);
		return;
	case PROTO_CTL_METRICS:
		metrics_reply(d, c, q->arg);
		return;
	case PROTO_CTL_USER:
		/* Replies later when the fleet's state is in Redis. */
		user_start(d, c, q->arg);
		return;
	case PROTO_CTL_ENROLL_SEND:
	case PROTO_CTL_ENROLL_VERIFY:
		enrol(d, c, &req->u.creq_ctl);
		return;
	default:
		client_error(c, PROTO_E_MALFORMED, 0, "unknown control operation");
		return;
	}
	snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text), "%s", text);
	client_reply(c, &m);
}
