/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuf_trace(9): per-packet path tracing.  A selected mbuf carries one
 * persistent m_tag holding fixed-size hops (a tracepoint descriptor plus
 * dynamic values).  When the packet is freed the tag is unlinked from it,
 * whole, and queued on the current CPU; a taskqueue thread encodes the
 * queued traces as mbuftrace records (sys/mbuf_trace_enc.h) and hands
 * them to the BPF tap mbuf_trace0 (DLT_USER0).  Nothing but an unlink and
 * a queue insertion runs where the packet is freed, often under another
 * subsystem's locks.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/counter.h>
#include <sys/epoch.h>
#include <sys/eventhandler.h>
#include <sys/fail.h>
#include <sys/jail.h>
#include <sys/kernel.h>
#include <sys/linker.h>
#include <sys/linker_set.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <sys/priority.h>
#include <sys/proc.h>
#include <sys/rmlock.h>
#include <sys/smp.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/sx.h>
#include <sys/sysctl.h>
#include <sys/taskqueue.h>

#include <machine/atomic.h>

#include <net/bpf.h>
#include <net/if.h>
#include <net/if_var.h>
#include <net/if_types.h>
#include <net/vnet.h>

#include <sys/mbuf_trace.h>
#include <sys/mbuf_trace_enc.h>

#define	MBT_MAX_HOPS		1024	/* keeps the tag under 64 KB */
#define	MBT_MAX_IFACES		16
#define	MBT_FILTER_TEXT		(16 * 1024)
#define	MBT_SNAPLEN_MAX		2048
/* Bytes of a packet the selection filter sees (flat copy, see below). */
#define	MBT_FILTER_BYTES	256
#define	ETHER_HDR_LEN_MBT	14	/* mbt_run_filter()'s made-up header */
/* Largest record handed to the tap; kern.mbuf_trace.max_record. */
#define	MBT_RECORD_MAX		(256 * 1024)

static MALLOC_DEFINE(M_MBUFTRACE, "mbuf_trace", "mbuf path tracing");

SET_DECLARE(mbuf_trace_set, struct mbuf_trace_point);

/* Read on every tracepoint: keep them apart from written data. */
int __read_mostly mbuf_trace_on;
int __read_mostly mbuf_trace_armed;
int __read_mostly mbuf_trace_anywhere;
/*
 * A hint that some trace exists: set when a trace starts and it was 0,
 * cleared by the emission task when the count of live traces (a
 * counter(9), so that no shared line is written per trace) is zero.
 */
int __read_mostly mbuf_trace_live;

static int mbt_max_hops = 32;
#define	MBT_HOPS_FIRST	16	/* hops in a new trace's tag (808 bytes) */
static int mbt_snaplen = 128;
static int mbt_max_record = 64 * 1024;
static volatile uint64_t mbt_next_id;
static u_int mbt_next_vnet;

/* Selection, read at start points under mbt_sel_lock. */
static struct rmlock mbt_sel_lock;
RM_SYSINIT(mbt_sel, &mbt_sel_lock, "mbuf_trace selection");
static char mbt_ifaces[MBT_MAX_IFACES][MBUF_TRACE_NAMELEN];
static int mbt_nifaces;
static struct bpf_insn *mbt_filter;
static int mbt_filter_len;

/*
 * Tracepoints of loaded modules, numbered after the kernel's when they
 * load (kld_load, or at boot for preloaded ones) and dropped when they
 * unload, so that kern.mbuf_trace.tracepoints lists and switches them.
 * Lock order: the linker's kld_sx, then this.
 */
struct mbt_kld {
	LIST_ENTRY(mbt_kld)	 k_link;
	struct mbuf_trace_point	**k_start;
	struct mbuf_trace_point	**k_stop;
};
static LIST_HEAD(, mbt_kld) mbt_klds = LIST_HEAD_INITIALIZER(mbt_klds);
static struct sx mbt_kld_lock;
SX_SYSINIT(mbt_kld, &mbt_kld_lock, "mbuf_trace modules");
static uint16_t mbt_next_tpid;

/*
 * Tracing state: mbuf_trace_on and mbuf_trace_armed change only under
 * this lock, so that the emission task's "nothing left" and a module
 * unload's check see a consistent pair.
 */
static struct mtx mbt_state_lock;
MTX_SYSINIT(mbt_state, &mbt_state_lock, "mbuf_trace state", MTX_DEF);

/*
 * Finished traces wait here, one queue per CPU, linked through the tag's
 * own m_tag_link (the tag is off its mbuf by then), each stamped with
 * the time it was queued so that the task can merge the queues in order.
 */
struct mbt_queue {
	struct mtx	 q_lock;
	struct m_tag	*q_head;
	struct m_tag	**q_tailp;
	u_int		 q_len;
} __aligned(CACHE_LINE_SIZE);
static struct mbt_queue *mbt_queues;
static struct taskqueue *mbt_tq;
static struct task mbt_task;
/* Encoding buffer and string scratch of the task (one thread). */
static void *mbt_ebuf;
static size_t mbt_ebuf_cap;

#ifdef MBUF_TRACE_BPF_ATTACH
static struct bpf_if *mbt_bpf;
#else
/* Each vnet's tap; see mbt_tap_attach(). */
VNET_DEFINE_STATIC(if_t, mbt_ifp);
#define	V_mbt_ifp	VNET(mbt_ifp)
#endif

static counter_u64_t mbt_st_traces;
static counter_u64_t mbt_st_copies;
static counter_u64_t mbt_st_lost;
static counter_u64_t mbt_st_fail_tag;
static counter_u64_t mbt_st_fail_copy;
static counter_u64_t mbt_st_fail_snap;
static counter_u64_t mbt_st_emitted;
static counter_u64_t mbt_st_nolistener;
static counter_u64_t mbt_st_rejected;
static counter_u64_t mbt_st_encode_err;
static counter_u64_t mbt_st_cut;
static counter_u64_t mbt_st_fail_grow;
static counter_u64_t mbt_st_too_big;
static counter_u64_t mbt_st_fail_emit;
static counter_u64_t mbt_st_unheard;
static counter_u64_t mbt_st_empty;
static counter_u64_t mbt_st_queued;
static counter_u64_t mbt_st_discarded;
/* Traces started minus traces released (see mbuf_trace_live). */
static counter_u64_t mbt_live;

VNET_DEFINE_STATIC(uint32_t, mbt_vnet_id);
#define	V_mbt_vnet_id	VNET(mbt_vnet_id)

SYSCTL_NODE(_kern, OID_AUTO, mbuf_trace, CTLFLAG_RW | CTLFLAG_MPSAFE, 0,
    "mbuf path tracing");
SYSCTL_NODE(_kern_mbuf_trace, OID_AUTO, stats, CTLFLAG_RW | CTLFLAG_MPSAFE,
    0, "mbuf path tracing statistics");

/*
 * Vnet ids: struct vnet has no number, so each vnet gets the next one when
 * it is created; vnet0 is created first and gets 0.
 */
static void
mbt_vnet_init(void *unused __unused)
{

	V_mbt_vnet_id = atomic_fetchadd_int(&mbt_next_vnet, 1);
}
VNET_SYSINIT(mbt_vnet_init, SI_SUB_INIT_IF, SI_ORDER_ANY, mbt_vnet_init,
    NULL);

static int
mbt_sysctl_live(SYSCTL_HANDLER_ARGS)
{
	uint64_t v;

	v = counter_u64_fetch(mbt_live);
	return (sysctl_handle_64(oidp, &v, 0, req));
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, live,
    CTLTYPE_U64 | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0, mbt_sysctl_live,
    "QU", "Traces that exist now (on mbufs, or queued for emission)");
SYSCTL_UINT(_kern_mbuf_trace, OID_AUTO, vnet_id,
    CTLFLAG_VNET | CTLFLAG_RD, &VNET_NAME(mbt_vnet_id), 0,
    "Id of this vnet in trace records");

#ifdef VIMAGE
/*
 * "1 r\n2 m\n": the vnet id of each vnet jail the reader can see (its own
 * and its descendants), with the jail's name, so that a capture can say
 * "vnet 1 (r)".
 */
static int
mbt_sysctl_vnets(SYSCTL_HANDLER_ARGS)
{
	struct prison *pr, *mypr;
	char line[MAXHOSTNAMELEN + 16];
	int error, n;

	mypr = req->td->td_ucred->cr_prison;
	error = 0;
	sx_slock(&allprison_lock);
	TAILQ_FOREACH(pr, &allprison, pr_list) {
		if ((pr->pr_flags & PR_VNET) == 0 || !prison_isalive(pr) ||
		    (pr != mypr && !prison_ischild(mypr, pr)))
			continue;
		n = snprintf(line, sizeof(line), "%u %s\n",
		    VNET_VNET(pr->pr_vnet, mbt_vnet_id), pr->pr_name);
		if ((error = SYSCTL_OUT(req, line, n)) != 0)
			break;
	}
	sx_sunlock(&allprison_lock);
	if (error != 0)
		return (error);
	return (SYSCTL_OUT(req, "", 1));
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, vnets,
    CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0, mbt_sysctl_vnets,
    "A", "Vnet jails: vnet id and jail name, one per line");
