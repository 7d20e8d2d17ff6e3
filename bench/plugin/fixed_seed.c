/*
 * Preloaded into tshark for the benchmark's callgrind runs only: GLib's
 * g_random_int() from a fixed seed.  Wireshark seeds its hash maps
 * (wmem_map's universal hashing, wmem_init_hashing()) with g_random_int(),
 * so each run spreads the same keys over other buckets, and the
 * instructions per frame moved by a few thousand from run to run (more
 * than the plugin's whole short way costs).  With the seed fixed, two runs
 * of the same capture count the same to a few instructions per frame.
 */
#include <glib.h>

static guint64 state = 0x853c49e6748fea9bULL;
G_LOCK_DEFINE_STATIC(state);

guint32
g_random_int(void)
{
	guint64 old;
	guint32 xs, rot;

	/* PCG32 (O'Neill): a fixed, well-mixed sequence. */
	G_LOCK(state);
	old = state;
	state = old * 6364136223846793005ULL + 1442695040888963407ULL;
	G_UNLOCK(state);
	xs = (guint32)(((old >> 18) ^ old) >> 27);
	rot = (guint32)(old >> 59);
	return ((xs >> rot) | (xs << ((-rot) & 31)));
}
