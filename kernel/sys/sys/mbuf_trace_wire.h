/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuftrace trace record, wire format v1.0: every constant of the format.
 *
 * This header is the one definition shared by the FreeBSD kernel (C), the
 * encoder, the C++ decoder, the capture tool and the Wireshark plugin.  The
 * normative text is format-spec/SPEC.md; section numbers below refer to it.
 * It holds macros only, so that it is valid C and C++ in and out of the
 * kernel.
 */

#ifndef _SYS_MBUF_TRACE_WIRE_H_
#define	_SYS_MBUF_TRACE_WIRE_H_

/* Private Enterprise Number (SPEC 5): RFC 5612 documentation PEN. */
#define	MBT_PEN			32473u

/* Record header (SPEC 2).  All multi-byte integers are big-endian. */
#define	MBT_MAGIC0		0x4d	/* 'M' */
#define	MBT_MAGIC1		0x42	/* 'B' */
#define	MBT_MAGIC2		0x54	/* 'T' */
#define	MBT_MAGIC3		0x52	/* 'R' */
#define	MBT_MAGIC		0x4d425452u
#define	MBT_VERSION_MAJOR	1
#define	MBT_VERSION_MINOR	1	/* 1.1: XLATE, STATE */
#define	MBT_HDR_LEN		16
#define	MBT_HDR_OFF_MAGIC	0	/* 4 bytes */
#define	MBT_HDR_OFF_MAJOR	4	/* u8 */
#define	MBT_HDR_OFF_MINOR	5	/* u8 */
#define	MBT_HDR_OFF_KIND	6	/* u8 */
#define	MBT_HDR_OFF_RESERVED	7	/* u8, zero */
#define	MBT_HDR_OFF_FLAGS	8	/* u16 */
#define	MBT_HDR_OFF_LINKTYPE	10	/* u16 */
#define	MBT_HDR_OFF_LENGTH	12	/* u32, whole record incl. header */
#define	MBT_MAX_RECORD_LEN	0x00ffffffu

/* Record kinds (SPEC 2.1). */
#define	MBT_KIND_TRACE		1	/* one packet's path */
#define	MBT_KIND_META		2	/* capture-wide metadata */

/* Record flags (SPEC 2.2). */
#define	MBT_RF_HOPS_LOST	0x0001	/* trace full, hops dropped */
#define	MBT_RF_ALLOC_FAIL	0x0002	/* an allocation failed */
#define	MBT_RF_FREED		0x0004	/* emitted when the mbuf was freed */
#define	MBT_RF_COPY		0x0008	/* trace of a copy (m_dup etc.) */

/* Link type of the packet bytes that follow: none. */
#define	MBT_LINKTYPE_NONE	0xffff

/* TLV (SPEC 3): u8 type, LEB128 length, value.  Bit 7: must understand. */
#define	MBT_TLV_CRITICAL	0x80
#define	MBT_VARINT_MAX		10	/* bytes of a LEB128 u64 */

/* Record-level TLV types of a trace record (SPEC 4.1). */
#define	MBT_T_TRACE_ID		0x01	/* varint u64 */
#define	MBT_T_PARENT_ID		0x02	/* varint u64 */
#define	MBT_T_PACKET_ID		0x03	/* varint u64 */
#define	MBT_T_FILES		0x04	/* string table of source files */
#define	MBT_T_NAMES		0x05	/* string table of other names */
#define	MBT_T_LOST		0x06	/* varint hops lost, varint alloc fails */
#define	MBT_T_HOP		(0x07 | MBT_TLV_CRITICAL)	/* one hop */

/* Hop core (SPEC 4.3): u8 kind|depth, u8 subsys, varint file, line, func,
 * time; then hop attributes as TLVs. */
