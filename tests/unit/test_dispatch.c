/* The daemon's dispatch table (helper/service/dispatch.c) as the server
 * reads it (server_decide): for every message type and every class of
 * caller, whether the request reaches a handler, which one, or the error
 * the caller gets. A row that let anyone but root send a control request,
 * or an allow_self caller ask for another user, fails here. */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "challenge.h"
#include "control.h"
#include "dispatch.h"
#include "peer.h"
#include "proto.h"
#include "server.h"
#include "tap.h"
#include "verify.h"

#define OTHER_USER "otpsms-someone-else"

enum verdict { ALLOW, DENY, MALFORMED };

struct caller {
	const char *name;
	enum peer_trust trust;   /* what peer_admit gave it */
	int root;                /* uid 0, else a user's uid */
	int own;                 /* asks about its own user, else another */
};

/* Every class peer_admit can give, as the server sees it afterwards. */
static const struct caller callers[] = {
	{ "root, not in allow_uids", PEER_ADMIN, 1, 1 },
	{ "root in allow_uids", PEER_FULL, 1, 0 },
	{ "allowed uid", PEER_FULL, 0, 0 },
	{ "allow_self uid, own user", PEER_SELF, 0, 1 },
	{ "allow_self uid, another user", PEER_SELF, 0, 0 },
	{ "other uid", PEER_REFUSED, 0, 1 },
};
#define NCALLERS (sizeof(callers) / sizeof(callers[0]))

/* What each type must get from each caller above, in that order. */
static const enum verdict request_rule[NCALLERS] =
    { DENY, ALLOW, ALLOW, ALLOW, DENY, DENY };
static const enum verdict control_rule[NCALLERS] =
    { ALLOW, ALLOW, DENY, DENY, DENY, DENY };
static const enum verdict other_rule[NCALLERS] =
    { DENY, MALFORMED, MALFORMED, DENY, DENY, DENY };

typedef void (*handler_fn)(struct daemon *, struct client *, struct proto_msg *);

static const enum verdict *
expected(unsigned type, handler_fn *h)
{
	*h = NULL;
	switch (type) {
	case PROTO_CHALLENGE_REQ:
		*h = challenge_handle;
		return request_rule;
	case PROTO_VERIFY_REQ:
		*h = verify_handle;
		return request_rule;
	case PROTO_CTL_REQ:
		*h = control_handle;
		return control_rule;
	case PROTO_BACKUP_VERIFY_REQ:
		*h = backup_verify_handle;
		return request_rule;
	default:
		return other_rule;
	}
}

/* A message of this type about user (in whichever field the type has). */
static void
make_msg(struct proto_msg *m, unsigned type, const char *user)
{
	memset(m, 0, sizeof(*m));
	m->version = PROTO_VERSION;
	m->type = (uint8_t)type;
	switch (type) {
	case PROTO_CHALLENGE_REQ:
		snprintf(m->u.creq.user, sizeof(m->u.creq.user), "%s", user);
		snprintf(m->u.creq.service, sizeof(m->u.creq.service), "sshd");
		break;
	case PROTO_VERIFY_REQ:
		snprintf(m->u.vreq.user, sizeof(m->u.vreq.user), "%s", user);
		break;
	case PROTO_CTL_REQ:
		m->u.creq_ctl.op = PROTO_CTL_UNLOCK;
		snprintf(m->u.creq_ctl.arg, sizeof(m->u.creq_ctl.arg), "%s", user);
		break;
	case PROTO_BACKUP_VERIFY_REQ:
		snprintf(m->u.breq.user, sizeof(m->u.breq.user), "%s", user);
		break;
	}
}

/* A user with a name and a uid other than 0, for the non-root callers. */
static int
find_user(uid_t *uid, char *name, size_t namesz)
{
	struct passwd *pw;
	int r = -1;

	setpwent();
	while ((pw = getpwent()) != NULL)
		if (pw->pw_uid != 0 && strcmp(pw->pw_name, OTHER_USER) != 0) {
			*uid = pw->pw_uid;
			snprintf(name, namesz, "%s", pw->pw_name);
			r = 0;
			break;
		}
	endpwent();
	return r;
}

/* The table's own shape: one row per type, each with a handler; root-only
 * rows are for nobody else; allow_self rows name the user they are about. */
