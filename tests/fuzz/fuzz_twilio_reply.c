/* libFuzzer target: Twilio's reply to a message create, as the daemon would
 * see it from a hostile or broken API endpoint. The first two bytes pick the
 * HTTP status (100..999), the rest is the body.
 *
 * Built by tests/fuzz/build.sh (tests/fuzz.am), run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "twilio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carrier_result res;
	long status;
	size_t i;

	if (size < 2)
		return 0;
	status = 100 + ((data[0] << 8 | data[1]) % 900);
	data += 2;
	size -= 2;
	if (size > TWILIO_REPLY_MAX)
		size = TWILIO_REPLY_MAX;
	/* The parser must honour len: a copy without a NUL lets ASan catch an
	 * over-read. */
	twilio_parse_reply(status, size ? (const char *)data : NULL, size, &res);

	/* What the core relies on: a known status, terminated log-safe strings. */
	if (res.status != CARRIER_ACCEPTED && res.status != CARRIER_RETRY &&
	    res.status != CARRIER_FAILOVER && res.status != CARRIER_PERMANENT)
		abort();
	if (memchr(res.detail, '\0', sizeof(res.detail)) == NULL ||
	    memchr(res.ref, '\0', sizeof(res.ref)) == NULL)
		abort();
	for (i = 0; res.detail[i] != '\0'; i++)
		if ((unsigned char)res.detail[i] < 0x20 || (unsigned char)res.detail[i] >= 0x7f)
			abort();
	for (i = 0; res.ref[i] != '\0'; i++)
		if ((unsigned char)res.ref[i] < 0x20 || (unsigned char)res.ref[i] >= 0x7f)
			abort();
	if (res.status == CARRIER_ACCEPTED && (status != 201 || res.ref[0] == '\0'))
		abort();
	return 0;
}
