/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuf_trace(9): per-packet path tracing.  A selected mbuf carries one
 * persistent m_tag holding fixed-size hops (a tracepoint descriptor plus
 * dynamic values); when it is freed, or at an explicit point, the hops are
 * encoded as an mbuftrace record (sys/mbuf_trace_enc.h) and handed to the
 * BPF tap mbuf_trace0 (DLT_USER0), if anyone listens.
 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/epoch.h>
#include <sys/eventhandler.h>
#include <sys/kernel.h>
#include <sys/linker.h>
#include <sys/linker_set.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/pcpu.h>
#include <sys/rmlock.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/sysctl.h>

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

static MALLOC_DEFINE(M_MBUFTRACE, "mbuf_trace", "mbuf path tracing");

SET_DECLARE(mbuf_trace_set, struct mbuf_trace_point);

/* Read on every tracepoint: keep them apart from written data. */
int __read_mostly mbuf_trace_on;
int __read_mostly mbuf_trace_armed;
int __read_mostly mbuf_trace_anywhere;
/* Written once per trace, not per hop. */
volatile u_int mbuf_trace_live;

static int mbt_max_hops = 32;
#define	MBT_HOPS_FIRST	16	/* hops in a new trace's tag (808 bytes) */
static int mbt_snaplen = 128;
static u_long mbt_next_id;
static u_int mbt_next_vnet;

/* Selection, read at start points under mbt_sel_lock. */
static struct rmlock mbt_sel_lock;
RM_SYSINIT(mbt_sel, &mbt_sel_lock, "mbuf_trace selection");
static char mbt_ifaces[MBT_MAX_IFACES][MBUF_TRACE_NAMELEN];
static int mbt_nifaces;
static struct bpf_insn *mbt_filter;
static int mbt_filter_len;

#ifdef MBUF_TRACE_BPF_ATTACH
static struct bpf_if *mbt_bpf;
#else
static if_t mbt_ifp;
#endif

static counter_u64_t mbt_st_traces;
static counter_u64_t mbt_st_copies;
static counter_u64_t mbt_st_lost;
static counter_u64_t mbt_st_fail_tag;
static counter_u64_t mbt_st_fail_copy;
static counter_u64_t mbt_st_fail_snap;
static counter_u64_t mbt_st_fail_emit;
static counter_u64_t mbt_st_emitted;
static counter_u64_t mbt_st_nolistener;
static counter_u64_t mbt_st_rejected;
static counter_u64_t mbt_st_encode_err;
static counter_u64_t mbt_st_cut;
static counter_u64_t mbt_st_fail_grow;

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

SYSCTL_UINT(_kern_mbuf_trace, OID_AUTO, live, CTLFLAG_RD,
    __DEVOLATILE(u_int *, &mbuf_trace_live), 0,
    "Traces that exist now (on mbufs not yet freed)");
SYSCTL_UINT(_kern_mbuf_trace, OID_AUTO, vnet_id,
    CTLFLAG_VNET | CTLFLAG_RD, &VNET_NAME(mbt_vnet_id), 0,
    "Id of this vnet in trace records");

uint32_t
mbuf_trace_vnet_id(struct vnet *vnet)
{

#ifdef VIMAGE
	if (vnet == NULL)
		return (0);
#endif
	return (VNET_VNET(vnet, mbt_vnet_id));
}

