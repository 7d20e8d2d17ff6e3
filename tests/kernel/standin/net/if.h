/* TEST STAND-IN, NOT FreeBSD CODE: see sys/_standin.h. */
#ifndef _STANDIN_NET_IF_H
#define	_STANDIN_NET_IF_H
#include <sys/_standin.h>
#endif
