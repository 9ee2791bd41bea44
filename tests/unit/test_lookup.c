/* The number checks' pure parts: Twilio Lookup v2's answer read (only
 * well-formed fields count) and the verdict of the configured checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "lookup.h"

#define R(s) (s), strlen(s)
#define NOW 1700000000LL             /* 2023-11-14T22:13:20Z */

static struct number_checks_conf
conf(void)
{
	struct number_checks_conf nc;

	memset(&nc, 0, sizeof(nc));
	nc.enabled = 1;
	nc.sim_swap = 1;
	nc.sim_swap_within_ms = 7 * 24 * 3600 * 1000U;
	snprintf(nc.deny[0], NC_TYPE_MAX, "landline");
	snprintf(nc.deny[1], NC_TYPE_MAX, "nonFixedVoip");
	nc.n_deny = 2;
	nc.risk = 1;
	nc.risk_above = 80;
	return nc;
}

static enum lookup_verdict
judge(const struct number_checks_conf *nc, long status, const char *body, char *why)
{
	struct lookup_reply rep;

	lookup_parse_reply(status, R(body), &rep);
	return lookup_decide(nc, &rep, NOW, why, LOOKUP_WHY_MAX);
}

static void
test_time(void)
{
	int64_t t;

	ok(lookup_parse_time("2023-11-14T22:13:20Z", &t) == 0 && t == NOW, "RFC 3339 UTC");
	ok(lookup_parse_time("2023-11-14T23:13:20.250+01:00", &t) == 0 && t == NOW,
	    "fraction and offset");
	ok(lookup_parse_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "the epoch");
	ok(lookup_parse_time("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800LL,
	    "a leap day");
	ok(lookup_parse_time("2023-13-01T00:00:00Z", &t) == -1, "month 13 refused");
	ok(lookup_parse_time("2023-11-14 22:13:20Z", &t) == -1, "no T refused");
	ok(lookup_parse_time("2023-11-14T22:13:20", &t) == -1, "no zone refused");
	ok(lookup_parse_time("2023-11-14T22:13:20Zjunk", &t) == -1, "junk refused");
	ok(lookup_parse_time("", &t) == -1, "empty refused");
}

static void
test_decide(void)
{
	struct number_checks_conf nc = conf();
	char why[LOOKUP_WHY_MAX], fields[96];

	lookup_fields(&nc, fields, sizeof(fields));
	is_str(fields, "sim_swap,line_type_intelligence,sms_pumping_risk", "Fields");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"2023-11-12T22:13:20Z\"},\"error_code\":null},"
	    "\"line_type_intelligence\":{\"type\":\"mobile\",\"error_code\":null},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":10,\"error_code\":null}}",
	    why) == LOOKUP_REFUSE, "a swap two days ago is refused");
	is_str(why, "sim swap within 7 days (2 days ago)", "... and says why");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"2023-11-01T00:00:00Z\",\"swapped_in_period\":false}},"
	    "\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":80}}", why) == LOOKUP_PASS,
	    "an old swap, a mobile, risk at the threshold: pass");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"swapped_in_period\":true}},"
	    "\"line_type_intelligence\":{\"type\":\"landline\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":1}}", why) == LOOKUP_REFUSE,
	    "swapped_in_period without a date counts as a swap");
	nc.sim_swap_action = NC_REQUIRE_BACKUP;
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"swapped_in_period\":true}},"
	    "\"line_type_intelligence\":{\"type\":\"landline\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":1}}", why) == LOOKUP_REFUSE,
	    "a refusal wins over require_backup");
	is_str(why, "line type landline", "... and names the line type");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"swapped_in_period\":true}},"
	    "\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":1}}", why) == LOOKUP_BACKUP,
	    "require_backup");
	nc.sim_swap_action = NC_REFUSE;
	ok(judge(&nc, 200, "{\"sim_swap\":{\"error_code\":60606},"
	    "\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":99}}", why) == LOOKUP_REFUSE,
	    "a refusal from one field wins over another's error");
	is_str(why, "pumping risk 99 above 80", "... and gives the score");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"error_code\":60606},"
	    "\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":9}}", why) == LOOKUP_FAILED,
	    "an error in an asked field is a failure");
	is_str(why, "lookup gave no sim_swap (error 60606)", "... with its code");
	ok(judge(&nc, 200, "{\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":9}}", why) == LOOKUP_FAILED,
	    "a missing field is a failure");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"2023-11-01T00:00:00Z\"}},\"line_type_intelligence\":{\"type\":\"mob\\nile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":9}}", why) == LOOKUP_FAILED,
	    "a line type that is not letters is a failure, not logged");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"2023-11-01T00:00:00Z\"}},\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":\"99\"}}", why) == LOOKUP_FAILED,
	    "a score that is a string is a failure");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"yesterday\"}},\"line_type_intelligence\":{\"type\":\"mobile\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":9}}", why) == LOOKUP_FAILED,
	    "a date that is not RFC 3339 is a failure");
	ok(judge(&nc, 500, "<html>", why) == LOOKUP_FAILED, "HTTP 500 is a failure");
	is_str(why, "lookup answered HTTP 500", "... and says so");
	ok(judge(&nc, 200, "[1]", why) == LOOKUP_FAILED, "not an object: a failure");
	ok(judge(&nc, 200, "{\"sim_swap\":1,\"sim_swap\":2}", why) == LOOKUP_FAILED,
	    "duplicate keys: a failure");
	/* The deny list is the administrator's spelling, the answer Twilio's
	 * camel case: a case difference must not let a denied type through. */
	snprintf(nc.deny[1], NC_TYPE_MAX, "nonfixedvoip");
	ok(judge(&nc, 200, "{\"sim_swap\":{\"last_sim_swap\":{\"last_sim_swap_date\":"
	    "\"2023-11-01T00:00:00Z\"}},\"line_type_intelligence\":{\"type\":\"nonFixedVoip\"},"
	    "\"sms_pumping_risk\":{\"sms_pumping_risk_score\":9}}", why) == LOOKUP_REFUSE,
	    "deny: nonfixedvoip refuses Twilio's nonFixedVoip (case does not matter)");
}

