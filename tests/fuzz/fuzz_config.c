/* libFuzzer: otpsmsd.yaml as an administrator's typo or an attacker's file
 * would present it. Any input must parse and check without a crash, a leak or
 * an unbounded message; what loads must satisfy the documented ranges. Paths
 * in the input are never opened (ctx.no_files), so runs stay deterministic.
 *
 *   tests/fuzz/build.sh OUT BUILDDIR, or from the top of the tree:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I$BUILDDIR -Icommon \
 *       -Ihelper tests/fuzz/fuzz_config.c helper/config/cfgtree.c helper/config/conf.c \
 *       helper/carriers/carrier.c helper/carriers/carrier_file.c helper/carriers/http/carrier_twilio.c \
 *       helper/core/template.c helper/core/http.c helper/core/loop.c common/buf.c \
 *       common/proto.c common/util.c common/log.c \
 *       $(pkg-config --cflags --libs libcrypto libcurl yaml-0.1 jansson) \
 *       -o fuzz_config
 * -I$BUILDDIR (autoconf's config.h) must come before -Ihelper.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "cfgtree.h"
/* By path: "config.h" alone would find autoconf's header in the build dir. */
#include "conf.h"

#define FUZZ_FILE "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What config_from_tree promises about a config it returns. */
static void
check_config(const struct config *c)
{
	size_t i;

	if (c->digits < 4 || c->digits > 10 || c->ttl_ms < 30000 ||
	    c->ttl_ms > 600000 || c->max_attempts < 1 || c->max_attempts > 10 ||
	    c->max_clients < 1 || c->max_clients > 65536 ||
	    c->client_timeout_ms < 1000 || c->client_timeout_ms > 300000)
		abort();
	if (c->user == NULL || c->socket == NULL || c->socket[0] != '/' ||
	    strlen(c->socket) >= 108 || c->message == NULL || c->host == NULL ||
	    c->n_allow_uids == 0 || c->n_carriers == 0)
		abort();
	for (i = 0; i < c->n_users; i++) {
		if (i > 0 && strcmp(c->users[i - 1].name, c->users[i].name) >= 0)
			abort();
		if (config_find_user(c, c->users[i].name) != &c->users[i])
			abort();
	}
	for (i = 0; i < c->n_carriers; i++)
		if (c->carriers[i]->timeout_ms < 1000 ||
		    c->carriers[i]->timeout_ms > 60000 || c->carriers[i]->priv == NULL)
			abort();
}

/* Every message names the file and is printable ASCII: safe to log. */
static void
check_errors(const struct cfg_ctx *ctx)
{
	const unsigned char *p;
	size_t i;

	for (i = 0; i < ctx->nerr && i < CFG_MAX_ERRORS; i++) {
		if (ctx->errs[i] == NULL)
			continue;       /* out of memory while formatting */
		if (strncmp(ctx->errs[i], FUZZ_FILE ":", sizeof(FUZZ_FILE)) != 0)
			abort();
		for (p = (const unsigned char *)ctx->errs[i]; *p != '\0'; p++)
			if (*p < 0x20 || *p >= 0x7f)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_ctx ctx;
	struct cfg_node *root;
	struct config *c = NULL;

	cfg_ctx_init(&ctx, FUZZ_FILE);
	ctx.no_files = 1;
	root = cfg_parse_string(&ctx, (const char *)data, size);
	if ((root == NULL) != (ctx.nerr != 0))
		abort();
	if (root != NULL) {
		c = config_from_tree(&ctx, root);
		if ((c == NULL) != (ctx.nerr != 0))
			abort();
		if (c != NULL)
			check_config(c);
	}
	check_errors(&ctx);
	config_free(c);
	cfg_node_free(root);
	cfg_ctx_free(&ctx);
	return 0;
}
