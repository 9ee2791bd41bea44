/* Twilio Lookup v2's answer read and judged (lookup.h): a decision is made
 * only from fields that are exactly what the API description says they are;
 * anything else is a failure, and on_failure decides. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "lookup.h"

#define DAY_MS (24ULL * 3600 * 1000)

/* An object's error_code: 0 when null or absent, -1 when not an integer. */
static int
error_code(json_t *obj)
{
	json_t *e = json_object_get(obj, "error_code");

	if (e == NULL || json_is_null(e))
		return 0;
	if (!json_is_integer(e) || json_integer_value(e) <= 0 ||
	    json_integer_value(e) > 999999)
		return -1;
	return (int)json_integer_value(e);
}

/* Marks a field ERROR and keeps the first error code seen. */
static enum lookup_field
field_error(struct lookup_reply *out, int code)
{
	if (out->error_code == 0 && code > 0)
		out->error_code = code;
	return LOOKUP_ERROR;
}

static void
read_sim(json_t *root, struct lookup_reply *out)
{
	json_t *o, *last, *v;
	int e = 0;

	out->sim = LOOKUP_ABSENT;
	if ((o = json_object_get(root, "sim_swap")) == NULL || json_is_null(o))
		return;
	if (!json_is_object(o) || (e = error_code(o)) != 0) {
		out->sim = field_error(out, json_is_object(o) ? e : 0);
		return;
	}
	last = json_object_get(o, "last_sim_swap");
	if (!json_is_object(last)) {
		out->sim = LOOKUP_ERROR;
		return;
	}
	v = json_object_get(last, "last_sim_swap_date");
	if (json_is_string(v)) {
		if (lookup_parse_time(json_string_value(v), &out->swap_time) != 0) {
			out->sim = LOOKUP_ERROR;
			return;
		}
	} else if (v != NULL && !json_is_null(v)) {
		out->sim = LOOKUP_ERROR;
		return;
	}
	v = json_object_get(last, "swapped_in_period");
	if (json_is_boolean(v))
		out->swapped_in_period = json_is_true(v);
	else if (v != NULL && !json_is_null(v)) {
		out->sim = LOOKUP_ERROR;
		return;
	}
	/* Neither a date nor a yes or no: nothing to decide on. */
	out->sim = out->swap_time >= 0 || out->swapped_in_period >= 0 ?
	    LOOKUP_OK : LOOKUP_ERROR;
}

static void
read_line(json_t *root, struct lookup_reply *out)
{
	json_t *o, *t;
	const char *s;
	size_t i, n;
	int e = 0;

	out->line = LOOKUP_ABSENT;
	if ((o = json_object_get(root, "line_type_intelligence")) == NULL ||
	    json_is_null(o))
		return;
	if (!json_is_object(o) || (e = error_code(o)) != 0) {
		out->line = field_error(out, json_is_object(o) ? e : 0);
		return;
	}
	t = json_object_get(o, "type");
	if (!json_is_string(t)) {
		out->line = LOOKUP_ERROR;
		return;
	}
	s = json_string_value(t);
	n = json_string_length(t);
	if (n == 0 || n >= sizeof(out->line_type)) {
		out->line = LOOKUP_ERROR;
		return;
	}
	/* Letters only: it goes into the log line as it is. */
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
			out->line = LOOKUP_ERROR;
			return;
		}
	memcpy(out->line_type, s, n);
	out->line_type[n] = '\0';
	out->line = LOOKUP_OK;
}

static void
read_risk(json_t *root, struct lookup_reply *out)
{
	json_t *o, *v;
	int e = 0;

	out->risk = LOOKUP_ABSENT;
	if ((o = json_object_get(root, "sms_pumping_risk")) == NULL || json_is_null(o))
		return;
	if (!json_is_object(o) || (e = error_code(o)) != 0) {
		out->risk = field_error(out, json_is_object(o) ? e : 0);
		return;
	}
	v = json_object_get(o, "sms_pumping_risk_score");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100) {
		out->risk = LOOKUP_ERROR;
		return;
	}
	out->risk_score = (int)json_integer_value(v);
	out->risk = LOOKUP_OK;
}

void
lookup_parse_reply(long status, const char *body, size_t len,
    struct lookup_reply *out)
{
	json_t *root = NULL;

	memset(out, 0, sizeof(*out));
	out->status = status;
	out->swap_time = -1;
	out->swapped_in_period = -1;
	if (status != 200 || body == NULL)
		goto out;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root))
		goto out;
	out->json = 1;
	read_sim(root, out);
	read_line(root, out);
	read_risk(root, out);
 out:
	json_decref(root);
}

