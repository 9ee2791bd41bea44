/* libFuzzer target: a provider's reply to the generic http driver (Infobip's
 * rules: the deepest paths). First two bytes: the HTTP status (100..999).
 * Built by tests/fuzz/build.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_safe(const char *s, size_t cap)
{
	size_t i;

	if (memchr(s, '\0', cap) == NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpc_rules rules;
	struct carrier_result res;
	long status;
	char *copy;
	int loud;

	if (size < 2)
		return 0;
	status = 100 + ((data[0] << 8 | data[1]) % 900);
	data += 2;
	size -= 2;
	if (size > HTTPC_REPLY_MAX)
		size = HTTPC_REPLY_MAX;
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&rules, 0, sizeof(rules));
	rules.ref_path = "messages/0/messageId";
	rules.error_path = "requestError/serviceException/messageId";
	rules.permanent[0] = "BAD_REQUEST";
	rules.n_permanent = 1;
	httpc_parse_reply(&rules, status, size ? copy : NULL, size, &res, &loud);
	free(copy);
	if (res.status != CARRIER_ACCEPTED && res.status != CARRIER_RETRY &&
	    res.status != CARRIER_FAILOVER && res.status != CARRIER_PERMANENT)
		abort();
	check_safe(res.detail, sizeof(res.detail));
	check_safe(res.ref, sizeof(res.ref));
	if (res.status == CARRIER_ACCEPTED && (status < 200 || status > 299 || res.ref[0] == '\0'))
		abort();
	if (res.status == CARRIER_PERMANENT && (status < 400 || status > 499))
		abort();
	return 0;
}
