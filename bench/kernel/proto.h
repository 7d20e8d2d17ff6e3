/* The prototype's per-hop m_tag design, for the benchmark (proto.c). */
#ifndef PROTO_H
#define	PROTO_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct mbuf;
void	proto_trace_static(struct mbuf *, char const *, uint32_t);
void	proto_trace_printf(struct mbuf *, char const *, ...);
void	proto_hops_static(struct mbuf *, int n);
void	proto_hops_printf(struct mbuf *, int n);
void	proto_release(struct mbuf *);
#ifdef __cplusplus
}
#endif
#endif
