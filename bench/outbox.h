/* bench/outbox.c: the file carrier's newest code, for bench/login and
 * bench/pamauth. */
#ifndef OTPSMS_BENCH_OUTBOX_H
#define OTPSMS_BENCH_OUTBOX_H

#include <stddef.h>

/* The digits that open the newest record's text, 4 or more, into out.
 * 0, or -1 when there is none. */
int outbox_last_code(const char *outbox, char *out, size_t outsz);

#endif