/* Days since [0-9]{4}-01-01 for a proleptic Gregorian date (no timegm: it
 * reads the TZ environment on some libcs). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s into *v; 0, or -1. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
lookup_parse_time(const char *s, int64_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh, om, sign, r = -1;
	const char *p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		goto out;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 60)
		goto out;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		if (p == s + 20)
			goto out;
	}
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + sec;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		r = 0;
		goto out;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || digits(p + 1, 2, &oh) ||
	    p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
		goto out;
	sign = *p == '+' ? 1 : -1;
	*out -= sign * (oh * 3600 + om * 60);
	r = 0;
 out:
	return r;
}

void
lookup_fields(const struct number_checks_conf *nc, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s%s%s%s",
	    nc->sim_swap ? "sim_swap" : "",
	    nc->sim_swap && (nc->n_deny || nc->risk) ? "," : "",
	    nc->n_deny ? "line_type_intelligence" : "",
	    nc->n_deny && nc->risk ? "," : "",
	    nc->risk ? "sms_pumping_risk" : "");
}

/* A refusal (REFUSE or BACKUP by action) replaces v unless v is stricter. */
static enum lookup_verdict
stricter(enum lookup_verdict v, enum nc_action a, char *why, size_t whysz,
    const char *reason)
{
	enum lookup_verdict w = a == NC_REQUIRE_BACKUP ? LOOKUP_BACKUP : LOOKUP_REFUSE;

	if (v == LOOKUP_REFUSE || (v == LOOKUP_BACKUP && w == LOOKUP_BACKUP))
		return v;
	snprintf(why, whysz, "%s", reason);
	return w;
}

enum lookup_verdict
lookup_decide(const struct number_checks_conf *nc, const struct lookup_reply *rep,
    int64_t now, char *why, size_t whysz)
{
	enum lookup_verdict v = LOOKUP_PASS;
	char reason[LOOKUP_WHY_MAX];
	const char *failed = NULL;
	int64_t age;
	size_t i;

	snprintf(why, whysz, "checks passed");
	if (rep->status != 200 || !rep->json) {
		snprintf(why, whysz, rep->status == 200 ? "lookup answer is not JSON" :
		    "lookup answered HTTP %ld", rep->status);
		return LOOKUP_FAILED;
	}
	if (nc->sim_swap) {
		if (rep->sim != LOOKUP_OK)
			failed = "sim_swap";
		else if (rep->swap_time >= 0) {
			age = now - rep->swap_time;
			if (age < (int64_t)(nc->sim_swap_within_ms / 1000)) {
				snprintf(reason, sizeof(reason), "sim swap within %u days "
				    "(%lld days ago)",
				    (unsigned)((nc->sim_swap_within_ms + DAY_MS - 1) / DAY_MS),
				    (long long)(age > 0 ? age / 86400 : 0));
				v = stricter(v, nc->sim_swap_action, why, whysz, reason);
			}
		} else if (rep->swapped_in_period == 1) {
			/* No date: Twilio's own period said yes; taken as a swap
			 * within ours (fail closed). */
			snprintf(reason, sizeof(reason), "sim swap within %u days "
			    "(carrier's period)",
			    (unsigned)((nc->sim_swap_within_ms + DAY_MS - 1) / DAY_MS));
			v = stricter(v, nc->sim_swap_action, why, whysz, reason);
		}
	}
	if (nc->n_deny) {
		if (rep->line != LOOKUP_OK)
			failed = failed ? failed : "line_type_intelligence";
		else
			for (i = 0; i < nc->n_deny; i++)
				/* Twilio's camel case (nonFixedVoip) or the
				 * administrator's: the same type. */
				if (strcasecmp(rep->line_type, nc->deny[i]) == 0) {
					snprintf(reason, sizeof(reason), "line type %s",
					    rep->line_type);
					v = stricter(v, NC_REFUSE, why, whysz, reason);
					break;
				}
	}
	if (nc->risk) {
		if (rep->risk != LOOKUP_OK)
			failed = failed ? failed : "sms_pumping_risk";
		else if ((unsigned)rep->risk_score > nc->risk_above) {
			snprintf(reason, sizeof(reason), "pumping risk %d above %u",
			    rep->risk_score, nc->risk_above);
			v = stricter(v, nc->risk_action, why, whysz, reason);
		}
	}
	if (v == LOOKUP_PASS && failed != NULL) {
		if (rep->error_code > 0)
			snprintf(why, whysz, "lookup gave no %s (error %d)", failed,
			    rep->error_code);
		else
			snprintf(why, whysz, "lookup gave no usable %s", failed);
		v = LOOKUP_FAILED;
	}
	return v;
}
