/* The Kannel driver's pure part: reading a delivery report callback. */
#ifndef OTPSMS_KANNEL_H
#define OTPSMS_KANNEL_H

#include <stddef.h>

/* Parses the request Kannel makes to the dlr-url we gave it,
 * "GET /dlr?t=TOKEN&s=TYPE HTTP/1.x": TOKEN 32 lower-case hex digits, TYPE
 * Kannel's report type (1 delivered, 2 undelivered, 4 queued, 8 SMSC
 * accepted, 16 SMSC rejected). req need not be NUL-terminated. Returns 0,
 * or -1 when it is anything else. */
int kannel_parse_dlr(const char *req, size_t len, char *token, size_t tokensz,
    int *type);

/* Judges the first len bytes a connection to the listener has sent: -1 when
 * they cannot begin a report (not "GET /dlr?", a control byte or a byte
 * above 0x7e in the request line, "\r" not before "\n", or no line end within
 * max bytes), 0 while they may still become one, else the length of the
 * request line with its "\n". max is at most 4096. buf need not be
 * NUL-terminated. */
int kannel_dlr_line(const char *buf, size_t len, size_t max);

#endif
