/* metrics.h: the snapshot's wire form and its two text formats. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "proto.h"

const uint32_t metrics_lat_bounds_ms[METRICS_LAT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000
};

/* Label values, indexed by enum metrics_result; NULL: never used. */
static const char *const result_names[METRICS_NRESULTS] = {
	"ok", "reused", "wrong", "expired", "maxtries",
	"version", "malformed", "denied", "nouser", "delivery", "internal",
	"busy", "timeout", "number", "rate", "locked", "other"
};
static const char *const refusal_names[METRICS_NREFUSALS] = {
	"denied", "locked", "rate", "number", "busy"
};
static const char *const breaker_names[METRICS_NBREAKER] = {
	"closed", "open", "half_open"
};

unsigned
metrics_result_of_error(uint32_t code)
{
	if (code >= PROTO_E_VERSION && code <= PROTO_E_LOCKED)
		return METRICS_R_ERR + code - 1;
	return METRICS_R_OTHER;
}

int
metrics_refusal_of_error(uint32_t code)
{
	switch (code) {
	case PROTO_E_DENIED: return METRICS_REF_DENIED;
	case PROTO_E_LOCKED: return METRICS_REF_LOCKED;
	case PROTO_E_RATE: return METRICS_REF_RATE;
	case PROTO_E_NUMBER: return METRICS_REF_NUMBER;
	case PROTO_E_BUSY: return METRICS_REF_BUSY;
	}
	return -1;
}

/* u64 as two u32, high first (buf.h has no u64). */
static int
put_u64(struct buf *b, uint64_t v)
{
	int r;

	if ((r = buf_put_u32(b, (uint32_t)(v >> 32))) != 0)
		return r;
	return buf_put_u32(b, (uint32_t)v);
}

