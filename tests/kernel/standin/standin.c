/*
 * TEST STAND-IN, NOT FreeBSD CODE.  Userspace implementations of the
 * kernel KPIs declared in sys/_standin.h.  m_free(), m_dup() and
 * m_tag_copy_chain() carry the same MBUF_TRACE hooks as the patched
 * FreeBSD files (kernel/patches/0001-mbuf-trace-core.patch).
 */
/* Host headers first: the stand-in's malloc(9) macros shadow libc's. */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/linker_set.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/mbuf_trace.h>
#include <sys/rmlock.h>
#include <sys/sysctl.h>
#include <net/bpf.h>
#include <net/if.h>
#include <net/if_var.h>
#include <net/vnet.h>

#include <sys/mbuf_trace.h>


#include "standin_api.h"

int	standin_pcap_validate(const void *insns, int len);
unsigned standin_pcap_filter(const void *insns, const unsigned char *p,
	    unsigned wirelen, unsigned buflen);

int standin_curcpu;
int standin_in_epoch;
__thread struct vnet *standin_curvnet;
struct vnet *vnet0;
#define	STANDIN_MAXVNETS	64
struct vnet *standin_vnets[STANDIN_MAXVNETS];
int standin_nvnets;

/* cpu_ticks(): the TSC, as on amd64. */
static uint64_t
standin_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return (__rdtsc());
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
#endif
}
cpu_tick_f *cpu_ticks = standin_ticks;

void
standin_set_ticker(uint64_t (*fn)(void))
{

	cpu_ticks = fn != NULL ? fn : standin_ticks;
}

uint64_t
standin_cpu_ticks(void)
{

	return (cpu_ticks());
}
static uint64_t standin_tickrate;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

uint64_t
cpu_tickrate(void)
{
	uint64_t t0, n0, t1, n1;

	if (standin_tickrate == 0) {
		n0 = mono_ns();
		t0 = cpu_ticks();
		do
			n1 = mono_ns();
		while (n1 - n0 < 20000000);
		t1 = cpu_ticks();
		standin_tickrate = (t1 - t0) * 1000000000 / (n1 - n0);
		if (standin_tickrate == 0)
			standin_tickrate = 1;
	}
	return (standin_tickrate);
}

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size != 0) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return (n);
}

size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t d = strnlen(dst, size);

	if (d == size)
		return (size + strlen(src));
	return (d + strlcpy(dst + d, src, size - d));
}

/* malloc(9) with failure injection for M_NOWAIT. */
static long nowait_count, fail_at, live_allocs;

void
standin_fail_nowait(long nth)
{

	fail_at = nth == 0 ? 0 : nowait_count + nth;
}

long
standin_nowait_count(void)
{

	return (nowait_count);
}

long
standin_live_allocs(void)
{

	standin_run_tasks();
	return (live_allocs);
}

void *
standin_malloc(size_t size, struct malloc_type *type __unused, int flags)
{
	void *p;

	if ((flags & M_NOWAIT) != 0 && ++nowait_count == fail_at)
		return (NULL);
	p = (flags & M_ZERO) != 0 ? calloc(1, size) : (malloc)(size);
	if (p == NULL)
		abort();
	live_allocs++;
	return (p);
}

void
standin_free(void *p, struct malloc_type *type __unused)
{

	if (p != NULL)
		live_allocs--;
	(free)(p);
}

counter_u64_t
counter_u64_alloc(int flags __unused)
{

	return (calloc(1, sizeof(uint64_t)));
}

uint64_t
counter_u64_fetch(counter_u64_t c)
{

	return (*c);
}

static struct thread standin_thread;

/* mutex(9) */
void
mtx_init(struct mtx *m, const char *name, const char *type __unused,
    int opts __unused)
{
	pthread_mutex_t *l = calloc(1, sizeof(*l));

	pthread_mutex_init(l, NULL);
	m->mtx_impl = l;
	m->mtx_name = name;
}

void
mtx_sysinit(void *arg)
{
	struct mtx_args *ma = arg;

	mtx_init(ma->ma_mtx, ma->ma_desc, NULL, ma->ma_opts);
}

void
mtx_lock(struct mtx *m)
{

	pthread_mutex_lock(m->mtx_impl);
}

void
mtx_unlock(struct mtx *m)
{

	pthread_mutex_unlock(m->mtx_impl);
}

u_int mp_maxid = MAXCPU - 1;

/* fail(9): the nth hit of a fail point from now fires (0: none). */
static long fp_nth;

void
standin_fail_point_nth(long nth)
{

	fp_nth = nth;
}

int
standin_fail_point(const char *name __unused)
{

	return (fp_nth > 0 && --fp_nth == 0);
}
int standin_panicked;
int dumping;

