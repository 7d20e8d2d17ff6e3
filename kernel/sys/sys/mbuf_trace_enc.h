/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuftrace record encoder (format-spec/SPEC.md).  Plain C with no libc and
 * no allocation, so that the same file builds into the FreeBSD kernel and
 * into the userland codec: it writes into the caller's buffer, keeps
 * counting past its end, and reports the size that would have been needed.
 */

#ifndef _SYS_MBUF_TRACE_ENC_H_
#define	_SYS_MBUF_TRACE_ENC_H_

#ifdef _KERNEL
#include <sys/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif
#include <sys/mbuf_trace_wire.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative), also kept sticky in e_error. */
#define	MBT_ENC_OK		0
#define	MBT_ENC_ENOSPC		(-1)	/* buffer too small; see *lenp */
#define	MBT_ENC_ESTRINGS	(-2)	/* string scratch too small */
#define	MBT_ENC_EINVAL		(-3)	/* a value does not fit the format */

/* Most distinct strings one hop can add: file, func, ifname, ruleset, msg,
 * drop reason, node, hook. */
#define	MBT_HOP_MAX_STRINGS	8

/* Which optional parts of a hop view are valid. */
#define	MBT_HV_VNET		0x0001
#define	MBT_HV_CPU		0x0002
#define	MBT_HV_IFACE		0x0004
#define	MBT_HV_RULE		0x0008
#define	MBT_HV_MSG		0x0010
#define	MBT_HV_DROP		0x0020
#define	MBT_HV_SNAP		0x0040
#define	MBT_HV_NODE		0x0080
#define	MBT_HV_COPY		0x0100
#define	MBT_HV_XLATE		0x0200
#define	MBT_HV_STATE		0x0400

/* A translation (XLATE, SPEC 4.4.1): the packet before and after it. */
struct mbt_xlate_side {
	uint8_t		 xs_ver;	/* MBT_XLATE_IPV4 or MBT_XLATE_IPV6 */
	uint8_t		 xs_src[16];	/* network byte order */
	uint8_t		 xs_dst[16];
	uint16_t	 xs_sport;	/* host byte order; 0: none */
	uint16_t	 xs_dport;
};
struct mbt_xlate {
	uint8_t		 xl_proto;	/* IP protocol number */
	struct mbt_xlate_side xl_before;
	struct mbt_xlate_side xl_after;
};

/* One hop as the encoder sees it; filled by the caller's callback. */
struct mbt_hop_view {
	/*
	 * Source file relative to the top of the source tree, e.g.
	 * "sys/net/if.c" (SPEC 4.3): the kernel strips __FILE__'s build
	 * prefix ("/usr/src/") once per tracepoint, not per hop.
	 */
	const char	*hv_file;
	const char	*hv_func;
	uint64_t	 hv_time;	/* ns since the record's first hop */
	uint32_t	 hv_line;
	uint16_t	 hv_has;	/* MBT_HV_* */
	uint8_t		 hv_subsys;	/* MBT_SS_* */
	uint8_t		 hv_kind;	/* MBT_HK_* */
	uint8_t		 hv_depth;	/* <= MBT_HOP_DEPTH_MAX */
	uint8_t		 hv_dir;	/* MBT_DIR_* */
	uint8_t		 hv_action;	/* MBT_ACT_* */
	uint16_t	 hv_snap_linktype;
	uint32_t	 hv_vnet;
	uint32_t	 hv_cpu;
	uint32_t	 hv_ifindex;
	uint32_t	 hv_rule;
	uint32_t	 hv_snaplen;
	const char	*hv_ifname;
	const char	*hv_ruleset;	/* "" is the main ruleset */
	const char	*hv_msg;
	const char	*hv_drop;	/* reason */
	const char	*hv_node;
	const char	*hv_hook;
	const void	*hv_snap;
	uint64_t	 hv_copy_id;
	const struct mbt_xlate *hv_xlate;
	uint64_t	 hv_state_id;
	uint32_t	 hv_state_creator;
	uint8_t		 hv_state_how;	/* MBT_STATE_* */
};

/* Which optional parts of a record view are valid. */
#define	MBT_RV_PARENT		0x01
#define	MBT_RV_PACKET_ID	0x02

struct mbt_record_view {
	uint64_t	 rv_trace_id;
	uint64_t	 rv_parent_id;
	uint64_t	 rv_packet_id;
	uint32_t	 rv_hops_lost;
	uint32_t	 rv_alloc_fail;
	uint16_t	 rv_flags;	/* MBT_RF_* */
	uint16_t	 rv_linktype;	/* of the bytes after the record */
	uint8_t		 rv_has;	/* MBT_RV_* */
};

/* Fills *hv (zeroed by the encoder) with hop number idx. */
typedef void mbt_hop_fn(void *arg, unsigned idx, struct mbt_hop_view *hv);

/* Low-level writer, also used for metadata records. */
struct mbt_encoder {
	uint8_t		*e_buf;
	size_t		 e_cap;
	size_t		 e_len;		/* bytes produced, even past e_cap */
	int		 e_error;
};

void	mbt_enc_init(struct mbt_encoder *e, void *buf, size_t cap);
void	mbt_enc_header(struct mbt_encoder *e, uint8_t kind, uint16_t flags,
	    uint16_t linktype);
void	mbt_enc_u8(struct mbt_encoder *e, uint8_t v);
void	mbt_enc_u16(struct mbt_encoder *e, uint16_t v);
void	mbt_enc_varint(struct mbt_encoder *e, uint64_t v);
void	mbt_enc_bytes(struct mbt_encoder *e, const void *p, size_t n);
size_t	mbt_enc_tlv_begin(struct mbt_encoder *e, uint8_t type);
void	mbt_enc_tlv_end(struct mbt_encoder *e, size_t mark);
void	mbt_enc_tlv_varint(struct mbt_encoder *e, uint8_t type, uint64_t v);
void	mbt_enc_tlv_bytes(struct mbt_encoder *e, uint8_t type, const void *p,
	    size_t n);
/* Patches the length field; returns 0 or the sticky error. */
int	mbt_enc_finish(struct mbt_encoder *e, size_t *lenp);

/*
 * Encodes one trace record of nhops hops.  strs is scratch for at least
 * nhops * MBT_HOP_MAX_STRINGS pointers (the string tables).  On
 * MBT_ENC_ENOSPC *lenp is the size needed; buf may be NULL with cap 0 to
 * ask for it.
 */
int	mbt_encode_trace(const struct mbt_record_view *rv, mbt_hop_fn *fn,
	    void *arg, unsigned nhops, const char **strs, unsigned nstrs,
	    void *buf, size_t cap, size_t *lenp);

#ifdef __cplusplus
}
#endif

#endif /* !_SYS_MBUF_TRACE_ENC_H_ */
