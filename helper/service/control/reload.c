/* daemon_reload (reload.h). Enrolment builds on it: write users_file, then
 * call this. */
#include <config.h>
#include "conf.h"

#include <stdio.h>
#include <string.h>

#include "carrier.h"
#include "cfgtree.h"
#include "counters.h"
#include "daemon.h"
#include "log.h"
#include "policy.h"
#include "reload.h"

/* Appends one line to out, truncating. */
static void
add_line(char *out, size_t outsz, const char *line)
{
	size_t n = strlen(out);

	if (n + 1 < outsz)
		snprintf(out + n, outsz - n, "%s\n", line);
}

int
daemon_reload(struct daemon *d, char *out, size_t outsz)
{
	struct cfg_ctx ctx;
	struct config *nc = NULL, *old;
	char line[160];
	size_t i, j, kept = 0;
	int r = -1;

	out[0] = '\0';
	cfg_ctx_init(&ctx, d->cfgpath);
	/* Who may own the files is decided at start (root, or the user who
	 * started it), not by who we are now. */
	ctx.secret_owner = d->secret_owner;
	nc = config_reload(&ctx, d->cfgpath, d->cfg);
	if (ctx.nerr > 0 || nc == NULL) {
		for (i = 0; i < ctx.nerr; i++) {
			log_err("reload refused: %s", ctx.errs[i]);
			add_line(out, outsz, ctx.errs[i]);
		}
		if (ctx.nerr == 0)
			add_line(out, outsz, "reload failed: out of memory");
		add_line(out, outsz, "the configuration in use is unchanged");
		goto out;
	}
	for (i = 0; i < nc->n_carriers; i++) {
		/* New ones need the loop; kept ones have it. */
		if (nc->carriers[i]->loop == NULL) {
			nc->carriers[i]->http = d->http;
			nc->carriers[i]->loop = d->loop;
		}
		for (j = 0; j < d->cfg->n_carriers; j++)
			if (d->cfg->carriers[j] == nc->carriers[i])
				kept++;
	}
	old = d->cfg;
	d->cfg = nc;
	policy_reconfigure(d->policy, d->cfg);
	metrics_reloads_inc();
	/* metrics_file may have come (start writing) or gone (the timer
	 * stops at its next tick). */
	(void)counters_file_start(d);
	snprintf(line, sizeof(line), "reloaded %s: %zu user(s), %zu carrier(s), "
	    "%zu of them kept as they were", d->cfgpath, nc->n_users,
	    nc->n_carriers, kept);
	log_info("%s", line);
	add_line(out, outsz, line);
	nc = NULL;
	/* Requests under way hold it until they end. */
	config_free(old);
	r = 0;
 out:
	config_free(nc);
	cfg_ctx_free(&ctx);
	return r;
}
