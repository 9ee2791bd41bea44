/* dlsym_check MODULE.so: the module loads on its own (no undefined symbols
 * left for the application to provide), exports the PAM entry points it
 * implements, and nothing else: not the option parser, not the client, not
 * the shared protocol code. TAP. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "../tap.h"

static const char *const exported[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
};

/* Internal names that a missing or broken export.sym would leak. */
static const char *const hidden[] = {
	"opts_parse",
	"opts_defaults",
	"client_exchange",
	"client_lookup_uid",
	"proto_encode",
	"proto_decode",
	"buf_init",
	"log_safe",
	"log_msg",
	"fatal",
};

/* Not implemented: libpam then fails these stacks (PAM_MODULE_UNKNOWN) rather
 * than taking a PAM_IGNORE or a PAM_SUCCESS for an answer. */
static const char *const absent[] = {
	"pam_sm_acct_mgmt",
	"pam_sm_open_session",
	"pam_sm_close_session",
	"pam_sm_chauthtok",
};

int
main(int argc, char **argv)
{
	void *h;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: dlsym_check MODULE.so\n");
		return 2;
	}
	/* RTLD_NOW: every undefined symbol must resolve at load time. */
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!ok(h != NULL, "dlopen %s", argv[1])) {
		printf("#   %s\n", dlerror());
		printf("Bail out! cannot load the module\n");
		return 1;
	}
	for (i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
		ok(dlsym(h, exported[i]) != NULL, "%s is exported",
		    exported[i]);
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		ok(dlsym(h, hidden[i]) == NULL, "%s is not exported",
		    hidden[i]);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ok(dlsym(h, absent[i]) == NULL, "%s is not provided",
		    absent[i]);
	dlclose(h);
	return done_testing();
}
