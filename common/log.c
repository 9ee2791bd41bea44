#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_stderr;
static int log_debug_on;

void
log_init(const char *ident, int to_stderr, int debug)
{
	log_stderr = to_stderr;
	log_debug_on = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };

	if (lvl == LOG_LVL_DEBUG && !log_debug_on)
		return;
	if (log_stderr) {
		fprintf(stderr, "otpsmsd: %s: ", name[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		vsyslog(prio[lvl], fmt, ap);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
