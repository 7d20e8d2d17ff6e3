/* TEST CODE: the pretend stack of sys/net/fake_stack.c, callable from C++. */
#ifndef FAKE_STACK_H
#define	FAKE_STACK_H

#include <stdint.h>

#include "standin/standin_api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fake_trace_info {
	uint64_t	id;
	uint64_t	parent;
	unsigned	nhops;
	unsigned	cap;
	unsigned	lost;
	unsigned	flags;
	unsigned	depth;
};

void	fake_ether_input(struct ifnet *, struct mbuf *, int *line);
void	fake_ip_output(struct mbuf *, int *line);
void	fake_point(struct mbuf *, int *line);
void	fake_netgraph(struct mbuf *, int *line);
void	fake_enter(struct mbuf *, int *line);
void	fake_leave(struct mbuf *, int *line);
void	fake_rule(struct mbuf *, const char *anchor, uint32_t rule,
	    int action, int *line);
void	fake_if_output(struct ifnet *, struct mbuf *, int *line);
void	fake_vnet(struct mbuf *, struct vnet *, int *line);
void	fake_msg(struct mbuf *, int *line);
void	fake_snap(struct mbuf *, int *line);
struct mbt_xlate;
void	fake_pf_nat(struct mbuf *, const struct mbt_xlate *, int *line);
void	fake_emit(struct mbuf *, int *line);
void	fake_drop(struct mbuf *, int *line);
void	fake_epair_cross(struct mbuf *, struct vnet *);
struct mbuf *fake_dup_to(struct mbuf *, int *line);
struct mbuf *fake_defrag(struct mbuf *, int *line);
void	fake_hops(struct mbuf *, int n);
void	fake_hops_empty(struct mbuf *, int n);
int	fake_trace_info(struct mbuf *, struct fake_trace_info *);
int	fake_hop_tp_id(struct mbuf *, int i);

#ifdef __cplusplus
}
#endif

#endif