#endif

uint32_t
mbuf_trace_vnet_id(struct vnet *vnet)
{

#ifdef VIMAGE
	if (vnet == NULL)
		return (MBUF_TRACE_VNET_NONE);
#endif
	return (VNET_VNET(vnet, mbt_vnet_id));
}

static __inline uint32_t
mbt_cur_vnet_id(void)
{

#ifdef VIMAGE
	if (curvnet == NULL)
		return (MBUF_TRACE_VNET_NONE);
#endif
	return (V_mbt_vnet_id);
}

/* "/usr/src/sys/net/if.c" -> "sys/net/if.c" (SPEC 4.3). */
static const char *
mbt_relfile(const char *file)
{
	const char *p, *rel;

	rel = file;
	for (p = file; *p != '\0'; p++)
		if (p[0] == '/' && strncmp(p + 1, "sys/", 4) == 0)
			rel = p + 1;
	if (rel == file) {
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		while (strncmp(rel, "../", 3) == 0)
			rel += 3;
	}
	return (rel);
}

static __inline struct m_tag *
mbt_tag(struct mbuf *m)
{
	struct m_tag *mt;

	/* The trace tag is prepended, so it is nearly always first. */
	mt = SLIST_FIRST(&m->m_pkthdr.tags);
	if (mt == NULL)
		return (NULL);
	if (mt->m_tag_cookie == MTAG_MBUF_TRACE &&
	    mt->m_tag_id == MBUF_TRACE_TAG_TRACE)
		return (mt);
	return (m_tag_locate(m, MTAG_MBUF_TRACE, MBUF_TRACE_TAG_TRACE,
	    NULL));
}

#define	MBT_TAG_TRACE(mt)	((struct mbuf_trace *)((mt) + 1))
#define	MBT_TRACE_TAG(t)	((struct m_tag *)(t) - 1)

struct mbuf_trace *
mbuf_trace_get(struct mbuf *m)
{
	struct m_tag *mt;

	if (m == NULL || (m->m_flags & M_PKTHDR) == 0)
		return (NULL);
	mt = mbt_tag(m);
	return (mt == NULL ? NULL : MBT_TAG_TRACE(mt));
}

/*
 * debug.fail_point.mbuf_trace_alloc fails the facility's M_NOWAIT
 * allocations (trace tag, growth, snapshot), e.g. "5%return".
 */
static bool
mbt_alloc_fails(void)
{

	KFAIL_POINT_CODE(DEBUG_FP, mbuf_trace_alloc, return (true));
	return (false);
}

/* Nothing may be queued or encoded while the kernel panics or dumps. */
static __inline bool
mbt_quiet(void)
{

	return (KERNEL_PANICKED() || dumping);
}

#ifndef MBUF_TRACE_BPF_ATTACH
/* The host's tap: vnet0's, which carries every record. */
static __inline if_t
mbt_host_tap(void)
{

#ifdef VIMAGE
	return (VNET_VNET(vnet0, mbt_ifp));
#else
	return (V_mbt_ifp);
#endif
}
#endif

/*
 * Someone would see a trace started here: the host's tap has a listener,
 * or the current vnet's own tap has.
 */
static bool
mbt_listening(void)
{
#ifdef MBUF_TRACE_BPF_ATTACH

	return (mbt_bpf != NULL && bpf_peers_present(mbt_bpf));
#else
	if_t ifp;

	ifp = mbt_host_tap();
	if (ifp != NULL && bpf_peers_present_if(ifp))
		return (true);
#ifdef VIMAGE
	if (curvnet != NULL && curvnet != vnet0) {
		ifp = V_mbt_ifp;
		if (ifp != NULL && bpf_peers_present_if(ifp))
			return (true);
	}
#endif
	return (false);
#endif
}

#define	MBT_TS_MOVED	0x01	/* a grown copy replaced this tag */

/* Frees the snapshots a trace owns. */
static void
mbt_free_snaps(struct mbuf_trace *t)
{
	struct mbuf_trace_hop *h;
	int i;

	for (i = 0; i < t->t_nhops; i++) {
		h = &t->t_hops[i];
		if ((h->h_flags & MBUF_TRACE_HF_SNAP) != 0 &&
		    h->h_u.hu_snap != NULL)
			free(h->h_u.hu_snap, M_MBUFTRACE);
		if ((h->h_flags & MBUF_TRACE_HF_XLATE) != 0 &&
		    h->h_u.hu_xl != NULL)
			free(h->h_u.hu_xl, M_MBUFTRACE);
	}
	if (t->t_snap != NULL)
		free(t->t_snap, M_MBUFTRACE);
	t->t_snap = NULL;
}

/* Frees a trace's snapshots and its tag, and counts it gone. */
static void
mbt_release(struct m_tag *mt)
{

	mbt_free_snaps(MBT_TAG_TRACE(mt));
	counter_u64_add(mbt_live, -1);
	m_tag_free_default(mt);
}

/*
 * Queues a finished trace (already off its mbuf) for the emission task.
 * A mutex of this CPU's queue and, for the first entry, a taskqueue
 * enqueue: no allocation, no encoding, no BPF here.
 */
static void
mbt_enqueue(struct m_tag *mt)
{
	struct mbuf_trace *t;
	struct mbt_queue *q;
	bool first;

	t = MBT_TAG_TRACE(mt);
	if (__predict_false(mbt_quiet() || mbt_queues == NULL)) {
		counter_u64_add(mbt_st_discarded, 1);
		mbt_release(mt);
		return;
	}
	t->t_qticks = cpu_ticks();
	SLIST_NEXT(mt, m_tag_link) = NULL;
	q = &mbt_queues[curcpu];
	mtx_lock(&q->q_lock);
	*q->q_tailp = mt;
	q->q_tailp = &SLIST_NEXT(mt, m_tag_link);
	first = q->q_len++ == 0;
	mtx_unlock(&q->q_lock);
	counter_u64_add(mbt_st_queued, 1);
	if (first)
		taskqueue_enqueue(mbt_tq, &mbt_task);
}

/*
 * The tag's free routine.  A tag replaced by a grown copy is just freed.
 * Any other deletion (code that deletes a packet's whole tag chain, such
 * as a driver peeling "stale" tags) ends the trace: it is queued as cut
 * instead of lost.
 */
static void
mbt_tag_free(struct m_tag *mt)
{
	struct mbuf_trace *t;

	t = MBT_TAG_TRACE(mt);
	if ((t->t_state & MBT_TS_MOVED) != 0) {
		m_tag_free_default(mt);
		return;
	}
	counter_u64_add(mbt_st_cut, 1);
	t->t_flags |= MBT_RF_CUT;
	mbt_enqueue(mt);
}

/* Starts a trace on m; never fails the packet, only the trace. */
static struct mbuf_trace *
mbt_new(struct mbuf *m, uint64_t id, uint64_t parent)
{
	struct m_tag *mt;
	struct mbuf_trace *t;
	int cap, len;

	/* Most paths fit in the first tag; longer ones grow it. */
	cap = MIN(mbt_max_hops, MBT_HOPS_FIRST);
	len = sizeof(*t) + cap * sizeof(struct mbuf_trace_hop);
	mt = mbt_alloc_fails() ? NULL : m_tag_alloc(MTAG_MBUF_TRACE,
	    MBUF_TRACE_TAG_TRACE, len, M_NOWAIT);
	if (mt == NULL) {
		counter_u64_add(mbt_st_fail_tag, 1);
		return (NULL);
	}
	t = MBT_TAG_TRACE(mt);
	if (id == 0) {
		id = atomic_fetchadd_64(&mbt_next_id, 1) + 1;
		counter_u64_add(mbt_st_traces, 1);
	}
	t->t_id = id;
	t->t_parent = parent;
	t->t_qticks = 0;
	t->t_lost = 0;
	t->t_allocfail = 0;
	t->t_cap = cap;
	t->t_nhops = 0;
	t->t_flags = parent != 0 ? MBT_RF_COPY : 0;
	t->t_depth = 0;
	t->t_state = 0;
	t->t_snap = NULL;
	t->t_snap_hop = 0;
	t->t_snap_lt = MBT_LINKTYPE_NONE;
	mt->m_tag_free = mbt_tag_free;
	/*
	 * Count it, then make sure the hint says a trace exists.  The fence
	 * pairs with the one in mbt_task_idle(): either this sees the hint
	 * cleared and sets it, or the task sees this trace in the count.
	 */
	counter_u64_add(mbt_live, 1);
	atomic_thread_fence_seq_cst();
	if (mbuf_trace_live == 0)
		atomic_store_int(&mbuf_trace_live, 1);
	m_tag_prepend(m, mt);
	return (t);
}

/*
 * Doubles the room of *tp, up to kern.mbuf_trace.max_hops: a bigger tag
 * replaces the old one, whose free routine must then not queue it.
 */