static __inline uint32_t
mbt_cur_vnet_id(void)
{

#ifdef VIMAGE
	if (curvnet == NULL)
		return (0);
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

struct mbuf_trace *
mbuf_trace_get(struct mbuf *m)
{
	struct m_tag *mt;

	if (m == NULL || (m->m_flags & M_PKTHDR) == 0)
		return (NULL);
	mt = mbt_tag(m);
	return (mt == NULL ? NULL : (struct mbuf_trace *)(mt + 1));
}

static void	mbt_emit(struct mbuf_trace *, uint16_t);

#define	MBT_TS_EMITTED	0x01	/* the final record is out */

/*
 * Code outside the stack deletes whole tag chains (drivers peeling "stale
 * tags"); a trace deleted that way is emitted here rather than lost.  Its
 * snapshots may have gone first: the record goes out without them.
 */
static void
mbt_tag_free(struct m_tag *mt)
{
	struct mbuf_trace *t;
	int i;

	t = (struct mbuf_trace *)(mt + 1);
	if ((t->t_state & MBT_TS_EMITTED) == 0) {
		counter_u64_add(mbt_st_cut, 1);
		for (i = 0; i < t->t_nhops; i++)
			t->t_hops[i].h_flags &= ~MBUF_TRACE_HF_SNAP;
		mbt_emit(t, 0);
	}
	atomic_fetchadd_int(&mbuf_trace_live, -1);
	m_tag_free_default(mt);
}

/* Starts a trace on m; never fails the packet, only the trace. */
static struct mbuf_trace *
mbt_new(struct mbuf *m, uint64_t parent)
{
	struct m_tag *mt;
	struct mbuf_trace *t;
	int cap, len;

	/* Most paths fit in the first tag; longer ones grow it. */
	cap = MIN(mbt_max_hops, MBT_HOPS_FIRST);
	len = sizeof(*t) + cap * sizeof(struct mbuf_trace_hop);
	mt = m_tag_alloc(MTAG_MBUF_TRACE, MBUF_TRACE_TAG_TRACE, len,
	    M_NOWAIT);
	if (mt == NULL) {
		counter_u64_add(mbt_st_fail_tag, 1);
		return (NULL);
	}
	t = (struct mbuf_trace *)(mt + 1);
	t->t_id = atomic_fetchadd_long(&mbt_next_id, 1) + 1;
	t->t_parent = parent;
	t->t_lost = 0;
	t->t_allocfail = 0;
	t->t_cap = cap;
	t->t_nhops = 0;
	t->t_flags = parent != 0 ? MBT_RF_COPY : 0;
	t->t_depth = 0;
	t->t_state = 0;
	mt->m_tag_free = mbt_tag_free;
	atomic_fetchadd_int(&mbuf_trace_live, 1);
	m_tag_prepend(m, mt);
	counter_u64_add(mbt_st_traces, 1);
	return (t);
}

/*
 * Doubles the room of *tp, up to kern.mbuf_trace.max_hops: a bigger tag
 * replaces the old one, whose free routine must then not emit it.
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
	mt = m_tag_alloc(MTAG_MBUF_TRACE, MBUF_TRACE_TAG_TRACE,
	    sizeof(*t) + cap * sizeof(struct mbuf_trace_hop), M_NOWAIT);
	if (mt == NULL) {
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_grow, 1);
		return (false);
	}
	n = (struct mbuf_trace *)(mt + 1);
	memcpy(n, t, sizeof(*t) + t->t_nhops * sizeof(struct mbuf_trace_hop));
	n->t_cap = cap;
	mt->m_tag_free = mbt_tag_free;
	atomic_fetchadd_int(&mbuf_trace_live, 1);
	t->t_state |= MBT_TS_EMITTED;
	m_tag_delete(m, (struct m_tag *)t - 1);
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
	    (m->m_flags & M_PKTHDR) != 0)
		t = mbt_new(m, 0);
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

void
mbuf_trace_hop_rule(struct mbuf_trace_point *tp, struct mbuf *m,
    const char *ruleset, uint32_t rule, int action)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;

	t = mbt_trace(tp, m);
	if (t == NULL || (h = mbt_append(m, &t, tp)) == NULL)
		return;
	memset(h->h_u.hu_rule.ruleset, 0, sizeof(h->h_u.hu_rule.ruleset));
	if (ruleset != NULL)
		strlcpy(h->h_u.hu_rule.ruleset, ruleset,
		    sizeof(h->h_u.hu_rule.ruleset));
	h->h_u.hu_rule.rule = rule;
	h->h_u.hu_rule.action = action;
}

void
mbuf_trace_hop_snap(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t;
	struct mbuf_trace_hop *h;
	struct m_tag *mt, *st;
	int len;

	t = mbt_trace(tp, m);
	if (t == NULL || (h = mbt_append(m, &t, tp)) == NULL)
		return;
	h->h_flags |= MBUF_TRACE_HF_SNAP;
	h->h_u.hu_snap = NULL;
	len = imin(m->m_pkthdr.len, mbt_snaplen);
	if (len <= 0)
		return;
	st = m_tag_alloc(MTAG_MBUF_TRACE, MBUF_TRACE_TAG_SNAP, len, M_NOWAIT);
	if (st == NULL) {
		t->t_allocfail++;
		t->t_flags |= MBT_RF_ALLOC_FAIL;
		counter_u64_add(mbt_st_fail_snap, 1);
		return;
	}
	m_copydata(m, 0, len, (caddr_t)(st + 1));
	/* Behind the trace tag, so that it stays first. */
	mt = mbt_tag(m);
	SLIST_INSERT_AFTER(mt, st, m_tag_link);
	h->h_u.hu_snap = st;
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

/*
 * Runs the filter.  One program, compiled for Ethernet (tcpdump -ddd -y
 * EN10MB), serves every start point: where the packet starts at the IP
 * header it is run over a made-up Ethernet header first, as bpf_mtap2()
 * chains a prefix in a stack mbuf.  The type comes from the subsystem, or
 * from the IP version of the first byte.
 */
static bool
mbt_run_filter(struct mbuf *m, uint8_t subsys)
{
	struct mbuf eh;
	u_char hdr[14];
	uint16_t type;
	u_char v;

	if (mbt_has_link_header(subsys))
		return (bpf_filter(mbt_filter, (u_char *)m, m_length(m, NULL),
		    0) != 0);
	if (subsys == MBT_SS_IP)
		type = 0x0800;
	else if (subsys == MBT_SS_IP6)
		type = 0x86dd;
	else {
		v = 0;
		if (m->m_len > 0)
			v = *mtod(m, u_char *) >> 4;
		type = v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0;
	}
	memset(hdr, 0, sizeof(hdr));
	hdr[12] = type >> 8;
	hdr[13] = type & 0xff;
	memset(&eh, 0, sizeof(eh));
	eh.m_next = m;
	eh.m_data = (caddr_t)hdr;
	eh.m_len = sizeof(hdr);
	return (bpf_filter(mbt_filter, (u_char *)&eh,
	    m_length(m, NULL) + sizeof(hdr), 0) != 0);
}

/* Interface list and BPF program; empty means "any". */
static bool
mbt_select(struct mbuf *m, struct ifnet *ifp, uint8_t subsys)
{
	struct rm_priotracker tracker;
	const char *name;
	bool ok;
	int i;

	/* Nothing narrows the selection: skip the lock (a racy read only
	 * delays a new setting by a packet). */
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
	/* bpf_filter() reads an mbuf chain when buflen is 0. */
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
		if (!mbt_select(m, ifp, tp->tp_subsys)) {
			counter_u64_add(mbt_st_rejected, 1);
			return;
		}
		if ((t = mbt_new(m, 0)) == NULL)
			return;
	}
	if ((h = mbt_append(m, &t, tp)) != NULL)
		mbt_set_if(h, ifp, dir);
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
	c = mbt_new(n, t->t_id);
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

/* Encoder callback: one stored hop as the encoder's view of it. */
struct mbt_emit_ctx {
	const struct mbuf_trace *ec_t;
	uint64_t	 ec_t0;
	uint64_t	 ec_rate;
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
	hv->hv_has = MBT_HV_VNET | MBT_HV_CPU;
	hv->hv_vnet = h->h_vnet;
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
	    h->h_u.hu_snap != NULL) {
		hv->hv_has |= MBT_HV_SNAP;
		hv->hv_snap_linktype = tp->tp_linktype;
		hv->hv_snap = h->h_u.hu_snap + 1;
		hv->hv_snaplen = h->h_u.hu_snap->m_tag_len;
	}
}

