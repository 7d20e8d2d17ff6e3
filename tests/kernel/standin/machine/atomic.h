/* TEST STAND-IN, NOT FreeBSD CODE: see sys/_standin.h. */
#ifndef _STANDIN_MACHINE_ATOMIC_H
#define	_STANDIN_MACHINE_ATOMIC_H
#include <sys/_standin.h>
#endif
