/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuf_trace(9): record the tracepoints a selected mbuf passes and emit the
 * path as an mbuftrace record (sys/mbuf_trace_wire.h) through a BPF tap.
 *
 * Every macro below compiles to an empty statement unless the kernel is
 * built with "options MBUF_TRACE".  With it, a tracepoint costs one
 * predictable branch on a global while tracing is off, and one more load
 * (the mbuf's tag list head) for an untraced mbuf while it is on.
 */

#ifndef _SYS_MBUF_TRACE_H_
#define	_SYS_MBUF_TRACE_H_

#ifdef _KERNEL

#include <sys/linker_set.h>
#include <sys/mbuf_trace_enc.h>
#include <sys/mbuf_trace_wire.h>

/* Private m_tag cookie (date -u +%s, as mbuf_tags(9) asks) and types. */
#define	MTAG_MBUF_TRACE		1763769600
#define	MBUF_TRACE_TAG_TRACE	(1 | MTAG_PERSISTENT)	/* struct mbuf_trace */

/* A hop recorded outside any vnet (curvnet NULL): no vnet attribute. */
#define	MBUF_TRACE_VNET_NONE	0xffffffffu

/* What a tracepoint records beyond the hop core (tp_attr). */
#define	MBUF_TRACE_A_IFACE	0x01	/* interface + direction */
#define	MBUF_TRACE_A_RULE	0x02	/* ruleset, rule, action */
#define	MBUF_TRACE_A_MSG	0x04	/* tp_msg is a message */
#define	MBUF_TRACE_A_DROP	0x08	/* tp_msg is a drop reason */
#define	MBUF_TRACE_A_SNAP	0x10	/* copies the packet's first bytes */
#define	MBUF_TRACE_A_VNET	0x20	/* vnet given explicitly */
#define	MBUF_TRACE_A_START	0x40	/* a start point (selection) */
#define	MBUF_TRACE_A_COPY	0x80	/* a copy was made here */
#define	MBUF_TRACE_A_NODE	0x100	/* netgraph node and hook */
#define	MBUF_TRACE_A_XLATE	0x200	/* rule, translation, snapshot */

/* Size of the names copied into a hop: IFNAMSIZ, and pf/ipfw ruleset. */
#define	MBUF_TRACE_NAMELEN	16
/*
 * Netgraph node and hook names: the first 11 bytes of each (NG_NODESIZ
 * is 32) keep the hop at 48 bytes; "ngeth0", "ether" fit.
 */
#define	MBUF_TRACE_NGLEN	12

/*
 * The static part of one tracepoint.  One per macro use, placed in the
 * mbuf_trace_set linker set so that all of them can be listed and switched
 * by kern.mbuf_trace.tracepoints / tp_enable / tp_disable.
 */
struct mbuf_trace_point {
	const char	*tp_file;	/* __FILE__ */
	const char	*tp_func;	/* __func__ */
	const char	*tp_msg;	/* message or drop reason, or NULL */
	const char	*tp_relfile;	/* tp_file from "sys/", set at boot */
	uint32_t	 tp_line;
	uint16_t	 tp_id;		/* 1.., set at boot */
	uint16_t	 tp_linktype;	/* of a snapshot's bytes */
	uint8_t		 tp_subsys;	/* MBT_SS_* */
	uint8_t		 tp_kind;	/* MBT_HK_* */
	volatile uint8_t tp_enabled;
	uint16_t	 tp_attr;	/* MBUF_TRACE_A_* */
};

/*
 * One hop: a descriptor and the dynamic values, 48 bytes, no pointers to
 * anything that could be freed before the record is emitted.  Interface
 * and ruleset names are copied as fixed 16-byte fields (IFNAMSIZ): two
 * stores instead of an ifnet reference that a vnet teardown could free, and
 * the only way to say which epair end a packet crossed once the interface
 * is gone.
 */
struct mbuf_trace_hop {
	const struct mbuf_trace_point *h_tp;
	uint64_t	 h_ticks;	/* cpu_ticks() */
	uint32_t	 h_vnet;	/* vnet id, see mbuf_trace_vnet_id() */
	uint16_t	 h_cpu;
	uint8_t		 h_depth;
	uint8_t		 h_flags;	/* MBUF_TRACE_HF_* */
	union {
		struct {
			char	 name[MBUF_TRACE_NAMELEN];
			uint32_t index;
			uint8_t	 dir;	/* MBT_DIR_* */
		} hu_if;
		struct {
			char	 ruleset[MBUF_TRACE_NAMELEN];
			uint32_t rule;
			uint8_t	 action; /* MBT_ACT_* */
			uint8_t	 how;	/* MBT_STATE_*, 0: no state */
			uint32_t creator; /* state creator id */
			uint64_t state;	/* state id */
		} hu_rule;
		struct {
			char	 node[MBUF_TRACE_NGLEN];
			char	 hook[MBUF_TRACE_NGLEN];
		} hu_ng;
		uint64_t	 hu_copy;	/* trace id of the copy */
		struct mbuf_trace_snap *hu_snap; /* owned by the trace */
		struct mbuf_trace_xlate *hu_xl;	/* owned by the trace */
	} h_u;
};

/* A snapshot: the packet's first sn_len bytes follow. */
struct mbuf_trace_snap {
	uint32_t	 sn_len;
};
#define	MBUF_TRACE_HF_COPY	0x01	/* hu_copy is valid */
#define	MBUF_TRACE_HF_SNAP	0x02	/* hu_snap is valid (may be NULL) */
#define	MBUF_TRACE_HF_XLATE	0x04	/* hu_xl is valid (may be NULL) */

/*
 * A translation hop (MBUF_TRACE_XLATE): the rule that rewrote the packet,
 * what it rewrote and the packet after it, in one allocation.
 */
struct mbuf_trace_xlate {
	char		 xl_ruleset[MBUF_TRACE_NAMELEN];
	uint32_t	 xl_rule;
	uint8_t		 xl_action;	/* MBT_ACT_* */
	struct mbt_xlate xl_x;
	struct mbuf_trace_snap xl_snap;	/* sn_len 0: no bytes */
	/* xl_snap.sn_len bytes follow */
};

/*
 * The payload of the one MBUF_TRACE_TAG_TRACE tag of a traced mbuf.  It is
 * self-contained (snapshots hang off its hops), so that a finished trace
 * is unlinked from its mbuf whole and emitted later by a task.
 */
struct mbuf_trace {
	uint64_t	 t_id;
	uint64_t	 t_parent;	/* 0: none */
	uint64_t	 t_qticks;	/* cpu_ticks() when queued */
	uint32_t	 t_lost;	/* hops that did not fit */
	uint32_t	 t_allocfail;	/* allocations that failed */
	uint16_t	 t_cap;		/* t_hops[] entries */
	uint16_t	 t_nhops;
	uint16_t	 t_flags;	/* MBT_RF_* */
	uint8_t		 t_depth;
	uint8_t		 t_state;	/* MBT_TS_* (not on the wire) */
	/* The packet as the segment's first start point saw it. */
	struct mbuf_trace_snap *t_snap;
	uint16_t	 t_snap_hop;	/* the hop it belongs to */
	uint16_t	 t_snap_lt;	/* MBT_LINKTYPE_* */
	struct mbuf_trace_hop t_hops[];
};
/* Kernel-only t_flags bit: a whole-chain tag deletion ended the trace. */
#define	MBT_RF_CUT		0x8000

struct mbuf;
struct ifnet;
struct vnet;

extern int	mbuf_trace_on;		/* kern.mbuf_trace.enable */
extern int	mbuf_trace_armed;	/* tracing on, or a trace exists */
extern int	mbuf_trace_live;	/* hint: some trace tag exists */
extern int	mbuf_trace_anywhere;	/* kern.mbuf_trace.start_anywhere */

void	mbuf_trace_hop(struct mbuf_trace_point *, struct mbuf *);
void	mbuf_trace_hop_vnet(struct mbuf_trace_point *, struct mbuf *,
	    struct vnet *);
void	mbuf_trace_hop_if(struct mbuf_trace_point *, struct mbuf *,
	    struct ifnet *, int);
void	mbuf_trace_hop_rule(struct mbuf_trace_point *, struct mbuf *,
	    const char *, uint32_t, int);
void	mbuf_trace_hop_state(struct mbuf_trace_point *, struct mbuf *,
	    const char *, uint32_t, int, uint64_t, uint32_t, int);
void	mbuf_trace_hop_xlate(struct mbuf_trace_point *, struct mbuf *,
	    const char *, uint32_t, int, const struct mbt_xlate *);
void	mbuf_trace_hop_snap(struct mbuf_trace_point *, struct mbuf *);
void	mbuf_trace_start(struct mbuf_trace_point *, struct mbuf *,
	    struct ifnet *, int);
void	mbuf_trace_emit(struct mbuf_trace_point *, struct mbuf *);
void	mbuf_trace_copy(struct mbuf_trace_point *, struct mbuf *,
	    struct mbuf *);
void	mbuf_trace_hop_node(struct mbuf_trace_point *, struct mbuf *,
	    const char *, const char *);
void	mbuf_trace_move(struct mbuf_trace_point *, struct mbuf *,
	    struct mbuf *);
void	mbuf_trace_free(struct mbuf *);
void	mbuf_trace_tag_delete_chain(struct mbuf *);
struct mbuf_trace *mbuf_trace_get(struct mbuf *);
uint32_t mbuf_trace_vnet_id(struct vnet *);

/*
 * Worth a call: the mbuf has a packet header and a tag (the trace tag is
 * prepended, so it is nearly always first) while some trace exists, or any
 * tracepoint may start.  An untraced mbuf pays one load of a line already
 * in cache, and one more if it carries another subsystem's tag (pf's, say)
 * rather than a walk of its tags while no trace exists; a flag bit
 * in m_flags was not taken because every spare bit is M_PROTOn, which
 * protocols reuse and m_clrprotoflags() clears.  The macros below apply
 * it to a local copy of their argument, which they evaluate once (this
 * header is included by sys/mbuf.h before struct mbuf is complete, so it
 * cannot be an inline function).
 */
#define	_MBUF_TRACE_CANDIDATE(m)					\
	((m) != NULL && ((m)->m_flags & M_PKTHDR) != 0 &&		\
	 (((m)->m_pkthdr.tags.slh_first != NULL && mbuf_trace_live != 0) || \
	 mbuf_trace_anywhere != 0))

#define	_MBUF_TRACE_TP(ss, kind, attr, msg, lt)				\
	static struct mbuf_trace_point _mbt_tp = {			\
		.tp_file = __FILE__,					\
		.tp_func = __func__,					\
		.tp_msg = (msg),					\
		.tp_line = __LINE__,					\
		.tp_linktype = (lt),					\
		.tp_subsys = (ss),					\
		.tp_kind = (kind),					\
		.tp_attr = (attr),					\
		.tp_enabled = 1,					\
	};								\
	DATA_SET(mbuf_trace_set, _mbt_tp)

#define	_MBUF_TRACE(m, ss, kind, attr, msg, lt, call) do {		\
	if (__predict_false(mbuf_trace_on != 0)) {			\
		struct mbuf *_mbt_m = (m);				\
									\
		if (_MBUF_TRACE_CANDIDATE(_mbt_m)) {			\
			_MBUF_TRACE_TP(ss, kind, attr, msg, lt);	\
			call;						\
		}							\
	}								\
} while (0)

