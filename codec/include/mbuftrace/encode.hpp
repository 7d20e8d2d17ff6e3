// C++ front end of the one C encoder (kernel/sys/kern/subr_mbuf_trace_enc.c):
// build v1 records from plain values, and turn a decoded record back into
// those values, so that conversion is lossless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mbuftrace/decode.hpp"

namespace mbt {

struct HopIn {
    std::string file;
    std::string func;
    uint32_t line = 0;
    uint8_t subsys = MBT_SS_UNKNOWN;
    uint8_t kind = MBT_HK_POINT;
    uint8_t depth = 0;
    uint64_t time_ns = 0;
    std::optional<uint32_t> vnet;
    std::optional<uint32_t> cpu;
    struct Iface {
        uint32_t index = 0;
        uint8_t dir = MBT_DIR_NONE;
        std::string name;
    };
    std::optional<Iface> iface;
    struct Rule {
        std::string ruleset;
        uint32_t number = 0;
        uint8_t action = MBT_ACT_NONE;
    };
    std::optional<Rule> rule;
    std::optional<std::string> msg;
    std::optional<std::string> drop;
    struct Node {
        std::string node, hook;
    };
    std::optional<Node> node;
    std::optional<uint64_t> copy_id;
    std::optional<mbt_xlate> xlate;
    std::optional<Hop::State> state;
    struct Snap {
        uint16_t linktype = 1;
        std::vector<uint8_t> bytes;
    };
    std::optional<Snap> snap;
};

struct RecordIn {
    uint64_t trace_id = 0;
    std::optional<uint64_t> parent_id;
    std::optional<uint64_t> packet_id;
    uint16_t flags = 0;
    uint16_t linktype = MBT_LINKTYPE_NONE;
    uint32_t hops_lost = 0;
    uint32_t alloc_fail = 0;
    std::vector<HopIn> hops;
};

// Throws std::invalid_argument naming the field that does not fit.
std::vector<uint8_t> encode(const RecordIn& r);

// A decoded trace record (v1 or legacy) as encoder input; data is the
// buffer it was decoded from (snapshots are copied out of it).  Legacy
// strings become file/line/func, with the "(arg)" or an unparsed string
// kept as the hop's message, so that nothing is lost.
RecordIn to_input(const Record& r, const uint8_t* data);

// Capture-wide metadata record (kind MBT_KIND_META).
std::vector<uint8_t> encode_meta(const Meta& m);

}  // namespace mbt