static bool
mbt_listening(void)
{

#ifdef MBUF_TRACE_BPF_ATTACH
	return (mbt_bpf != NULL && bpf_peers_present(mbt_bpf));
#else
	return (mbt_ifp != NULL && bpf_peers_present_if(mbt_ifp));
#endif
}

/*
 * Encodes t and taps it.  If the trace has a snapshot, the first one also
 * follows the record as its packet bytes (SPEC 2), so that a capture
 * viewer shows the packet as it was there.  Runs when the packet is freed,
 * so it allocates with M_NOWAIT and gives up (counted) rather than wait.
 */
static void
mbt_emit(struct mbuf_trace *t, uint16_t flags)
{
	struct epoch_tracker et;
	struct mbt_record_view rv;
	struct mbt_emit_ctx ec;
	struct mbuf tail;
	struct mbuf_trace_hop *h;
	const char **strs;
	size_t cap, len, need;
	unsigned nstrs;
	uint16_t linktype;
	void *mem;
	int error, i;

	if (t->t_nhops == 0 && t->t_lost == 0)
		return;
	/* bpf_mtap2() wants a chain after the record: maybe empty. */
	memset(&tail, 0, sizeof(tail));
	linktype = MBT_LINKTYPE_NONE;
	for (i = 0; i < t->t_nhops; i++) {
		h = &t->t_hops[i];
		if ((h->h_flags & MBUF_TRACE_HF_SNAP) != 0 &&
		    h->h_u.hu_snap != NULL) {
			tail.m_data = (caddr_t)(h->h_u.hu_snap + 1);
			tail.m_len = h->h_u.hu_snap->m_tag_len;
			linktype = h->h_tp->tp_linktype;
			break;
		}
	}
	NET_EPOCH_ENTER(et);
	if (!mbt_listening()) {
		counter_u64_add(mbt_st_nolistener, 1);
		goto out;
	}
	memset(&rv, 0, sizeof(rv));
	rv.rv_trace_id = t->t_id;
	if (t->t_parent != 0) {
		rv.rv_parent_id = t->t_parent;
		rv.rv_has |= MBT_RV_PARENT;
	}
	rv.rv_hops_lost = t->t_lost;
	rv.rv_alloc_fail = t->t_allocfail;
	rv.rv_flags = t->t_flags | flags;
	rv.rv_linktype = linktype;
	ec.ec_t = t;
	ec.ec_t0 = t->t_hops[0].h_ticks;
	ec.ec_rate = cpu_tickrate();

	nstrs = t->t_nhops * MBT_HOP_MAX_STRINGS;
	cap = 256 + t->t_nhops * 64 + t->t_nhops * (size_t)mbt_snaplen;
	for (;;) {
		mem = malloc(nstrs * sizeof(*strs) + cap, M_MBUFTRACE,
		    M_NOWAIT);
		if (mem == NULL) {
			counter_u64_add(mbt_st_fail_emit, 1);
			goto out;
		}
		strs = mem;
		error = mbt_encode_trace(&rv, mbt_fill, &ec, t->t_nhops, strs,
		    nstrs, strs + nstrs, cap, &need);
		if (error != MBT_ENC_ENOSPC || need <= cap)
			break;
		free(mem, M_MBUFTRACE);
		cap = need;
	}
	len = need;
	if (error != MBT_ENC_OK) {
		counter_u64_add(mbt_st_encode_err, 1);
	} else {
#ifdef MBUF_TRACE_BPF_ATTACH
		bpf_mtap2(mbt_bpf, strs + nstrs, len, &tail);
#else
		bpf_mtap2_if(mbt_ifp, strs + nstrs, len, &tail);
#endif
		counter_u64_add(mbt_st_emitted, 1);
	}
	free(mem, M_MBUFTRACE);
out:
	NET_EPOCH_EXIT(et);
}

