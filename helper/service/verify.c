/* A verify: hash the answer under the code key; ask the policy for one
 * guess of the user's lockout budget (a locked user's code is not checked,
 * nor consumed); then ask the store. A wrong code counts towards the
 * user's lockout before the answer goes out. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "backup.h"
#include "backup_kdf.h"
#include "backup_redis.h"
#include "code.h"
#include "daemon.h"
#include "log.h"
#include "policy.h"
#include "request.h"
#include "server.h"
#include "util.h"
#include "verify.h"

static void
reply_verified(struct request *r)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	m.u.vrsp.status = r->vstatus;
	m.u.vrsp.attempts_left = r->vleft;
	/* An enrolment's proof names the pair it proved: otpsmsctl writes
	 * exactly that pair, nothing else. */
	if (r->type == PROTO_CTL_REQ && r->vstatus == PROTO_V_OK) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_CTL_RSP;
		snprintf(m.u.crsp_ctl.text, sizeof(m.u.crsp_ctl.text),
		    "verified %s %s", r->to, r->pol_user);
	}
	if (r->client != NULL)
		client_reply(r->client, &m);
	request_free(r);
}

/* A wrong code was counted towards the user's lockout. */
static void
on_counted(void *arg, unsigned lock)
{
	struct request *r = arg;

	if (lock != 0)
		request_audit(r, "locked out",
		    "reason=\"too many wrong codes\" retry_after=%u", lock);
	reply_verified(r);
}