static bool
mbt_grow(struct mbuf *m, struct mbuf_trace **tp)
{
	struct m_tag *mt;
	struct mbuf_trace *t, *n;
	int cap;

	t = *tp;
	cap = MIN(t->t_cap * 2, mbt_max_hops);
	if (cap <= t->t_cap)
		return (false);
	mt = mbt_alloc_fails() ? NULL : m_tag_alloc(MTAG_MBUF_TRACE,
	    MBUF_TRACE_TAG_TRACE, sizeof(*t) + cap *
	    sizeof(struct mbuf_trace_hop), M_NOWAIT);
	if (mt == NULL) {
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_grow, 1);
		return (false);
	}
	n = MBT_TAG_TRACE(mt);
	/* The snapshots (hu_snap) move with the hops. */
	memcpy(n, t, sizeof(*t) + t->t_nhops * sizeof(struct mbuf_trace_hop));
	n->t_cap = cap;
	mt->m_tag_free = mbt_tag_free;
	t->t_state |= MBT_TS_MOVED;
	m_tag_delete(m, MBT_TRACE_TAG(t));
	m_tag_prepend(m, mt);
	*tp = n;
	return (true);
}

/*
 * Appends a hop for tp to *tpp, the trace of m (which may move when it
 * grows); NULL if the trace is full.
 */
static struct mbuf_trace_hop *
mbt_append(struct mbuf *m, struct mbuf_trace **tpp,
    struct mbuf_trace_point *tp)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;
	uint8_t depth;

	t = *tpp;
	depth = t->t_depth;
	if (tp->tp_kind == MBT_HK_LEAVE && depth > 0)
		depth = --t->t_depth;
	else if (tp->tp_kind == MBT_HK_ENTER && depth < MBT_HOP_DEPTH_MAX)
		t->t_depth++;
	if (__predict_false(t->t_nhops >= t->t_cap)) {
		if (!mbt_grow(m, tpp)) {
			t->t_lost++;
			t->t_flags |= MBT_RF_HOPS_LOST;
			counter_u64_add(mbt_st_lost, 1);
			return (NULL);
		}
		t = *tpp;
	}
	h = &t->t_hops[t->t_nhops++];
	h->h_tp = tp;
	h->h_ticks = cpu_ticks();
	h->h_vnet = mbt_cur_vnet_id();
	h->h_cpu = curcpu;
	h->h_depth = depth;
	h->h_flags = 0;
	return (h);
}

/* The trace of m, started here if tracing may start anywhere. */
static __inline struct mbuf_trace *
mbt_trace(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t;

	if (tp->tp_enabled == 0)
		return (NULL);
	t = mbuf_trace_get(m);
	if (t == NULL && mbuf_trace_anywhere != 0 &&
	    (m->m_flags & M_PKTHDR) != 0) {
		if (!mbt_listening()) {
			counter_u64_add(mbt_st_nolistener, 1);
			return (NULL);
		}
		t = mbt_new(m, 0, 0);
	}
	return (t);
}

void
mbuf_trace_hop(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t;

	t = mbt_trace(tp, m);
	if (t != NULL)
		(void)mbt_append(m, &t, tp);
}

void
mbuf_trace_hop_vnet(struct mbuf_trace_point *tp, struct mbuf *m,
    struct vnet *vnet)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t != NULL && (h = mbt_append(m, &t, tp)) != NULL)
		h->h_vnet = mbuf_trace_vnet_id(vnet);
}

static void
mbt_set_if(struct mbuf_trace_hop *h, struct ifnet *ifp, int dir)
{

	memset(&h->h_u.hu_if, 0, sizeof(h->h_u.hu_if));
	if (ifp != NULL) {
		strlcpy(h->h_u.hu_if.name, if_name(ifp),
		    sizeof(h->h_u.hu_if.name));
		h->h_u.hu_if.index = if_getindex(ifp);
	}
	h->h_u.hu_if.dir = dir;
}

void
mbuf_trace_hop_if(struct mbuf_trace_point *tp, struct mbuf *m,
    struct ifnet *ifp, int dir)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t != NULL && (h = mbt_append(m, &t, tp)) != NULL)
		mbt_set_if(h, ifp, dir);
}

void
mbuf_trace_hop_node(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *node, const char *hook)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t != NULL && (h = mbt_append(m, &t, tp)) != NULL) {
		strlcpy(h->h_u.hu_ng.node, node != NULL ? node : "",
		    sizeof(h->h_u.hu_ng.node));
		strlcpy(h->h_u.hu_ng.hook, hook != NULL ? hook : "",
		    sizeof(h->h_u.hu_ng.hook));
	}
}

static struct mbuf_trace_hop *
mbt_rule_hop(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *ruleset, uint32_t rule, int action)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t == NULL || (h = mbt_append(m, &t, tp)) == NULL)
		return (NULL);
	memset(&h->h_u.hu_rule, 0, sizeof(h->h_u.hu_rule));
	if (ruleset != NULL)
		strlcpy(h->h_u.hu_rule.ruleset, ruleset,
		    sizeof(h->h_u.hu_rule.ruleset));
	h->h_u.hu_rule.rule = rule;
	h->h_u.hu_rule.action = action;
	return (h);
}

void
mbuf_trace_hop_rule(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *ruleset, uint32_t rule, int action)
{

	(void)mbt_rule_hop(tp, m, ruleset, rule, action);
}

/* A verdict that created or matched the firewall state id/creator. */
void
mbuf_trace_hop_state(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *ruleset, uint32_t rule, int action, uint64_t id,
    uint32_t creator, int how)
{
	struct mbuf_trace_hop *h;

	h = mbt_rule_hop(tp, m, ruleset, rule, action);
	if (h == NULL)
		return;
	h->h_u.hu_rule.how = how;
	h->h_u.hu_rule.creator = creator;
	h->h_u.hu_rule.state = id;
}

/*
 * A snapshot is a buffer of the trace's own, not an m_tag, so that the
 * finished trace tag is self-contained when it is queued.  m_copydata()
 * handles unmapped (M_EXTPG) mbufs.
 */
static struct mbuf_trace_snap *
mbt_snap(struct mbuf_trace *t, struct mbuf *m)
{
	struct mbuf_trace_snap *sn;
	int len;

	len = imin(m->m_pkthdr.len, mbt_snaplen);
	if (len <= 0)
		return (NULL);
	sn = mbt_alloc_fails() ? NULL : malloc(sizeof(*sn) + len,
	    M_MBUFTRACE, M_NOWAIT);
	if (sn == NULL) {
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_snap, 1);
		return (NULL);
	}
	sn->sn_len = len;
	m_copydata(m, 0, len, (caddr_t)(sn + 1));
	return (sn);
}

void
mbuf_trace_hop_snap(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t == NULL || (h = mbt_append(m, &t, tp)) == NULL)
		return;
	h->h_flags |= MBUF_TRACE_HF_SNAP;
	h->h_u.hu_snap = mbt_snap(t, m);
}

/*
 * A translation: the rule, what it rewrote (*xl, copied) and a snapshot of
 * the packet after it, in one buffer of the trace's own.
 */
void
mbuf_trace_hop_xlate(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *ruleset, uint32_t rule, int action,
    const struct mbt_xlate *xl)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;
	struct mbuf_trace_xlate *x;
	int len;

	t = mbt_trace(tp, m);
	if (t == NULL || (h = mbt_append(m, &t, tp)) == NULL)
		return;
	h->h_flags |= MBUF_TRACE_HF_XLATE;
	len = imin(m->m_pkthdr.len, mbt_snaplen);
	if (len < 0)
		len = 0;
	x = mbt_alloc_fails() ? NULL : malloc(sizeof(*x) + len,
	    M_MBUFTRACE, M_NOWAIT | M_ZERO);
	h->h_u.hu_xl = x;
	if (x == NULL) {
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_snap, 1);
		return;
	}
	if (ruleset != NULL)
		strlcpy(x->xl_ruleset, ruleset, sizeof(x->xl_ruleset));
	x->xl_rule = rule;
	x->xl_action = action;
	x->xl_x = *xl;
	x->xl_snap.sn_len = len;
	if (len > 0)
		m_copydata(m, 0, len, (caddr_t)(&x->xl_snap + 1));
}

/* Start points of these subsystems see a link (Ethernet) header. */
static bool
mbt_has_link_header(uint8_t subsys)
{

	switch (subsys) {
	case MBT_SS_ETHER:
	case MBT_SS_EPAIR:
	case MBT_SS_BRIDGE:
	case MBT_SS_VLAN:
	case MBT_SS_LAGG:
	case MBT_SS_NETGRAPH:
	case MBT_SS_DRIVER:
		return (true);
	default:
		return (false);
	}
}

/* The link type of what a start point of subsys sees first. */
static uint16_t
mbt_start_linktype(struct mbuf *m, uint8_t subsys)
{
	u_char v;

	if (mbt_has_link_header(subsys))
		return (MBT_LINKTYPE_ETHERNET);
	if (subsys == MBT_SS_IP)
		return (MBT_LINKTYPE_IPV4);
	if (subsys == MBT_SS_IP6)
		return (MBT_LINKTYPE_IPV6);
	v = 0;
	if (m->m_pkthdr.len > 0)
		m_copydata(m, 0, 1, (caddr_t)&v);
	v >>= 4;
	return (v == 4 ? MBT_LINKTYPE_IPV4 : v == 6 ? MBT_LINKTYPE_IPV6 :
	    MBT_LINKTYPE_NONE);
}

