/*
 * TEST STAND-IN, NOT FreeBSD CODE.  A userspace imitation of exactly the
 * FreeBSD 15.1 kernel KPIs that kernel/sys/kern/kern_mbuf_trace.c uses,
 * with their real signatures, so that the kernel file compiles unchanged
 * on Linux for the Catch2 tests and the benchmark.  Behaviour follows the
 * kernel where the tests depend on it (m_tag lists, persistence, sysctl
 * handlers, linker sets, VIMAGE data relocation); everything else is
 * minimal.  Implementation: tests/kernel/standin/standin.c.
 */
#ifndef _STANDIN_H_
#define	_STANDIN_H_

#ifndef _KERNEL
#error "the stand-in imitates kernel headers; compile with -D_KERNEL"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/queue.h>
#ifndef MIN	/* sys/param.h */
#define	MIN(a,b) (((a)<(b))?(a):(b))
#define	MAX(a,b) (((a)>(b))?(a):(b))
#endif
#ifndef LIST_FOREACH_SAFE	/* FreeBSD's queue.h has it, glibc's not */
#define	LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST((head));				\
	    (var) && ((tvar) = LIST_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif
#ifndef SLIST_FOREACH_SAFE	/* FreeBSD's queue.h has it, glibc's not */
#define	SLIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = SLIST_FIRST((head));				\
	    (var) && ((tvar) = SLIST_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* sys/cdefs.h */
#define	__predict_false(x)	__builtin_expect(!!(x), 0)
#define	__predict_true(x)	__builtin_expect(!!(x), 1)
#ifndef __DECONST	/* sys/cdefs.h */
#define	__DECONST(type, var)	((type)(uintptr_t)(const void *)(var))
#endif
#ifndef __DEVOLATILE	/* sys/cdefs.h */
#define	__DEVOLATILE(type, var)	((type)(uintptr_t)(volatile void *)(var))
#endif
#ifndef __unused
#define	__unused		__attribute__((__unused__))
#endif
#define	__used			__attribute__((__used__))
#define	__section(x)		__attribute__((__section__(x)))
#define	__weak_symbol		__attribute__((__weak__))
#ifndef __CONCAT
#define	__CONCAT1(x, y)		x ## y
#define	__CONCAT(x, y)		__CONCAT1(x, y)
#endif
#if defined(__clang__)
#define	__NOASAN_VAR		__attribute__((no_sanitize("address")))
#else
#define	__NOASAN_VAR
#endif

/* sys/systm.h, libkern */
#define	__read_mostly
#define	__read_frequently
typedef uint64_t (cpu_tick_f)(void);
extern cpu_tick_f *cpu_ticks;
uint64_t cpu_tickrate(void);
static inline int imin(int a, int b) { return (a < b ? a : b); }
size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
#define	KASSERT(exp, msg)	do { } while (0)

/* machine/atomic.h */
static inline u_int
atomic_fetchadd_int(volatile u_int *p, u_int v)
{
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));
}
static inline u_long
atomic_fetchadd_long(volatile u_long *p, u_long v)
{
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));
}

static inline void
atomic_store_int(volatile int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}
static inline uint64_t
atomic_fetchadd_64(volatile uint64_t *p, uint64_t v)
{
	return (__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST));
}
#define	atomic_thread_fence_seq_cst()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* sys/pcpu.h, sys/smp.h, machine/param.h */
extern int standin_curcpu;
#define	curcpu			standin_curcpu
#define	MAXCPU			4
#define	CACHE_LINE_SIZE		64
#define	__aligned(x)		__attribute__((__aligned__(x)))
extern u_int mp_maxid;
#define	CPU_FOREACH(i)		for ((i) = 0; (i) <= mp_maxid; (i)++)
#define	roundup2(x, y)	(((x) + ((y) - 1)) & (~((__typeof(x))(y) - 1)))

/* sys/systm.h: panic state, kern_shutdown.c */
extern int standin_panicked;
#define	KERNEL_PANICKED()	(standin_panicked != 0)
extern int dumping;