static int
get_u64(struct buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	if ((r = buf_get_u32(b, &hi)) != 0 || (r = buf_get_u32(b, &lo)) != 0)
		return r;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static int
put_u64s(struct buf *b, const uint64_t *v, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		r = put_u64(b, v[i]);
	return r;
}

static int
get_u64s(struct buf *b, uint64_t *v, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		r = get_u64(b, &v[i]);
	return r;
}

/* The arrays go with their length, so that a peer with more (or fewer)
 * results reads what it knows and skips nothing silently: a count other
 * than ours is refused. */
int
metrics_encode(struct buf *b, const struct metrics_snap *s)
{
	const struct metrics_carrier *c;
	uint32_t i;
	int r = PROTO_EFIELD;

	if (s->n_page > METRICS_PAGE_CARRIERS || s->n_carriers > METRICS_MAX_CARRIERS ||
	    s->first > s->n_carriers || s->n_page > s->n_carriers - s->first)
		goto out;
	if ((r = put_u64(b, s->start_time)) != 0 ||
	    (r = put_u64(b, s->now)) != 0 ||
	    (r = buf_put_u8(b, METRICS_NRESULTS)) != 0 ||
	    (r = put_u64s(b, s->challenges, METRICS_NRESULTS)) != 0 ||
	    (r = put_u64s(b, s->verifies, METRICS_NRESULTS)) != 0 ||
	    (r = buf_put_u8(b, METRICS_NREFUSALS)) != 0 ||
	    (r = put_u64s(b, s->refusals, METRICS_NREFUSALS)) != 0 ||
	    (r = put_u64(b, s->codes_sent)) != 0 ||
	    (r = put_u64(b, s->lockouts)) != 0 ||
	    (r = put_u64(b, s->reloads)) != 0 ||
	    (r = put_u64(b, s->pending)) != 0 ||
	    (r = put_u64(b, s->locked)) != 0 ||
	    (r = put_u64(b, s->clients)) != 0 ||
	    (r = buf_put_u32(b, s->n_carriers)) != 0 ||
	    (r = buf_put_u32(b, s->first)) != 0 ||
	    (r = buf_put_u32(b, s->n_page)) != 0 ||
	    (r = buf_put_u8(b, METRICS_LAT_BUCKETS)) != 0)
		goto out;
	for (i = 0; i < s->n_page; i++) {
		c = &s->carriers[i];
		if (strnlen(c->name, sizeof(c->name)) >= sizeof(c->name) ||
		    c->breaker >= METRICS_NBREAKER) {
			r = PROTO_EFIELD;
			goto out;
		}
		if ((r = buf_put_str(b, c->name)) != 0 ||
		    (r = buf_put_u8(b, c->breaker)) != 0 ||
		    (r = buf_put_u32(b, c->fails)) != 0 ||
		    (r = put_u64(b, c->accepted)) != 0 ||
		    (r = put_u64(b, c->failed)) != 0 ||
		    (r = put_u64(b, c->retried)) != 0 ||
		    (r = put_u64(b, c->refused)) != 0 ||
		    (r = put_u64s(b, c->lat_bucket, METRICS_LAT_BUCKETS)) != 0 ||
		    (r = put_u64(b, c->lat_count)) != 0 ||
		    (r = put_u64(b, c->lat_sum_ms)) != 0)
			goto out;
	}
	r = 0;
 out:
	return r;
}

int
metrics_decode(struct buf *b, struct metrics_snap *s)
{
	struct metrics_carrier *c;
	uint8_t n;
	uint32_t i;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = get_u64(b, &s->start_time)) != 0 ||
	    (r = get_u64(b, &s->now)) != 0 ||
	    (r = buf_get_u8(b, &n)) != 0)
		goto out;
	r = BUF_EFORMAT;
	if (n != METRICS_NRESULTS)
		goto out;
	if ((r = get_u64s(b, s->challenges, METRICS_NRESULTS)) != 0 ||
	    (r = get_u64s(b, s->verifies, METRICS_NRESULTS)) != 0 ||
	    (r = buf_get_u8(b, &n)) != 0)
		goto out;
	r = BUF_EFORMAT;
	if (n != METRICS_NREFUSALS)
		goto out;
	if ((r = get_u64s(b, s->refusals, METRICS_NREFUSALS)) != 0 ||
	    (r = get_u64(b, &s->codes_sent)) != 0 ||
	    (r = get_u64(b, &s->lockouts)) != 0 ||
	    (r = get_u64(b, &s->reloads)) != 0 ||
	    (r = get_u64(b, &s->pending)) != 0 ||
	    (r = get_u64(b, &s->locked)) != 0 ||
	    (r = get_u64(b, &s->clients)) != 0 ||
	    (r = buf_get_u32(b, &s->n_carriers)) != 0 ||
	    (r = buf_get_u32(b, &s->first)) != 0 ||
	    (r = buf_get_u32(b, &s->n_page)) != 0 ||
	    (r = buf_get_u8(b, &n)) != 0)
		goto out;
	r = BUF_EFORMAT;
	if (n != METRICS_LAT_BUCKETS || s->n_carriers > METRICS_MAX_CARRIERS ||
	    s->n_page > METRICS_PAGE_CARRIERS || s->first > s->n_carriers ||
	    s->n_page > s->n_carriers - s->first)
		goto out;
	for (i = 0; i < s->n_page; i++) {
		c = &s->carriers[i];
		if ((r = buf_get_str(b, c->name, sizeof(c->name) - 1)) != 0 ||
		    (r = buf_get_u8(b, &c->breaker)) != 0 ||
		    (r = buf_get_u32(b, &c->fails)) != 0 ||
		    (r = get_u64(b, &c->accepted)) != 0 ||
		    (r = get_u64(b, &c->failed)) != 0 ||
		    (r = get_u64(b, &c->retried)) != 0 ||
		    (r = get_u64(b, &c->refused)) != 0 ||
		    (r = get_u64s(b, c->lat_bucket, METRICS_LAT_BUCKETS)) != 0 ||
		    (r = get_u64(b, &c->lat_count)) != 0 ||
		    (r = get_u64(b, &c->lat_sum_ms)) != 0)
			goto out;
		r = BUF_EFORMAT;
		if (c->breaker >= METRICS_NBREAKER || c->name[0] == '\0')
			goto out;
	}
	r = 0;
 out:
	return r;
}

/* Appends printf output to out; a sticky error in *err. */
static void __attribute__((format(printf, 3, 4)))
outf(struct buf *out, int *err, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (*err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || buf_put(out, line, (size_t)n) != 0)
		*err = 1;
}