#define	MBT_HOP_KIND_SHIFT	6
#define	MBT_HOP_DEPTH_MASK	0x3f
#define	MBT_HOP_DEPTH_MAX	63
#define	MBT_HK_POINT		0	/* a plain tracepoint */
#define	MBT_HK_ENTER		1	/* enters a nested scope */
#define	MBT_HK_LEAVE		2	/* leaves the scope entered last */

/* Hop attribute TLV types (SPEC 4.4). */
#define	MBT_A_VNET		0x01	/* varint vnet id, carried forward */
#define	MBT_A_CPU		0x02	/* varint cpu, carried forward */
#define	MBT_A_IFACE		0x03	/* varint ifindex, u8 dir, varint name */
#define	MBT_A_RULE		0x04	/* varint ruleset, varint rule, u8 action */
#define	MBT_A_MSG		0x05	/* varint name: message text */
#define	MBT_A_DROP		0x06	/* varint name: reason; packet died here */
#define	MBT_A_SNAPSHOT		0x07	/* u16 linktype, packet bytes */
#define	MBT_A_NODE		0x08	/* varint node name, varint hook name */
#define	MBT_A_COPY		0x09	/* varint u64 trace id of a copy made here */
#define	MBT_A_XLATE		0x0a	/* u8 proto, before, after (SPEC 4.4.1) */
#define	MBT_A_STATE		0x0b	/* varint id, varint creator, u8 how */

/* XLATE: each side is u8 IP version, src, dst, u16 sport, u16 dport. */
#define	MBT_XLATE_IPV4		4	/* 4-byte addresses */
#define	MBT_XLATE_IPV6		6	/* 16-byte addresses */
#define	MBT_XLATE_MAX_LEN	(1 + 2 * (1 + 2 * 16 + 2 + 2))

/* STATE: how the packet relates to the firewall state. */
#define	MBT_STATE_CREATED	1	/* this packet created the state */
#define	MBT_STATE_MATCHED	2	/* it matched an existing state */

/* Interface direction (SPEC 4.4). */
#define	MBT_DIR_NONE		0
#define	MBT_DIR_IN		1
#define	MBT_DIR_OUT		2

/* Metadata record TLV types (SPEC 4.5); strings are UTF-8 without NUL. */
#define	MBT_M_KERNEL_IDENT	0x01	/* kernel config ident */
#define	MBT_M_KERNEL_VERSION	0x02	/* version string (uname -v) */
#define	MBT_M_SOURCE_REV	0x03	/* source revision (git hash) */
#define	MBT_M_HOSTNAME		0x04
#define	MBT_M_CAPTURE_START	0x05	/* varint ns since the Unix epoch */
#define	MBT_M_TRACEPOINT	0x06	/* catalogue entry */
#define	MBT_M_SOURCE_URL	0x07	/* link template for file:line */
#define	MBT_M_PRODUCER		0x08	/* writing program and version */
#define	MBT_M_VNET_NAME		0x09	/* varint vnet id, name */

/* Tracepoint catalogue flags (SPEC 4.5). */
#define	MBT_TPF_ENABLED		0x01
#define	MBT_TPF_START		0x02	/* may start a trace */

/*
 * Subsystem registry (SPEC 6.1).  X(name, id, "text"); ids never change.
 */
