/* TEST STAND-IN, NOT FreeBSD CODE: see sys/_standin.h. */
#ifndef _STANDIN_SYS_PROC_H
#define	_STANDIN_SYS_PROC_H
#include <sys/_standin.h>
#endif
