/* libFuzzer: the delivery report request Kannel makes to the driver's
 * dlr-url listener, as anyone who can reach that port could send it. The
 * input is the request, in an exact-size buffer without a NUL (ASan sees an
 * over-read). What must hold: accepted only as "GET /dlr?..." with a token of
 * 32 lower-case hex digits (NUL-terminated) and a type of 1 to 3 digits;
 * the listener's line check (kannel_dlr_line) never says "wait" for bytes
 * that cannot begin a report, and a line it returns ends in LF within max.
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
	static const char want[] = "GET /dlr?";
	char *req, token[40];
	size_t i, max = 256;
	int type = -1, line;

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
	line = kannel_dlr_line(req, size, max);
	if (line > 0) {
		if ((size_t)line > size || (size_t)line > max || req[line - 1] != '\n' ||
		    memcmp(req, want, sizeof(want) - 1) != 0)
			abort();
		/* The daemon parses the line alone. */
		(void)kannel_parse_dlr(req, (size_t)line, token, sizeof(token), &type);
	} else if (line == 0) {
		if (size >= max)
			abort();
		for (i = 0; i < size && i < sizeof(want) - 1; i++)
			if (req[i] != want[i])
				abort();
	} else if (line != -1)
		abort();
	/* A buffer too small for the token is refused, never overrun. */
	(void)kannel_parse_dlr(req, size, token, 8, &type);
	free(req);
	return 0;
}
