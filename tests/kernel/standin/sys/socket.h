/* TEST STAND-IN, NOT FreeBSD CODE: see sys/_standin.h. */
#ifndef _STANDIN_SYS_SOCKET_H
#define	_STANDIN_SYS_SOCKET_H
#include <sys/_standin.h>
#endif
