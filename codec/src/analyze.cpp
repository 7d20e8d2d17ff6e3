// Path checks (SPEC 9): what the plugin's expert info and `mbuftrace show`
// both flag.
#include "mbuftrace/analyze.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace mbt {

TermId finding_term(FindingKind k)
{
    switch (k) {
    case FindingKind::HopsLost:
        return TermId::ExpHopsLost;
    case FindingKind::AllocFail:
        return TermId::ExpAllocFail;
    case FindingKind::Dropped:
        return TermId::ExpDropped;
    case FindingKind::VnetCrossing:
        return TermId::ExpVnetCrossing;
    case FindingKind::RoutedTwice:
        return TermId::ExpRoutedTwice;
    case FindingKind::Loop:
        return TermId::ExpLoop;
    case FindingKind::UnknownMajor:
        break;
    }
    return TermId::ExpUnknownMajor;
}

const char* finding_name(FindingKind k)
{
    // "routed_twice": the plugin's mbuftrace.expert.routed_twice.
    return expert_short_name(finding_term(k)).data();
}

namespace {

std::string where(const Record& r, const Hop& h)
{
    std::string s = "#" + std::to_string(h.index) + " ";
    const std::string& f = r.str(h.func);
    s += f.empty() ? "?" : f;
    s += "() " + r.file_of(h);
    if (h.line)
        s += ":" + std::to_string(h.line.v);
    return s;
}

bool routes(const Hop& h)
{
    if (!h.action)
        return false;
    switch (h.action.v) {
    case MBT_ACT_ROUTETO:
    case MBT_ACT_REPLYTO:
    case MBT_ACT_DUPTO:
        return true;
    default:
        return false;
    }
}

// Hits per tracepoint (file index, line): an open-addressed table in the
// thread's reused storage, so that counting allocates nothing per hop.
class HitCounter {
public:
    explicit HitCounter(size_t hops)
    {
        size_t n = 16;
        while (n < 2 * hops)
            n *= 2;
        slots_.assign(n, Slot{});
    }
    unsigned add(uint32_t file, uint32_t line)
    {
        const uint64_t key = uint64_t(file) << 32 | line;
        const size_t mask = slots_.size() - 1;
        for (size_t i = size_t((key * 0x9e3779b97f4a7c15ull) >> 40) & mask;;
             i = (i + 1) & mask) {
            Slot& s = slots_[i];
            if (s.hits == 0) {
                s.key = key;
                return s.hits = 1;
            }
            if (s.key == key)
                return ++s.hits;
        }
    }

private:
    struct Slot {
        uint64_t key = 0;
        unsigned hits = 0;
    };
    static thread_local std::vector<Slot> slots_;
};

thread_local std::vector<HitCounter::Slot> HitCounter::slots_;

}  // namespace

std::vector<Finding> analyze(const Record& r, const AnalyzeOptions& o)
{
    std::vector<Finding> out;
    if (r.major && r.major.v != MBT_VERSION_MAJOR)
        out.push_back({FindingKind::UnknownMajor, -1,
                       "record of major version " + std::to_string(r.major.v) +
                           " (this reader knows " +
                           std::to_string(MBT_VERSION_MAJOR) + ")"});
    const bool lost = (r.flags && (r.flags.v & MBT_RF_HOPS_LOST)) ||
                      (r.hops_lost && r.hops_lost.v);
    if (lost)
        out.push_back({FindingKind::HopsLost, -1,
                       "trace full: " +
                           std::to_string(r.hops_lost ? r.hops_lost.v : 0) +
                           " hops lost after hop #" +
                           std::to_string(r.hops.empty() ? 0
                                                         : r.hops.size() - 1)});
    if ((r.flags && (r.flags.v & MBT_RF_ALLOC_FAIL)) ||
        (r.alloc_fail && r.alloc_fail.v))
        out.push_back({FindingKind::AllocFail, -1,
                       std::to_string(r.alloc_fail ? r.alloc_fail.v : 0) +
                           " allocation failures while tracing"});

    // (file, line) -> hits, and first routing hop per tracepoint.
    HitCounter hits(r.hops.size());
    std::map<std::pair<uint32_t, uint32_t>, int> routed;
    const Hop* prev = nullptr;
    int copy_route = -1;  // first routing hop
    for (const Hop& h : r.hops) {
        const int i = int(h.index);
        if (h.drop)
            out.push_back({FindingKind::Dropped, i,
                           "dropped at " + where(r, h) + ": " + r.str(h.drop)});
        if (prev && prev->vnet && h.vnet && prev->vnet.v != h.vnet.v)
            out.push_back({FindingKind::VnetCrossing, i,
                           "crossed from vnet " + std::to_string(prev->vnet.v) +
                               " to vnet " + std::to_string(h.vnet.v) +
                               " at " + where(r, h)});
        const auto key = std::make_pair(h.file.idx, h.line.v);
        if (h.file && h.line &&
            hits.add(h.file.idx, h.line.v) == o.loop_threshold + 1)
            out.push_back({FindingKind::Loop, i,
                           "tracepoint " + where(r, h) + " hit more than " +
                               std::to_string(o.loop_threshold) +
                               " times: loop?"});
        if (routes(h) && copy_route < 0)
            copy_route = i;
        if (routes(h) && h.file && h.line) {
            auto [it, first] = routed.emplace(key, i);
            if (!first && it->second >= 0) {
                out.push_back(
                    {FindingKind::RoutedTwice, i,
                     "routing step " + action_name(h.action.v) + " at " +
                         where(r, h) + " ran again for the same packet (first at #" +
                         std::to_string(it->second) + ")"});
                it->second = -1;  // report each step once
            }
        }
        prev = &h;
    }
    // A copy made by a routing step (dup-to) that is routed again: the 2015
    // freebsd-pf bug, seen from the duplicate's own record.
    const bool flagged = std::any_of(out.begin(), out.end(), [](const Finding& f) {
        return f.kind == FindingKind::RoutedTwice;
    });
    if (r.parent_id && copy_route >= 0 && !flagged) {
        const Hop& h = r.hops[size_t(copy_route)];
        out.push_back({FindingKind::RoutedTwice, copy_route,
                       "routing step " + action_name(h.action.v) + " at " +
                           where(r, h) + " ran again for a copy of trace " +
                           std::to_string(r.parent_id.v)});
    }
    return out;
}

std::vector<uint32_t> vnet_sequence(const Record& r)
{
    std::vector<uint32_t> v;
    for (const Hop& h : r.hops)
        if (h.vnet && (v.empty() || v.back() != h.vnet.v))
            v.push_back(h.vnet.v);
    return v;
}

}  // namespace mbt
