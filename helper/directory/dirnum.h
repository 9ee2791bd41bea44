/* The directory's pure parts: a user's name into an LDAP filter (RFC 4515
 * escaping) and an attribute's value into an E.164 number. No I/O, so unit
 * tests and fuzzers drive them directly. */
#ifndef OTPSMS_DIRNUM_H
#define OTPSMS_DIRNUM_H

#include <stddef.h>

/* tmpl with its one {user} replaced by user, escaped as RFC 4515 says
 * (every byte of '*', '(', ')', '\\', NUL and anything outside printable
 * ASCII becomes \XX). 0, or -1 when out would overflow or there is no
 * {user}. */
int dir_filter_build(char *out, size_t outsz, const char *tmpl, const char *user);

/* A telephone number as people write it into E.164 in out (>= 17 bytes):
 * spaces, '-', '.', '/' and parentheses dropped; "+CC..." and "00CC..."
 * taken as international; "0..." with default_country ("+44") as national,
 * the trunk 0 dropped; anything else (letters, extensions, no country) is
 * refused. 0, or -1. */
int dir_number_normalize(char *out, size_t outsz, const char *value,
    const char *default_country);

#endif
