/*
 * TEST CODE, NOT FreeBSD CODE: a pretend network stack that uses the
 * mbuf_trace(9) macros exactly as kernel code does, compiled against the
 * stand-in.  It lives under sys/net/ so that the record's file names look
 * like a kernel's ("sys/net/fake_stack.c").  Each function stores the
 * line of its tracepoint in *line (on the same source line) for the tests.
 */
/* As opt_global.h has it with "options NETGRAPH": a subsystem name too. */
#define	NETGRAPH	1

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mbuf.h>
#include <net/bpf.h>
#include <net/if.h>
#include <net/if_var.h>
#include <net/vnet.h>

#include <sys/mbuf_trace.h>

#include "fake_stack.h"

#define	L(p)	do { if ((p) != NULL) *(p) = __LINE__; } while (0)

void
fake_ether_input(struct ifnet *ifp, struct mbuf *m, int *line)
{

	MBUF_TRACE_START(m, ETHER, ifp, MBT_DIR_IN); L(line);
}

/* ip_output(): a start point where the packet begins with the IP header. */
void
fake_ip_output(struct mbuf *m, int *line)
{

	MBUF_TRACE_START(m, IP, NULL, MBT_DIR_OUT); L(line);
}

void
fake_point(struct mbuf *m, int *line)
{

	MBUF_TRACE_POINT(m, IP); L(line);
}

void
fake_netgraph(struct mbuf *m, int *line)
{

	MBUF_TRACE_NODE(m, NETGRAPH, "ngeth0", "ether"); L(line);
	MBUF_TRACE_NODE(m, NETGRAPH, "a_long_node_name", NULL);
}

void
fake_enter(struct mbuf *m, int *line)
{

	MBUF_TRACE_ENTER(m, PFIL); L(line);
}

void
fake_leave(struct mbuf *m, int *line)
{

	MBUF_TRACE_LEAVE(m, PFIL); L(line);
}

void
fake_rule(struct mbuf *m, const char *anchor, uint32_t rule, int action,
    int *line)
{

	MBUF_TRACE_RULE(m, PF, anchor, rule, action); L(line);
}

/* pf passing a packet that created a state, then its nat-to rewrite. */
void
fake_pf_nat(struct mbuf *m, const struct mbt_xlate *xl, int *line)
{

	MBUF_TRACE_RULE_STATE(m, PF, "", 2, MBT_ACT_PASS,
	    0x6790f5c500000001ULL, 0x2a, MBT_STATE_CREATED, "created a state");
	L(line); MBUF_TRACE_XLATE(m, PF, MBT_LINKTYPE_IPV4, "nat", 1,
	    MBT_ACT_NAT, xl, "after translation");
}

void
fake_if_output(struct ifnet *ifp, struct mbuf *m, int *line)
{

	MBUF_TRACE_IF(m, IF, ifp, MBT_DIR_OUT); L(line);
}

void
fake_vnet(struct mbuf *m, struct vnet *to, int *line)
{

	MBUF_TRACE_VNET(m, EPAIR, to); L(line);
}

void
fake_msg(struct mbuf *m, int *line)
{

	MBUF_TRACE_MSG(m, ICMP, "echo reply"); L(line);
}

void
fake_snap(struct mbuf *m, int *line)
{

	MBUF_TRACE_SNAP(m, ETHER, DLT_EN10MB); L(line);
}

void
fake_emit(struct mbuf *m, int *line)
{

	MBUF_TRACE_EMIT(m, IF); L(line);
}

void
fake_drop(struct mbuf *m, int *line)
{

	MBUF_TRACE_DROP(m, PF, "blocked by rule"); L(line);
	m_freem(m);
}

/* pf's dup-to: m_dup() and then the firewall's own copy point. */
struct mbuf *
fake_dup_to(struct mbuf *m, int *line)
{
	struct mbuf *n;

	n = m_dup(m, M_NOWAIT);
	MBUF_TRACE_COPY(m, n); L(line);
	return (n);
}

/*
 * m_defrag() as patched: the packet is copied into a new chain, which
 * takes the trace before the old chain is freed.
 */
struct mbuf *
fake_defrag(struct mbuf *m, int *line)
{
	struct mbuf *n;
	char buf[2048];
	int len;

	len = m->m_pkthdr.len;
	m_copydata(m, 0, len, buf);
	n = standin_packet(buf, len, 0);
	MBUF_TRACE_MOVE(m, n); L(line);
	m_freem(m);
	return (n);
}

/* epair_clear_mbuf(): what an epair crossing does to the tags. */
void
fake_epair_cross(struct mbuf *m, struct vnet *to)
{

	m_tag_delete_nonpersistent(m);
	m->m_pkthdr.rcvif = NULL;
	standin_vnet_set(to);
}

/*
 * The benchmark's inner loop: n hops of one tracepoint.  The barrier
 * stands for the code between two tracepoints, which makes the compiler
 * load the globals again, as it must in a real stack.
 */
void
fake_hops(struct mbuf *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		MBUF_TRACE_POINT(m, IP);
		__asm__ __volatile__("" : : : "memory");
	}
}

/* The same loop without the tracepoint, to subtract. */
void
fake_hops_empty(struct mbuf *m, int n)
{
	int i;

	for (i = 0; i < n; i++)
		__asm__ __volatile__("" : : "r"(m) : "memory");
}

int
fake_trace_info(struct mbuf *m, struct fake_trace_info *ti)
{
	struct mbuf_trace *t;

	t = mbuf_trace_get(m);
	if (t == NULL)
		return (0);
	ti->id = t->t_id;
	ti->parent = t->t_parent;
	ti->nhops = t->t_nhops;
	ti->cap = t->t_cap;
	ti->lost = t->t_lost;
	ti->flags = t->t_flags;
	ti->depth = t->t_depth;
	return (1);
}

/* The tracepoint id of the descriptor a hop used. */
int
fake_hop_tp_id(struct mbuf *m, int i)
{
	struct mbuf_trace *t;

	t = mbuf_trace_get(m);
	if (t == NULL || i >= t->t_nhops)
		return (-1);
	return (t->t_hops[i].h_tp->tp_id);
}