/*
 * Runs the filter.  One program, compiled for Ethernet (tcpdump -ddd -y
 * EN10MB), serves every start point: where the packet starts at the IP
 * header it gets a made-up Ethernet header first.  The type comes from
 * the subsystem, or from the IP version of the first byte.
 *
 * The filter reads a flat copy of the packet's first MBT_FILTER_BYTES
 * bytes, never the chain: bpf_filter() over a chain dereferences m_data,
 * which an unmapped (M_EXTPG) mbuf from sendfile(2) or KTLS does not
 * have before ip_output() maps it; m_copydata() handles those.  A
 * program that reads past the copy rejects the packet, as it would past
 * the end of a short packet.
 */
static bool
mbt_run_filter(struct mbuf *m, uint8_t subsys)
{
	u_char buf[ETHER_HDR_LEN_MBT + MBT_FILTER_BYTES];
	uint16_t type;
	int hdr, len, plen;
	u_char v;

	plen = m->m_pkthdr.len;
	if (plen < 0)
		return (false);
	hdr = 0;
	if (!mbt_has_link_header(subsys)) {
		if (subsys == MBT_SS_IP)
			type = 0x0800;
		else if (subsys == MBT_SS_IP6)
			type = 0x86dd;
		else {
			v = 0;
			if (plen > 0)
				m_copydata(m, 0, 1, (caddr_t)&v);
			v >>= 4;
			type = v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0;
		}
		memset(buf, 0, ETHER_HDR_LEN_MBT);
		buf[12] = type >> 8;
		buf[13] = type & 0xff;
		hdr = ETHER_HDR_LEN_MBT;
	}
	len = imin(plen, MBT_FILTER_BYTES);
	if (len > 0)
		m_copydata(m, 0, len, (caddr_t)buf + hdr);
	return (bpf_filter(mbt_filter, buf, plen + hdr, len + hdr) != 0);
}

/* Interface list and BPF program; empty means "any". */
static bool
mbt_select(struct mbuf *m, struct ifnet *ifp, uint8_t subsys)
{
	struct rm_priotracker tracker;
	const char *name;
	bool ok;
	int i;

	/*
	 * Nothing narrows the selection: skip the lock (a racy read only
	 * delays a new setting by a packet).
	 */
	if (mbt_nifaces == 0 && mbt_filter == NULL)
		return (true);
	ok = true;
	rm_rlock(&mbt_sel_lock, &tracker);
	if (mbt_nifaces > 0) {
		ok = false;
		name = ifp != NULL ? if_name(ifp) : "";
		for (i = 0; i < mbt_nifaces && !ok; i++)
			if (strcmp(mbt_ifaces[i], name) == 0)
				ok = true;
	}
	if (ok && mbt_filter != NULL)
		ok = mbt_run_filter(m, subsys);
	rm_runlock(&mbt_sel_lock, &tracker);
	return (ok);
}

void
mbuf_trace_start(struct mbuf_trace_point *tp, struct mbuf *m,
    struct ifnet *ifp, int dir)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	if (m == NULL || (m->m_flags & M_PKTHDR) == 0 || tp->tp_enabled == 0)
		return;
	t = mbuf_trace_get(m);
	if (t == NULL) {
		/* Nobody would see it: start nothing. */
		if (!mbt_listening()) {
			counter_u64_add(mbt_st_nolistener, 1);
			return;
		}
		if (!mbt_select(m, ifp, tp->tp_subsys)) {
			counter_u64_add(mbt_st_rejected, 1);
			return;
		}
		if ((t = mbt_new(m, 0, 0)) == NULL)
			return;
	}
	if ((h = mbt_append(m, &t, tp)) == NULL)
		return;
	mbt_set_if(h, ifp, dir);
	/*
	 * The segment's first start point shows the packet: a new trace, or
	 * the reply that goes on after an emission point (icmp_reflect()).
	 */
	if (t->t_snap == NULL && (t->t_snap = mbt_snap(t, m)) != NULL) {
		t->t_snap_hop = h - t->t_hops;
		t->t_snap_lt = mbt_start_linktype(m, tp->tp_subsys);
	}
}

void
mbuf_trace_copy(struct mbuf_trace_point *tp, struct mbuf *m, struct mbuf *n)
{
	struct mbuf_trace *t, *c;
	struct mbuf_trace_hop *h;

	if ((n->m_flags & M_PKTHDR) == 0 || (t = mbuf_trace_get(m)) == NULL)
		return;
	/* Already a child (m_dup() inside e.g. pf's dup-to): just note. */
	if ((c = mbuf_trace_get(n)) != NULL && c->t_parent == t->t_id) {
		(void)mbt_append(n, &c, tp);
		if ((h = mbt_append(m, &t, tp)) != NULL) {
			h->h_flags |= MBUF_TRACE_HF_COPY;
			h->h_u.hu_copy = c->t_id;
		}
		return;
	}
	if (c != NULL)
		return;		/* n has a trace of its own */
	counter_u64_add(mbt_st_copies, 1);
	c = mbt_new(n, 0, t->t_id);
	if (c == NULL) {
		/* The copy goes untraced; the original's record says so. */
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_copy, 1);
		return;
	}
	c->t_depth = t->t_depth;
	(void)mbt_append(n, &c, tp);
	if ((h = mbt_append(m, &t, tp)) != NULL) {
		h->h_flags |= MBUF_TRACE_HF_COPY;
		h->h_u.hu_copy = c->t_id;
	}
}

/*
 * The packet of "from" goes on as "to" (m_defrag() copies a packet into a
 * new chain and frees the old one): the trace moves along instead of
 * ending as freed.
 */
void
mbuf_trace_move(struct mbuf_trace_point *tp, struct mbuf *from,
    struct mbuf *to)
{
	struct m_tag *mt;
	struct mbuf_trace *t;

	if ((from->m_flags & M_PKTHDR) == 0 || (to->m_flags & M_PKTHDR) == 0 ||
	    (mt = mbt_tag(from)) == NULL || mbt_tag(to) != NULL)
		return;
	m_tag_unlink(from, mt);
	m_tag_prepend(to, mt);
	t = MBT_TAG_TRACE(mt);
	if (tp->tp_enabled != 0)
		(void)mbt_append(to, &t, tp);
}

/*
 * An explicit emission point (e.g. icmp_reflect(), where a request becomes
 * its reply): the segment so far is copied into a tag of its exact size
 * and queued as a record; the packet keeps its (grown) tag for the next
 * segment of the same trace.  The snapshots go with the queued copy.
 */
void
mbuf_trace_emit(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t, *c;
	struct m_tag *mt;
	size_t len;

	t = mbt_trace(tp, m);
	if (t == NULL)
		return;
	(void)mbt_append(m, &t, tp);
	len = sizeof(*t) + t->t_nhops * sizeof(struct mbuf_trace_hop);
	mt = mbt_alloc_fails() ? NULL : m_tag_alloc(MTAG_MBUF_TRACE,
	    MBUF_TRACE_TAG_TRACE, len, M_NOWAIT);
	if (mt == NULL) {
		/* The segment is lost; the next one says so. */
		counter_u64_add(mbt_st_fail_emit, 1);
		mbt_free_snaps(t);
		t->t_lost += t->t_nhops;
		t->t_nhops = 0;
		t->t_allocfail++;
		t->t_flags |= MBT_RF_HOPS_LOST | MBT_RF_ALLOC_FAIL;
		return;
	}
	c = MBT_TAG_TRACE(mt);
	memcpy(c, t, len);
	c->t_cap = c->t_nhops;
	c->t_state = 0;
	t->t_snap = NULL;
	mt->m_tag_free = mbt_tag_free;
	counter_u64_add(mbt_live, 1);
	mbt_enqueue(mt);
	t->t_nhops = 0;
	t->t_lost = 0;
	t->t_allocfail = 0;
	t->t_flags &= ~(MBT_RF_HOPS_LOST | MBT_RF_ALLOC_FAIL);
}

/* In m_free(), m_demote_pkthdr() and the like: the packet is gone. */
void
mbuf_trace_free(struct mbuf *m)
{
	struct m_tag *mt;

	if ((m->m_flags & M_PKTHDR) == 0 || (mt = mbt_tag(m)) == NULL)
		return;
	m_tag_unlink(m, mt);
	MBT_TAG_TRACE(mt)->t_flags |= MBT_RF_FREED;
	mbt_enqueue(mt);
}

/* m_tag_delete_chain(m, NULL) for stale tags that keeps the trace. */
void
mbuf_trace_tag_delete_chain(struct mbuf *m)
{
	struct m_tag *mt, *next;

	if ((m->m_flags & M_PKTHDR) == 0)
		return;
	SLIST_FOREACH_SAFE(mt, &m->m_pkthdr.tags, m_tag_link, next)
		if (mt->m_tag_cookie != MTAG_MBUF_TRACE)
			m_tag_delete(m, mt);
}

/* Encoder callback: one stored hop as the encoder's view of it. */
struct mbt_emit_ctx {
	const struct mbuf_trace *ec_t;
	uint64_t	 ec_t0;
	uint64_t	 ec_rate;
	bool		 ec_nosnap;
};

