/* The spool driver's pure parts: the outbox file's name and contents for
 * gammu-smsd (FILES backend) and smstools, for the unit tests. */
#ifndef OTPSMS_SPOOL_H
#define OTPSMS_SPOOL_H

#include <stddef.h>

enum spool_format { SPOOL_GAMMU, SPOOL_SMSTOOLS };

#define SPOOL_NAME_MAX 96

/* gammu: OUT<prio>_<+E164>_<serial>.txt (gammu-smsd-files(7)); smstools:
 * otpsms.<serial> (any name; the recipient is in the file). serial is
 * digits only. Returns the length, or -1. */
int spool_name(char *out, size_t outsz, enum spool_format f, char prio,
    const char *to, const char *serial);

/* gammu: the text itself (UTF-8); smstools: "To: <number without +>",
 * "Alphabet: UTF-8", a blank line, the text. Returns the length, or -1 (out
 * wiped). out holds the code afterwards: wipe it. */
int spool_body(char *out, size_t outsz, enum spool_format f, const char *to,
    const char *text);

#endif
