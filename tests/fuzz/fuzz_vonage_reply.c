/* libFuzzer target: Vonage's reply to an SMS send, as the daemon would see it
 * from a hostile or broken endpoint. The first two bytes pick the HTTP status
 * (100..999), the rest is the body. Built by tests/fuzz/build.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "vonage.h"

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
	struct carrier_result res;
	long status;
	char *copy;
	int loud = -1;

	if (size < 2)
		return 0;
	status = 100 + ((data[0] << 8 | data[1]) % 900);
	data += 2;
	size -= 2;
	if (size > VONAGE_REPLY_MAX)
		size = VONAGE_REPLY_MAX;
	/* An exact-size copy without a NUL lets ASan catch an over-read. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	vonage_parse_reply(status, size ? copy : NULL, size, &res, &loud);
	free(copy);

	if (res.status != CARRIER_ACCEPTED && res.status != CARRIER_RETRY &&
	    res.status != CARRIER_FAILOVER && res.status != CARRIER_PERMANENT)
		abort();
	if (loud != 0 && loud != 1)
		abort();
	check_safe(res.detail, sizeof(res.detail));
	check_safe(res.ref, sizeof(res.ref));
	/* Accepted only from a 200 that names the message. */
	if (res.status == CARRIER_ACCEPTED && (status != 200 || res.ref[0] == '\0'))
		abort();
	if (res.status != CARRIER_ACCEPTED && res.ref[0] != '\0')
		abort();
	return 0;
}