#define NC_HEAD "number_checks:\n  provider: twilio_lookup\n  account_sid: " SID \
	"\n  auth_token: tok123\n"

/* number_checks: in otpsmsd.yaml(5), each refusal at its FILE:LINE:COL. */
static void
test_config(void)
{
	struct cfg_ctx ctx;
	struct config *c;

	c = loads(&ctx, NC_HEAD "  sim_swap: {within: 3d, action: require_backup}\n"
	    "  line_types: {deny: [landline, tollFree]}\n"
	    "  sms_pumping_risk: {above: 60}\n  cache: 0\n  timeout: 500ms\n"
	    "  on_failure: refuse\n  api_url: http://127.0.0.1:9/\n",
	    "a full number_checks loads");
	if (c != NULL) {
		ok(c->checks.enabled && c->checks.sim_swap &&
		    c->checks.sim_swap_within_ms == 3 * 86400000U &&
		    c->checks.sim_swap_action == NC_REQUIRE_BACKUP &&
		    c->checks.n_deny == 2 && strcmp(c->checks.deny[1], "tollFree") == 0 &&
		    c->checks.risk && c->checks.risk_above == 60 &&
		    c->checks.risk_action == NC_REFUSE && c->checks.cache_ms == 0 &&
		    c->checks.timeout_ms == 500 && !c->checks.fail_send &&
		    strcmp(c->checks.auth_token, "tok123") == 0 &&
		    strcmp(c->checks.api_base, "http://127.0.0.1:9/v2/PhoneNumbers/") == 0,
		    "  ... every key read");
	}
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, NC_HEAD "  sms_pumping_risk: {}\n", "defaults load");
	if (c != NULL)
		ok(c->checks.risk_above == 80 && c->checks.cache_ms == 86400000U &&
		    c->checks.timeout_ms == 3000 && c->checks.fail_send &&
		    strcmp(c->checks.api_base,
		    "https://lookups.twilio.com/v2/PhoneNumbers/") == 0,
		    "  ... above 80, cache 24h, timeout 3s, on_failure send, Twilio's URL");
	config_free(c);
	cfg_ctx_free(&ctx);
	c = loads(&ctx, "code: {ttl: 5m}\n", "no number_checks: no check");
	ok(c != NULL && !c->checks.enabled, "  ... not enabled");
	config_free(c);
	cfg_ctx_free(&ctx);

	refused(NC_HEAD "  sim_swap: {within: 7d, action: maybe}\n",
	    ":5:34: number_checks.sim_swap.action: must be refuse or require_backup",
	    "an unknown action");
	refused(NC_HEAD "  line_types: {deny: [land-line]}\n",
	    ":5:23: number_checks.line_types.deny[0]: a line type is a word of letters "
	    "(landline, nonFixedVoip, tollFree, ...)", "a line type that is not a word");
	refused(NC_HEAD "  sms_pumping_risk: {above: 80}\n  on_failure: maybe\n",
	    ":6:15: number_checks.on_failure: must be send or refuse",
	    "an unknown on_failure");
	refused(NC_HEAD, ":2:3: number_checks: nothing to check (give sim_swap, "
	    "line_types or sms_pumping_risk)", "nothing to check");
	refused("number_checks:\n  provider: twilio_lookup\n  account_sid: AC12\n"
	    "  auth_token: t\n  sms_pumping_risk: {}\n",
	    ":3:16: number_checks.account_sid: must be AC followed by 32 hex digits",
	    "a bad account_sid");
	refused(NC_HEAD "  sms_pumping_risk: {}\n  sim_swap: {within: 40d}\n",
	    ":6:22: number_checks.sim_swap.within: 40d is out of range 1h..720h",
	    "a window beyond 30 days");
}

int
main(void)
{
	cfgtest_setup("test_lookup");
	test_time();
	test_decide();
	test_config();
	cfgtest_cleanup();
	return done_testing();
}