/* Drops the hops of an emitted segment and their snapshots. */
static void
mbt_reset(struct mbuf *m, struct mbuf_trace *t)
{
	struct mbuf_trace_hop *h;
	int i;

	for (i = 0; i < t->t_nhops; i++) {
		h = &t->t_hops[i];
		if ((h->h_flags & MBUF_TRACE_HF_SNAP) != 0 &&
		    h->h_u.hu_snap != NULL)
			m_tag_delete(m, h->h_u.hu_snap);
	}
	t->t_nhops = 0;
	t->t_lost = 0;
	t->t_allocfail = 0;
	t->t_flags &= ~(MBT_RF_HOPS_LOST | MBT_RF_ALLOC_FAIL);
}

void
mbuf_trace_emit(struct mbuf_trace_point *tp, struct mbuf *m)
{
	struct mbuf_trace *t;

	t = mbt_trace(tp, m);
	if (t == NULL)
		return;
	(void)mbt_append(m, &t, tp);
	mbt_emit(t, 0);
	mbt_reset(m, t);
}

void
mbuf_trace_free(struct mbuf *m)
{
	struct mbuf_trace *t;

	t = mbuf_trace_get(m);
	if (t != NULL) {
		mbt_emit(t, MBT_RF_FREED);
		t->t_state |= MBT_TS_EMITTED;
	}
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

/*
 * The tap.  On 15.x a pseudo-interface, mbuf_trace0, that only BPF uses;
 * main has bpf_attach() for taps without an ifnet.
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
mbt_tap_init(void)
{
	if_t ifp;

	ifp = if_alloc(IFT_OTHER);
	if_initname(ifp, "mbuf_trace", 0);
	if_setflags(ifp, IFF_UP | IFF_SIMPLEX);
	if_setmtu(ifp, 65535);
	if_setioctlfn(ifp, mbt_ioctl);
	if_setoutputfn(ifp, mbt_output);
#ifdef VIMAGE
	CURVNET_SET_QUIET(vnet0);
#endif
	if_attach(ifp);
	bpfattach(ifp, DLT_USER0, 0);
#ifdef VIMAGE
	CURVNET_RESTORE();
#endif
	mbt_ifp = ifp;
}
#endif

/*
 * Hops point at tracepoint descriptors, which for a module live in the
 * module; a packet in flight may still hold such hops.  Once tracing has
 * been on, refuse to unload a module that has tracepoints, as sdt(4)
 * refuses while its probes are in use.
 */
static void
mbt_kld_unload_try(void *arg __unused, struct linker_file *lf, int *error)
{
	struct mbuf_trace_point **start, **stop;

	if (*error != 0 || mbuf_trace_armed == 0)
		return;
	if (linker_file_lookup_set(lf, "mbuf_trace_set", &start, &stop,
	    NULL) == 0 && start < stop)
		*error = EBUSY;
}

static void
mbt_init(void *arg __unused)
{
	struct mbuf_trace_point **tpp, *tp;
	uint16_t id;

	mbt_st_traces = counter_u64_alloc(M_WAITOK);
	mbt_st_copies = counter_u64_alloc(M_WAITOK);
	mbt_st_lost = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_tag = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_copy = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_snap = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_emit = counter_u64_alloc(M_WAITOK);
	mbt_st_emitted = counter_u64_alloc(M_WAITOK);
	mbt_st_nolistener = counter_u64_alloc(M_WAITOK);
	mbt_st_rejected = counter_u64_alloc(M_WAITOK);
	mbt_st_encode_err = counter_u64_alloc(M_WAITOK);
	mbt_st_cut = counter_u64_alloc(M_WAITOK);
	mbt_st_fail_grow = counter_u64_alloc(M_WAITOK);
	id = 0;
	SET_FOREACH(tpp, mbuf_trace_set) {
		tp = *tpp;
		tp->tp_id = ++id;
		tp->tp_relfile = mbt_relfile(tp->tp_file);
	}
	mbt_tap_init();
	EVENTHANDLER_REGISTER(kld_unload_try, mbt_kld_unload_try, NULL,
	    EVENTHANDLER_PRI_ANY);
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
	if (v != 0)
		mbuf_trace_armed = 1;	/* never cleared: traces may exist */
	mbuf_trace_on = v != 0;
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
	if (v < 0 || v > arg2 || (arg2 == MBT_MAX_HOPS && v < 1))
		return (EINVAL);
	*(int *)arg1 = v;
	return (0);
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, max_hops,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, &mbt_max_hops, MBT_MAX_HOPS,
    mbt_sysctl_range, "I", "Hops kept per trace (1-1024); more are counted");
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, snaplen,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, &mbt_snaplen,
    MBT_SNAPLEN_MAX, mbt_sysctl_range, "I",
    "Bytes copied by a snapshot tracepoint (0-2048)");