/*
 * taskqueue(9): enqueued tasks wait until the test drains them
 * (standin_run_tasks()), as they would wait for the taskqueue thread.
 */
struct taskqueue {
	struct task	*tq_first;
};
static struct taskqueue *standin_tq;

struct taskqueue *
taskqueue_create(const char *name __unused, int flags __unused,
    taskqueue_enqueue_fn fn __unused, void *ctx __unused)
{

	standin_tq = calloc(1, sizeof(*standin_tq));
	return (standin_tq);
}

void
taskqueue_thread_enqueue(void *ctx __unused)
{
}

int
taskqueue_start_threads(struct taskqueue **tqp __unused, int n __unused,
    int pri __unused, const char *name __unused, ...)
{

	return (0);
}

int
taskqueue_enqueue(struct taskqueue *tq, struct task *t)
{

	if (t->ta_pending++ == 0) {
		t->ta_next = tq->tq_first;
		tq->tq_first = t;
	}
	return (0);
}

size_t
standin_run_tasks(void)
{
	struct task *t;
	size_t n;
	int pending;

	n = 0;
	while (standin_tq != NULL && (t = standin_tq->tq_first) != NULL) {
		standin_tq->tq_first = t->ta_next;
		pending = t->ta_pending;
		t->ta_pending = 0;
		t->ta_func(t->ta_context, pending);
		n++;
	}
	return (n);
}

size_t
standin_tasks_pending(void)
{

	return (standin_tq != NULL && standin_tq->tq_first != NULL);
}

/* rmlock(9) */
void
rm_init(struct rmlock *rm, const char *name)
{
	pthread_rwlock_t *l = calloc(1, sizeof(*l));

	pthread_rwlock_init(l, NULL);
	rm->rm_impl = l;
	rm->rm_name = name;
}

void
rm_sysinit(void *arg)
{
	struct rm_args *a = arg;

	rm_init(a->ra_rm, a->ra_desc);
}

void
_rm_rlock(struct rmlock *rm, struct rm_priotracker *t __unused, int x __unused)
{

	pthread_rwlock_rdlock(rm->rm_impl);
}

void
_rm_runlock(struct rmlock *rm, struct rm_priotracker *t __unused)
{

	pthread_rwlock_unlock(rm->rm_impl);
}

void
_rm_wlock(struct rmlock *rm)
{

	pthread_rwlock_wrlock(rm->rm_impl);
}

void
_rm_wunlock(struct rmlock *rm)
{

	pthread_rwlock_unlock(rm->rm_impl);
}

/* mbuf_tags(9), as sys/kern/uipc_mbuf2.c behaves. */
static struct malloc_type M_PACKET_TAGS[1] = { { "mtag" } };

void
m_tag_free_default(struct m_tag *t)
{

	free(t, M_PACKET_TAGS);
}

struct m_tag *
m_tag_alloc(uint32_t cookie, uint16_t type, int len, int wait)
{
	struct m_tag *t;

	if (len < 0)
		return (NULL);
	t = malloc(len + sizeof(struct m_tag), M_PACKET_TAGS, wait);
	if (t == NULL)
		return (NULL);
	t->m_tag_id = type;
	t->m_tag_len = len;
	t->m_tag_cookie = cookie;
	t->m_tag_free = m_tag_free_default;
	return (t);
}

void
m_tag_delete(struct mbuf *m, struct m_tag *t)
{

	SLIST_REMOVE(&m->m_pkthdr.tags, t, m_tag, m_tag_link);
	t->m_tag_free(t);
}

void
m_tag_delete_chain(struct mbuf *m, struct m_tag *t)
{
	struct m_tag *p, *q;

	p = t != NULL ? t : SLIST_FIRST(&m->m_pkthdr.tags);
	if (p == NULL)
		return;
	while ((q = SLIST_NEXT(p, m_tag_link)) != NULL)
		m_tag_delete(m, q);
	if (t == NULL)
		m_tag_delete(m, p);
}

void
m_tag_delete_nonpersistent(struct mbuf *m)
{
	struct m_tag *p, *q;

	for (p = SLIST_FIRST(&m->m_pkthdr.tags); p != NULL; p = q) {
		q = SLIST_NEXT(p, m_tag_link);
		if ((p->m_tag_id & MTAG_PERSISTENT) == 0)
			m_tag_delete(m, p);
	}
}

struct m_tag *
m_tag_locate(struct mbuf *m, uint32_t cookie, uint16_t type,
    struct m_tag *t)
{
	struct m_tag *p;

	p = t == NULL ? SLIST_FIRST(&m->m_pkthdr.tags) :
	    SLIST_NEXT(t, m_tag_link);
	for (; p != NULL; p = SLIST_NEXT(p, m_tag_link))
		if (p->m_tag_cookie == cookie && p->m_tag_id == type)
			return (p);
	return (NULL);
}