static uint64_t
mbt_ticks_to_ns(uint64_t dt, uint64_t rate)
{

	if (rate == 0)
		return (0);
	return ((dt / rate) * 1000000000 + (dt % rate) * 1000000000 / rate);
}

static void
mbt_fill(void *arg, unsigned idx, struct mbt_hop_view *hv)
{
	const struct mbt_emit_ctx *ec = arg;
	const struct mbuf_trace_hop *h = &ec->ec_t->t_hops[idx];
	const struct mbuf_trace_point *tp = h->h_tp;
	const struct mbuf_trace_xlate *x;

	/* Descriptors of modules are not walked at boot; do it here. */
	hv->hv_file = tp->tp_relfile != NULL ? tp->tp_relfile :
	    mbt_relfile(tp->tp_file);
	hv->hv_func = tp->tp_func;
	hv->hv_line = tp->tp_line;
	hv->hv_subsys = tp->tp_subsys;
	hv->hv_kind = tp->tp_kind;
	hv->hv_depth = h->h_depth;
	hv->hv_time = h->h_ticks > ec->ec_t0 ?
	    mbt_ticks_to_ns(h->h_ticks - ec->ec_t0, ec->ec_rate) : 0;
	hv->hv_has = MBT_HV_CPU;
	/* A hop outside any vnet has no vnet attribute, not vnet 0. */
	if (h->h_vnet != MBUF_TRACE_VNET_NONE) {
		hv->hv_has |= MBT_HV_VNET;
		hv->hv_vnet = h->h_vnet;
	}
	hv->hv_cpu = h->h_cpu;
	/* A start point without an interface (ip_output()) has none. */
	if ((tp->tp_attr & MBUF_TRACE_A_IFACE) != 0 &&
	    h->h_u.hu_if.name[0] != '\0') {
		hv->hv_has |= MBT_HV_IFACE;
		hv->hv_ifindex = h->h_u.hu_if.index;
		hv->hv_dir = h->h_u.hu_if.dir;
		hv->hv_ifname = h->h_u.hu_if.name;
	}
	if ((tp->tp_attr & MBUF_TRACE_A_RULE) != 0) {
		hv->hv_has |= MBT_HV_RULE;
		hv->hv_ruleset = h->h_u.hu_rule.ruleset;
		hv->hv_rule = h->h_u.hu_rule.rule;
		hv->hv_action = h->h_u.hu_rule.action;
		if (h->h_u.hu_rule.how != 0) {
			hv->hv_has |= MBT_HV_STATE;
			hv->hv_state_id = h->h_u.hu_rule.state;
			hv->hv_state_creator = h->h_u.hu_rule.creator;
			hv->hv_state_how = h->h_u.hu_rule.how;
		}
	}
	if ((h->h_flags & MBUF_TRACE_HF_XLATE) != 0 && h->h_u.hu_xl != NULL) {
		x = h->h_u.hu_xl;
		hv->hv_has |= MBT_HV_RULE | MBT_HV_XLATE;
		hv->hv_ruleset = x->xl_ruleset;
		hv->hv_rule = x->xl_rule;
		hv->hv_action = x->xl_action;
		hv->hv_xlate = &x->xl_x;
		if (x->xl_snap.sn_len > 0 && !ec->ec_nosnap) {
			hv->hv_has |= MBT_HV_SNAP;
			hv->hv_snap_linktype = tp->tp_linktype;
			hv->hv_snap = &x->xl_snap + 1;
			hv->hv_snaplen = x->xl_snap.sn_len;
		}
	}
	if ((tp->tp_attr & MBUF_TRACE_A_NODE) != 0) {
		hv->hv_has |= MBT_HV_NODE;
		hv->hv_node = h->h_u.hu_ng.node;
		hv->hv_hook = h->h_u.hu_ng.hook;
	}
	if ((tp->tp_attr & MBUF_TRACE_A_MSG) != 0 && tp->tp_msg != NULL) {
		hv->hv_has |= MBT_HV_MSG;
		hv->hv_msg = tp->tp_msg;
	}
	if ((tp->tp_attr & MBUF_TRACE_A_DROP) != 0 && tp->tp_msg != NULL) {
		hv->hv_has |= MBT_HV_DROP;
		hv->hv_drop = tp->tp_msg;
	}
	if ((h->h_flags & MBUF_TRACE_HF_COPY) != 0) {
		hv->hv_has |= MBT_HV_COPY;
		hv->hv_copy_id = h->h_u.hu_copy;
	}
	if ((h->h_flags & MBUF_TRACE_HF_SNAP) != 0 &&
	    h->h_u.hu_snap != NULL && !ec->ec_nosnap) {
		hv->hv_has |= MBT_HV_SNAP;
		hv->hv_snap_linktype = tp->tp_linktype;
		hv->hv_snap = h->h_u.hu_snap + 1;
		hv->hv_snaplen = h->h_u.hu_snap->sn_len;
	} else if (ec->ec_t->t_snap != NULL && idx == ec->ec_t->t_snap_hop &&
	    !ec->ec_nosnap) {
		hv->hv_has |= MBT_HV_SNAP;
		hv->hv_snap_linktype = ec->ec_t->t_snap_lt;
		hv->hv_snap = ec->ec_t->t_snap + 1;
		hv->hv_snaplen = ec->ec_t->t_snap->sn_len;
	}
}

/* Makes the task's buffer hold at least n bytes (M_WAITOK: no lock held). */
static void
mbt_ebuf_reserve(size_t n)
{

	if (mbt_ebuf_cap >= n)
		return;
	n = roundup2(n, 1024);
	free(mbt_ebuf, M_MBUFTRACE);
	mbt_ebuf = malloc(n, M_MBUFTRACE, M_WAITOK);
	mbt_ebuf_cap = n;
}

/*
 * Encodes t into mbt_ebuf after the string scratch: into the buffer as it
 * is (kept for the whole batch), and if the encoder says it needs more,
 * again into a buffer of exactly that size.  A record over
 * kern.mbuf_trace.max_record goes without its snapshots (flagged), and if
 * it is still too large it is counted, not tapped.  Returns the length or
 * 0.
 */
static size_t
mbt_encode(struct mbuf_trace *t, struct mbt_record_view *rv,
    struct mbt_emit_ctx *ec, const struct mbuf_trace_snap **tailp)
{
	const char **strs;
	size_t need, scratch;
	unsigned nstrs;
	int error;

	nstrs = t->t_nhops * MBT_HOP_MAX_STRINGS;
	scratch = roundup2(nstrs * sizeof(*strs), sizeof(uint64_t));
	mbt_ebuf_reserve(scratch + 1024);
	for (;;) {
		strs = mbt_ebuf;
		error = mbt_encode_trace(rv, mbt_fill, ec, t->t_nhops, strs,
		    nstrs, (char *)mbt_ebuf + scratch, mbt_ebuf_cap - scratch,
		    &need);
		if (error != MBT_ENC_OK && error != MBT_ENC_ENOSPC) {
			counter_u64_add(mbt_st_encode_err, 1);
			return (0);
		}
		if (need + (*tailp != NULL ? (*tailp)->sn_len : 0) >
		    (size_t)mbt_max_record) {
			if (ec->ec_nosnap) {
				counter_u64_add(mbt_st_too_big, 1);
				return (0);
			}
			ec->ec_nosnap = true;
			*tailp = NULL;
			rv->rv_linktype = MBT_LINKTYPE_NONE;
			rv->rv_flags |= MBT_RF_ALLOC_FAIL;
			continue;
		}
		if (error == MBT_ENC_OK)
			return (need);
		mbt_ebuf_reserve(scratch + need);
	}
}

#if defined(VIMAGE) && !defined(MBUF_TRACE_BPF_ATTACH)
/*
 * The vnet every hop of t is in, or MBUF_TRACE_VNET_NONE if the path
 * crosses vnets: only such a record may go to that vnet's own tap.
 */
static uint32_t
mbt_sole_vnet(const struct mbuf_trace *t)
{
	uint32_t v;
	int i;

	if (t->t_nhops == 0)
		return (MBUF_TRACE_VNET_NONE);
	v = t->t_hops[0].h_vnet;
	for (i = 1; i < t->t_nhops; i++)
		if (t->t_hops[i].h_vnet != v)
			return (MBUF_TRACE_VNET_NONE);
	return (v);
}
#endif

/*
 * Hands the record to the taps that may see it: the host's (vnet0) gets
 * every record; a jail's vnet gets only those whose every hop is in it.
 * "want" only asks whether any of them listens.
 */
