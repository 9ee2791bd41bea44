/* Shared between cfgtree.c (the YAML tree) and cfgget.c (the typed getters):
 * how a value, a key's path and a node's type are quoted in messages. */
#ifndef OTPSMS_CFGTREE_PRIV_H
#define OTPSMS_CFGTREE_PRIV_H

#include <stddef.h>

#include "cfgtree.h"

#define CFG_MSG_MAX 512     /* one message, before the FILE:LINE:COL: prefix */
#define CFG_SHOWN 40        /* of a value quoted back in a message */

const char *cfg_shown(char *buf, size_t bufsz, const char *s);
const char *cfg_key_path(const struct cfg_node *map, const char *key, char *buf, size_t bufsz);
const char *cfg_got(const struct cfg_node *n, int show, char *buf, size_t bufsz);

#endif
