/* libFuzzer target: Twilio Lookup v2's answer as the daemon would see it
 * from a hostile or broken endpoint, read and judged by the number checks
 * (helper/carriers/http/lookup.c). The first two bytes pick the HTTP status
 * (100..999), the third the checks and actions configured, the rest is the
 * body.
 *
 * Built by tests/fuzz/build.sh (tests/fuzz.am), run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

#define NOW 1700000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct number_checks_conf nc;
	struct lookup_reply rep;
	enum lookup_verdict v;
	char why[LOOKUP_WHY_MAX];
	char *body = NULL;
	long status;
	size_t i;

	if (size < 3)
		return 0;
	status = 100 + ((data[0] << 8 | data[1]) % 900);
	memset(&nc, 0, sizeof(nc));
	nc.enabled = 1;
	nc.sim_swap = data[2] & 1;
	nc.sim_swap_within_ms = 7 * 24 * 3600 * 1000U;
	nc.sim_swap_action = data[2] & 2 ? NC_REQUIRE_BACKUP : NC_REFUSE;
	if (data[2] & 4) {
		snprintf(nc.deny[0], NC_TYPE_MAX, "landline");
		snprintf(nc.deny[1], NC_TYPE_MAX, "nonFixedVoip");
		nc.n_deny = 2;
	}
	nc.risk = (data[2] & 8) != 0 || (!nc.sim_swap && !nc.n_deny);
	nc.risk_above = 80;
	nc.risk_action = data[2] & 16 ? NC_REQUIRE_BACKUP : NC_REFUSE;
	data += 3;
	size -= 3;
	if (size > LOOKUP_REPLY_MAX)
		size = LOOKUP_REPLY_MAX;
	/* An exact copy without a NUL: ASan catches a read past len. */
	if (size > 0 && (body = malloc(size)) == NULL)
		return 0;
	if (size > 0)
		memcpy(body, data, size);
	lookup_parse_reply(status, body, size, &rep);
	v = lookup_decide(&nc, &rep, NOW, why, sizeof(why));

	/* Decisions only from well-formed fields. */
	if (v != LOOKUP_PASS && v != LOOKUP_REFUSE && v != LOOKUP_BACKUP &&
	    v != LOOKUP_FAILED)
		abort();
	if (v != LOOKUP_FAILED && (status != 200 || !rep.json))
		abort();
	if (v == LOOKUP_PASS && ((nc.sim_swap && rep.sim != LOOKUP_OK) ||
	    (nc.n_deny && rep.line != LOOKUP_OK) || (nc.risk && rep.risk != LOOKUP_OK)))
		abort();
	if (rep.line == LOOKUP_OK) {
		if (memchr(rep.line_type, '\0', sizeof(rep.line_type)) == NULL ||
		    rep.line_type[0] == '\0')
			abort();
		for (i = 0; rep.line_type[i] != '\0'; i++)
			if (!((rep.line_type[i] >= 'a' && rep.line_type[i] <= 'z') ||
			    (rep.line_type[i] >= 'A' && rep.line_type[i] <= 'Z')))
				abort();
	}
	if (rep.risk == LOOKUP_OK && (rep.risk_score < 0 || rep.risk_score > 100))
		abort();
	if (v == LOOKUP_BACKUP && nc.sim_swap_action != NC_REQUIRE_BACKUP &&
	    nc.risk_action != NC_REQUIRE_BACKUP)
		abort();
	/* The reason goes into the log as it is: terminated, printable. */
	if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	for (i = 0; why[i] != '\0'; i++)
		if ((unsigned char)why[i] < 0x20 || (unsigned char)why[i] >= 0x7f ||
		    why[i] == '"')
			abort();
	free(body);
	return 0;
}
