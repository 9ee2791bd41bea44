/* The policy interface (policy.h): each entry point is its implementation's
 * (policy_local.c, policy_redis.c), and the policy's one wall clock. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"

static uint64_t
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t (*clock_fn)(void) = wall_clock;

uint64_t
policy_now(void)
{
	return clock_fn();
}

void
policy_set_clock(uint64_t (*fn)(void))
{
	clock_fn = fn != NULL ? fn : wall_clock;
}

void
policy_ask_send(struct policy *p, const char *user, const char *number,
    policy_ask_fn *cb, void *arg)
{
	p->ops->ask_send(p, user, number, cb, arg);
}

void
policy_release(struct policy *p, const char *user, const char *number,
    int held, int sent)
{
	p->ops->release(p, user, number, held, sent);
}

void
policy_ask_verify(struct policy *p, const char *user, struct policy_guess *g,
    policy_verify_fn *cb, void *arg)
{
	p->ops->ask_verify(p, user, g, cb, arg);
}

void
policy_answered(struct policy *p, const char *user, int ok,
    struct policy_guess *g, policy_answer_fn *cb, void *arg)
{
	p->ops->answered(p, user, ok, g, cb, arg);
}

void
policy_unchecked(struct policy *p, const char *user, struct policy_guess *g)
{
	p->ops->unchecked(p, user, g);
}

void
policy_add_pending(struct policy *p, const char *user, const uint8_t *id,
    unsigned ttl_ms, policy_pending_fn *cb, void *arg)
{
	p->ops->add_pending(p, user, id, ttl_ms, cb, arg);
}

void
policy_drop_pending(struct policy *p, const char *user, const uint8_t *id)
{
	p->ops->drop_pending(p, user, id);
}

void
policy_ctl_unlock(struct policy *p, const char *user, policy_text_fn *cb,
    void *arg)
{
	p->ops->ctl_unlock(p, user, cb, arg);
}

void
policy_ctl_locked(struct policy *p, policy_text_fn *cb, void *arg)
{
	p->ops->ctl_locked(p, cb, arg);
}

void
policy_ctl_user(struct policy *p, const char *user, const char *const *numbers,
    size_t n, policy_text_fn *cb, void *arg)
{
	char text[128];

	if (p->ops->ctl_user == NULL) {
		snprintf(text, sizeof(text), "lock and limits: not shown for the "
		    "%s policy\n", p->ops->name);
		cb(arg, 0, text);
		return;
	}
	p->ops->ctl_user(p, user, numbers, n, cb, arg);
}

void
policy_status(struct policy *p, char *out, size_t outsz)
{
	p->ops->status(p, out, outsz);
}

void
policy_reconfigure(struct policy *p, const struct config *cfg)
{
	if (p == NULL)
		return;
	if (p->ops->reconfigure != NULL)
		p->ops->reconfigure(p, cfg);
	p->cfg = cfg;
}

void
policy_counters(struct policy *p, struct policy_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (p != NULL && p->ops->counters != NULL)
		p->ops->counters(p, out);
}

void
policy_free(struct policy *p)
{
	if (p != NULL)
		p->ops->free(p);
}
