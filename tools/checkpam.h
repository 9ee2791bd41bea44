/* otpsmsctl check-pam: reads PAM stacks that name pam_otpsms and warns about
 * placements that let a wrong first factor text a code, skip the code, make
 * the code optional, or let exempt users in with nothing. No daemon, no root:
 * the files are untrusted input, parsed with bounded lines and explicit
 * states, and the stack is judged by walking libpam's own rules (required,
 * requisite, sufficient, optional, [value=action ...]) over every outcome of
 * every auth module. */
#ifndef OTPSMS_CHECKPAM_H
#define OTPSMS_CHECKPAM_H

#include <stddef.h>

#define CP_FILE_MAX (256 * 1024)        /* one PAM file */
#define CP_LINE_MAX 4096                /* a line, continuations joined */
#define CP_ENTRIES_MAX 128              /* auth lines, includes followed */
#define CP_DEPTH_MAX 8                  /* @include nesting */
#define CP_FILES_MAX 32                 /* distinct files in one stack */
#define CP_PATH_MAX 1024
#define CP_STEPS_MAX 2000000            /* paths walked, all told */

/* Result of a check, also otpsmsctl's exit status. */
#define CP_CLEAN 0
#define CP_WARN 1
#define CP_ERROR 2

/* Warning kinds (the word printed after "warning:"). */
#define CP_W_FIRST "first-factor"       /* the module runs after a failure */
#define CP_W_SKIP "skips-code"          /* success without the module */
#define CP_W_OPTIONAL "code-optional"   /* module failed, stack succeeded */
#define CP_W_EXEMPT "exempt-nothing"    /* exempt users in with nothing */
#define CP_W_OPTION "option"            /* module options */

/* Loads a file named by an @include (or the top-level file): a malloc'd
 * buffer and its length, or an errno value. */
typedef int (*cp_load_fn)(void *arg, const char *path, char **buf,
    size_t *len);
/* One problem: file, line (0: the whole file), "warning" or "error", kind
 * (NULL for errors) and message. Every string is printable ASCII. */
typedef void (*cp_emit_fn)(void *arg, const char *file, unsigned line,
    const char *level, const char *kind, const char *msg);

struct cp_opts {
	/* The application authenticated the user before the stack ran (sshd
	 * AuthenticationMethods publickey,keyboard-interactive:pam): exempt
	 * users passing on the module's PAM_IGNORE alone are then expected. */
	int after_key;
	cp_load_fn load;        /* NULL: includes are errors */
	void *load_arg;
	cp_emit_fn emit;
	void *emit_arg;
};

/* Checks the stack in text (len bytes, named path for messages and as the
 * base of relative @include names). Returns CP_CLEAN, CP_WARN or CP_ERROR. */
int checkpam_text(const struct cp_opts *o, const char *path, const char *text,
    size_t len);

/* Reads path with the default loader (regular files up to CP_FILE_MAX) and
 * checks it. */
int checkpam_file(const struct cp_opts *o, const char *path);

/* The default loader, for cp_opts.load. */
int checkpam_load_file(void *arg, const char *path, char **buf, size_t *len);

#endif
