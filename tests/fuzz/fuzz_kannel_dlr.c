/* libFuzzer: the delivery report request Kannel makes to the driver's
 * dlr-url listener, as anyone who can reach that port could send it. The
 * input is the request, in an exact-size buffer without a NUL (ASan sees an
 * over-read). What must hold: accepted only as "GET /dlr?..." with a token of
 * 32 lower-case hex digits (NUL-terminated) and a type of 1 to 3 digits.
 * Built by tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *req, token[40];
	size_t i;
	int type = -1;

	if ((req = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(req, data, size);
	memset(token, 'X', sizeof(token));
	if (kannel_parse_dlr(req, size, token, sizeof(token), &type) == 0) {
		if (size < 16 || memcmp(req, "GET /dlr?", 9) != 0 ||
		    strlen(token) != 32 || type < 0 || type > 999)
			abort();
		for (i = 0; i < 32; i++)
			if (!((token[i] >= '0' && token[i] <= '9') ||
			    (token[i] >= 'a' && token[i] <= 'f')))
				abort();
	}
	/* A buffer too small for the token is refused, never overrun. */
	(void)kannel_parse_dlr(req, size, token, 8, &type);
	free(req);
	return 0;
}