#ifdef MBUF_TRACE

/*
 * The common case: mbuf and subsystem (an MBT_SS_ name without the prefix).
 * The prefix is pasted here, at the outermost macro, because some names
 * (NETGRAPH, SCTP, IPSEC) are also kernel options defined to 1.
 */
#define	MBUF_TRACE_POINT(m, ss)						\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, 0, NULL, 0,		\
	    mbuf_trace_hop(&_mbt_tp, _mbt_m))
/* The hop belongs to vnet v (e.g. the far side of an epair). */
#define	MBUF_TRACE_VNET(m, ss, v)					\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_VNET,	\
	    NULL, 0, mbuf_trace_hop_vnet(&_mbt_tp, _mbt_m, (v)))
/* Interface and MBT_DIR_IN/OUT/NONE. */
#define	MBUF_TRACE_IF(m, ss, ifp, dir)					\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_IFACE,	\
	    NULL, 0, mbuf_trace_hop_if(&_mbt_tp, _mbt_m, (ifp), (dir)))
/* Firewall ruleset/anchor name ("" main), rule number, MBT_ACT_*. */
#define	MBUF_TRACE_RULE(m, ss, ruleset, rule, action)			\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_RULE,	\
	    NULL, 0, mbuf_trace_hop_rule(&_mbt_tp, _mbt_m, (ruleset),	\
	    (rule), (action)))