/* # HELP, # TYPE and (OpenMetrics) # UNIT of one family. A counter's
 * family is named without _total in OpenMetrics and with it in 0.0.4; base
 * is the name without it, samples always carry it. */
static void
family(struct buf *out, int *err, int om, const char *base, const char *type,
    const char *unit, const char *help)
{
	const char *sfx = !om && strcmp(type, "counter") == 0 ? "_total" : "";

	outf(out, err, "# HELP %s%s %s\n", base, sfx, help);
	outf(out, err, "# TYPE %s%s %s\n", base, sfx, type);
	if (om && unit != NULL)
		outf(out, err, "# UNIT %s %s\n", base, unit);
}

/* Carrier names are [A-Za-z0-9_.-] (conf.c), nothing to escape; a name
 * that is not is shown as "?" rather than break the format. */
static const char *
label_safe(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return "?";
	return s;
}

/* A bucket bound in seconds as OpenMetrics writes floats ("0.25", "1.0"),
 * which the 0.0.4 parser reads too. */
static void
le_text(char *out, size_t sz, uint32_t ms)
{
	if (ms % 1000 == 0)
		snprintf(out, sz, "%u.0", ms / 1000);
	else if (ms % 100 == 0)
		snprintf(out, sz, "%u.%u", ms / 1000, ms % 1000 / 100);
	else if (ms % 10 == 0)
		snprintf(out, sz, "%u.%02u", ms / 1000, ms % 1000 / 10);
	else
		snprintf(out, sz, "%u.%03u", ms / 1000, ms % 1000);
}

static void
results(struct buf *out, int *err, int om, const char *base, const char *help,
    const uint64_t *v, unsigned skip_mask)
{
	unsigned i;

	family(out, err, om, base, "counter", NULL, help);
	for (i = 0; i < METRICS_NRESULTS; i++)
		if (!(skip_mask & (1u << i)))
			outf(out, err, "%s_total{result=\"%s\"} %llu\n", base,
			    result_names[i], (unsigned long long)v[i]);
}

