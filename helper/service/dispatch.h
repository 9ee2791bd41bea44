/* The daemon's dispatch table: for each request type, who may send it and
 * which function handles it. main.c hands it to server_new. */
#ifndef OTPSMS_DISPATCH_H
#define OTPSMS_DISPATCH_H

#include <stddef.h>

#include "server.h"    /* struct server_handler */

extern const struct server_handler dispatch_table[];
extern const size_t dispatch_table_len;

#endif