struct m_tag *
m_tag_copy(struct m_tag *t, int how)
{
	struct m_tag *p;

	p = m_tag_alloc(t->m_tag_cookie, t->m_tag_id, t->m_tag_len, how);
	if (p == NULL)
		return (NULL);
	memcpy(p + 1, t + 1, t->m_tag_len);
	return (p);
}

int
m_tag_copy_chain(struct mbuf *to, const struct mbuf *from, int how)
{
	struct m_tag *p, *t, *tprev = NULL;

	m_tag_delete_chain(to, NULL);
	SLIST_FOREACH(p, &from->m_pkthdr.tags, m_tag_link) {
#ifdef MBUF_TRACE
		/* As patched: a copy gets its own trace (MBUF_TRACE_COPY). */
		if (p->m_tag_cookie == MTAG_MBUF_TRACE)
			continue;
#endif
		t = m_tag_copy(p, how);
		if (t == NULL) {
			m_tag_delete_chain(to, NULL);
			return (0);
		}
		if (tprev == NULL)
			SLIST_INSERT_HEAD(&to->m_pkthdr.tags, t, m_tag_link);
		else
			SLIST_INSERT_AFTER(tprev, t, m_tag_link);
		tprev = t;
	}
	return (1);
}

/* mbufs: every mbuf owns a heap buffer; enough for these tests. */
static struct mbuf *
standin_mget(int pkthdr, int size)
{
	struct mbuf *m = calloc(1, sizeof(*m));

	m->m_ext_buf = calloc(1, size > 0 ? size : 1);
	m->m_data = m->m_ext_buf;
	m->m_type = MT_DATA;
	if (pkthdr) {
		m->m_flags = M_PKTHDR;
		SLIST_INIT(&m->m_pkthdr.tags);
	}
	return (m);
}

struct mbuf *
standin_packet(const void *data, int len, int split)
{
	struct mbuf *top = NULL, **p = &top, *m;
	const char *d = data;
	int off = 0, n;

	if (split <= 0)
		split = len > 0 ? len : 1;
	do {
		n = len - off < split ? len - off : split;
		m = standin_mget(top == NULL, n);
		memcpy(m->m_data, d + off, n);
		m->m_len = n;
		off += n;
		*p = m;
		p = &m->m_next;
	} while (off < len);
	top->m_pkthdr.len = len;
	return (top);
}

u_int
m_length(struct mbuf *m0, struct mbuf **last)
{
	struct mbuf *m;
	u_int len = 0;

	for (m = m0; m != NULL; m = m->m_next) {
		len += m->m_len;
		if (m->m_next == NULL && last != NULL)
			*last = m;
	}
	return (len);
}