int
metrics_render(const struct metrics_snap *s, int om, struct buf *out)
{
	const struct metrics_carrier *c;
	const char *name;
	char le[32];
	uint32_t i, j;
	int err = 0;

	family(out, &err, om, "otpsms_up", "gauge", NULL,
	    "1 while otpsmsd serves (see node_textfile_mtime_seconds for a stale file).");
	outf(out, &err, "otpsms_up 1\n");
	family(out, &err, om, "otpsms_start_time_seconds", "gauge", "seconds",
	    "When otpsmsd started, in Unix time.");
	outf(out, &err, "otpsms_start_time_seconds %llu\n",
	    (unsigned long long)s->start_time);
	results(out, &err, om, "otpsms_challenges",
	    "Challenges answered, by result (ok: a code was sent).", s->challenges,
	    1u << METRICS_R_WRONG | 1u << METRICS_R_EXPIRED | 1u << METRICS_R_MAXTRIES);
	results(out, &err, om, "otpsms_verifies",
	    "Verifications answered, by result.", s->verifies, 1u << METRICS_R_REUSED);
	family(out, &err, om, "otpsms_refusals", "counter", NULL,
	    "Requests refused, by reason.");
	for (i = 0; i < METRICS_NREFUSALS; i++)
		outf(out, &err, "otpsms_refusals_total{reason=\"%s\"} %llu\n",
		    refusal_names[i], (unsigned long long)s->refusals[i]);
	family(out, &err, om, "otpsms_codes_sent", "counter", NULL,
	    "Codes a carrier accepted (what the send limits count).");
	outf(out, &err, "otpsms_codes_sent_total %llu\n",
	    (unsigned long long)s->codes_sent);
	family(out, &err, om, "otpsms_lockouts", "counter", NULL,
	    "Users locked out after too many wrong codes.");
	outf(out, &err, "otpsms_lockouts_total %llu\n", (unsigned long long)s->lockouts);
	family(out, &err, om, "otpsms_reloads", "counter", NULL,
	    "Configuration reloads.");
	outf(out, &err, "otpsms_reloads_total %llu\n", (unsigned long long)s->reloads);
	family(out, &err, om, "otpsms_pending_codes", "gauge", NULL,
	    "Codes sent and not yet used or expired.");
	outf(out, &err, "otpsms_pending_codes %llu\n", (unsigned long long)s->pending);
	family(out, &err, om, "otpsms_locked_users", "gauge", NULL,
	    "Users locked out now (this host's count).");
	outf(out, &err, "otpsms_locked_users %llu\n", (unsigned long long)s->locked);
	family(out, &err, om, "otpsms_clients", "gauge", NULL,
	    "Clients connected to the socket.");
	outf(out, &err, "otpsms_clients %llu\n", (unsigned long long)s->clients);

	family(out, &err, om, "otpsms_carrier_sends", "counter", NULL,
	    "Sends through each carrier, by result (failed includes throttled "
	    "sends once their retries were spent; refused: the carrier refused the number).");
	for (i = 0; i < s->n_page; i++) {
		c = &s->carriers[i];
		name = label_safe(c->name);
		outf(out, &err, "otpsms_carrier_sends_total{carrier=\"%s\",result=\"accepted\"} %llu\n",
		    name, (unsigned long long)c->accepted);
		outf(out, &err, "otpsms_carrier_sends_total{carrier=\"%s\",result=\"failed\"} %llu\n",
		    name, (unsigned long long)c->failed);
		outf(out, &err, "otpsms_carrier_sends_total{carrier=\"%s\",result=\"refused\"} %llu\n",
		    name, (unsigned long long)c->refused);
	}
	family(out, &err, om, "otpsms_carrier_retries", "counter", NULL,
	    "Throttled sends retried on the same carrier.");
	for (i = 0; i < s->n_page; i++)
		outf(out, &err, "otpsms_carrier_retries_total{carrier=\"%s\"} %llu\n",
		    label_safe(s->carriers[i].name),
		    (unsigned long long)s->carriers[i].retried);
	family(out, &err, om, "otpsms_carrier_breaker_state", "gauge", NULL,
	    "Circuit breaker of each carrier: 1 for its current state.");
	for (i = 0; i < s->n_page; i++)
		for (j = 0; j < METRICS_NBREAKER; j++)
			outf(out, &err, "otpsms_carrier_breaker_state{carrier=\"%s\","
			    "state=\"%s\"} %d\n", label_safe(s->carriers[i].name),
			    breaker_names[j], s->carriers[i].breaker == j);
	family(out, &err, om, "otpsms_carrier_consecutive_failures", "gauge", NULL,
	    "Failures in a row of each carrier (the breaker opens at breaker_failures).");
	for (i = 0; i < s->n_page; i++)
		outf(out, &err, "otpsms_carrier_consecutive_failures{carrier=\"%s\"} %u\n",
		    label_safe(s->carriers[i].name), (unsigned)s->carriers[i].fails);
	family(out, &err, om, "otpsms_carrier_send_duration_seconds", "histogram",
	    "seconds", "Time a carrier took to answer a send.");
	for (i = 0; i < s->n_page; i++) {
		c = &s->carriers[i];
		name = label_safe(c->name);
		for (j = 0; j < METRICS_LAT_BUCKETS; j++) {
			le_text(le, sizeof(le), metrics_lat_bounds_ms[j]);
			outf(out, &err, "otpsms_carrier_send_duration_seconds_bucket{carrier=\"%s\","
			    "le=\"%s\"} %llu\n", name, le,
			    (unsigned long long)c->lat_bucket[j]);
		}
		outf(out, &err, "otpsms_carrier_send_duration_seconds_bucket{carrier=\"%s\","
		    "le=\"+Inf\"} %llu\n", name, (unsigned long long)c->lat_count);
		outf(out, &err, "otpsms_carrier_send_duration_seconds_sum{carrier=\"%s\"} "
		    "%llu.%03u\n", name, (unsigned long long)(c->lat_sum_ms / 1000),
		    (unsigned)(c->lat_sum_ms % 1000));
		outf(out, &err, "otpsms_carrier_send_duration_seconds_count{carrier=\"%s\"} "
		    "%llu\n", name, (unsigned long long)c->lat_count);
	}
	if (om)
		outf(out, &err, "# EOF\n");
	return err ? -1 : 0;
}
