/* Logging for the daemon and the control tool: syslog (LOG_AUTHPRIV) or stderr.
 * Never pass a code, a token or an unsanitized peer string (see util.h). */
#ifndef OTPSMS_LOG_H
#define OTPSMS_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *ident, int to_stderr, int debug);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* For invariants only, never for peer input: logs and exits. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
/* _f variants prefix the function name, as OpenSSH's error_f. */
#define log_err_f(fmt, ...) log_msg(LOG_LVL_ERR, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_warn_f(fmt, ...) log_msg(LOG_LVL_WARN, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_debug_f(fmt, ...) log_msg(LOG_LVL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)
#define fatal_f(fmt, ...) fatal("%s: " fmt, __func__, ##__VA_ARGS__)

#endif
