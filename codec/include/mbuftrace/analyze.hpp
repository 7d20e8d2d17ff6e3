// Path checks shared by the Wireshark plugin's expert info and
// `mbuftrace show`: one definition of what counts as an anomaly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mbuftrace/decode.hpp"
#include "mbuftrace/vocab.hpp"

namespace mbt {

enum class FindingKind : uint8_t {
    HopsLost,      // the trace overflowed
    AllocFail,     // the kernel failed to allocate while tracing
    Dropped,       // the packet died at a hop
    VnetCrossing,  // the packet moved from one VNET to another
    RoutedTwice,   // one routing step ran twice for one packet (pf dup-to)
    Loop,          // one tracepoint hit more than loop_threshold times
    UnknownMajor,  // a record of a newer major version
};

struct Finding {
    FindingKind kind;
    int hop = -1;      // hop index it points at, -1 for the record
    std::string text;  // human-readable, names the place
};

struct AnalyzeOptions {
    unsigned loop_threshold = 8;
};

// The expert term of a finding (mbuftrace.expert.routed_twice), and its
// short name, "routed_twice": what show, stats and JSON print.
TermId finding_term(FindingKind k);
const char* finding_name(FindingKind k);

std::vector<Finding> analyze(const Record& r, const AnalyzeOptions& o = {});
// The same into out, which is overwritten (its storage is reused).
void analyze(const Record& r, const AnalyzeOptions& o, std::vector<Finding>& out);

// The findings of analyze(), in its order, with their kinds and hops but
// no texts (left empty): what a one-line summary names.  out is
// overwritten (its storage is reused).
void analyze_places(const Record& r, const AnalyzeOptions& o,
                    std::vector<Finding>& out);

// Which kinds analyze() would find, one bit each (finding_bit), without
// making their texts: what the one-line verdict needs.  Needs none of the
// record's strings, so it works on a v1 record decoded without them.
constexpr unsigned finding_bit(FindingKind k) { return 1u << unsigned(k); }
unsigned finding_mask(const Record& r, const AnalyzeOptions& o = {});
// The same from decode_numbers()'s record.
unsigned finding_mask(const NumRecord& r, const AnalyzeOptions& o = {});
// The kinds in a list of findings, as finding_mask() gives them.
unsigned finding_mask(const std::vector<Finding>& f);

// "vnet 0 → 1" style list of the VNETs in path order, without repeats.
std::vector<uint32_t> vnet_sequence(const Record& r);

// The names of path_summary(r), in order, each handed to name(string_view)
// (the summary is them joined by '>'): for writers of their own.
template <class F>
void for_each_path_name(const Record& r, F&& name)
{
    std::string_view last;
    bool any = false;
    for (const Hop& h : r.hops) {
        if (h.kind.v == MBT_HK_LEAVE)
            continue;
        const std::string_view f = r.str(h.func);
        if (f.empty() || (any && last == f))
            continue;
        name(f);
        last = f;
        any = true;
    }
}

// path_summary(r) appended to s, without a temporary.
void append_path_summary(std::string& s, const Record& r);

// v in decimal at the end of s, without printf or a temporary: for the
// finding texts and the plugin's verdict, built per packet.
inline void append_decimal(std::string& s, uint64_t v)
{
    char t[24];
    int i = int(sizeof t);
    do
        t[--i] = char('0' + v % 10);
    while (v /= 10);
    s.append(t + i, sizeof t - size_t(i));
}

}  // namespace mbt
