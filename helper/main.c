/* otpsmsd: reads its configuration and secrets, opens its socket, drops root
 * for good, and serves challenges from one event loop. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>

#include "backup.h"
#include "backup_kdf.h"
#include "backup_redis.h"
#include "carrier.h"
#include "code.h"
#include "conf.h"
#include "counters.h"
#include "dispatch.h"
#include "directory.h"
#include "fleetkey.h"
#include "http.h"
#include "lookup.h"
#include "log.h"
#include "loop.h"
#include "policy.h"
#include "policy_local.h"
#include "policy_redis.h"
#include "privdrop.h"
#include "redis_client.h"
#include "reload.h"
#include "sandbox.h"
#include "statefile.h"
#include "rootfs.h"
#include "route.h"
#include "seal.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define DEFAULT_CONFIG SYSCONFDIR "/otpsms/otpsmsd.yaml"
#define SWEEP_MS 10000            /* for a store that cannot say what is due */
#define SWEEP_SLACK_MS 1000       /* verify checks expiry itself: the sweep only
                                   * frees memory, so due ones are batched */
#define MAX_PENDING 1000000

static struct loop_timer sweep_timer;

enum { OPT_HELP = 256, OPT_VERSION };
static const struct option long_opts[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* jansson keeps copies of what it parses and prints (carrier replies that
 * echo the message, the file carrier's record): wipe them on free. */
static void
wipe_free(void *p)
{
	if (p != NULL)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* --help prints this on stdout and exits 0; a bad option prints it on
 * stderr and exits 2. */
static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: otpsmsd [-dft] [-c config]\n"
	    "       otpsmsd --help | --version\n"
	    "  -c FILE    configuration (default %s)\n"
	    "  -d         debug logging\n"
	    "  -f         stay in the foreground, log to stderr\n"
	    "  -t         check the configuration and exit\n"
	    "  --help     show this help and exit\n"
	    "  --version  show the version and exit\n", DEFAULT_CONFIG);
	exit(status);
}

static void
on_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	char text[2048];

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: shutting down", si.ssi_signo);
			loop_stop(d->loop);
			break;
		case SIGHUP:
			/* Logs its errors, each as FILE:LINE:COL. */
			log_info("SIGHUP: reloading the configuration");
			(void)daemon_reload(d, text, sizeof(text));
			break;
		}
	}
}

/* Arms the sweep for when, unless it is already due sooner. */
static void
sweep_at(void *arg, uint64_t when)
{
	struct daemon *d = arg;
	uint64_t now = now_ms();

	when += SWEEP_SLACK_MS;
	if (loop_timer_armed(&sweep_timer) && sweep_timer.when <= when)
		return;
	(void)loop_timer_set(d->loop, &sweep_timer, when > now ? when - now : 0);
}

/* Runs only when something is due: an idle daemon does not wake up. */
static void
on_sweep(void *arg)
{
	struct daemon *d = arg;
	uint64_t next;
	size_t n;

	n = d->store->ops->expire(d->store, now_ms());
	if (n > 0)
		log_debug("expired %zu pending challenge(s)", n);
	if (d->store->ops->next_expiry == NULL)
		(void)loop_timer_set(d->loop, &sweep_timer, SWEEP_MS);
	else if ((next = d->store->ops->next_expiry(d->store)) != 0)
		sweep_at(d, next);
}

/* Limits and lockouts go where the pending codes go: the Redis policy takes
 * the local one (its counters, and on_failure: local). 0 or -1. */
static int
share_policy(struct daemon *d)
{
	struct policy *p;

	if ((p = policy_redis_new(d->policy, d->redis)) == NULL)
		return -1;
	d->policy = p;
	return 0;
}

/* With a fleet key, the code and seal keys are the fleet's (every host
 * checks and resends the others' codes); then the store: this host's
 * memory, or Redis shared by the fleet. */
static struct store *
open_store(struct daemon *d)
{
	const struct config *cfg = d->fixed;
	struct store *s = NULL;
	uint8_t k[FLEETKEY_OUT];
	char err[256];

	memset(k, 0, sizeof(k));
	if (cfg->fleet_key != NULL) {
		if (fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
		    FLEETKEY_LABEL_CODE, k) != 0 || code_init_key(k) != 0 ||
		    fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
		    FLEETKEY_LABEL_SEAL, k) != 0 || seal_init_key(k) != 0 ||
		    fleetkey_derive(cfg->fleet_key, cfg->fleet_key_len,
		    FLEETKEY_LABEL_NAMES, k) != 0)
			goto out;
	}
	if (cfg->store.type == STORE_TYPE_REDIS) {
		/* One connection, shared with the policy (d->redis). */
		if (d->redis == NULL && (d->redis = rclient_new(d->loop,
		    &cfg->store, err, sizeof(err))) == NULL) {
			log_err("redis store: %s", err);
			goto out;
		}
		s = store_redis_new(d->redis, &cfg->store, k, MAX_PENDING);
	} else
		s = store_memory_new(MAX_PENDING);
 out:
	OPENSSL_cleanse(k, sizeof(k));
	return s;
}

