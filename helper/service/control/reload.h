/* otpsmsctl reload and SIGHUP: the configuration and users_file read again,
 * as the daemon's user, and swapped in whole or not at all. */
#ifndef OTPSMS_RELOAD_H
#define OTPSMS_RELOAD_H

#include <stddef.h>

struct daemon;

/* Reads d->cfgpath again (config_reload). On success the new configuration
 * is d->cfg, out says what it holds, and 0 is returned. On any error the old
 * one stays in use, each error is logged and written to out as one
 * "FILE:LINE:COL: message" line (truncated to fit), and -1 is returned.
 * Requests under way finish with the configuration they began with (they
 * hold it); pending codes, their key, attempts, lockouts, limits' counts,
 * backoffs, and unchanged carriers (breakers, connections) are kept. */
int daemon_reload(struct daemon *d, char *out, size_t outsz);

#endif
