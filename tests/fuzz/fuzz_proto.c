/* libFuzzer: the daemon's and the module's frame parser. Any input must be
 * refused cleanly or decode to a message that re-encodes to the same bytes. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m;
	struct buf b;
	size_t flen;

	if (proto_frame_check(data, size, &flen) != PROTO_OK)
		return 0;
	if (proto_decode(data, flen, &m) != PROTO_OK)
		return 0;
	buf_init(&b, PROTO_MAX_FRAME + 4);
	if (proto_encode(&b, &m) != PROTO_OK || b.len != flen ||
	    memcmp(b.d, data, flen) != 0)
		abort();
	buf_free(&b);
	proto_msg_wipe(&m);
	return 0;
}