static void
on_verified(void *arg, enum store_verdict v, unsigned left, const char *service)
{
	struct request *r = arg;
	struct proto_msg m;

	log_safe(r->service, sizeof(r->service), service[0] ? service : "-");
	memset(&m, 0, sizeof(m));
	m.type = PROTO_VERIFY_RSP;
	switch (v) {
	case STORE_OK:
		request_audit(r, "verified", NULL);
		m.u.vrsp.status = PROTO_V_OK;
		if (r->d->policy != NULL) {
			policy_answered(r->d->policy, request_pol_user(r), 1, &r->guess,
			    NULL, NULL);
			policy_drop_pending(r->d->policy, request_pol_user(r), r->ch.id);
		}
		break;
	case STORE_WRONG:
		request_audit(r, "wrong code", "attempts_left=%u", left);
		m.u.vrsp.status = PROTO_V_WRONG;
		m.u.vrsp.attempts_left = left;
		break;
	case STORE_MAXTRIES:
		request_audit(r, "wrong code",
		    "attempts_left=0 reason=\"code burned\"");
		m.u.vrsp.status = PROTO_V_MAXTRIES;
		break;
	case STORE_EXPIRED:
		request_audit(r, "expired",
		    "reason=\"unknown, expired or used challenge\"");
		m.u.vrsp.status = PROTO_V_EXPIRED;
		break;
	case STORE_ERROR:
	default:
		/* request_free gives the guess back. */
		request_audit(r, "store failed", NULL);
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	r->vstatus = m.u.vrsp.status;
	r->vleft = m.u.vrsp.attempts_left;
	/* Wrong codes count towards the user's lockout (shared: in Redis,
	 * so the answer waits for that count). */
	if (r->d->policy != NULL && v == STORE_MAXTRIES)
		policy_drop_pending(r->d->policy, request_pol_user(r), r->ch.id);
	if (r->d->policy != NULL && (v == STORE_WRONG || v == STORE_MAXTRIES))
		policy_answered(r->d->policy, request_pol_user(r), 0, &r->guess,
		    on_counted, r);
	else
		reply_verified(r);    /* an unchecked guess goes back there */
}

/* The policy's answer: a locked user's code is not looked at, so it is
 * not consumed either; the module says when to try again. */
static void
on_guess(void *arg, int e, unsigned retry)
{
	struct request *r = arg;
	const uint8_t *mac;

	if (e != 0) {
		request_audit(r, e == PROTO_E_LOCKED ? "verify refused" :
		    "verify failed", "reason=\"%s\" retry_after=%u",
		    e == PROTO_E_LOCKED ? "locked out after wrong codes" :
		    "lockout state unavailable", retry);
		explicit_bzero(r->ch.mac, sizeof(r->ch.mac));
		if (r->client != NULL)
			client_error(r->client, (unsigned)e, retry,
			    e == PROTO_E_LOCKED ? "user locked out" :
			    "lockout state unavailable");
		request_free(r);
		return;
	}
	/* The store takes its copy; r may be gone after this. */
	mac = r->ch.mac;
	r->d->store->ops->verify(r->d->store, r->ch.id, r->ch.user, r->ch.uid,
	    mac, now_ms(), on_verified, r);
}

static void
start_verify(struct daemon *d, struct client *cl, struct request *r,
    struct proto_verify_req *q)
{
	memcpy(r->ch.id, q->id, PROTO_ID_LEN);
	code_id_hex(q->id, r->id_hex);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);    /* lockout key */
	r->ch.uid = client_uid(cl);
	/* The answer's MAC waits in r (wiped with it) while the policy is
	 * asked; the typed code goes now. */
	if (code_mac(q->id, q->user, r->ch.uid, q->code, r->ch.mac) != 0) {
		explicit_bzero(q->code, sizeof(q->code));
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	explicit_bzero(q->code, sizeof(q->code));
	r->client = cl;
	if (d->policy != NULL)
		policy_ask_verify(d->policy, request_pol_user(r), &r->guess, on_guess, r);
	else
		on_guess(r, 0, 0);
}

void
verify_enrol(struct daemon *d, struct client *cl,
    const uint8_t id[PROTO_ID_LEN], const char *user, const char *number,
    char *code)
{
	struct request *r;

	if ((r = request_new(d, cl, PROTO_CTL_REQ)) == NULL) {
		explicit_bzero(code, strlen(code));
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	memcpy(r->ch.id, id, PROTO_ID_LEN);
	code_id_hex(id, r->id_hex);
	snprintf(r->ch.user, sizeof(r->ch.user), "%s %s", number, user);
	snprintf(r->pol_user, sizeof(r->pol_user), "%s", user);
	snprintf(r->to, sizeof(r->to), "%s", number);
	mask_number(r->masked, sizeof(r->masked), number);
	r->ch.uid = ENROL_UID;
	log_safe(r->user, sizeof(r->user), user);
	snprintf(r->service, sizeof(r->service), "%s", ENROL_SERVICE);
	snprintf(r->rhost, sizeof(r->rhost), "otpsmsctl[%ld]", (long)client_pid(cl));
	if (code_mac(id, r->ch.user, r->ch.uid, code, r->ch.mac) != 0) {
		explicit_bzero(code, strlen(code));
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	explicit_bzero(code, strlen(code));
	if (d->policy != NULL)
		policy_ask_verify(d->policy, request_pol_user(r), &r->guess,
		    on_guess, r);
	else
		on_guess(r, 0, 0);
}

void
verify_handle(struct daemon *d, struct client *cl, struct proto_msg *m)
{
	struct request *r;

	if ((r = request_new(d, cl, m->type)) == NULL) {
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	log_safe(r->user, sizeof(r->user), m->u.vreq.user);
	snprintf(r->service, sizeof(r->service), "-");
	start_verify(d, cl, r, &m->u.vreq);
}

/* A backup code's answer: used (ok 1, left codes remain) or wrong. A wrong
 * one counts towards the user's lockout like a wrong SMS code, on every
 * host of a fleet (the policy is shared there). */
static void
backup_answer(struct request *r, int ok, unsigned left)
{
	char ev[64];

	if (!ok) {
		request_audit(r, "wrong backup code", NULL);
		r->vstatus = PROTO_V_WRONG;
		r->vleft = 0;
		if (r->d->policy != NULL)
			policy_answered(r->d->policy, request_pol_user(r), 0, &r->guess,
			    on_counted, r);
		else
			reply_verified(r);
		return;
	}
	snprintf(ev, sizeof(ev), "backup code used, %u left", left);
	request_audit(r, ev, NULL);
	r->vstatus = PROTO_V_OK;
	r->vleft = 0;
	if (r->d->policy != NULL)
		policy_answered(r->d->policy, request_pol_user(r), 1, &r->guess, NULL, NULL);
	reply_verified(r);
}

/* The fleet's answer (backup_redis.c): removed from Redis in the same step
 * that found it, so no other host can take it too. Redis silent: fail
 * closed, whatever store.on_failure says (docs/fleet.md). */
static void
on_backup_used(void *arg, int v, unsigned left)
{
	struct request *r = arg;

	if (v < 0) {
		request_audit(r, "backup code check failed",
		    "reason=\"shared store unavailable\"");
		request_fail(r, PROTO_E_INTERNAL, "cannot check the backup code");
		return;
	}
	backup_answer(r, v == 1, left);
}

/* This host's set (d->backup): a set replaced while the code was hashed
 * (another salt) does not match. */
static void
backup_local_use(struct request *r, const uint8_t h[BACKUP_HASH_LEN])
{
	struct backup_db *db = r->d->backup;
	struct backup_set *set, old;
	char err[256];
	int i = -1;

	set = db != NULL ? backup_db_find(db, r->ch.user) : NULL;
	if (set != NULL && r->bset &&
	    CRYPTO_memcmp(set->salt, r->bsalt, BACKUP_SALT_LEN) == 0)
		i = backup_match(set, h);
	if (i < 0) {
		backup_answer(r, 0, 0);
		return;
	}
	/* Used once: gone from the disk before the login goes ahead, or the
	 * login does not (a code that a crash could bring back is refused). */
	old = *set;
	backup_remove(set, (size_t)i);
	if (backup_db_save(db, err, sizeof(err)) != 0) {
		*set = old;
		explicit_bzero(&old, sizeof(old));
		log_err("backup codes: cannot save: %s", err);
		request_audit(r, "backup code refused",
		    "reason=\"cannot record its use\"");
		request_fail(r, PROTO_E_INTERNAL, "cannot record the backup code");
		return;
	}
	explicit_bzero(&old, sizeof(old));
	backup_answer(r, 1, (unsigned)set->n);
}

/* The worker's hash (backup_kdf.c), back on the loop. */
static void
on_backup_hashed(void *arg, int e, const uint8_t h[BACKUP_HASH_LEN])
{
	struct request *r = arg;

	if (e != 0) {
		request_audit(r, "backup code check failed", NULL);
		request_fail(r, PROTO_E_INTERNAL, "cannot check the code");
		return;
	}
	/* On a fleet the check goes to Redis with or without a set (no set:
	 * a salt no set has), so both take the same round trip. */
	if (r->d->backup_fleet != NULL)
		backup_redis_use(r->d->backup_fleet, r->ch.user, r->bsalt, h,
		    on_backup_used, r);
	else
		backup_local_use(r, h);
}

/* scrypt (~30 ms, 16 MiB) on the worker thread. Its queue is bounded and
 * the per-second budget stays as a backstop on CPU and memory: past
 * either, BUSY; the guess goes back (request_free), nothing is counted.
 * No set: the same work under a zero salt, the same answer as a wrong
 * code. */
static void
backup_hash_start(struct request *r)
{
	int q;

	q = r->d->backup_kdf != NULL ? backup_kdf_submit(r->d->backup_kdf,
	    r->code, r->bsalt, on_backup_hashed, r) : -1;
	explicit_bzero(r->code, sizeof(r->code));
	if (q != 0) {
		request_audit(r, "backup code refused", "reason=\"busy\"");
		request_fail(r, PROTO_E_BUSY, "too many backup codes at once");
	}
}

static void
on_backup_salt(void *arg, int v, const uint8_t salt[BACKUP_SALT_LEN])
{
	struct request *r = arg;

	if (v < 0) {
		explicit_bzero(r->code, sizeof(r->code));
		request_audit(r, "backup code check failed",
		    "reason=\"shared store unavailable\"");
		request_fail(r, PROTO_E_INTERNAL, "cannot check the backup code");
		return;
	}
	r->bset = v == 1;
	memcpy(r->bsalt, salt, BACKUP_SALT_LEN);
	backup_hash_start(r);
}

static void
on_backup_guess(void *arg, int e, unsigned retry)
{
	struct request *r = arg;
	struct backup_set *set;

	if (e != 0) {
		request_audit(r, e == PROTO_E_LOCKED ? "backup code refused" :
		    "backup code failed", "reason=\"%s\" retry_after=%u",
		    e == PROTO_E_LOCKED ? "locked out after wrong codes" :
		    "lockout state unavailable", retry);
		explicit_bzero(r->code, sizeof(r->code));
		if (r->client != NULL)
			client_error(r->client, (unsigned)e, retry,
			    e == PROTO_E_LOCKED ? "user locked out" :
			    "lockout state unavailable");
		request_free(r);
		return;
	}
	if (!backup_kdf_admit(now_ms())) {
		explicit_bzero(r->code, sizeof(r->code));
		request_audit(r, "backup code refused", "reason=\"busy\"");
		request_fail(r, PROTO_E_BUSY, "too many backup codes at once");
		return;
	}
	memset(r->bsalt, 0, sizeof(r->bsalt));
	if (r->d->backup_fleet != NULL) {
		backup_redis_salt(r->d->backup_fleet, r->ch.user, on_backup_salt, r);
		return;
	}
	set = r->d->backup != NULL ? backup_db_find(r->d->backup, r->ch.user) :
	    NULL;
	if (set != NULL && set->n > 0) {
		r->bset = 1;
		memcpy(r->bsalt, set->salt, BACKUP_SALT_LEN);
	}
	backup_hash_start(r);
}

void
backup_verify_handle(struct daemon *d, struct client *cl, struct proto_msg *m)
{
	struct proto_backup_req *q = &m->u.breq;
	struct request *r;

	if ((r = request_new(d, cl, m->type)) == NULL) {
		explicit_bzero(q->code, sizeof(q->code));
		client_error(cl, PROTO_E_INTERNAL, 0, "out of memory");
		return;
	}
	log_safe(r->user, sizeof(r->user), q->user);
	snprintf(r->service, sizeof(r->service), "-");
	snprintf(r->id_hex, sizeof(r->id_hex), "backup");
	snprintf(r->ch.user, sizeof(r->ch.user), "%s", q->user);   /* lockout key */
	r->ch.uid = client_uid(cl);
	r->client = cl;
	/* Not 10 digits: no code at all, refused without using a guess. */
	if (backup_normalize(q->code, r->code) != 0) {
		explicit_bzero(q->code, sizeof(q->code));
		request_audit(r, "backup code refused", "reason=\"malformed\"");
		request_fail(r, PROTO_E_MALFORMED, "not a backup code");
		return;
	}
	explicit_bzero(q->code, sizeof(q->code));
	if (d->policy != NULL)
		policy_ask_verify(d->policy, request_pol_user(r), &r->guess,
		    on_backup_guess, r);
	else
		on_backup_guess(r, 0, 0);
}
