/* TEST STAND-IN, NOT FreeBSD CODE: the host's sys/types.h plus what the
 * FreeBSD one also provides (fixed-width integers). */
#include_next <sys/types.h>
#include <stddef.h>
#include <stdint.h>
