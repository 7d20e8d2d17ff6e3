// One vocabulary: every name a user types or reads for a record field, a hop
// field or a path check, with its meaning.  The Wireshark plugin registers
// these fields (mbuftrace.*), `mbuftrace show/stats -Y` filters on them (with
// or without the "mbuftrace." prefix), `mbuftrace fields` prints this table,
// and tests/tool/test_tool.py (group vocabulary) checks the table against
// `tshark -G fields` with the plugin and the frames each name selects in
// both.  A name means one thing everywhere: add it here first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mbt {

// X(id, name, scope, type, tool, meaning)
//   scope: Frame (Wireshark's own), Record, Hop (matches if any hop does),
//          Expert (a path check, SPEC 9), Meta (capture metadata)
//   type:  None, Bool, Number, String, Bytes, Time, Address (Wireshark's
//          field class)
//   tool:  1 if `mbuftrace show -Y` knows it
#define MBT_VOCABULARY(X)                                                     \
    X(FrameNumber, "frame.number", Frame, Number, 1,                          \
      "frame number as Wireshark counts (1-based)")                           \
    X(Record, "mbuftrace", Record, None, 1, "an mbuftrace record")             \
    X(RecordItem, "mbuftrace.record", Record, None, 0, "the record's bytes")   \
    X(Format, "mbuftrace.format", Record, String, 1,                          \
      "v1, legacy-part1 or legacy-part3")                                     \
    X(Carrier, "mbuftrace.carrier", Record, String, 0,                        \
      "where the record travels: pcapng option, tap payload, Custom Block")   \
    X(Magic, "mbuftrace.magic", Record, Bytes, 0, "\"MBTR\"")                  \
    X(Version, "mbuftrace.version", Record, Number, 1, "major version")        \
    X(VersionMinor, "mbuftrace.version_minor", Record, Number, 1,             \
      "minor version")                                                        \
    X(RecordKind, "mbuftrace.record_kind", Record, Number, 0,                 \
      "1 trace, 2 capture metadata")                                          \
    X(Flags, "mbuftrace.flags", Record, Number, 1, "record flags")             \
    X(FlagHopsLost, "mbuftrace.flags.hops_lost", Record, Bool, 1,             \
      "the trace filled up: hops after the last one were lost")               \
    X(FlagAllocFail, "mbuftrace.flags.alloc_fail", Record, Bool, 1,           \
      "the kernel failed to allocate while tracing")                          \
    X(FlagFreed, "mbuftrace.flags.freed", Record, Bool, 1,                    \
      "emitted when the packet was freed")                                    \
    X(FlagCopy, "mbuftrace.flags.copy", Record, Bool, 1,                      \
      "the trace of a copy (parent_id names its parent)")                     \
    X(Linktype, "mbuftrace.linktype", Record, Number, 1,                      \
      "link type of the packet bytes")                                        \
    X(Length, "mbuftrace.length", Record, Number, 0, "record length")          \
    X(TraceId, "mbuftrace.trace_id", Record, Number, 1, "trace id")            \
    X(ParentId, "mbuftrace.parent_id", Record, Number, 1,                     \
      "trace id of the packet this one is a copy of")                         \
    X(PacketId, "mbuftrace.packet_id", Record, Number, 1,                     \
      "id shared by the segments of one trace")                               \
    X(HopsLost, "mbuftrace.hops_lost", Record, Number, 1,                     \
      "number of hops lost")                                                  \
    X(AllocFail, "mbuftrace.alloc_fail", Record, Number, 1,                   \
      "number of allocation failures")                                        \
    X(Hops, "mbuftrace.hops", Record, Number, 1, "number of hops")             \
    X(Path, "mbuftrace.path", Record, String, 1,                              \
      "function names in time order, e.g. ether_input>ip_input>pf_test")      \
    X(Truncated, "mbuftrace.truncated", Record, Bool, 1,                      \
      "the record could not be decoded to its end (malformed)")               \
    X(ErrorText, "mbuftrace.error", Record, String, 0,                        \
      "why the record could not be decoded")                                  \
    X(FilesEntry, "mbuftrace.files.entry", Record, String, 0,                 \
      "an entry of the FILES table")                                          \
    X(NamesEntry, "mbuftrace.names.entry", Record, String, 0,                 \
      "an entry of the NAMES table")                                          \
    X(UnknownTlv, "mbuftrace.unknown_tlv", Record, Number, 0,                 \
      "type of a record TLV this reader does not know")                       \
    X(ParentFrame, "mbuftrace.parent_frame", Record, Number, 0, "the parent trace's frame (copy)") \
    X(CopyFrame, "mbuftrace.copy_frame", Record, Number, 0, "a copy's frame") \
    X(PrevSegment, "mbuftrace.prev_segment", Record, Number, 0, "the trace's previous segment's frame") \
    X(NextSegment, "mbuftrace.next_segment", Record, Number, 0, "the trace's next segment's frame") \
    X(HopIdx_action, "mbuftrace.hop.action.hop", Hop, Number, 0, "hop index of a hop with action") \
    X(HopIdx_copy_id, "mbuftrace.hop.copy_id.hop", Hop, Number, 0, "hop index of a hop with copy_id") \
    X(HopIdx_dir, "mbuftrace.hop.dir.hop", Hop, Number, 0, "hop index of a hop with dir") \
    X(HopIdx_drop, "mbuftrace.hop.drop.hop", Hop, Number, 0, "hop index of a hop with drop") \
    X(HopIdx_hook, "mbuftrace.hop.hook.hop", Hop, Number, 0, "hop index of a hop with hook") \
    X(HopIdx_ifindex, "mbuftrace.hop.ifindex.hop", Hop, Number, 0, "hop index of a hop with ifindex") \
    X(HopIdx_ifname, "mbuftrace.hop.ifname.hop", Hop, Number, 0, "hop index of a hop with ifname") \
    X(HopIdx_msg, "mbuftrace.hop.msg.hop", Hop, Number, 0, "hop index of a hop with msg") \
    X(HopIdx_node, "mbuftrace.hop.node.hop", Hop, Number, 0, "hop index of a hop with node") \
    X(HopIdx_rule, "mbuftrace.hop.rule.hop", Hop, Number, 0, "hop index of a hop with rule") \
    X(HopIdx_ruleset, "mbuftrace.hop.ruleset.hop", Hop, Number, 0, "hop index of a hop with ruleset") \
    X(HopIdx_snapshot, "mbuftrace.hop.snapshot.hop", Hop, Number, 0, "hop index of a hop with snapshot") \
    X(Hop, "mbuftrace.hop", Hop, Number, 1, "hop index in time order")         \
    X(HopKind, "mbuftrace.hop.kind", Hop, Number, 1,                          \
      "point, enter or leave")                                                \
    X(HopDepth, "mbuftrace.hop.depth", Hop, Number, 1,                        \
      "nesting depth of enter/leave scopes")                                  \
    X(HopSubsys, "mbuftrace.hop.subsys", Hop, String, 1,                      \
      "subsystem (SPEC 6), e.g. pf")                                          \
    X(HopFile, "mbuftrace.hop.file", Hop, String, 1,                          \
      "source file from the top of the tree, e.g. sys/netinet/ip_input.c")    \
    X(HopLine, "mbuftrace.hop.line", Hop, Number, 1, "source line")            \
    X(HopFunc, "mbuftrace.hop.func", Hop, String, 1, "function")               \
    X(HopLocation, "mbuftrace.hop.location", Hop, String, 1, "file:line")      \
    X(HopUrl, "mbuftrace.hop.url", Hop, String, 0, "source link")              \
    X(HopTs, "mbuftrace.hop.ts", Hop, Number, 1,                              \
      "time since the first hop (ns)")                                        \
    X(HopVnet, "mbuftrace.hop.vnet", Hop, Number, 1, "VNET")                   \
    X(HopCpu, "mbuftrace.hop.cpu", Hop, Number, 1, "CPU")                      \
    X(HopIfindex, "mbuftrace.hop.ifindex", Hop, Number, 1, "interface index")  \
    X(HopDir, "mbuftrace.hop.dir", Hop, String, 1, "in or out")                \
    X(HopIfname, "mbuftrace.hop.ifname", Hop, String, 1, "interface name")     \
    X(HopRuleset, "mbuftrace.hop.ruleset", Hop, String, 1,                    \
      "ruleset or anchor of the rule")                                        \
    X(HopRule, "mbuftrace.hop.rule", Hop, Number, 1,                          \
      "firewall rule number (pf's default rule: 4294967295)")                 \
    X(HopAction, "mbuftrace.hop.action", Hop, String, 1,                      \
      "the rule's action (SPEC 6), e.g. pass, dup-to")                        \
    X(HopMsg, "mbuftrace.hop.msg", Hop, String, 1, "message")                  \
    X(HopDrop, "mbuftrace.hop.drop", Hop, String, 1,                          \
      "why the packet was dropped here")                                      \
    X(HopNode, "mbuftrace.hop.node", Hop, String, 1, "netgraph node")          \
    X(HopHook, "mbuftrace.hop.hook", Hop, String, 1, "netgraph hook")          \
    X(HopCopyId, "mbuftrace.hop.copy_id", Hop, Number, 1,                     \
      "trace id of the copy made here")                                       \
    X(HopSnapLinktype, "mbuftrace.hop.snapshot_linktype", Hop, Number, 1,     \
      "link type of the snapshot")                                            \
    X(HopSnapshot, "mbuftrace.hop.snapshot", Hop, Bytes, 0,                   \
      "the packet's bytes at this hop")                                       \
    X(HopText, "mbuftrace.hop.text", Hop, String, 1, "legacy string")          \
    X(HopArg, "mbuftrace.hop.arg", Hop, String, 1, "legacy argument")          \
    X(HopUnknownTlv, "mbuftrace.hop.unknown_tlv", Hop, Number, 0,             \
      "type of a hop attribute this reader does not know")                    \
    X(HopXlate, "mbuftrace.hop.xlate", Hop, String, 1,                        \
      "a translation: src:sport>dst:dport before -> after")                   \
    X(HopXlateProto, "mbuftrace.hop.xlate.proto", Hop, Number, 0,             \
      "IP protocol of the translated packet")                                 \
    X(HopXlateBeforeSrc, "mbuftrace.hop.xlate.before.src", Hop, Address, 1,   \
      "IPv4 source before the translation")                                   \
    X(HopXlateBeforeDst, "mbuftrace.hop.xlate.before.dst", Hop, Address, 1,   \
      "IPv4 destination before the translation")                              \
    X(HopXlateBeforeSrc6, "mbuftrace.hop.xlate.before.src6", Hop, Address, 1, \
      "IPv6 source before the translation")                                   \
    X(HopXlateBeforeDst6, "mbuftrace.hop.xlate.before.dst6", Hop, Address, 1, \
      "IPv6 destination before the translation")                              \
    X(HopXlateBeforeSport, "mbuftrace.hop.xlate.before.sport", Hop, Number,   \
      0, "source port before the translation")                                \
    X(HopXlateBeforeDport, "mbuftrace.hop.xlate.before.dport", Hop, Number,   \
      0, "destination port before the translation")                           \
    X(HopXlateAfterSrc, "mbuftrace.hop.xlate.after.src", Hop, Address, 1,     \
      "IPv4 source after the translation")                                    \
    X(HopXlateAfterDst, "mbuftrace.hop.xlate.after.dst", Hop, Address, 1,     \
      "IPv4 destination after the translation")                               \
    X(HopXlateAfterSrc6, "mbuftrace.hop.xlate.after.src6", Hop, Address, 1,   \
      "IPv6 source after the translation")                                    \
    X(HopXlateAfterDst6, "mbuftrace.hop.xlate.after.dst6", Hop, Address, 1,   \
      "IPv6 destination after the translation")                               \
    X(HopXlateAfterSport, "mbuftrace.hop.xlate.after.sport", Hop, Number, 0,  \
      "source port after the translation")                                    \
    X(HopXlateAfterDport, "mbuftrace.hop.xlate.after.dport", Hop, Number, 0,  \
      "destination port after the translation")                               \
    X(HopState, "mbuftrace.hop.state", Hop, Number, 1, "firewall state id")    \
    X(HopStateCreator, "mbuftrace.hop.state.creator", Hop, Number, 0,         \
      "id of the host that created the state")                                \
    X(HopStateHow, "mbuftrace.hop.state.how", Hop, String, 1,                 \
      "created or matched")                                                   \
    X(ExpMalformed, "mbuftrace.expert.malformed", Expert, None, 0,            \
      "the record is malformed")                                              \
    X(ExpUnknownMajor, "mbuftrace.expert.unknown_major", Expert, None, 1,     \
      "a record of a newer major version")                                    \
    X(ExpHopsLost, "mbuftrace.expert.hops_lost", Expert, None, 1,             \
      "the trace overflowed: hops lost")                                      \
    X(ExpAllocFail, "mbuftrace.expert.alloc_fail", Expert, None, 1,           \
      "the kernel failed to allocate while tracing")                          \
    X(ExpDropped, "mbuftrace.expert.dropped", Expert, None, 1,                \
      "the packet was dropped")                                               \
    X(ExpVnetCrossing, "mbuftrace.expert.vnet_crossing", Expert, None, 1,     \
      "the packet moved from one VNET to another")                            \
    X(ExpRoutedTwice, "mbuftrace.expert.routed_twice", Expert, None, 1,       \
      "one routing step ran twice for one packet (pf dup-to)")                \
    X(ExpLoop, "mbuftrace.expert.loop", Expert, None, 1,                      \
      "one tracepoint hit more than 8 times")                                 \
    X(ExpExtraRecords, "mbuftrace.expert.extra_records", Expert, None, 0,     \
      "a packet carries more than one record")                                \
    X(Meta, "mbuftrace.meta", Meta, None, 0, "capture metadata")               \
    X(MetaKernelIdent, "mbuftrace.meta.kernel_ident", Meta, String, 0,        \
      "kernel ident")                                                         \
    X(MetaKernelVersion, "mbuftrace.meta.kernel_version", Meta, String, 0,    \
      "kernel version")                                                       \
    X(MetaRevision, "mbuftrace.meta.revision", Meta, String, 0,               \
      "source revision")                                                      \
    X(MetaHostname, "mbuftrace.meta.hostname", Meta, String, 0, "hostname")    \
    X(MetaCaptureStart, "mbuftrace.meta.capture_start", Meta, Time, 0,        \
      "capture start")                                                        \
    X(MetaSourceUrl, "mbuftrace.meta.source_url", Meta, String, 0,            \
      "source link template")                                                 \
    X(MetaProducer, "mbuftrace.meta.producer", Meta, String, 0, "producer")    \
    X(MetaTracepoint, "mbuftrace.meta.tracepoint", Meta, String, 0,           \
      "a tracepoint of the catalogue")                                        \
    X(MetaVnetName, "mbuftrace.meta.vnet_name", Meta, String, 0, "VNET name")

enum class TermId : uint16_t {
#define MBT_TERM_ID_(id, ...) id,
    MBT_VOCABULARY(MBT_TERM_ID_)
#undef MBT_TERM_ID_
};

enum class TermScope : uint8_t { Frame, Record, Hop, Expert, Meta };
enum class TermType : uint8_t {
    None, Bool, Number, String, Bytes, Time, Address
};

struct Term {
    TermId id;
    const char* name;  // as written in Wireshark: "mbuftrace.hop.file"
    TermScope scope;
    TermType type;
    bool tool;  // `mbuftrace show -Y` knows it
    const char* meaning;
};

// The whole table, in the order above.
const Term* vocabulary(size_t* n);
const Term& term(TermId id);
// By name, as written in Wireshark or without the "mbuftrace." prefix
// ("hop.file"); nullptr if unknown.
const Term* find_term(std::string_view name);
const char* term_scope_name(TermScope s);  // "frame", "record", "hop", ...
const char* term_type_name(TermType t);    // "none", "bool", "number", ...

// The short name of an expert term: "routed_twice" for
// mbuftrace.expert.routed_twice.
std::string_view expert_short_name(TermId id);

}  // namespace mbt