/* The same with a message, e.g. that a state, not a rule, matched. */
#define	MBUF_TRACE_RULE_MSG(m, ss, ruleset, rule, action, msg)		\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT,			\
	    MBUF_TRACE_A_RULE | MBUF_TRACE_A_MSG, "" msg, 0,		\
	    mbuf_trace_hop_rule(&_mbt_tp, _mbt_m, (ruleset), (rule),	\
	    (action)))
/* A message: a string constant, stored once in the descriptor. */
#define	MBUF_TRACE_RULE_STATE(m, ss, ruleset, rule, action, id, creator, \
    how, msg)								\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT,			\
	    MBUF_TRACE_A_RULE | MBUF_TRACE_A_MSG, "" msg, 0,		\
	    mbuf_trace_hop_state(&_mbt_tp, _mbt_m, (ruleset), (rule),	\
	    (action), (id), (creator), (how)))
#define	MBUF_TRACE_XLATE(m, ss, lt, ruleset, rule, action, xl, msg)	\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT,			\
	    MBUF_TRACE_A_XLATE | MBUF_TRACE_A_MSG, "" msg, (lt),	\
	    mbuf_trace_hop_xlate(&_mbt_tp, _mbt_m, (ruleset), (rule),	\
	    (action), (xl)))
#define	MBUF_TRACE_MSG(m, ss, msg)					\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_MSG,	\
	    "" msg, 0, mbuf_trace_hop(&_mbt_tp, _mbt_m))