static bool
mbt_tap(struct mbuf_trace *t, void *rec, size_t len, struct mbuf *tail,
    bool want)
{
#ifdef MBUF_TRACE_BPF_ATTACH
	struct epoch_tracker et;

	if (!mbt_listening())
		return (false);
	if (!want) {
		NET_EPOCH_ENTER(et);
		bpf_mtap2(mbt_bpf, rec, len, tail);
		NET_EPOCH_EXIT(et);
	}
	return (true);
#else
	struct epoch_tracker et;
	if_t ifp;
	bool any;
#ifdef VIMAGE
	VNET_ITERATOR_DECL(vnet_iter);
	uint32_t sole;
#endif

	any = false;
	NET_EPOCH_ENTER(et);
	ifp = mbt_host_tap();
	if (ifp != NULL && bpf_peers_present_if(ifp)) {
		any = true;
		if (!want)
			bpf_mtap2_if(ifp, rec, len, tail);
	}
#ifdef VIMAGE
	sole = mbt_sole_vnet(t);
	if (sole != MBUF_TRACE_VNET_NONE && sole != 0) {
		/* The list lock keeps the vnet and its tap from going. */
		VNET_LIST_RLOCK_NOSLEEP();
		VNET_FOREACH(vnet_iter) {
			if (VNET_VNET(vnet_iter, mbt_vnet_id) != sole)
				continue;
			ifp = VNET_VNET(vnet_iter, mbt_ifp);
			if (ifp != NULL && bpf_peers_present_if(ifp)) {
				any = true;
				if (!want)
					bpf_mtap2_if(ifp, rec, len, tail);
			}
			break;
		}
		VNET_LIST_RUNLOCK_NOSLEEP();
	}
#endif
	NET_EPOCH_EXIT(et);
	return (any);
#endif
}

/*
 * Encodes one finished trace and taps it.  The first snapshot also
 * follows the record as its packet bytes (SPEC 2), so that a capture
 * viewer shows the packet as it was there.
 */
static void
mbt_emit(struct mbuf_trace *t)
{
	struct mbt_record_view rv;
	struct mbt_emit_ctx ec;
	struct mbuf tail;
	const struct mbuf_trace_snap *sn;
	struct mbuf_trace_hop *h;
	size_t len, scratch;
	int i;

	if (t->t_nhops == 0 && t->t_lost == 0) {
		/* Nothing since an explicit emission point. */
		counter_u64_add(mbt_st_empty, 1);
		return;
	}
	if (!mbt_tap(t, NULL, 0, NULL, true)) {
		counter_u64_add(mbt_st_unheard, 1);
		return;
	}
	memset(&rv, 0, sizeof(rv));
	rv.rv_trace_id = t->t_id;
	if (t->t_parent != 0) {
		rv.rv_parent_id = t->t_parent;
		rv.rv_has |= MBT_RV_PARENT;
	}
	rv.rv_hops_lost = t->t_lost;
	rv.rv_alloc_fail = t->t_allocfail;
	/* MBT_RF_CUT is the kernel's own: on the wire a cut is not freed. */
	rv.rv_flags = t->t_flags & ~MBT_RF_CUT;
	rv.rv_linktype = MBT_LINKTYPE_NONE;
	sn = NULL;
	for (i = 0; i < t->t_nhops; i++) {
		h = &t->t_hops[i];
		if (t->t_snap != NULL && i == t->t_snap_hop) {
			sn = t->t_snap;
			rv.rv_linktype = t->t_snap_lt;
			break;
		}
		if ((h->h_flags & MBUF_TRACE_HF_SNAP) != 0 &&
		    h->h_u.hu_snap != NULL) {
			sn = h->h_u.hu_snap;
			rv.rv_linktype = h->h_tp->tp_linktype;
			break;
		}
		if ((h->h_flags & MBUF_TRACE_HF_XLATE) != 0 &&
		    h->h_u.hu_xl != NULL && h->h_u.hu_xl->xl_snap.sn_len > 0) {
			sn = &h->h_u.hu_xl->xl_snap;
			rv.rv_linktype = h->h_tp->tp_linktype;
			break;
		}
	}
	ec.ec_t = t;
	ec.ec_t0 = t->t_nhops > 0 ? t->t_hops[0].h_ticks : 0;
	ec.ec_rate = cpu_tickrate();
	ec.ec_nosnap = false;
	len = mbt_encode(t, &rv, &ec, &sn);
	if (len == 0)
		return;
	scratch = roundup2(t->t_nhops * MBT_HOP_MAX_STRINGS *
	    sizeof(const char *), sizeof(uint64_t));
	/* bpf_mtap2() wants a chain after the record: maybe empty. */
	memset(&tail, 0, sizeof(tail));
	if (sn != NULL) {
		tail.m_data = __DECONST(caddr_t, sn + 1);
		tail.m_len = sn->sn_len;
	}
	if (mbt_tap(t, (char *)mbt_ebuf + scratch, len, &tail, false))
		counter_u64_add(mbt_st_emitted, 1);
	else
		counter_u64_add(mbt_st_unheard, 1);
}

/*
 * Nothing traced is left: clear the live hint (see mbt_new() for the
 * pairing fence) and, with tracing off, disarm, which lets modules with
 * tracepoints unload again.
 */
static void
mbt_task_idle(void)
{

	atomic_store_int(&mbuf_trace_live, 0);
	atomic_thread_fence_seq_cst();
	if (counter_u64_fetch(mbt_live) != 0) {
		atomic_store_int(&mbuf_trace_live, 1);
		return;
	}
	mtx_lock(&mbt_state_lock);
	if (mbuf_trace_on == 0 && counter_u64_fetch(mbt_live) == 0)
		mbuf_trace_armed = 0;
	mtx_unlock(&mbt_state_lock);
}

/* Takes every CPU's queue; returns how many entries there were. */
static u_int
mbt_take(struct m_tag **heads)
{
	struct mbt_queue *q;
	u_int i, n;

	n = 0;
	CPU_FOREACH(i) {
		q = &mbt_queues[i];
		mtx_lock(&q->q_lock);
		heads[i] = q->q_head;
		n += q->q_len;
		q->q_head = NULL;
		q->q_tailp = &q->q_head;
		q->q_len = 0;
		mtx_unlock(&q->q_lock);
	}
	return (n);
}

/*
 * The emission task: merges the per-CPU queues in the order the traces
 * were queued, encodes and taps each, and frees it.
 */
static void
mbt_task_fn(void *arg __unused, int pending __unused)
{
	struct m_tag *heads[MAXCPU], *mt;
	uint64_t best, qt;
	u_int i, bi;

	while (mbt_take(heads) != 0) {
		for (;;) {
			mt = NULL;
			bi = 0;
			best = 0;
			CPU_FOREACH(i) {
				if (heads[i] == NULL)
					continue;
				qt = MBT_TAG_TRACE(heads[i])->t_qticks;
				if (mt == NULL || qt < best) {
					mt = heads[i];
					bi = i;
					best = qt;
				}
			}
			if (mt == NULL)
				break;
			heads[bi] = SLIST_NEXT(mt, m_tag_link);
			if (!mbt_quiet())
				mbt_emit(MBT_TAG_TRACE(mt));
			mbt_release(mt);
		}
	}
	/* Between bursts the facility holds no memory but its tags. */
	free(mbt_ebuf, M_MBUFTRACE);
	mbt_ebuf = NULL;
	mbt_ebuf_cap = 0;
	mbt_task_idle();
}

/*
 * The taps.  main/16 has bpf_attach() for taps without an ifnet: one,
 * global.  On 15.x each vnet has its own pseudo-interface mbuf_trace0
 * that only BPF uses: vnet0's carries every record, a jail's only the
 * records whose every hop is in that jail's vnet (mbt_tap()).  As every
 * vnet has an mbuf_trace0, moving the host's into a jail ("ifconfig
 * mbuf_trace0 vnet J") fails with EEXIST.
 */
#ifdef MBUF_TRACE_BPF_ATTACH
static bool
mbt_chkdir(void *arg __unused, const struct mbuf *m __unused, int dir)
{

	/* Records have no direction: deliver them to every listener. */
	return (false);
}

static const struct bif_methods mbt_bif_methods = {
	.bif_chkdir = mbt_chkdir,
};

static void
mbt_tap_init(void)
{

	mbt_bpf = bpf_attach("mbuf_trace", DLT_USER0, 0, &mbt_bif_methods,
	    NULL);
}
#else
static int
mbt_ioctl(if_t ifp __unused, u_long cmd, caddr_t data __unused)
{

	switch (cmd) {
	case SIOCSIFFLAGS:	/* pcap asks for promiscuous mode */
	case SIOCADDMULTI:
	case SIOCDELMULTI:
		return (0);
	default:
		return (EINVAL);
	}
}

static int
mbt_output(if_t ifp __unused, struct mbuf *m,
    const struct sockaddr *dst __unused, struct route *ro __unused)
{

	m_freem(m);
	return (EOPNOTSUPP);
}

static void
mbt_tap_attach(void *arg __unused)
{
	if_t ifp;

	ifp = if_alloc(IFT_OTHER);
	if_initname(ifp, "mbuf_trace", 0);
	if_setflags(ifp, IFF_UP | IFF_SIMPLEX);
	if_setmtu(ifp, 65535);
	if_setioctlfn(ifp, mbt_ioctl);
	if_setoutputfn(ifp, mbt_output);
	if_attach(ifp);
	bpfattach(ifp, DLT_USER0, 0);
	V_mbt_ifp = ifp;
}
VNET_SYSINIT(mbt_tap_attach, SI_SUB_PSEUDO, SI_ORDER_ANY, mbt_tap_attach,
    NULL);