/* sys/sx.h */
struct sx { void *sx_impl; const char *sx_name; };
void	sx_init(struct sx *, const char *);
void	sx_xlock(struct sx *);
void	sx_xunlock(struct sx *);
void	sx_slock(struct sx *);
void	sx_sunlock(struct sx *);
struct sx_args { struct sx *sa_sx; const char *sa_desc; };
void	sx_sysinit(void *);
#define	SX_SYSINIT(name, sxa, desc)					\
	static struct sx_args name##_args = { (sxa), (desc) };		\
	SYSINIT(name##_sx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE,	\
	    sx_sysinit, &name##_args)

/* sys/jail.h, sys/proc.h, sys/ucred.h: just what names a vnet jail. */
#define	MAXHOSTNAMELEN	256
#define	PR_VNET		0x00000010
struct vnet;
struct prison {
	TAILQ_ENTRY(prison) pr_list;
	struct prison	*pr_parent;
	int		 pr_flags;
	int		 pr_dead;
	struct vnet	*pr_vnet;
	char		 pr_name[MAXHOSTNAMELEN];
};
TAILQ_HEAD(prisonlist, prison);
extern struct prisonlist allprison;
extern struct sx allprison_lock;
bool	prison_ischild(struct prison *, struct prison *);
bool	prison_isalive(const struct prison *);
struct ucred { struct prison *cr_prison; };
struct thread { struct ucred *td_ucred; };

/* sys/fail.h: a fail point fires when the test armed it (standin_api.h). */
int	standin_fail_point(const char *);
#define	DEBUG_FP	_debug_fail_point
#define	KFAIL_POINT_CODE(parent, name, code...) do {			\
	if (standin_fail_point(#name)) {				\
		code;							\
	}								\
} while (0)

/* sys/priority.h */
#define	PWAIT			108

/* sys/mutex.h */
struct mtx { void *mtx_impl; const char *mtx_name; };
#define	MTX_DEF			0
void	mtx_init(struct mtx *, const char *, const char *, int);
void	mtx_lock(struct mtx *);
void	mtx_unlock(struct mtx *);
struct mtx_args { struct mtx *ma_mtx; const char *ma_desc; int ma_opts; };
void	mtx_sysinit(void *);
#define	MTX_SYSINIT(name, mtx, desc, opts)				\
	static struct mtx_args name##_args = { (mtx), (desc), (opts) };	\
	SYSINIT(name##_mtx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE,	\
	    mtx_sysinit, &name##_args)

/* sys/taskqueue.h: tasks run when the test drains the queue. */
typedef void task_fn_t(void *, int);
struct task {
	struct task	*ta_next;
	int		 ta_pending;
	task_fn_t	*ta_func;
	void		*ta_context;
};
#define	TASK_INIT(t, pri, fn, ctx) do {					\
	(t)->ta_next = NULL;						\
	(t)->ta_pending = 0;						\
	(t)->ta_func = (fn);						\
	(t)->ta_context = (ctx);					\
} while (0)
struct taskqueue;
typedef void (*taskqueue_enqueue_fn)(void *);
struct taskqueue *taskqueue_create(const char *, int, taskqueue_enqueue_fn,
	    void *);
void	taskqueue_thread_enqueue(void *);
int	taskqueue_start_threads(struct taskqueue **, int, int, const char *,
	    ...);
int	taskqueue_enqueue(struct taskqueue *, struct task *);

/* sys/linker_set.h: same mechanism (ELF __start_/__stop_ symbols). */
#define	__MAKE_SET(set, sym)						\
	static void const * const __NOASAN_VAR				\
	__set_##set##_sym_##sym __section("set_" #set) __used = &(sym)
#define	DATA_SET(set, sym)	__MAKE_SET(set, sym)
#define	SET_DECLARE(set, ptype)						\
	extern ptype __weak_symbol *__CONCAT(__start_set_, set);	\
	extern ptype __weak_symbol *__CONCAT(__stop_set_, set)
#define	SET_BEGIN(set)		(&__CONCAT(__start_set_, set))
#define	SET_LIMIT(set)		(&__CONCAT(__stop_set_, set))
#define	SET_FOREACH(pvar, set)						\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)

/* sys/kernel.h */
enum sysinit_sub_id {
	SI_SUB_LOCK = 0x1b00000,
	SI_SUB_INIT_IF = 0x3000000,
	SI_SUB_PSEUDO = 0x7000000,
	SI_SUB_PROTO_FIREWALL = 0x8806000,
};
enum sysinit_elem_order { SI_ORDER_FIRST = 0, SI_ORDER_MIDDLE = 0x1000000,
	SI_ORDER_ANY = 0xfffffff };
typedef void (*sysinit_nfunc_t)(void *);
struct sysinit {
	unsigned	 subsystem;
	unsigned	 order;
	sysinit_nfunc_t	 func;
	const void	*udata;
};
#define	SYSINIT(uniq, sub, ord, fn, ident)				\
	static struct sysinit uniq##_sys_init = { sub, ord,		\
	    (sysinit_nfunc_t)(fn), (ident) };				\
	DATA_SET(sysinit_set, uniq##_sys_init)

/* sys/malloc.h */
struct malloc_type { const char *ks_shortdesc; };
#define	MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = { { shortdesc } }
#define	M_NOWAIT	0x0001
#define	M_WAITOK	0x0002
#define	M_ZERO		0x0100
void	*standin_malloc(size_t, struct malloc_type *, int);
void	 standin_free(void *, struct malloc_type *);
#define	malloc(size, type, flags)	standin_malloc((size), (type), (flags))
#define	free(addr, type)		standin_free((addr), (type))

/* sys/eventhandler.h, sys/linker.h: just kld_unload_try. */
struct linker_file;
typedef struct linker_file *linker_file_t;
typedef void (*kld_unload_try_fn)(void *, struct linker_file *, int *);
#define	EVENTHANDLER_PRI_ANY	10000
void	*standin_eventhandler_register(const char *, void *, void *, int);
#define	EVENTHANDLER_REGISTER(name, func, arg, pri)			\
	standin_eventhandler_register(#name, (void *)(func), (arg), (pri))
int	linker_file_lookup_set(linker_file_t, const char *, void *, void *,
	    int *);
extern linker_file_t linker_kernel_file;
typedef int linker_predicate_t(linker_file_t, void *);
int	linker_file_foreach(linker_predicate_t *, void *);

/* sys/counter.h */
typedef uint64_t *counter_u64_t;
counter_u64_t	counter_u64_alloc(int);
uint64_t	counter_u64_fetch(counter_u64_t);
#define	counter_u64_add(c, v)	(*(c) += (v))

/* sys/epoch.h */
struct epoch_tracker { int et_dummy; };
extern int standin_in_epoch;
#define	NET_EPOCH_ENTER(et)	((void)(et), standin_in_epoch++)
#define	NET_EPOCH_EXIT(et)	((void)(et), standin_in_epoch--)

/* sys/lock.h, sys/rmlock.h */
struct rmlock { void *rm_impl; const char *rm_name; };
struct rm_priotracker { int rmp_dummy; };
void	rm_init(struct rmlock *, const char *);
void	_rm_rlock(struct rmlock *, struct rm_priotracker *, int);
void	_rm_runlock(struct rmlock *, struct rm_priotracker *);
void	_rm_wlock(struct rmlock *);
void	_rm_wunlock(struct rmlock *);
#define	rm_rlock(rm, tr)	_rm_rlock((rm), (tr), 0)
#define	rm_runlock(rm, tr)	_rm_runlock((rm), (tr))
#define	rm_wlock(rm)		_rm_wlock(rm)
#define	rm_wunlock(rm)		_rm_wunlock(rm)
struct rm_args { struct rmlock *ra_rm; const char *ra_desc; int ra_flags; };
void	rm_sysinit(void *);
#define	RM_SYSINIT(name, rm, desc)					\
	static struct rm_args name##_args = { (rm), (desc), 0 };	\
	SYSINIT(name##_rm_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE,	\
	    rm_sysinit, &name##_args)

/* sys/mbuf.h */
#define	MLEN		224
#define	MHLEN		160
#define	M_EXT		0x00000001
#define	M_PKTHDR	0x00000002
#define	MT_DATA		1
#define	MTAG_PERSISTENT	0x800
struct ifnet;
struct m_tag {
	SLIST_ENTRY(m_tag)	m_tag_link;
	u_int16_t		m_tag_id;
	u_int16_t		m_tag_len;
	u_int32_t		m_tag_cookie;
	void			(*m_tag_free)(struct m_tag *);
};
struct pkthdr {
	struct ifnet	*rcvif;
	SLIST_HEAD(packet_tags, m_tag) tags;
	int32_t		 len;
	uint32_t	 csum_flags;
};
struct mbuf {
	struct mbuf	*m_next;
	struct mbuf	*m_nextpkt;
	char		*m_data;
	int32_t		 m_len;
	uint32_t	 m_type:8, m_flags:24;
	struct pkthdr	 m_pkthdr;
	char		*m_ext_buf;	/* stand-in: heap storage */
};
#define	mtod(m, t)	((t)((m)->m_data))
struct m_tag	*m_tag_alloc(uint32_t, uint16_t, int, int);
void		 m_tag_delete(struct mbuf *, struct m_tag *);
void		 m_tag_delete_chain(struct mbuf *, struct m_tag *);
void		 m_tag_free_default(struct m_tag *);
struct m_tag	*m_tag_locate(struct mbuf *, uint32_t, uint16_t,
		    struct m_tag *);
struct m_tag	*m_tag_copy(struct m_tag *, int);
int		 m_tag_copy_chain(struct mbuf *, const struct mbuf *, int);
void		 m_tag_delete_nonpersistent(struct mbuf *);
static inline void
m_tag_prepend(struct mbuf *m, struct m_tag *t)
{
	SLIST_INSERT_HEAD(&m->m_pkthdr.tags, t, m_tag_link);
}
static inline void
m_tag_unlink(struct mbuf *m, struct m_tag *t)
{
	SLIST_REMOVE(&m->m_pkthdr.tags, t, m_tag, m_tag_link);
}
u_int		 m_length(struct mbuf *, struct mbuf **);
void		 m_copydata(const struct mbuf *, int, int, caddr_t);
struct mbuf	*m_free(struct mbuf *);
void		 m_freem(struct mbuf *);
struct mbuf	*m_dup(const struct mbuf *, int);
struct mbuf	*m_copypacket(struct mbuf *, int);
/* Stand-in helper: a packet header mbuf chain holding len bytes. */
struct mbuf	*standin_packet(const void *, int, int);

/* sys/socket.h, sys/sockio.h */
struct sockaddr;
struct route;
#define	SIOCSIFFLAGS	0x80206910UL
#define	SIOCADDMULTI	0x80206931UL
#define	SIOCDELMULTI	0x80206932UL

/* sys/sysctl.h */
struct thread;
struct sysctl_req {
	struct thread	*td;
	void		*oldptr;
	size_t		 oldlen;
	size_t		 oldidx;
	const void	*newptr;
	size_t		 newlen;
	size_t		 newidx;
	int		(*oldfunc)(struct sysctl_req *, const void *, size_t);
	int		(*newfunc)(struct sysctl_req *, void *, size_t);
};
struct sysctl_oid;
#define	SYSCTL_HANDLER_ARGS struct sysctl_oid *oidp, void *arg1,	\
	intmax_t arg2, struct sysctl_req *req
struct sysctl_oid {
	struct sysctl_oid *oid_parent;
	const char	*oid_name;
	int		 oid_kind;
	void		*oid_arg1;
	intmax_t	 oid_arg2;
	int		(*oid_handler)(SYSCTL_HANDLER_ARGS);
	const char	*oid_fmt;
	const char	*oid_descr;
};
#define	CTLTYPE		0xf
#define	CTLTYPE_NODE	1
#define	CTLTYPE_INT	2
#define	CTLTYPE_STRING	3
#define	CTLTYPE_U64	9
#define	CTLTYPE_UINT	6
#define	CTLFLAG_RD	0x80000000
#define	CTLFLAG_WR	0x40000000
#define	CTLFLAG_RW	(CTLFLAG_RD | CTLFLAG_WR)
#define	CTLFLAG_MPSAFE	0x00040000
#define	CTLFLAG_VNET	0x00020000
#define	CTLFLAG_STATS	0x00002000
#define	OID_AUTO	(-1)
#define	SYSCTL_IN(r, p, l)	((r)->newfunc)((r), (p), (l))
#define	SYSCTL_OUT(r, p, l)	((r)->oldfunc)((r), (p), (l))
int	sysctl_handle_int(SYSCTL_HANDLER_ARGS);
int	sysctl_handle_string(SYSCTL_HANDLER_ARGS);
int	sysctl_handle_counter_u64(SYSCTL_HANDLER_ARGS);
int	sysctl_handle_64(SYSCTL_HANDLER_ARGS);
#define	SYSCTL_DECL(name)	extern struct sysctl_oid sysctl_##name
#define	SYSCTL_OID(parent, nbr, name, kind, a1, a2, handler, fmt, descr) \
	struct sysctl_oid sysctl_##parent##_##name = { &sysctl_##parent, \
	    #name, (kind), (void *)(a1), (a2), (handler), (fmt), (descr) }; \
	DATA_SET(sysctl_set, sysctl_##parent##_##name)
#define	SYSCTL_NODE(parent, nbr, name, access, handler, descr)		\
	SYSCTL_OID(parent, nbr, name, CTLTYPE_NODE | (access), NULL, 0,	\
	    handler, "N", descr)
#define	SYSCTL_PROC(parent, nbr, name, access, ptr, arg, handler, fmt, descr) \
	SYSCTL_OID(parent, nbr, name, (access), ptr, arg, handler, fmt, descr)
#define	SYSCTL_INT(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_OID(parent, nbr, name, CTLTYPE_INT | (access), ptr, val,	\
	    sysctl_handle_int, "I", descr)
#define	SYSCTL_UINT(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_OID(parent, nbr, name, CTLTYPE_UINT | (access), ptr, val, \
	    sysctl_handle_int, "IU", descr)
#define	SYSCTL_COUNTER_U64(parent, nbr, name, access, ptr, descr)	\
	SYSCTL_OID(parent, nbr, name, CTLTYPE_U64 | CTLFLAG_MPSAFE |	\
	    CTLFLAG_STATS | (access), ptr, 0, sysctl_handle_counter_u64,	\
	    "QU", descr)
SYSCTL_DECL(_kern);

/* net/if.h, net/if_types.h */
#define	IFNAMSIZ	16
#define	IFF_UP		0x1
#define	IFF_SIMPLEX	0x800
#define	IFT_OTHER	0x1

/* net/if_var.h: struct ifnet is opaque to drivers in 15.x. */
typedef struct ifnet *if_t;
typedef int (*if_ioctl_fn_t)(if_t, u_long, caddr_t);
typedef int (*if_output_fn_t)(if_t, struct mbuf *, const struct sockaddr *,
    struct route *);
if_t	if_alloc(u_char);
void	if_attach(if_t);
void	if_initname(if_t, const char *, int);
int	if_setflags(if_t, int);
int	if_setmtu(if_t, int);
void	if_setioctlfn(if_t, if_ioctl_fn_t);
void	if_setoutputfn(if_t, if_output_fn_t);
const char *if_name(if_t);
int	if_getindex(const if_t);

/* net/bpf.h */
typedef uint32_t bpf_u_int32;
struct bpf_insn {
	u_short		code;
	u_char		jt;
	u_char		jf;
	bpf_u_int32	k;
};
#define	BPF_MAXINSNS	512
#define	DLT_EN10MB	1
#define	DLT_USER0	147
/* Renamed so that the stand-in can hand the work to libpcap's. */
#define	bpf_validate	standin_bpf_validate
#define	bpf_filter	standin_bpf_filter
int	bpf_validate(const struct bpf_insn *, int);
u_int	bpf_filter(const struct bpf_insn *, u_char *, u_int, u_int);
void	bpf_mtap2_if(struct ifnet *, void *, u_int, struct mbuf *);
void	bpfattach(struct ifnet *, u_int, u_int);
void	bpfdetach(struct ifnet *);
void	if_detach(if_t);
void	if_free(if_t);
bool	bpf_peers_present_if(struct ifnet *);

#ifdef MBUF_TRACE_BPF_ATTACH
/* main/16-CURRENT: taps without an ifnet. */
#define	BPF_D_IN	0
#define	BPF_D_INOUT	1
#define	BPF_D_OUT	2
struct bpf_if;
typedef bool bif_chkdir_t(void *, const struct mbuf *, int);
struct bif_methods {
	bif_chkdir_t	*bif_chkdir;
};
struct bpf_if *bpf_attach(const char *, u_int, u_int,
	    const struct bif_methods *, void *);
bool	bpf_peers_present(struct bpf_if *);
void	bpf_mtap2(struct bpf_if *, void *, u_int, struct mbuf *);
#endif

/* net/vnet.h, VIMAGE flavour: per-vnet copies of the set_vnet section. */
struct vnet {
	uintptr_t	 vnet_data_base;
	void		*vnet_data_mem;
};
extern __thread struct vnet *standin_curvnet;
extern struct vnet *vnet0;
#define	curvnet			standin_curvnet
#define	VNET_NAME(n)		vnet_entry_##n
#define	VNET_DEFINE_STATIC(t, n)					\
	static t VNET_NAME(n) __section("set_vnet") __used __NOASAN_VAR
#define	VNET_VNET_PTR(vnet, n)						\
	((__typeof(&VNET_NAME(n)))((vnet)->vnet_data_base +		\
	    (uintptr_t)&VNET_NAME(n)))
#define	VNET_VNET(vnet, n)	(*VNET_VNET_PTR((vnet), n))
#define	VNET(n)			VNET_VNET(curvnet, n)
#define	CURVNET_SET_QUIET(arg)						\
	struct vnet *saved_vnet = curvnet;				\
	curvnet = (arg)
#define	CURVNET_SET(arg)	CURVNET_SET_QUIET(arg)
#define	CURVNET_RESTORE()	curvnet = saved_vnet
#define	VNET_SYSINIT(ident, sub, ord, fn, arg)				\
	static struct sysinit ident##_vnet_init = { sub, ord,		\
	    (sysinit_nfunc_t)(fn), (arg) };				\
	DATA_SET(standin_vnet_sysinit_set, ident##_vnet_init)
/* The stand-in never destroys a vnet: uninits are kept, not run. */
#define	VNET_SYSUNINIT(ident, sub, ord, fn, arg)			\
	static struct sysinit ident##_vnet_uninit = { sub, ord,	\
	    (sysinit_nfunc_t)(fn), (arg) };				\
	DATA_SET(standin_vnet_sysuninit_set, ident##_vnet_uninit)
#define	VNET_ITERATOR_DECL(arg)	struct vnet *arg
extern struct vnet *standin_vnets[];
extern int standin_nvnets;
#define	VNET_FOREACH(arg)						\
	for (int _vi = 0; _vi < standin_nvnets &&			\
	    ((arg) = standin_vnets[_vi], 1); _vi++)
#define	VNET_LIST_RLOCK_NOSLEEP()	((void)0)
#define	VNET_LIST_RUNLOCK_NOSLEEP()	((void)0)
#define	NET_EPOCH_WAIT()		((void)0)

#ifdef __cplusplus
}
#endif

#endif /* !_STANDIN_H_ */
