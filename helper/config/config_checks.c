/* number_checks: what is asked about a number before a code is texted to it
 * (helper/carriers/http/lookup.c does the asking). Read here like any
 * section: errors as FILE:LINE:COL, the token through cfg_secret. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_util.h"
#include "conf.h"
#include "util.h"

#define NC_TOKEN_MAX 128
#define NC_DEFAULT_BASE "https://lookups.twilio.com"
#define NC_TIMEOUT_MS 3000

/* "refuse" or "require_backup" at key `action` of map; refuse when absent. */
static void
read_action(struct cfg_ctx *ctx, struct cfg_node *map, enum nc_action *out)
{
	struct cfg_node *at;
	char *s = NULL;
	char path[256];

	*out = NC_REFUSE;
	if (cfg_str(ctx, map, "action", &s, 0) != 1)
		goto out;
	if (strcmp(s, "refuse") == 0)
		*out = NC_REFUSE;
	else if (strcmp(s, "require_backup") == 0)
		*out = NC_REQUIRE_BACKUP;
	else {
		at = cfg_get(map, "action");
		cfg_err(ctx, at, "%s: must be refuse or require_backup",
		    cfg_path(at, path, sizeof(path)));
	}
 out:
	free(s);
}

static void
read_sim_swap(struct cfg_ctx *ctx, struct cfg_node *map, struct number_checks_conf *nc)
{
	struct cfg_node *n;

	if ((n = cfg_get(map, "sim_swap")) == NULL || !cfg_want_map(ctx, n, "sim_swap"))
		return;
	nc->sim_swap = 1;
	nc->sim_swap_within_ms = 7 * 24 * 3600 * 1000U;
	/* A day to thirty: Twilio keeps no longer a history. */
	cfg_duration(ctx, n, "within", &nc->sim_swap_within_ms, 3600 * 1000U,
	    30 * 24 * 3600 * 1000U, 0);
	read_action(ctx, n, &nc->sim_swap_action);
	cfg_check_unused(ctx, n);
}

static void
read_line_types(struct cfg_ctx *ctx, struct cfg_node *map, struct number_checks_conf *nc)
{
	struct cfg_node *n, *seq, *it;
	char path[256];
	size_t i, j;
	int ok;

	if ((n = cfg_get(map, "line_types")) == NULL || !cfg_want_map(ctx, n, "line_types"))
		return;
	if ((seq = cfg_get(n, "deny")) == NULL) {
		cfg_err(ctx, n, "%s: needs deny: [types]", cfg_path(n, path, sizeof(path)));
		goto out;
	}
	if (!cfg_want_seq(ctx, seq, "line_types.deny"))
		goto out;
	for (i = 0; i < seq->n; i++) {
		it = seq->items[i];
		ok = it->type == CFG_SCALAR && it->value[0] != '\0' &&
		    strlen(it->value) < NC_TYPE_MAX;
		for (j = 0; ok && it->value[j] != '\0'; j++)
			ok = (it->value[j] >= 'a' && it->value[j] <= 'z') ||
			    (it->value[j] >= 'A' && it->value[j] <= 'Z');
		if (!ok) {
			cfg_err(ctx, it, "%s: a line type is a word of letters "
			    "(landline, nonFixedVoip, tollFree, ...)",
			    cfg_path(it, path, sizeof(path)));
			continue;
		}
		if (nc->n_deny == NC_DENY_MAX) {
			cfg_err(ctx, it, "%s: at most %d line types",
			    cfg_path(it, path, sizeof(path)), NC_DENY_MAX);
			break;
		}
		snprintf(nc->deny[nc->n_deny++], NC_TYPE_MAX, "%s", it->value);
	}
 out:
	cfg_check_unused(ctx, n);
}

static void
read_risk(struct cfg_ctx *ctx, struct cfg_node *map, struct number_checks_conf *nc)
{
	struct cfg_node *n;

	if ((n = cfg_get(map, "sms_pumping_risk")) == NULL ||
	    !cfg_want_map(ctx, n, "sms_pumping_risk"))
		return;
	nc->risk = 1;
	nc->risk_above = 80;
	cfg_uint(ctx, n, "above", &nc->risk_above, 0, 99, 0);
	read_action(ctx, n, &nc->risk_action);
	cfg_check_unused(ctx, n);
}

void
config_read_checks(struct cfg_ctx *ctx, struct cfg_node *root, struct config *c)
{
	struct number_checks_conf *nc = &c->checks;
	struct cfg_node *map, *at;
	char *s = NULL;
	char path[256];

	nc->timeout_ms = NC_TIMEOUT_MS;
	nc->cache_ms = 24 * 3600 * 1000U;
	nc->fail_send = 1;
	if ((map = cfg_get(root, "number_checks")) == NULL)
		return;
	if (!cfg_want_map(ctx, map, "number_checks"))
		return;
	nc->enabled = 1;
	if (cfg_str(ctx, map, "provider", &nc->provider, 1) == 1 &&
	    strcmp(nc->provider, "twilio_lookup") != 0) {
		at = cfg_get(map, "provider");
		cfg_err(ctx, at, "%s: unknown provider (known: twilio_lookup)",
		    cfg_path(at, path, sizeof(path)));
	}
	if (cfg_str(ctx, map, "account_sid", &nc->account_sid, 1) == 1 &&
	    (strlen(nc->account_sid) != 34 || strncmp(nc->account_sid, "AC", 2) != 0 ||
	    strspn(nc->account_sid + 2, "0123456789abcdefABCDEF") != 32)) {
		at = cfg_get(map, "account_sid");
		cfg_err(ctx, at, "%s: must be AC followed by 32 hex digits",
		    cfg_path(at, path, sizeof(path)));
	}
	cfg_secret(ctx, map, "auth_token", &nc->auth_token, NC_TOKEN_MAX, 1);
	/* The endpoint, up to the number: .../v2/PhoneNumbers/ */
	carrier_api_url(ctx, map, NC_DEFAULT_BASE, "/v2/PhoneNumbers/", &nc->api_base);
	read_sim_swap(ctx, map, nc);
	read_line_types(ctx, map, nc);
	read_risk(ctx, map, nc);
	cfg_duration(ctx, map, "cache", &nc->cache_ms, 0, 7 * 24 * 3600 * 1000U, 0);
	cfg_duration_ms(ctx, map, "timeout", &nc->timeout_ms, 100, 30 * 1000, 0);
	if (cfg_str(ctx, map, "on_failure", &s, 0) == 1) {
		if (strcmp(s, "send") == 0)
			nc->fail_send = 1;
		else if (strcmp(s, "refuse") == 0)
			nc->fail_send = 0;
		else {
			at = cfg_get(map, "on_failure");
			cfg_err(ctx, at, "%s: must be send or refuse",
			    cfg_path(at, path, sizeof(path)));
		}
	}
	free(s);
	if (!nc->sim_swap && cfg_get(map, "line_types") == NULL && !nc->risk)
		cfg_err(ctx, map, "number_checks: nothing to check (give sim_swap, "
		    "line_types or sms_pumping_risk)");
	cfg_check_unused(ctx, map);
}

void
config_free_checks(struct config *c)
{
	struct number_checks_conf *nc = &c->checks;

	free(nc->provider);
	free(nc->account_sid);
	freezero_str(nc->auth_token);
	free(nc->api_base);
	memset(nc, 0, sizeof(*nc));
}