#ifdef VIMAGE
/* The vnet goes: the task does not find it in the list any more. */
static void
mbt_tap_detach(void *arg __unused)
{
	if_t ifp;

	ifp = V_mbt_ifp;
	if (ifp == NULL)
		return;
	V_mbt_ifp = NULL;
	bpfdetach(ifp);
	if_detach(ifp);
	if_free(ifp);
}
VNET_SYSUNINIT(mbt_tap_detach, SI_SUB_PSEUDO, SI_ORDER_ANY, mbt_tap_detach,
    NULL);
#endif

#endif

/*
 * Hops point at tracepoint descriptors, which for a module live in the
 * module.  Refuse to unload a module that has tracepoints while tracing
 * is on or any trace still exists (on an mbuf or queued): those are the
 * only ways a hop can reach its descriptors.  Tracing off and the last
 * trace emitted, the emission task disarms and the unload goes through.
 */
static void
mbt_kld_unload_try(void *arg __unused, struct linker_file *lf, int *error)
{
	struct mbuf_trace_point **start, **stop;

	if (*error != 0)
		return;
	if (linker_file_lookup_set(lf, "mbuf_trace_set", &start, &stop,
	    NULL) != 0 || start >= stop)
		return;
	mtx_lock(&mbt_state_lock);
	if (mbuf_trace_armed != 0)
		*error = EBUSY;
	mtx_unlock(&mbt_state_lock);
}

static void
mbt_kld_add(linker_file_t lf)
{
	struct mbuf_trace_point **start, **stop, **tpp;
	struct mbt_kld *k;

	if (lf == linker_kernel_file ||
	    linker_file_lookup_set(lf, "mbuf_trace_set", &start, &stop,
	    NULL) != 0 || start >= stop)
		return;
	k = malloc(sizeof(*k), M_MBUFTRACE, M_WAITOK | M_ZERO);
	k->k_start = start;
	k->k_stop = stop;
	sx_xlock(&mbt_kld_lock);
	for (tpp = start; tpp < stop; tpp++) {
		(*tpp)->tp_id = ++mbt_next_tpid;
		(*tpp)->tp_relfile = mbt_relfile((*tpp)->tp_file);
	}
	LIST_INSERT_HEAD(&mbt_klds, k, k_link);
	sx_xunlock(&mbt_kld_lock);
}

static void
mbt_kld_load(void *arg __unused, linker_file_t lf)
{

	mbt_kld_add(lf);
}

static int
mbt_kld_preloaded(linker_file_t lf, void *arg __unused)
{

	mbt_kld_add(lf);
	return (0);
}

/* Called while the file is still mapped: its set lies in [addr, +size). */
static void
mbt_kld_unload(void *arg __unused, const char *name __unused, caddr_t addr,
    size_t size)
{
	struct mbt_kld *k, *next;

	sx_xlock(&mbt_kld_lock);
	LIST_FOREACH_SAFE(k, &mbt_klds, k_link, next) {
		if ((caddr_t)k->k_start >= addr &&
		    (caddr_t)k->k_start < addr + size) {
			LIST_REMOVE(k, k_link);
			free(k, M_MBUFTRACE);
		}
	}
	sx_xunlock(&mbt_kld_lock);
}

static void
mbt_init(void *arg __unused)
{
	struct mbuf_trace_point **tpp, *tp;
	uint16_t id;
	u_int i;

	mbt_st_traces = counter_u64_alloc(M_WAITOK);
	mbt_st_copies = counter_u64_alloc(M_WAITOK);
	mbt_st_lost = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_tag = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_copy = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_snap = counter_u64_alloc(M_WAITOK);
	mbt_st_emitted = counter_u64_alloc(M_WAITOK);
	mbt_st_nolistener = counter_u64_alloc(M_WAITOK);
	mbt_st_rejected = counter_u64_alloc(M_WAITOK);
	mbt_st_encode_err = counter_u64_alloc(M_WAITOK);
	mbt_st_cut = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_grow = counter_u64_alloc(M_WAITOK);
	mbt_st_too_big = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_emit = counter_u64_alloc(M_WAITOK);
	mbt_st_unheard = counter_u64_alloc(M_WAITOK);
	mbt_st_empty = counter_u64_alloc(M_WAITOK);
	mbt_st_queued = counter_u64_alloc(M_WAITOK);
	mbt_st_discarded = counter_u64_alloc(M_WAITOK);
	mbt_live = counter_u64_alloc(M_WAITOK);
	mbt_queues = malloc((mp_maxid + 1) * sizeof(*mbt_queues), M_MBUFTRACE,
	    M_WAITOK | M_ZERO);
	for (i = 0; i <= mp_maxid; i++) {
		mtx_init(&mbt_queues[i].q_lock, "mbuf_trace queue", NULL,
		    MTX_DEF);
		mbt_queues[i].q_tailp = &mbt_queues[i].q_head;
	}
	TASK_INIT(&mbt_task, 0, mbt_task_fn, NULL);
	mbt_tq = taskqueue_create("mbuf_trace", M_WAITOK,
	    taskqueue_thread_enqueue, &mbt_tq);
	taskqueue_start_threads(&mbt_tq, 1, PWAIT, "mbuf_trace emit");
	id = 0;
	SET_FOREACH(tpp, mbuf_trace_set) {
		tp = *tpp;
		tp->tp_id = ++id;
		tp->tp_relfile = mbt_relfile(tp->tp_file);
	}
	mbt_next_tpid = id;
#ifdef MBUF_TRACE_BPF_ATTACH
	/* main/16: the one tap; on 15.x each vnet attaches its own. */
	mbt_tap_init();
#endif
	EVENTHANDLER_REGISTER(kld_unload_try, mbt_kld_unload_try, NULL,
	    EVENTHANDLER_PRI_ANY);
	EVENTHANDLER_REGISTER(kld_load, mbt_kld_load, NULL,
	    EVENTHANDLER_PRI_ANY);
	EVENTHANDLER_REGISTER(kld_unload, mbt_kld_unload, NULL,
	    EVENTHANDLER_PRI_ANY);
	(void)linker_file_foreach(mbt_kld_preloaded, NULL);
}
SYSINIT(mbuf_trace, SI_SUB_PROTO_FIREWALL, SI_ORDER_ANY, mbt_init, NULL);

/* Sysctl interface: kern.mbuf_trace. */

static int
mbt_sysctl_enable(SYSCTL_HANDLER_ARGS)
{
	int error, v;

	v = mbuf_trace_on;
	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	mtx_lock(&mbt_state_lock);
	if (v != 0)
		mbuf_trace_armed = 1;	/* the emission task disarms */
	mbuf_trace_on = v != 0;
	mtx_unlock(&mbt_state_lock);
	/* Off: let the task disarm once the last trace is out. */
	if (v == 0)
		taskqueue_enqueue(mbt_tq, &mbt_task);
	return (0);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, enable,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 0, mbt_sysctl_enable,
    "I", "Trace packets selected at start points");

SYSCTL_INT(_kern_mbuf_trace, OID_AUTO, start_anywhere, CTLFLAG_RW,
    &mbuf_trace_anywhere, 0,
    "Any tracepoint starts a trace, without selection (debugging)");

static int
mbt_sysctl_range(SYSCTL_HANDLER_ARGS)
{
	int error, v;

	v = *(int *)arg1;
	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (v < 0 || v > arg2 || (arg2 == MBT_MAX_HOPS && v < 1) ||
	    (arg2 == MBT_RECORD_MAX && v < 1024))
		return (EINVAL);
	*(int *)arg1 = v;
	return (0);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, max_hops,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, &mbt_max_hops, MBT_MAX_HOPS,
    mbt_sysctl_range, "I", "Hops kept per trace (1-1024); more are counted");
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, max_record,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, &mbt_max_record,
    MBT_RECORD_MAX, mbt_sysctl_range, "I",
    "Largest record tapped, in bytes; larger ones go without snapshots");
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, snaplen,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, &mbt_snaplen,
    MBT_SNAPLEN_MAX, mbt_sysctl_range, "I",
    "Bytes copied by a snapshot tracepoint (0-2048)");

/* "epair0a,vtnet0": start points trace packets of these interfaces. */
static int
mbt_sysctl_ifaces(SYSCTL_HANDLER_ARGS)
{
	struct rm_priotracker tracker;
	char buf[MBT_MAX_IFACES * (MBUF_TRACE_NAMELEN + 1) + 1];
	char names[MBT_MAX_IFACES][MBUF_TRACE_NAMELEN];
	char *p, *s;
	int error, i, n;
	size_t len;

	buf[0] = '\0';
	rm_rlock(&mbt_sel_lock, &tracker);
	for (i = 0; i < mbt_nifaces; i++) {
		if (i > 0)
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, mbt_ifaces[i], sizeof(buf));
	}
	rm_runlock(&mbt_sel_lock, &tracker);
	error = sysctl_handle_string(oidp, buf, sizeof(buf), req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	n = 0;
	memset(names, 0, sizeof(names));
	for (p = buf; *p != '\0';) {
		while (*p == ',' || *p == ' ' || *p == '\n')
			p++;
		s = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\n')
			p++;
		len = p - s;
		if (len == 0)
			continue;
		if (len >= MBUF_TRACE_NAMELEN || n == MBT_MAX_IFACES)
			return (EINVAL);
		memcpy(names[n++], s, len);
	}
	rm_wlock(&mbt_sel_lock);
	memcpy(mbt_ifaces, names, sizeof(names));
	mbt_nifaces = n;
	rm_wunlock(&mbt_sel_lock);
	return (0);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, ifaces,
    CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 0,
    mbt_sysctl_ifaces, "A",
    "Interfaces whose start points trace (comma separated; empty: all)");