static int
detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return chdir("/");
}

static int
report_errors(struct cfg_ctx *ctx, int to_stderr)
{
	size_t i;

	for (i = 0; i < ctx->nerr; i++) {
		if (to_stderr)
			fprintf(stderr, "%s\n", ctx->errs[i]);
		else
			log_err("%s", ctx->errs[i]);
	}
	for (i = 0; i < ctx->nwarn; i++) {
		if (to_stderr)
			fprintf(stderr, "%s\n", ctx->warns[i]);
		else
			log_warn("%s", ctx->warns[i]);
	}
	return ctx->nerr > 0;
}

/* The break-glass codes, read as the daemon's user from state_dir (memory
 * only without one: a restart forgets them, which the log says). A file
 * that could not be read stops the start-up; a corrupt one is set aside. */
static int
open_backup(struct daemon *d)
{
	char err[512];
	int r = -1, lr;

	if ((d->backup = calloc(1, sizeof(*d->backup))) == NULL) {
		log_err("out of memory");
		goto out;
	}
	err[0] = '\0';
	backup_db_init(d->backup, d->cfg->state_dir != NULL &&
	    statefile_check_dir(d->cfg->state_dir, err, sizeof(err)) == 0 ?
	    d->cfg->state_dir : NULL);
	if ((lr = backup_db_load(d->backup, err, sizeof(err))) == -2) {
		log_err("backup codes: %s", err);
		goto out;
	}
	if (lr == -1)
		log_warn("backup codes: %s: set aside as %s.corrupt, every user "
		    "needs new codes", err, BACKUP_FILE_NAME);
	else if (d->backup->dir == NULL)
		log_info("backup codes kept in memory only (no usable state_dir)");
	r = 0;
 out:
	return r;
}