/* The packet dies here; reason is a string constant. */
#define	MBUF_TRACE_DROP(m, ss, reason)					\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_DROP,	\
	    "" reason, 0, mbuf_trace_hop(&_mbt_tp, _mbt_m))
/* A netgraph node and hook by name (copied, truncated). */
#define	MBUF_TRACE_NODE(m, ss, node, hook)				\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_NODE,	\
	    NULL, 0, mbuf_trace_hop_node(&_mbt_tp, _mbt_m, (node), (hook)))
/* Copies the first kern.mbuf_trace.snaplen bytes; lt is their DLT. */
#define	MBUF_TRACE_SNAP(m, ss, lt)					\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, MBUF_TRACE_A_SNAP,	\
	    NULL, (lt), mbuf_trace_hop_snap(&_mbt_tp, _mbt_m))
/* The same, with a message saying why (e.g. "after NAT"). */
#define	MBUF_TRACE_SNAP_MSG(m, ss, lt, msg)				\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT,			\
	    MBUF_TRACE_A_SNAP | MBUF_TRACE_A_MSG, "" msg, (lt),		\
	    mbuf_trace_hop_snap(&_mbt_tp, _mbt_m))
/* Nesting: hops between ENTER and LEAVE are one level deeper. */
#define	MBUF_TRACE_ENTER(m, ss)						\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_ENTER, 0, NULL, 0,		\
	    mbuf_trace_hop(&_mbt_tp, _mbt_m))
#define	MBUF_TRACE_LEAVE(m, ss)						\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_LEAVE, 0, NULL, 0,		\
	    mbuf_trace_hop(&_mbt_tp, _mbt_m))
/* A start point: an untraced mbuf that passes the selection is traced. */
#define	MBUF_TRACE_START(m, ss, ifp, dir) do {				\
	if (__predict_false(mbuf_trace_on != 0)) {			\
		_MBUF_TRACE_TP(MBT_SS_##ss, MBT_HK_POINT,		\
		    MBUF_TRACE_A_START | MBUF_TRACE_A_IFACE, NULL, 0);	\
		mbuf_trace_start(&_mbt_tp, (m), (ifp), (dir));		\
	}								\
} while (0)
/* Emits the record now (listener permitting) and starts a new segment. */
#define	MBUF_TRACE_EMIT(m, ss)						\
	_MBUF_TRACE(m, MBT_SS_##ss, MBT_HK_POINT, 0, NULL, 0,		\
	    mbuf_trace_emit(&_mbt_tp, _mbt_m))