/*
 * The BPF program, as "tcpdump -ddd" prints it: a count, then one
 * "code jt jf k" per instruction; newlines, commas or blanks separate.
 * Empty clears it.
 */
static int
mbt_parse_filter(const char *s, struct bpf_insn **progp, int *lenp)
{
	struct bpf_insn *prog;
	u_long v[4], n;
	char *end;
	int i, j;

	*progp = NULL;
	*lenp = 0;
	while (*s == ' ' || *s == ',' || *s == '\n' || *s == '\t')
		s++;
	if (*s == '\0')
		return (0);
	n = strtoul(s, &end, 10);
	if (end == s || n == 0 || n > BPF_MAXINSNS)
		return (EINVAL);
	s = end;
	prog = malloc(n * sizeof(*prog), M_MBUFTRACE, M_WAITOK | M_ZERO);
	for (i = 0; i < (int)n; i++) {
		for (j = 0; j < 4; j++) {
			while (*s == ' ' || *s == ',' || *s == '\n' ||
			    *s == '\t')
				s++;
			v[j] = strtoul(s, &end, 10);
			if (end == s)
				goto bad;
			s = end;
		}
		if (v[0] > 0xffff || v[1] > 0xff || v[2] > 0xff ||
		    v[3] > 0xffffffffUL)
			goto bad;
		prog[i].code = v[0];
		prog[i].jt = v[1];
		prog[i].jf = v[2];
		prog[i].k = v[3];
	}
	while (*s == ' ' || *s == ',' || *s == '\n' || *s == '\t')
		s++;
	if (*s != '\0' || !bpf_validate(prog, n))
		goto bad;
	*progp = prog;
	*lenp = n;
	return (0);
bad:
	free(prog, M_MBUFTRACE);
	return (EINVAL);
}

static int
mbt_sysctl_filter(SYSCTL_HANDLER_ARGS)
{
	struct rm_priotracker tracker;
	struct bpf_insn *prog, *old;
	char *buf;
	size_t off;
	int error, i, len;

	buf = malloc(MBT_FILTER_TEXT, M_MBUFTRACE, M_WAITOK | M_ZERO);
	rm_rlock(&mbt_sel_lock, &tracker);
	off = 0;
	if (mbt_filter != NULL)
		off = snprintf(buf, MBT_FILTER_TEXT, "%d\n", mbt_filter_len);
	for (i = 0; i < mbt_filter_len && off < MBT_FILTER_TEXT; i++)
		off += snprintf(buf + off, MBT_FILTER_TEXT - off,
		    "%u %u %u %u\n", mbt_filter[i].code, mbt_filter[i].jt,
		    mbt_filter[i].jf, mbt_filter[i].k);
	rm_runlock(&mbt_sel_lock, &tracker);
	error = sysctl_handle_string(oidp, buf, MBT_FILTER_TEXT, req);
	if (error != 0 || req->newptr == NULL)
		goto out;
	error = mbt_parse_filter(buf, &prog, &len);
	if (error != 0)
		goto out;
	rm_wlock(&mbt_sel_lock);
	old = mbt_filter;
	mbt_filter = prog;
	mbt_filter_len = len;
	rm_wunlock(&mbt_sel_lock);
	if (old != NULL)
		free(old, M_MBUFTRACE);
out:
	free(buf, M_MBUFTRACE);
	return (error);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, filter,
    CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 0,
    mbt_sysctl_filter, "A",
    "BPF program run at start points, as printed by tcpdump -ddd");

static const char *
mbt_kind_name(const struct mbuf_trace_point *tp)
{

	if ((tp->tp_attr & MBUF_TRACE_A_START) != 0)
		return ("start");
	switch (tp->tp_kind) {
	case MBT_HK_ENTER:
		return ("enter");
	case MBT_HK_LEAVE:
		return ("leave");
	default:
		return ("point");
	}
}

static int
mbt_tp_line(struct sysctl_req *req, const struct mbuf_trace_point *tp)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "%u %d %s %u %s:%u %s%s%s\n",
	    tp->tp_id, tp->tp_enabled, mbt_kind_name(tp), tp->tp_subsys,
	    tp->tp_relfile, tp->tp_line, tp->tp_func,
	    tp->tp_msg != NULL ? " " : "",
	    tp->tp_msg != NULL ? tp->tp_msg : "");
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	return (SYSCTL_OUT(req, line, n));
}

static int
mbt_sysctl_tracepoints(SYSCTL_HANDLER_ARGS)
{
	struct mbuf_trace_point **tpp;
	struct mbt_kld *k;
	int error;

	error = 0;
	SET_FOREACH(tpp, mbuf_trace_set) {
		if ((error = mbt_tp_line(req, *tpp)) != 0)
			return (error);
	}
	sx_slock(&mbt_kld_lock);
	LIST_FOREACH(k, &mbt_klds, k_link) {
		for (tpp = k->k_start; tpp < k->k_stop && error == 0; tpp++)
			error = mbt_tp_line(req, *tpp);
	}
	sx_sunlock(&mbt_kld_lock);
	if (error != 0)
		return (error);
	return (SYSCTL_OUT(req, "", 1));
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, tracepoints,
    CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0,
    mbt_sysctl_tracepoints, "A",
    "Tracepoints: id enabled kind subsys file:line function [message]");

/*
 * Writing an id switches that tracepoint; 0 switches all of them, the
 * loaded modules' included.
 */
static int
mbt_sysctl_tp_switch(SYSCTL_HANDLER_ARGS)
{
	struct mbuf_trace_point **tpp, *tp;
	struct mbt_kld *k;
	int error, id, found;

	id = -1;
	error = sysctl_handle_int(oidp, &id, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	found = 0;
	SET_FOREACH(tpp, mbuf_trace_set) {
		tp = *tpp;
		if (id == 0 || tp->tp_id == id) {
			tp->tp_enabled = arg2;
			found = 1;
		}
	}
	sx_slock(&mbt_kld_lock);
	LIST_FOREACH(k, &mbt_klds, k_link) {
		for (tpp = k->k_start; tpp < k->k_stop; tpp++) {
			tp = *tpp;
			if (id == 0 || tp->tp_id == id) {
				tp->tp_enabled = arg2;
				found = 1;
			}
		}
	}
	sx_sunlock(&mbt_kld_lock);
	return (found || id == 0 ? 0 : ENOENT);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, tp_enable,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 1,
    mbt_sysctl_tp_switch, "I", "Enable tracepoint by id (0: all)");
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, tp_disable,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 0,
    mbt_sysctl_tp_switch, "I", "Disable tracepoint by id (0: all)");

SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, traces, CTLFLAG_RD,
    &mbt_st_traces, "Traces started");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, copies, CTLFLAG_RD,
    &mbt_st_copies, "Copies of traced packets");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, hops_lost, CTLFLAG_RD,
    &mbt_st_lost, "Hops that did not fit in their trace");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_tag, CTLFLAG_RD,
    &mbt_st_fail_tag, "Traces not started: tag allocation failed");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_copy, CTLFLAG_RD,
    &mbt_st_fail_copy, "Copies not traced: tag allocation failed");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_snap, CTLFLAG_RD,
    &mbt_st_fail_snap, "Snapshots not taken: allocation failed");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, queued, CTLFLAG_RD,
    &mbt_st_queued, "Finished traces queued for emission: each is emitted "
    "or counted in unheard, empty, too_big or encode_errors");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_emit, CTLFLAG_RD,
    &mbt_st_fail_emit,
    "Segments lost at an explicit emission point: allocation failed");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, too_big, CTLFLAG_RD,
    &mbt_st_too_big, "Records over max_record even without snapshots");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, discarded, CTLFLAG_RD,
    &mbt_st_discarded, "Traces freed unseen (panic, dump)");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, emitted, CTLFLAG_RD,
    &mbt_st_emitted, "Records handed to the tap");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, no_listener,
    CTLFLAG_RD, &mbt_st_nolistener, "Traces not started: no listener");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, unheard, CTLFLAG_RD,
    &mbt_st_unheard, "Queued traces not encoded: no listener any more");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, empty, CTLFLAG_RD,
    &mbt_st_empty, "Queued traces without hops (after an emission point)");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, rejected, CTLFLAG_RD,
    &mbt_st_rejected, "Packets a start point did not select");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, encode_errors,
    CTLFLAG_RD, &mbt_st_encode_err, "Records the encoder refused");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_grow, CTLFLAG_RD,
    &mbt_st_fail_grow, "Hops lost: a trace could not grow");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, cut, CTLFLAG_RD,
    &mbt_st_cut, "Traces whose tag was deleted before the mbuf was freed");
