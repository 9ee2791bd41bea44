/* Least privilege once the daemon is initialised: prove no capability is
 * left, lock memory where the limits allow it, and (built --with-seccomp)
 * confine the process to the system calls its loop needs. */
#ifndef OTPSMS_SANDBOX_H
#define OTPSMS_SANDBOX_H

#include <stddef.h>

/* 0 when /proc/self/status shows no effective, permitted or ambient
 * capability; else -1 with err. */
int sandbox_check_nocaps(char *err, size_t errsz);

/* mlockall() when RLIMIT_MEMLOCK allows all of it (LimitMEMLOCK=infinity),
 * so that codes, the HMAC key and secrets never reach swap. 1 locked, 0
 * not permitted (left as is), -1 failed. */
int sandbox_lock_memory(void);

/* Loads the seccomp allow-list: any other system call kills the process
 * (which fails closed: the module sees no daemon). 0, 1 when not built
 * with seccomp, -1 with err. */
int sandbox_seccomp(char *err, size_t errsz);

#endif