static void
test_rows(void)
{
	size_t i, j;
	unsigned who;

	ok(dispatch_table_len > 0, "the table has rows");
	for (i = 0; i < dispatch_table_len; i++) {
		who = dispatch_table[i].who;
		ok(dispatch_table[i].handle != NULL, "row %zu (type %u) has a handler",
		    i, dispatch_table[i].type);
		ok(!(who & PEER_WHO_ROOT) || who == PEER_WHO_ROOT,
		    "row %zu (type %u): root only means nobody else", i,
		    dispatch_table[i].type);
		ok(!(who & PEER_WHO_SELF) || dispatch_table[i].user != NULL,
		    "row %zu (type %u): allow_self callers checked against its user",
		    i, dispatch_table[i].type);
		for (j = i + 1; j < dispatch_table_len; j++)
			ok(dispatch_table[i].type != dispatch_table[j].type,
			    "rows %zu and %zu are different types", i, j);
	}
}

static void
test_decisions(uid_t uid, const char *name)
{
	const struct server_handler *h;
	const enum verdict *want;
	const struct caller *c;
	struct proto_msg m;
	handler_fn fn;
	char why[128];
	unsigned type, code, bad = 0;
	size_t i;
	enum verdict got;

	for (type = 0; type <= 255; type++) {
		want = expected(type, &fn);
		for (i = 0; i < NCALLERS; i++) {
			c = &callers[i];
			make_msg(&m, type, c->own ? (c->root ? "root" : name) : OTHER_USER);
			code = 12345;
			why[0] = '\0';
			h = server_decide(dispatch_table, dispatch_table_len, c->trust,
			    c->root ? 0 : uid, &m, &code, why, sizeof(why));
			got = h != NULL ? ALLOW : code == PROTO_E_DENIED ? DENY :
			    code == PROTO_E_MALFORMED ? MALFORMED : (enum verdict)-1;
			/* Every type is checked; the TAP lines name the types
			 * the table has rows for, and any type that fails. */
			if (got == want[i] && (h == NULL || h->handle == fn) &&
			    (h != NULL || why[0] != '\0')) {
				if (type == PROTO_CHALLENGE_REQ || type == PROTO_VERIFY_REQ ||
				    type == PROTO_CTL_REQ || type == PROTO_BACKUP_VERIFY_REQ)
					ok(1, "type %u from %s: %s", type, c->name,
					    got == ALLOW ? "its handler" : "refused");
				continue;
			}
			bad++;
			ok(0, "type %u from %s: want %s, got %s (code %u, %s)", type,
			    c->name, want[i] == ALLOW ? "its handler" : want[i] == DENY ?
			    "DENIED" : "MALFORMED", h != NULL ? (h->handle == fn ?
			    "its handler" : "another handler") : got == DENY ? "DENIED" :
			    got == MALFORMED ? "MALFORMED" : "?", code, why);
		}
	}
	ok(bad == 0, "all 256 types from all %zu callers as the rules say",
	    NCALLERS);
}

/* The reasons logged are the ones the administrator knew before. */
static void
test_reasons(uid_t uid, const char *name)
{
	struct proto_msg m;
	char why[128];
	unsigned code;

	make_msg(&m, PROTO_CTL_REQ, name);
	ok(server_decide(dispatch_table, dispatch_table_len, PEER_FULL, uid, &m,
	    &code, why, sizeof(why)) == NULL && code == PROTO_E_DENIED &&
	    strcmp(why, "control requests are for root only") == 0,
	    "non-root control: \"%s\"", why);
	make_msg(&m, PROTO_CHALLENGE_REQ, "root");
	ok(server_decide(dispatch_table, dispatch_table_len, PEER_ADMIN, 0, &m,
	    &code, why, sizeof(why)) == NULL && code == PROTO_E_DENIED &&
	    strcmp(why, "root is not in allow_uids: control requests only") == 0,
	    "root not in allow_uids, challenge: \"%s\"", why);
	make_msg(&m, PROTO_VERIFY_REQ, OTHER_USER);
	ok(server_decide(dispatch_table, dispatch_table_len, PEER_SELF, uid, &m,
	    &code, why, sizeof(why)) == NULL && code == PROTO_E_DENIED &&
	    strcmp(why, "allow_self: may ask for its own user only") == 0,
	    "allow_self, another user: \"%s\"", why);
	make_msg(&m, PROTO_CHALLENGE_RSP, name);
	ok(server_decide(dispatch_table, dispatch_table_len, PEER_FULL, uid, &m,
	    &code, why, sizeof(why)) == NULL && code == PROTO_E_MALFORMED &&
	    strcmp(why, "unexpected message type 2") == 0,
	    "a reply type: \"%s\"", why);
}

int
main(void)
{
	char name[PROTO_MAX_USER + 1];
	uid_t uid;

	if (find_user(&uid, name, sizeof(name)) != 0) {
		printf("1..0 # SKIP no user other than root in the passwd database\n");
		return 0;
	}
	test_rows();
	test_decisions(uid, name);
	test_reasons(uid, name);
	return done_testing();
}