/* "epair0a,vtnet0": start points trace packets of these interfaces. */
static int
mbt_sysctl_ifaces(SYSCTL_HANDLER_ARGS)
{
	char buf[MBT_MAX_IFACES * (MBUF_TRACE_NAMELEN + 1) + 1];
	char names[MBT_MAX_IFACES][MBUF_TRACE_NAMELEN];
	char *p, *s;
	int error, i, n;
	size_t len;

	buf[0] = '\0';
	rm_wlock(&mbt_sel_lock);
	for (i = 0; i < mbt_nifaces; i++) {
		if (i > 0)
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, mbt_ifaces[i], sizeof(buf));
	}
	rm_wunlock(&mbt_sel_lock);
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
	struct bpf_insn *prog, *old;
	char *buf;
	size_t off;
	int error, i, len;

	buf = malloc(MBT_FILTER_TEXT, M_MBUFTRACE, M_WAITOK | M_ZERO);
	rm_wlock(&mbt_sel_lock);
	off = 0;
	if (mbt_filter != NULL)
		off = snprintf(buf, MBT_FILTER_TEXT, "%d\n", mbt_filter_len);
	for (i = 0; i < mbt_filter_len && off < MBT_FILTER_TEXT; i++)
		off += snprintf(buf + off, MBT_FILTER_TEXT - off,
		    "%u %u %u %u\n", mbt_filter[i].code, mbt_filter[i].jt,
		    mbt_filter[i].jf, mbt_filter[i].k);
	rm_wunlock(&mbt_sel_lock);
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
mbt_sysctl_tracepoints(SYSCTL_HANDLER_ARGS)
{
	struct mbuf_trace_point **tpp, *tp;
	char line[256];
	int error, n;

	error = 0;
	SET_FOREACH(tpp, mbuf_trace_set) {
		tp = *tpp;
		n = snprintf(line, sizeof(line), "%u %d %s %u %s:%u %s%s%s\n",
		    tp->tp_id, tp->tp_enabled, mbt_kind_name(tp),
		    tp->tp_subsys, tp->tp_relfile, tp->tp_line, tp->tp_func,
		    tp->tp_msg != NULL ? " " : "",
		    tp->tp_msg != NULL ? tp->tp_msg : "");
		if (n >= (int)sizeof(line))
			n = sizeof(line) - 1;
		error = SYSCTL_OUT(req, line, n);
		if (error != 0)
			return (error);
	}
	return (SYSCTL_OUT(req, "", 1));
}
SYSCTL_PROC(_kern_mbuf_trace, OID_AUTO, tracepoints,
    CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0,
    mbt_sysctl_tracepoints, "A",
    "Tracepoints: id enabled kind subsys file:line function [message]");

/* Writing an id switches that tracepoint; 0 switches all of them. */
static int
mbt_sysctl_tp_switch(SYSCTL_HANDLER_ARGS)
{
	struct mbuf_trace_point **tpp, *tp;
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
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_emit, CTLFLAG_RD,
    &mbt_st_fail_emit, "Records not emitted: allocation failed");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, emitted, CTLFLAG_RD,
    &mbt_st_emitted, "Records handed to the tap");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, no_listener,
    CTLFLAG_RD, &mbt_st_nolistener, "Records not encoded: no listener");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, rejected, CTLFLAG_RD,
    &mbt_st_rejected, "Packets a start point did not select");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, encode_errors,
    CTLFLAG_RD, &mbt_st_encode_err, "Records the encoder refused");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, fail_grow, CTLFLAG_RD,
    &mbt_st_fail_grow, "Hops lost: a trace could not grow");
SYSCTL_COUNTER_U64(_kern_mbuf_trace_stats, OID_AUTO, cut, CTLFLAG_RD,
    &mbt_st_cut, "Traces whose tag was deleted before the mbuf was freed");