#define	MBT_SUBSYS_LIST(X)						\
	X(UNKNOWN,	0,	"unknown")					\
	X(ETHER,	1,	"ether")					\
	X(EPAIR,	2,	"epair")					\
	X(BRIDGE,	3,	"bridge")					\
	X(LOOP,		4,	"loop")						\
	X(IP,		5,	"ip")						\
	X(IP6,		6,	"ip6")						\
	X(ICMP,		7,	"icmp")						\
	X(ICMP6,	8,	"icmp6")					\
	X(UDP,		9,	"udp")						\
	X(TCP,		10,	"tcp")						\
	X(PF,		11,	"pf")						\
	X(IPFW,		12,	"ipfw")						\
	X(NETGRAPH,	13,	"netgraph")					\
	X(SOCKET,	14,	"socket")					\
	X(NETISR,	15,	"netisr")					\
	X(PFIL,		16,	"pfil")						\
	X(ROUTE,	17,	"route")					\
	X(IF,		18,	"if")						\
	X(VLAN,		19,	"vlan")						\
	X(LAGG,		20,	"lagg")						\
	X(TUNTAP,	21,	"tuntap")					\
	X(GIF,		22,	"gif")						\
	X(GRE,		23,	"gre")						\
	X(ARP,		24,	"arp")						\
	X(ND6,		25,	"nd6")						\
	X(MBUF,		26,	"mbuf")						\
	X(BPF,		27,	"bpf")						\
	X(IPSEC,	28,	"ipsec")					\
	X(CARP,		29,	"carp")						\
	X(DIVERT,	30,	"divert")					\
	X(DUMMYNET,	31,	"dummynet")					\
	X(DRIVER,	32,	"driver")					\
	X(SCTP,		33,	"sctp")						\
	X(TEST,		34,	"test")

#define	MBT_SUBSYS_ENUM_(n, v, s)	MBT_SS_##n = v,
enum mbt_subsys { MBT_SUBSYS_LIST(MBT_SUBSYS_ENUM_) };
#undef	MBT_SUBSYS_ENUM_

/*
 * Firewall action registry (SPEC 6.2).  Shared by pf, ipfw and netgraph.
 */
#define	MBT_ACTION_LIST(X)						\
	X(NONE,		0,	"none")						\
	X(PASS,		1,	"pass")						\
	X(BLOCK,	2,	"block")					\
	X(REJECT,	3,	"reject")					\
	X(MATCH,	4,	"match")					\
	X(NAT,		5,	"nat")						\
	X(RDR,		6,	"rdr")						\
	X(BINAT,	7,	"binat")					\
	X(SCRUB,	8,	"scrub")					\
	X(ROUTETO,	9,	"route-to")					\
	X(REPLYTO,	10,	"reply-to")					\
	X(DUPTO,	11,	"dup-to")					\
	X(COUNT,	12,	"count")					\
	X(SKIPTO,	13,	"skipto")					\
	X(DIVERT,	14,	"divert")					\
	X(TEE,		15,	"tee")						\
	X(NETGRAPH,	16,	"netgraph")					\
	X(PIPE,		17,	"pipe")						\
	X(FWD,		18,	"fwd")						\
	X(NONAT,	19,	"no-nat")					\
	X(DEFER,	20,	"defer")					\
	X(AFTO,		21,	"af-to")

#define	MBT_ACTION_ENUM_(n, v, s)	MBT_ACT_##n = v,
enum mbt_action { MBT_ACTION_LIST(MBT_ACTION_ENUM_) };
#undef	MBT_ACTION_ENUM_

/* The number pf gives its default rule (nr = -1), as RULE carries it. */
#define	MBT_RULE_PF_DEFAULT		0xffffffffu

/* pcapng carriers (SPEC 5). */
#define	MBT_PCAPNG_OPT_CUSTOM_BIN	2989	/* copyable binary option */
#define	MBT_PCAPNG_OPT_CUSTOM_BIN_NOCOPY	19373	/* the same, not to be copied */
#define	MBT_PCAPNG_OPT_PACKETID		5	/* epb_packetid */
#define	MBT_PCAPNG_CB_COPY		0x00000BADu	/* copyable Custom Block */

/* Legacy prototype layouts (SPEC 7), read-only. */
#define	MBT_LINKTYPE_USER0		147
/* Link types of the snapshot a start point takes (pcap LINKTYPE_*). */
#define	MBT_LINKTYPE_ETHERNET		1
#define	MBT_LINKTYPE_IPV4		228
#define	MBT_LINKTYPE_IPV6		229
#define	MBT_LEGACY_ITEM_ETHER		0
#define	MBT_LEGACY_ITEM_STRING		1

#endif /* !_SYS_MBUF_TRACE_WIRE_H_ */
