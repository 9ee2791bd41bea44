/* Failure injection for allocation and I/O (pam-u2f style): link with
 * -Wl,--wrap=malloc,--wrap=calloc,... (tests/fuzz.am, FAILINJECT_LDFLAGS)
 * and the wrapped calls made by the code under test fail on demand. Only
 * calls from objects linked into the program are wrapped (our convenience
 * libraries are); calls inside shared libraries (libyaml, libc) are not. */
#ifndef OTPSMS_FAILINJECT_H
#define OTPSMS_FAILINJECT_H

#define FI_ALLOC 0x1    /* malloc calloc realloc reallocarray strdup strndup */
#define FI_IO 0x2       /* read write: -1 with EIO */

/* Fails the nth (1-based) call of the given kinds from now on, once. */
void fi_arm(unsigned kinds, unsigned long nth);
/* Stops failing and counting. */
void fi_off(void);
/* Calls of the armed kinds since fi_arm, and whether the failure fired. */
unsigned long fi_calls(void);
int fi_fired(void);

#endif
