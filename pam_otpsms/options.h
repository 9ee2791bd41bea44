/* pam_otpsms module options, parsed from a table in the way of pam_unix's
 * unix_args[]. No PAM calls, so the unit tests drive it directly; conf= is
 * the one option that reads a file. */
#ifndef OTPSMS_PAM_OPTIONS_H
#define OTPSMS_PAM_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define OPT_SOCKET_DEFAULT "/run/otpsms/otpsmsd.sock"
#define OPT_TIMEOUT_DEFAULT 15
#define OPT_TIMEOUT_MIN 1
#define OPT_TIMEOUT_MAX 120
#define OPT_DAEMON_USER_DEFAULT "otpsms"
/* sizeof(sockaddr_un.sun_path) on Linux, NUL included */
#define OPT_SOCKET_MAX 108
#define OPT_USER_MAX 32
#define OPT_GROUPS_MAX 512      /* a comma-separated list of group names */
#define OPT_NETS_MAX 32
#define OPT_PROMPT_MAX 128
#define OPT_PROMPTS_DEFAULT 3
#define OPT_PROMPTS_MAX 10
#define OPT_CONF_MAX 4096       /* path */
#define OPT_CONF_SIZE_MAX 16384 /* the file */

struct opt_net {
	int af;                 /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* network order, host bits zero */
	unsigned prefix;
};

struct otpsms_opts {
	char socket[OPT_SOCKET_MAX];
	int timeout;            /* seconds, per exchange with the daemon */
	char daemon_user[OPT_USER_MAX + 1];
	int nullok;             /* no number: PAM_IGNORE, not USER_UNKNOWN */
	int debug;
	char only_groups[OPT_GROUPS_MAX];   /* "" or "a,b": ask only these */
	char skip_groups[OPT_GROUPS_MAX];   /* "" or "c": never ask these */
	struct opt_net nets[OPT_NETS_MAX];  /* trusted_nets */
	size_t n_nets;
	int prompts;            /* answers one authentication may take */
	char prompt[OPT_PROMPT_MAX];        /* "" for the default */
	int echo;               /* show the code as it is typed */
	int forward_pass;       /* answer is password then code */
	int use_first_pass;     /* answer is PAM_AUTHTOK, no prompt */
	int backup;             /* backup codes accepted (backup=yes, default) */
	char conf[OPT_CONF_MAX];            /* "" if none */
};

#define OPT_OK 0
#define OPT_EUNKNOWN (-1)
#define OPT_EVALUE (-2)
#define OPT_ECONF (-3)          /* conf= file missing, unsafe or unreadable */

void opts_defaults(struct otpsms_opts *o);

/* Sets the defaults, reads conf=FILE if given (root-owned, not group or
 * world writable), then the module arguments over it: an argument overrides
 * the file. On error returns OPT_E* and describes the offending argument
 * (sanitized) in err; o is then unusable. */
int opts_parse(struct otpsms_opts *o, int argc, const char **argv,
    char *err, size_t errsz);

/* Splits a conf= file's text into arguments: separated by white space or
 * line ends, "#" to the end of the line is a comment, and "[...]" is one
 * argument that may hold spaces ("]" inside written "\]"), as in pam.conf.
 * The arguments are written NUL-terminated into buf (modified in place);
 * returns how many (at most max), or -1 for an unterminated "[". */
int opts_split(char *buf, char **args, int max);

/* Does the remote host (an address as text) lie in a trusted net? Host
 * names and anything else that is not an address never match. */
int opts_net_match(const struct otpsms_opts *o, const char *rhost);

#endif