int
main(int argc, char **argv)
{
	const char *cfgpath = DEFAULT_CONFIG;
	struct daemon d;
	struct config *start_cfg = NULL;    /* see directory_new below */
	struct cfg_ctx ctx;
	char err[512], warn[1200];
	sigset_t mask;
	uid_t uid;
	gid_t gid;
	size_t i, nwarn;
	int ch, foreground = 0, check = 0, debug = 0, lfd = -1, sfd = -1, ret = 1;

	memset(&d, 0, sizeof(d));
	while ((ch = getopt_long(argc, argv, "c:dft", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfgpath = optarg; break;
		case 'd': debug = 1; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case OPT_HELP: usage(stdout, 0); break;
		case OPT_VERSION:
			printf("otpsmsd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	log_init("otpsmsd", foreground || check, debug);
	json_set_alloc_funcs(malloc, wipe_free);
	umask(077);
	counters_init();
	server_reply_hook = counters_reply;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("curl_global_init failed");
	if (http_check_async_dns(err, sizeof(err)) != 0)
		fatal("%s", err);

	cfg_ctx_init(&ctx, cfgpath);
	ctx.secret_owner = geteuid();
	d.cfgpath = cfgpath;
	d.secret_owner = ctx.secret_owner;
	ctx.check_only = check;
	d.cfg = config_load(&ctx, cfgpath);
	if (report_errors(&ctx, foreground || check) || d.cfg == NULL) {
		cfg_ctx_free(&ctx);
		return 1;
	}
	if (privdrop_lookup(d.cfg->user, &uid, &gid, err, sizeof(err)) != 0) {
		cfg_ctx_free(&ctx);
		if (check)
			fprintf(stderr, "%s: user: %s\n", cfgpath, err);
		else
			log_err("%s", err);
		goto out;
	}
	/* Root read those before it knew the user: none may be where that
	 * user could have chosen what root reads (rootfs.h). */
	for (i = 0; geteuid() == 0 && uid != 0 && i < ctx.nreads; i++) {
		if (rootfs_check_read(ctx.reads[i], uid, gid, err, sizeof(err)) == 0)
			continue;
		cfg_ctx_free(&ctx);
		if (check)
			fprintf(stderr, "%s\n", err);
		else
			log_err("%s", err);
		goto out;
	}
	nwarn = ctx.nwarn;
	cfg_ctx_free(&ctx);
	if (check) {
		fprintf(stderr, "%s: configuration OK%s\n", cfgpath,
		    nwarn > 0 ? ", with the warnings above" : "");
		/* Which carriers each user's code goes through. */
		route_print(stdout, d.cfg);
		ret = 0;
		goto out;
	}

	/* The store and the Redis client keep pointing into this across
	 * reloads (store: cannot change without a restart). */
	if ((d.fixed = config_split_store(d.cfg)) == NULL) {
		log_err("out of memory");
		goto out;
	}
	if ((lfd = server_listen(d.cfg->socket, uid, gid, err, sizeof(err))) == -1) {
		log_err("%s", err);
		goto out;
	}
	privdrop_nodump();
	if (privdrop(uid, gid, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	/* Limits and lockouts, with their state read as the daemon's user. */
	if ((d.policy = policy_local_new(d.cfg, err, sizeof(err), warn,
	    sizeof(warn))) == NULL) {
		log_err("%s", err);
		goto out;
	}
	if (warn[0] != '\0')
		log_warn("%s", warn);
	if (open_backup(&d) != 0)
		goto out;
	if (sandbox_check_nocaps(err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	if (!foreground && detach() != 0) {
		log_err("cannot detach: %s", strerror(errno));
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (code_init() != 0 ||
	    (d.loop = loop_new()) == NULL ||
	    (loop_profile(d.loop, debug), 0) ||
	    (d.http = http_new(d.loop)) == NULL ||
	    /* The directory and the number checks keep pointers into the
	     * configuration they started with (both are restart-only keys):
	     * it lives until they are gone, whatever a reload does. */
	    (start_cfg = config_ref(d.cfg)) == NULL ||
	    (d.cfg->checks.enabled &&
	    (d.checks = numcheck_new(&d.cfg->checks, d.loop, d.http)) == NULL) ||
	    (d.store = open_store(&d)) == NULL ||
	    (d.cfg->directory.enabled && (d.directory = directory_new(d.loop,
	    &d.cfg->directory, err, sizeof(err))) == NULL) ||
	    /* Limits and lockouts go where the pending codes go. */
	    (d.redis != NULL && share_policy(&d) != 0) ||
	    /* Backup codes too: in Redis, hashed on a worker thread. */
	    (d.redis != NULL &&
	    (d.backup_fleet = backup_redis_new(d.fixed, d.redis)) == NULL) ||
	    (d.backup_kdf = backup_kdf_new(d.loop, err, sizeof(err))) == NULL ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    loop_add(d.loop, sfd, EPOLLIN, on_signal, &d) == -1 ||
	    (d.server = server_new(&d, lfd, dispatch_table,
	    dispatch_table_len)) == NULL) {
		log_err("cannot initialise: %s", strerror(errno));
		goto out;
	}
	lfd = -1;    /* the server owns it */
	if (d.backup_fleet != NULL && d.backup != NULL && d.backup->n > 0)
		log_warn("backup codes: the sets in %s/%s are not used with the "
		    "Redis store: issue new codes (otpsmsctl backup-codes)",
		    d.backup->dir != NULL ? d.backup->dir : "-", BACKUP_FILE_NAME);
	for (i = 0; i < d.cfg->n_carriers; i++) {
		d.cfg->carriers[i]->http = d.http;
		d.cfg->carriers[i]->loop = d.loop;
	}
	loop_timer_init(&sweep_timer, on_sweep, &d);
	if (d.store->ops->next_expiry == NULL)
		(void)loop_timer_set(d.loop, &sweep_timer, SWEEP_MS);
	d.store->expiry_changed = sweep_at;
	d.store->expiry_arg = &d;
	/* Everything is open and read: from here on, the least we need. */
	if (sandbox_lock_memory() == 1)
		log_info("memory locked (no swap for codes and secrets)");
	if ((ch = sandbox_seccomp(err, sizeof(err))) == -1) {
		log_err("%s", err);
		goto out;
	}
	if (ch == 0)
		log_info("seccomp allow-list loaded");

	/* The first write shows at once whether the directory will do. */
	(void)counters_file_start(&d);
	log_info("started: socket %s, %zu user(s), %zu carrier(s), running as uid %u",
	    d.cfg->socket, d.cfg->n_users, d.cfg->n_carriers, (unsigned)getuid());
	if (loop_run(d.loop) == 0)
		ret = 0;
	log_info("stopped");
out:
	counters_file_stop(&d);
	if (d.server != NULL)
		server_free(d.server);
	if (d.cfg != NULL && ret == 0 && !check)
		(void)unlink(d.cfg->socket);    /* may fail once root is gone */
	/* Lookups still due fail closed, to requests and a policy still there. */
	directory_free(d.directory);
	/* Hashes still due fail closed, the same way. */
	backup_kdf_free(d.backup_kdf);
	if (lfd != -1)
		close(lfd);
	if (sfd != -1)
		close(sfd);
	/* Redis's answers still due go out first (NULL), to a store and a
	 * policy still there; then those, then the client (it needs the loop). */
	rclient_close(d.redis);
	if (d.store != NULL)
		d.store->ops->free(d.store);
	if (d.loop != NULL)
		loop_timer_cancel(d.loop, &sweep_timer);
	policy_free(d.policy);
	backup_redis_free(d.backup_fleet);
	if (d.backup != NULL) {
		backup_db_free(d.backup);
		free(d.backup);
	}
	rclient_free(d.redis);
	http_free(d.http);
	numcheck_free(d.checks);    /* after http: no lookup is left to answer */
	config_free(start_cfg);     /* after the directory and the checks */
	loop_free(d.loop);
	code_cleanup();
	config_free(d.cfg);
	config_free(d.fixed);
	curl_global_cleanup();
	return ret;
}
