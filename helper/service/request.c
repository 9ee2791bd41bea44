/* A request's life: its start, the client going away (the request
 * finishes quietly), the error reply, the audit line, and the end (limit
 * tokens still held go back, secrets wiped). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "request.h"
#include "server.h"
#include "util.h"

void
request_free(struct request *r)
{
	/* Nothing went out: the limit tokens held for this send go back. */
	if (r->reserved && r->d->policy != NULL)
		policy_release(r->d->policy, request_pol_user(r), r->to, r->reserved, 0);
	/* A code that was never checked: the guess goes back. */
	if (r->guess.held && r->d->policy != NULL)
		policy_unchecked(r->d->policy, request_pol_user(r), &r->guess);
	config_free(r->cfg);
	explicit_bzero(r, sizeof(*r));
	free(r);
}

void
request_wipe_secrets(struct request *r)
{
	explicit_bzero(r->code, sizeof(r->code));
	explicit_bzero(r->text, sizeof(r->text));
}

/* client_on_close: the client is gone, the request goes on without it. */
static void
request_gone(void *arg)
{
	struct request *r = arg;

	r->client = NULL;
}

struct request *
request_new(struct daemon *d, struct client *c, int type)
{
	struct request *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->d = d;
	r->cfg = config_ref(d->cfg);
	r->client = c;
	r->type = type;
	r->start_ms = now_ms();
	client_on_close(c, request_gone, r);
	return r;
}

/* One line per event, what an administrator greps for after an incident. */
void
request_audit(struct request *r, const char *event, const char *fmt, ...)
{
	char extra[384] = "";
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(extra, sizeof(extra), fmt, ap);
		va_end(ap);
	}
	log_info("%s: user=%s service=%s rhost=%s id=%s latency_ms=%llu%s%s",
	    event, r->user, r->service, r->rhost[0] ? r->rhost : "-", r->id_hex,
	    (unsigned long long)(now_ms() - r->start_ms), extra[0] ? " " : "", extra);
}

void
request_fail(struct request *r, unsigned code, const char *msg)
{
	request_wipe_secrets(r);
	if (r->client != NULL)
		client_error(r->client, code, 0, msg);
	request_free(r);
}
