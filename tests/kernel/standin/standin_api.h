/*
 * TEST STAND-IN, NOT FreeBSD CODE: what the C++ tests and the benchmark
 * call to drive the stand-in kernel (tests/kernel/standin/standin.c) and
 * the tracepoints of tests/kernel/fake_stack.c.  Plain C, no kernel macros.
 */
#ifndef _STANDIN_API_H_
#define	_STANDIN_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mbuf;
struct ifnet;
struct vnet;

#define	STANDIN_M_NOWAIT	0x0001

/* Runs the SYSINITs once (vnet0 first); later calls do nothing. */
void	 standin_boot(void);
struct vnet *standin_vnet0(void);
struct vnet *standin_vnet_create(void);
void	 standin_vnet_set(struct vnet *);
struct ifnet *standin_ifnet(const char *xname);
int	 standin_if_index(struct ifnet *);
void	 standin_set_cpu(int);
/* Swaps cpu_ticks() (NULL: back to the TSC), for the benchmark. */
void	 standin_set_ticker(uint64_t (*)(void));
uint64_t standin_cpu_ticks(void);

/* A packet header chain of len bytes, split in mbufs of split bytes. */
struct mbuf *standin_packet(const void *, int len, int split);
int	 standin_packet_len(struct mbuf *);
int	 standin_packet_equals(struct mbuf *, const void *, int len);
int	 standin_ntags(struct mbuf *);
/* Prepends an unrelated tag (another subsystem's), persistent or not. */
int	 standin_add_foreign_tag(struct mbuf *, int persistent);
void	 m_freem(struct mbuf *);
struct m_tag;
void	 m_tag_delete_chain(struct mbuf *, struct m_tag *);
/* Not the stand-in's: kern_mbuf_trace.c's. */
void	 mbuf_trace_tag_delete_chain(struct mbuf *);
struct mbuf *m_dup(const struct mbuf *, int);
struct mbuf *m_copypacket(struct mbuf *, int);
void	 m_tag_delete_nonpersistent(struct mbuf *);

/* sysctl(3) by name on the stand-in tree; returns an errno value. */
int	 standin_sysctl(const char *name, void *old, size_t *oldlenp,
	    const void *newp, size_t newlen);
int	 standin_sysctl_int(const char *name, int v);	/* set */
long long standin_sysctl_get(const char *name);	/* int or u64 */
int	 standin_sysctl_str(const char *name, const char *s);	/* set */

/* Fail the nth M_NOWAIT malloc/m_tag_alloc from now (1-based; 0: none). */
void	 standin_fail_nowait(long nth);
long	 standin_nowait_count(void);
long	 standin_live_allocs(void);

/* Fire the nth fail point hit from now (debug.fail_point.*; 0: none). */
void	 standin_fail_point_nth(long nth);

/* A jail's own tap (its vnet's mbuf_trace0): listener, records, name. */
void	 standin_vnet_listener(struct vnet *, int);
size_t	 standin_vnet_ncaptured(struct vnet *);
const char *standin_vnet_tap_name(struct vnet *);

/* A jail named name with vnet v (NULL: no vnet of its own) under parent
 * (NULL: the host); removing marks it dying; attach makes the sysctl
 * caller a process of that jail (NULL: the host). */
void	*standin_jail_create(const char *name, struct vnet *v, void *parent);
void	 standin_jail_remove(void *);
void	 standin_jail_attach(void *);

/* Load and unload a pretend module with n tracepoints (kld_load/unload). */
void	*standin_kld_load(int n);
void	 standin_kld_unload(void *);

/* kld_unload_try for a module with n tracepoints (-1: no set at all). */
int	 standin_kld_unload_try(int n);

/*
 * The emission taskqueue: runs what is queued (the kernel's taskqueue
 * thread would); standin_ncaptured() and standin_captured() run it first.
 */
size_t	 standin_run_tasks(void);
size_t	 standin_tasks_pending(void);

/* The BPF tap: listener on/off and what bpf_mtap2_if() delivered. */
void	 standin_set_listener(int);
size_t	 standin_ncaptured(void);
const uint8_t *standin_captured(size_t i, size_t *lenp);
void	 standin_clear_captured(void);
const char *standin_tap_name(void);
unsigned standin_tap_dlt(void);

#ifdef __cplusplus
}
#endif

#endif /* !_STANDIN_API_H_ */
