/* pam_otpsms module options, parsed from a table in the way of pam_unix's
 * unix_args[]. Pure: no PAM calls, so the unit tests drive it directly. */
#ifndef OTPSMS_PAM_OPTIONS_H
#define OTPSMS_PAM_OPTIONS_H

#include <stddef.h>

#define OPT_SOCKET_DEFAULT "/run/otpsms/otpsmsd.sock"
#define OPT_TIMEOUT_DEFAULT 15
#define OPT_TIMEOUT_MIN 1
#define OPT_TIMEOUT_MAX 120
#define OPT_DAEMON_USER_DEFAULT "otpsms"
/* sizeof(sockaddr_un.sun_path) on Linux, NUL included */
#define OPT_SOCKET_MAX 108
#define OPT_USER_MAX 32

struct otpsms_opts {
	char socket[OPT_SOCKET_MAX];
	int timeout;            /* seconds, per exchange with the daemon */
	char daemon_user[OPT_USER_MAX + 1];
	int nullok;             /* no number: PAM_IGNORE, not USER_UNKNOWN */
	int debug;
};

#define OPT_OK 0
#define OPT_EUNKNOWN (-1)
#define OPT_EVALUE (-2)

void opts_defaults(struct otpsms_opts *o);

/* Sets the defaults, then parses the module arguments over them. On error
 * returns OPT_E* and describes the offending argument (sanitized) in err;
 * o is then unusable. */
int opts_parse(struct otpsms_opts *o, int argc, const char **argv,
    char *err, size_t errsz);

#endif
