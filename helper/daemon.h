/* What every part of the daemon reaches through one pointer, and the order
 * main.c builds and tears it down in.
 *
 * Start-up (as root, then as the daemon's user): read the config and its
 * secrets (config/), create the socket (service/server.c), drop privileges
 * (core/privdrop.c), read the policy's state (policy/), then open the loop,
 * libcurl on it, the Redis client and the store (store/, redis/), share the
 * policy over Redis, start serving and confine the process (core/sandbox.c).
 *
 * Teardown, the reverse: the server, then the Redis client's pending answers
 * (to a store and a policy still there), the store, the policy, the client,
 * libcurl, the loop, the code key, the config.
 *
 * A reload (service/reload.c) swaps cfg alone; requests under way hold the
 * one they began with. */
#ifndef OTPSMS_DAEMON_H
#define OTPSMS_DAEMON_H

#include <sys/types.h>

struct backup_db;
struct backup_kdf;
struct backup_redis;
struct config;
struct directory;
struct http;
struct loop;
struct numcheck;
struct policy;
struct rclient;
struct server;
struct store;

struct daemon {
	struct config *cfg;      /* in use; a reload replaces it (reload.h) */
	struct config *fixed;    /* the store and fleet key, which the store
	                          * and the Redis client point into: kept from
	                          * start to exit (config_split_store) */
	const char *cfgpath;     /* read again on a reload */
	uid_t secret_owner;      /* who besides root may own its files */
	struct loop *loop;
	struct http *http;
	struct store *store;
	struct server *server;
	struct policy *policy;   /* limits and lockouts (policy.h); NULL: none */
	struct rclient *redis;   /* the fleet's Redis (redis_client.h); NULL:
	                          * local store. Made before the store, freed
	                          * after the store and the policy. */
	struct directory *directory; /* numbers from LDAP (directory.h); NULL:
	                              * none. Freed right after the server. */
	struct backup_db *backup; /* break-glass codes (backup.h); NULL: none */
	struct backup_redis *backup_fleet; /* the codes in the fleet's Redis
	                          * (backup_redis.h) when the store is Redis:
	                          * then d->backup is not used */
	struct backup_kdf *backup_kdf; /* their scrypt, off the loop
	                          * (backup_kdf.h); freed before the policy */
	struct numcheck *checks; /* number_checks: (lookup.h); NULL: none */
};

#endif