/* n is a copy of m (m_dup, m_copypacket): n gets a child trace. */
#define	MBUF_TRACE_COPY(m, n) do {					\
	if (__predict_false(mbuf_trace_armed != 0)) {			\
		struct mbuf *_mbt_m = (m), *_mbt_n = (n);		\
									\
		if (_mbt_n != NULL && _MBUF_TRACE_CANDIDATE(_mbt_m)) {	\
			_MBUF_TRACE_TP(MBT_SS_MBUF, MBT_HK_POINT,	\
			    MBUF_TRACE_A_COPY, NULL, 0);		\
			mbuf_trace_copy(&_mbt_tp, _mbt_m, _mbt_n);	\
		}							\
	}								\
} while (0)
/* The packet of m goes on as n (m_defrag()): the trace moves to n. */
#define	MBUF_TRACE_MOVE(m, n) do {					\
	if (__predict_false(mbuf_trace_armed != 0)) {			\
		struct mbuf *_mbt_m = (m), *_mbt_n = (n);		\
									\
		if (_mbt_n != NULL && _MBUF_TRACE_CANDIDATE(_mbt_m)) {	\
			_MBUF_TRACE_TP(MBT_SS_MBUF, MBT_HK_POINT,	\
			    MBUF_TRACE_A_MSG, "moved to a new chain", 0); \
			mbuf_trace_move(&_mbt_tp, _mbt_m, _mbt_n);	\
		}							\
	}								\
} while (0)
/*
 * In m_free() and wherever a packet stops being one (socket data): the
 * trace tag of a traced packet header mbuf is unlinked and queued for
 * emission.  Cheap: no allocation, no encoding here.
 */
#define	MBUF_TRACE_FREE(m) do {						\
	struct mbuf *_mbt_m = (m);					\
									\
	if (__predict_false(mbuf_trace_armed != 0) &&			\
	    (_mbt_m->m_flags & M_PKTHDR) != 0 &&			\
	    _mbt_m->m_pkthdr.tags.slh_first != NULL)			\
		mbuf_trace_free(_mbt_m);				\
} while (0)

#else /* !MBUF_TRACE */

#define	MBUF_TRACE_POINT(m, ss)				do { } while (0)
#define	MBUF_TRACE_VNET(m, ss, v)			do { } while (0)
#define	MBUF_TRACE_IF(m, ss, ifp, dir)			do { } while (0)
#define	MBUF_TRACE_RULE(m, ss, ruleset, rule, action)	do { } while (0)
#define	MBUF_TRACE_RULE_MSG(m, ss, ruleset, rule, action, msg) \
							do { } while (0)
#define	MBUF_TRACE_RULE_STATE(m, ss, ruleset, rule, action, id, creator, \
    how, msg)						do { } while (0)
#define	MBUF_TRACE_XLATE(m, ss, lt, ruleset, rule, action, xl, msg) \
							do { } while (0)
#define	MBUF_TRACE_MSG(m, ss, msg)			do { } while (0)
#define	MBUF_TRACE_DROP(m, ss, reason)			do { } while (0)
#define	MBUF_TRACE_SNAP(m, ss, lt)			do { } while (0)
#define	MBUF_TRACE_SNAP_MSG(m, ss, lt, msg)		do { } while (0)
#define	MBUF_TRACE_NODE(m, ss, node, hook)		do { } while (0)
#define	MBUF_TRACE_ENTER(m, ss)				do { } while (0)
#define	MBUF_TRACE_LEAVE(m, ss)				do { } while (0)
#define	MBUF_TRACE_START(m, ss, ifp, dir)		do { } while (0)
#define	MBUF_TRACE_EMIT(m, ss)				do { } while (0)
#define	MBUF_TRACE_COPY(m, n)				do { } while (0)
#define	MBUF_TRACE_MOVE(m, n)				do { } while (0)
#define	MBUF_TRACE_FREE(m)				do { } while (0)

#endif /* MBUF_TRACE */

#endif /* _KERNEL */

#endif /* !_SYS_MBUF_TRACE_H_ */