void
m_copydata(const struct mbuf *m, int off, int len, caddr_t cp)
{
	int n;

	while (off > 0 && m != NULL && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	for (; len > 0 && m != NULL; m = m->m_next) {
		n = m->m_len - off < len ? m->m_len - off : len;
		memcpy(cp, m->m_data + off, n);
		cp += n;
		len -= n;
		off = 0;
	}
	if (len > 0)
		abort();
}

/* The inline m_free() of sys/mbuf.h with the patch's hook. */
struct mbuf *
m_free(struct mbuf *m)
{
	struct mbuf *n = m->m_next;

	MBUF_TRACE_FREE(m);
	if ((m->m_flags & M_PKTHDR) != 0)
		m_tag_delete_chain(m, NULL);	/* mb_dtor_mbuf() */
	(free)(m->m_ext_buf);
	(free)(m);
	return (n);
}

void
m_freem(struct mbuf *m)
{

	while (m != NULL)
		m = m_free(m);
}

static struct mbuf *
standin_copy(const struct mbuf *m, int how)
{
	struct mbuf *n;
	char *buf;
	int len;

	len = m_length((struct mbuf *)(uintptr_t)m, NULL);
	buf = calloc(1, len > 0 ? len : 1);
	m_copydata(m, 0, len, buf);
	n = standin_packet(buf, len, 0);
	(free)(buf);
	n->m_pkthdr.rcvif = m->m_pkthdr.rcvif;
	n->m_pkthdr.csum_flags = m->m_pkthdr.csum_flags;
	if (!m_tag_copy_chain(n, m, how)) {	/* m_dup_pkthdr() */
		m_freem(n);
		return (NULL);
	}
	/* As patched into m_dup() and m_copypacket(). */
	MBUF_TRACE_COPY((struct mbuf *)(uintptr_t)m, n);
	return (n);
}

struct mbuf *
m_dup(const struct mbuf *m, int how)
{

	return (standin_copy(m, how));
}

struct mbuf *
m_copypacket(struct mbuf *m, int how)
{

	return (standin_copy(m, how));
}

int
standin_packet_len(struct mbuf *m)
{

	return (m_length(m, NULL));
}

int
standin_packet_equals(struct mbuf *m, const void *data, int len)
{
	char *buf;
	int ok;

	if ((m->m_flags & M_PKTHDR) == 0 || m->m_pkthdr.len != len ||
	    (int)m_length(m, NULL) != len)
		return (0);
	buf = calloc(1, len > 0 ? len : 1);
	m_copydata(m, 0, len, buf);
	ok = memcmp(buf, data, len) == 0;
	(free)(buf);
	return (ok);
}

int
standin_ntags(struct mbuf *m)
{
	struct m_tag *t;
	int n = 0;

	SLIST_FOREACH(t, &m->m_pkthdr.tags, m_tag_link)
		n++;
	return (n);
}

int
standin_add_foreign_tag(struct mbuf *m, int persistent)
{
	struct m_tag *t;

	t = m_tag_alloc(0, persistent ? (21 | MTAG_PERSISTENT) : 21, 8,
	    M_WAITOK);
	if (t == NULL)
		return (ENOMEM);
	m_tag_prepend(m, t);
	return (0);
}

/* ifnet and the BPF tap. */
struct ifnet {
	char		 if_xname[IFNAMSIZ];
	int		 if_index;
	int		 if_flags;
	int		 if_mtu;
	u_int		 if_dlt;
	int		 if_bpf_attached;
	int		 if_listener;	/* a BPF descriptor is attached */
	size_t		 if_ncap;	/* records tapped here */
	if_ioctl_fn_t	 if_ioctl;
	if_output_fn_t	 if_output;
};
static int if_index_next;

/* Interfaces and vnets live as long as the process, like in a test. */
static void *standin_forever[256];
static int standin_nforever;

static void *
keep(void *p)
{

	if (standin_nforever < 256)
		standin_forever[standin_nforever++] = p;
	return (p);
}

if_t
if_alloc(u_char type __unused)
{
	if_t ifp = keep(calloc(1, sizeof(*ifp)));

	ifp->if_index = ++if_index_next;
	return (ifp);
}

void
if_attach(if_t ifp __unused)
{
}

void
if_initname(if_t ifp, const char *name, int unit)
{

	snprintf(ifp->if_xname, sizeof(ifp->if_xname), "%s%d", name, unit);
}

int
if_setflags(if_t ifp, int flags)
{

	ifp->if_flags = flags;
	return (0);
}

int
if_setmtu(if_t ifp, int mtu)
{

	ifp->if_mtu = mtu;
	return (0);
}

void
if_setioctlfn(if_t ifp, if_ioctl_fn_t fn)
{

	ifp->if_ioctl = fn;
}

void
if_setoutputfn(if_t ifp, if_output_fn_t fn)
{

	ifp->if_output = fn;
}

const char *
if_name(if_t ifp)
{

	return (ifp->if_xname);
}

int
if_getindex(const if_t ifp)
{

	return (ifp->if_index);
}

/* Like epair(4), which renames its ends "epair0a" and "epair0b". */
struct ifnet *
standin_ifnet(const char *xname)
{
	if_t ifp = if_alloc(0);

	strlcpy(ifp->if_xname, xname, sizeof(ifp->if_xname));
	return (ifp);
}

int
standin_if_index(struct ifnet *ifp)
{

	return (ifp->if_index);
}

void
standin_set_cpu(int cpu)
{

	standin_curcpu = cpu;
}

static void abort_unless_jail_tap(struct ifnet *);

/* The first tap attached is vnet0's (the host's); others are jails'. */
static struct ifnet *tap_ifp;
static int listener;
#define	MAXCAP	4096
static uint8_t *cap[MAXCAP];
static size_t caplen[MAXCAP], ncap;

void
bpfattach(struct ifnet *ifp, u_int dlt, u_int hdrlen __unused)
{

	ifp->if_dlt = dlt;
	ifp->if_bpf_attached = 1;
	if (tap_ifp == NULL)
		tap_ifp = ifp;
	else
		abort_unless_jail_tap(ifp);
}

void
bpfdetach(struct ifnet *ifp)
{

	ifp->if_bpf_attached = 0;
}

void
if_detach(if_t ifp __unused)
{
}

void
if_free(if_t ifp __unused)
{
}

bool
bpf_peers_present_if(struct ifnet *ifp)
{

	if (ifp == tap_ifp)
		return (ifp->if_bpf_attached && listener);
	return (ifp->if_bpf_attached && ifp->if_listener);
}

static void
capture(void *data, u_int dlen, struct mbuf *m)
{
	u_int mlen;
	uint8_t *p;

	if (ncap == MAXCAP)
		return;
	if (standin_in_epoch <= 0)
		abort();	/* bpf(9) requires the net epoch */
	mlen = m_length(m, NULL);
	p = (malloc)(dlen + mlen + 1);
	memcpy(p, data, dlen);
	m_copydata(m, 0, mlen, (caddr_t)p + dlen);
	cap[ncap] = p;
	caplen[ncap++] = dlen + mlen;
}

void
bpf_mtap2_if(struct ifnet *ifp, void *data, u_int dlen, struct mbuf *m)
{

	if (!bpf_peers_present_if(ifp))
		return;
	ifp->if_ncap++;
	/* The tests read what the host's tap delivered. */
	if (ifp == tap_ifp)
		capture(data, dlen, m);
}

/* A jail's own tap: the vnet's "mbuf_trace0" (ifnet by vnet). */
static struct ifnet *vnet_taps[64];
static struct vnet *vnet_tap_vnet[64];
static int nvnet_taps;

static void
abort_unless_jail_tap(struct ifnet *ifp)
{

	if (nvnet_taps == 64)
		abort();
	vnet_taps[nvnet_taps] = ifp;
	vnet_tap_vnet[nvnet_taps++] = curvnet;
}

static struct ifnet *
vnet_tap(struct vnet *v)
{
	int i;

	for (i = 0; i < nvnet_taps; i++)
		if (vnet_tap_vnet[i] == v)
			return (vnet_taps[i]);
	return (NULL);
}

void
standin_vnet_listener(struct vnet *v, int on)
{
	struct ifnet *ifp = vnet_tap(v);

	if (ifp != NULL)
		ifp->if_listener = on;
}

size_t
standin_vnet_ncaptured(struct vnet *v)
{
	struct ifnet *ifp;

	standin_run_tasks();
	ifp = v == vnet0 ? tap_ifp : vnet_tap(v);
	return (ifp != NULL ? ifp->if_ncap : 0);
}

const char *
standin_vnet_tap_name(struct vnet *v)
{
	struct ifnet *ifp = vnet_tap(v);

	return (ifp != NULL ? ifp->if_xname : "");
}

#ifdef MBUF_TRACE_BPF_ATTACH
struct bpf_if {
	char			 bif_name[IFNAMSIZ];
	u_int			 bif_dlt;
	const struct bif_methods *bif_methods;
	void			*bif_softc;
};
static struct bpf_if *tap_bif;

struct bpf_if *
bpf_attach(const char *name, u_int dlt, u_int hdrlen __unused,
    const struct bif_methods *methods, void *softc)
{
	struct bpf_if *bp = keep(calloc(1, sizeof(*bp)));

	strlcpy(bp->bif_name, name, sizeof(bp->bif_name));
	bp->bif_dlt = dlt;
	bp->bif_methods = methods;
	bp->bif_softc = softc;
	tap_bif = bp;
	return (bp);
}

bool
bpf_peers_present(struct bpf_if *bp)
{

	return (bp != NULL && listener);
}

/* A listener with the default BPF_D_INOUT, and one that asks for IN. */
void
bpf_mtap2(struct bpf_if *bp, void *data, u_int dlen, struct mbuf *m)
{

	if (!bpf_peers_present(bp))
		return;
	if (bp->bif_methods->bif_chkdir != NULL &&
	    bp->bif_methods->bif_chkdir(bp->bif_softc, m, BPF_D_IN))
		return;
	capture(data, dlen, m);
}
#endif

void
standin_set_listener(int on)
{

	listener = on;
}

size_t
standin_ncaptured(void)
{

	standin_run_tasks();
	return (ncap);
}

const uint8_t *
standin_captured(size_t i, size_t *lenp)
{

	standin_run_tasks();
	*lenp = caplen[i];
	return (cap[i]);
}

void
standin_clear_captured(void)
{

	standin_run_tasks();
	while (ncap > 0)
		(free)(cap[--ncap]);
}

const char *
standin_tap_name(void)
{

#ifdef MBUF_TRACE_BPF_ATTACH
	return (tap_bif != NULL ? tap_bif->bif_name : "");
#else
	return (tap_ifp != NULL ? tap_ifp->if_xname : "");
#endif
}

unsigned
standin_tap_dlt(void)
{

#ifdef MBUF_TRACE_BPF_ATTACH
	return (tap_bif != NULL ? tap_bif->bif_dlt : 0);
#else
	return (tap_ifp != NULL ? tap_ifp->if_dlt : 0);
#endif
}

int
standin_bpf_validate(const struct bpf_insn *f, int len)
{

	return (standin_pcap_validate(f, len));
}

/* As in the kernel, buflen 0 means p is an mbuf chain. */
u_int
standin_bpf_filter(const struct bpf_insn *pc, u_char *p, u_int wirelen,
    u_int buflen)
{
	struct mbuf *m;
	u_char *buf;
	u_int r, len;

	if (buflen != 0)
		return (standin_pcap_filter(pc, p, wirelen, buflen));
	m = (struct mbuf *)p;
	len = m_length(m, NULL);
	buf = (malloc)(len + 1);
	m_copydata(m, 0, len, (caddr_t)buf);
	r = standin_pcap_filter(pc, buf, wirelen, len);
	(free)(buf);
	return (r);
}

/* VIMAGE: each vnet has its own copy of the set_vnet section. */
extern char __start_set_vnet[] __weak_symbol;
extern char __stop_set_vnet[] __weak_symbol;
SET_DECLARE(sysinit_set, struct sysinit);
SET_DECLARE(standin_vnet_sysinit_set, struct sysinit);
SET_DECLARE(sysctl_set, struct sysctl_oid);

static int
sysinit_cmp(const void *a, const void *b)
{
	const struct sysinit *x = *(struct sysinit * const *)a;
	const struct sysinit *y = *(struct sysinit * const *)b;

	if (x->subsystem != y->subsystem)
		return (x->subsystem < y->subsystem ? -1 : 1);
	return (x->order < y->order ? -1 : x->order > y->order);
}

static void
run_sysinits(struct sysinit **begin, struct sysinit **end)
{
	struct sysinit **v;
	size_t i, n = end - begin;

	v = (malloc)(sizeof(*v) * (n + 1));
	memcpy(v, begin, sizeof(*v) * n);
	qsort(v, n, sizeof(*v), sysinit_cmp);
	for (i = 0; i < n; i++)
		v[i]->func((void *)(uintptr_t)v[i]->udata);
	(free)(v);
}

struct vnet *
standin_vnet_create(void)
{
	struct vnet *v = keep(calloc(1, sizeof(*v)));
	size_t size = __stop_set_vnet - __start_set_vnet;
	struct vnet *saved = curvnet;

	v->vnet_data_mem = calloc(1, size + 1);
	memcpy(v->vnet_data_mem, __start_set_vnet, size);
	v->vnet_data_base = (uintptr_t)v->vnet_data_mem -
	    (uintptr_t)__start_set_vnet;
	if (standin_nvnets == STANDIN_MAXVNETS)
		abort();
	standin_vnets[standin_nvnets++] = v;
	curvnet = v;
	run_sysinits(SET_BEGIN(standin_vnet_sysinit_set),
	    SET_LIMIT(standin_vnet_sysinit_set));
	curvnet = saved;
	return (v);
}

void
standin_vnet_set(struct vnet *v)
{

	curvnet = v;
}

struct vnet *
standin_vnet0(void)
{

	return (vnet0);
}

void
standin_boot(void)
{
	static int booted;

	if (booted++)
		return;
	vnet0 = standin_vnet_create();
	curvnet = vnet0;
	run_sysinits(SET_BEGIN(sysinit_set), SET_LIMIT(sysinit_set));
}

/* sysctl(9) */
struct sysctl_oid sysctl__kern = { NULL, "kern", CTLTYPE_NODE, NULL, 0,
    NULL, "N", "" };

static int
old_out(struct sysctl_req *req, const void *p, size_t l)
{
	size_t i = 0;

	if (req->oldptr != NULL && req->oldidx < req->oldlen) {
		i = req->oldlen - req->oldidx < l ? req->oldlen - req->oldidx :
		    l;
		memcpy((char *)req->oldptr + req->oldidx, p, i);
	}
	req->oldidx += l;
	if (req->oldptr != NULL && i != l)
		return (ENOMEM);
	return (0);
}

static int
new_in(struct sysctl_req *req, void *p, size_t l)
{

	if (req->newptr == NULL)
		return (0);
	if (req->newlen - req->newidx < l)
		return (EINVAL);
	memcpy(p, (const char *)req->newptr + req->newidx, l);
	req->newidx += l;
	return (0);
}

static int
oid_name(struct sysctl_oid *o, char *buf, size_t len)
{

	if (o->oid_parent != NULL) {
		oid_name(o->oid_parent, buf, len);
		strlcat(buf, ".", len);
	}
	return (strlcat(buf, o->oid_name, len) < len);
}

int
standin_sysctl(const char *name, void *old, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct sysctl_oid **op, *o;
	struct sysctl_req req;
	char full[256];
	void *arg1;
	int error;

	SET_FOREACH(op, sysctl_set) {
		o = *op;
		full[0] = '\0';
		oid_name(o, full, sizeof(full));
		if (strcmp(full, name) != 0)
			continue;
		if ((o->oid_kind & CTLTYPE) == CTLTYPE_NODE ||
		    o->oid_handler == NULL)
			return (EISDIR);
		if (newp != NULL && (o->oid_kind & CTLFLAG_WR) == 0)
			return (EPERM);
		memset(&req, 0, sizeof(req));
		req.td = &standin_thread;
		req.oldptr = old;
		req.oldlen = oldlenp != NULL ? *oldlenp : 0;
		req.newptr = newp;
		req.newlen = newlen;
		req.oldfunc = old_out;
		req.newfunc = new_in;
		arg1 = o->oid_arg1;
		if ((o->oid_kind & CTLFLAG_VNET) != 0)
			arg1 = (char *)arg1 + curvnet->vnet_data_base;
		error = o->oid_handler(o, arg1, o->oid_arg2, &req);
		if (oldlenp != NULL)
			*oldlenp = req.oldidx;
		return (error);
	}
	return (ENOENT);
}

int
standin_sysctl_int(const char *name, int v)
{

	return (standin_sysctl(name, NULL, NULL, &v, sizeof(v)));
}

int
standin_sysctl_str(const char *name, const char *s)
{

	return (standin_sysctl(name, NULL, NULL, s, strlen(s)));
}

long long
standin_sysctl_get(const char *name)
{
	uint64_t v = 0;
	int i;
	size_t len = sizeof(v);

	if (standin_sysctl(name, &v, &len, NULL, 0) != 0)
		return (-1);
	if (len == sizeof(int)) {
		memcpy(&i, &v, sizeof(i));
		return (i);
	}
	return ((long long)v);
}

int
sysctl_handle_int(SYSCTL_HANDLER_ARGS)
{
	int tmpout, error;

	(void)oidp;
	tmpout = arg1 != NULL ? *(int *)arg1 : (int)arg2;
	error = SYSCTL_OUT(req, &tmpout, sizeof(int));
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (arg1 == NULL)
		return (EPERM);
	return (SYSCTL_IN(req, arg1, sizeof(int)));
}

int
sysctl_handle_string(SYSCTL_HANDLER_ARGS)
{
	size_t outlen, inlen;
	int error;

	(void)oidp;
	outlen = strnlen(arg1, arg2 - 1) + 1;
	error = SYSCTL_OUT(req, arg1, outlen);
	if (error != 0 || req->newptr == NULL)
		return (error);
	inlen = req->newlen - req->newidx;
	if (inlen >= (size_t)arg2)
		return (EINVAL);
	error = SYSCTL_IN(req, arg1, inlen);
	((char *)arg1)[inlen] = '\0';
	return (error);
}

int
sysctl_handle_counter_u64(SYSCTL_HANDLER_ARGS)
{
	uint64_t out;
	int error;

	(void)oidp;
	(void)arg2;
	out = counter_u64_fetch(*(counter_u64_t *)arg1);
	error = SYSCTL_OUT(req, &out, sizeof(uint64_t));
	if (error != 0 || req->newptr == NULL)
		return (error);
	error = SYSCTL_IN(req, &out, sizeof(uint64_t));
	if (error == 0)
		**(counter_u64_t *)arg1 = 0;
	return (error);
}

int
sysctl_handle_64(SYSCTL_HANDLER_ARGS)
{
	uint64_t v;

	(void)oidp;
	(void)arg2;
	v = *(uint64_t *)arg1;
	return (SYSCTL_OUT(req, &v, sizeof(v)));
}

/* sx(9) */
void
sx_init(struct sx *sx, const char *name)
{
	pthread_rwlock_t *l = calloc(1, sizeof(*l));

	pthread_rwlock_init(l, NULL);
	sx->sx_impl = l;
	sx->sx_name = name;
}

void
sx_sysinit(void *arg)
{
	struct sx_args *sa = arg;

	sx_init(sa->sa_sx, sa->sa_desc);
}

void
sx_xlock(struct sx *sx)
{

	pthread_rwlock_wrlock(sx->sx_impl);
}

void
sx_xunlock(struct sx *sx)
{

	pthread_rwlock_unlock(sx->sx_impl);
}

void
sx_slock(struct sx *sx)
{

	pthread_rwlock_rdlock(sx->sx_impl);
}

void
sx_sunlock(struct sx *sx)
{

	pthread_rwlock_unlock(sx->sx_impl);
}

/* Jails: prison0 (the host) and vnet jails; the sysctl caller's cred. */
static struct prison prison0 = { .pr_name = "0" };
struct prisonlist allprison = TAILQ_HEAD_INITIALIZER(allprison);
struct sx allprison_lock;
static struct ucred standin_cred = { &prison0 };
static struct thread standin_thread = { &standin_cred };

bool
prison_ischild(struct prison *pr1, struct prison *pr2)
{

	for (pr2 = pr2->pr_parent; pr2 != NULL; pr2 = pr2->pr_parent)
		if (pr1 == pr2)
			return (true);
	return (false);
}

bool
prison_isalive(const struct prison *pr)
{

	return (!pr->pr_dead);
}

void *
standin_jail_create(const char *name, struct vnet *v, void *parent)
{
	struct prison *pr;

	if (allprison_lock.sx_impl == NULL)
		sx_init(&allprison_lock, "allprison");
	pr = calloc(1, sizeof(*pr));
	strlcpy(pr->pr_name, name, sizeof(pr->pr_name));
	pr->pr_parent = parent != NULL ? parent : &prison0;
	pr->pr_flags = v != NULL ? PR_VNET : 0;
	pr->pr_vnet = v;
	TAILQ_INSERT_TAIL(&allprison, pr, pr_list);
	return (pr);
}

void
standin_jail_remove(void *pr)
{

	((struct prison *)pr)->pr_dead = 1;
}

void
standin_jail_attach(void *pr)
{

	standin_cred.cr_prison = pr != NULL ? pr : &prison0;
}

/* kld_load, kld_unload, kld_unload_try and pretend modules. */
typedef void (*kld_load_fn)(void *, struct linker_file *);
typedef void (*kld_unload_fn)(void *, const char *, caddr_t, size_t);
static kld_unload_try_fn unload_try_fn;
static void *unload_try_arg;
static kld_load_fn load_fn;
static kld_unload_fn unload_fn;

void *
standin_eventhandler_register(const char *name, void *func, void *arg,
    int pri __unused)
{

	if (strcmp(name, "kld_unload_try") == 0) {
		unload_try_fn = (kld_unload_try_fn)func;
		unload_try_arg = arg;
	} else if (strcmp(name, "kld_load") == 0)
		load_fn = (kld_load_fn)func;
	else if (strcmp(name, "kld_unload") == 0)
		unload_fn = (kld_unload_fn)func;
	else
		abort();
	return (func);
}

struct linker_file {
	void	**lf_set_start;
	void	**lf_set_stop;
	char	*lf_mem;	/* the module's "mapping" */
	size_t	 lf_size;
};
static struct linker_file standin_kernel_lf;
linker_file_t linker_kernel_file = &standin_kernel_lf;

int
linker_file_foreach(linker_predicate_t *pred, void *ctx)
{

	/* Only the kernel is loaded at boot. */
	return (pred(linker_kernel_file, ctx));
}

/*
 * A pretend module with n tracepoints: its descriptors and the set that
 * points at them live in its own "mapping", as a loaded .ko's do.
 */
void *
standin_kld_load(int n)
{
	struct linker_file *lf;
	struct mbuf_trace_point *tps;
	void **set;
	int i;

	lf = calloc(1, sizeof(*lf));
	lf->lf_size = n * (sizeof(*tps) + sizeof(void *));
	lf->lf_mem = calloc(1, lf->lf_size);
	set = (void **)lf->lf_mem;
	tps = (struct mbuf_trace_point *)(set + n);
	for (i = 0; i < n; i++) {
		tps[i].tp_file = "/usr/src/sys/net/fake_mod.c";
		tps[i].tp_func = "fake_mod_input";
		tps[i].tp_line = 100 + i;
		tps[i].tp_subsys = MBT_SS_TEST;
		tps[i].tp_kind = MBT_HK_POINT;
		tps[i].tp_enabled = 1;
		set[i] = &tps[i];
	}
	lf->lf_set_start = set;
	lf->lf_set_stop = set + n;
	if (load_fn != NULL)
		load_fn(NULL, lf);
	return (lf);
}

void
standin_kld_unload(void *handle)
{
	struct linker_file *lf = handle;

	if (unload_fn != NULL)
		unload_fn(NULL, "fake_mod.ko", lf->lf_mem, lf->lf_size);
	(free)(lf->lf_mem);
	(free)(lf);
}

int
linker_file_lookup_set(linker_file_t lf, const char *name, void *startp,
    void *stopp, int *countp)
{

	if (strcmp(name, "mbuf_trace_set") != 0 || lf->lf_set_start == NULL)
		return (ESRCH);
	*(void ***)startp = lf->lf_set_start;
	*(void ***)stopp = lf->lf_set_stop;
	if (countp != NULL)
		*countp = lf->lf_set_stop - lf->lf_set_start;
	return (0);
}

int
standin_kld_unload_try(int ntracepoints)
{
	static void *fake_set[4];
	struct linker_file lf;
	int error = 0;

	lf.lf_set_start = ntracepoints >= 0 ? fake_set : NULL;
	lf.lf_set_stop = fake_set + (ntracepoints > 0 ? ntracepoints : 0);
	if (unload_try_fn != NULL)
		unload_try_fn(unload_try_arg, &lf, &error);
	return (error);
}
