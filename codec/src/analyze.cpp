// Path checks (SPEC 9): what the plugin's expert info and `mbuftrace show`
// both flag.
#include "mbuftrace/analyze.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <memory>


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

template <class S>
void append_sv(std::string& s, const S& v)
{
    s.append(v.data(), v.size());
}

// "#4 pf_route() sys/netpfil/pf/pf.c:6012"
void where(std::string& s, const Record& r, const Hop& h)
{
    s += '#';
    append_decimal(s, h.index);
    s += ' ';
    const auto& f = r.str(h.func);
    if (f.empty())
        s += '?';
    else
        append_sv(s, f);
    s += "() ";
    append_sv(s, r.file_of(h));
    if (h.line) {
        s += ':';
        append_decimal(s, h.line.v);
    }
}

template <class H>
bool routes(const H& h)
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

// Per tracepoint (file index, line): its hits and its first routing hop.
// An open-addressed table on the stack (on the heap for a record of more
// than kSmall hops), so that the checks of a usual record allocate nothing.
class Tracepoints {
public:
    struct Slot {
        uint64_t key;
        unsigned hits;  // 0: a free slot
        int route;      // first routing hop; kNoRoute, kReported
    };
    static constexpr int kNoRoute = -2;
    static constexpr int kReported = -1;

    // Usable only once open(): a record that needs no counting skips the
    // table's clearing.
    bool is_open() const { return mask_ != 0; }
    void open(size_t hops)
    {
        size_t n = 16;
        while (n < 2 * hops)
            n *= 2;
        if (n > kSmall * 2) {
            big_.reset(new Slot[n]);
            slots_ = big_.get();
        }
        mask_ = n - 1;
        std::memset(static_cast<void*>(slots_), 0, n * sizeof(Slot));
    }
    // The tracepoint's slot, its hits counted.
    Slot& hit(uint32_t file, uint32_t line)
    {
        const uint64_t key = uint64_t(file) << 32 | line;
        for (size_t i = size_t((key * 0x9e3779b97f4a7c15ull) >> 40) & mask_;;
             i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.hits == 0) {
                s.key = key;
                s.hits = 1;
                s.route = kNoRoute;
                return s;
            }
            if (s.key == key) {
                ++s.hits;
                return s;
            }
        }
    }

private:
    static constexpr size_t kSmall = 64;
    Slot small_[kSmall * 2];
    std::unique_ptr<Slot[]> big_;
    Slot* slots_ = small_;
    size_t mask_ = 0;
};

inline size_t files_of(const Record& r)
{
    return r.files.size();
}
inline size_t files_of(const NumRecord& r)
{
    return r.files;
}

// Whether one file has more than t hops: a tracepoint (file, line) hit
// more than t times needs that.  Counted per file where the files table is
// small (a counter each, no hashing); otherwise assumed.
template <class R>
bool may_loop(const R& r, unsigned t)
{
    constexpr size_t kFiles = 64;
    const size_t nf = files_of(r);
    if (nf > kFiles)
        return true;
    unsigned hits[kFiles];
    std::fill_n(hits, nf, 0u);
    for (const auto& h : r.hops)
        if (h.file && h.line && (h.file.idx >= nf || ++hits[h.file.idx] > t))
            return true;
    return false;
}

// The checks, in the order analyze() reports them: emit(kind, hop, aux)
// for each finding, aux being the first routing hop of a RoutedTwice found
// within the record (-1 for a copy's), the VNET left for a VnetCrossing,
// else -1.  No text is made here:
// the Info column's verdict needs only the kinds.
template <class R, class Emit>
void check(const R& r, const AnalyzeOptions& o, Emit&& emit)
{
    if (r.major && r.major.v != MBT_VERSION_MAJOR)
        emit(FindingKind::UnknownMajor, -1, -1);
    if ((r.flags && (r.flags.v & MBT_RF_HOPS_LOST)) ||
        (r.hops_lost && r.hops_lost.v))
        emit(FindingKind::HopsLost, -1, -1);
    if ((r.flags && (r.flags.v & MBT_RF_ALLOC_FAIL)) ||
        (r.alloc_fail && r.alloc_fail.v))
        emit(FindingKind::AllocFail, -1, -1);

    // Every hop's tracepoint is counted only where one can be hit more
    // than the threshold; otherwise only the routing hops' are, for a
    // routing step run twice (the table opened at the first of them: most
    // records have none).  A tracepoint's hits are then never more than
    // the threshold, so no Loop is missed.
    const bool loops =
        r.hops.size() > o.loop_threshold && may_loop(r, o.loop_threshold);
    Tracepoints tps;
    if (loops)
        tps.open(r.hops.size());
    const typename std::decay_t<decltype(r.hops)>::value_type* prev = nullptr;
    int copy_route = -1;  // first routing hop
    bool flagged = false;  // a RoutedTwice was emitted
    for (const auto& h : r.hops) {
        const int i = int(h.index);
        if (h.drop)
            emit(FindingKind::Dropped, i, -1);
        if (prev && prev->vnet && h.vnet && prev->vnet.v != h.vnet.v)
            emit(FindingKind::VnetCrossing, i, int64_t(prev->vnet.v));
        const bool route = routes(h);
        if (route && copy_route < 0)
            copy_route = i;
        if ((loops || route) && h.file && h.line) {
            if (!tps.is_open())
                tps.open(r.hops.size());
            Tracepoints::Slot& tp = tps.hit(h.file.idx, h.line.v);
            if (tp.hits == o.loop_threshold + 1)
                emit(FindingKind::Loop, i, -1);
            if (route) {
                if (tp.route == Tracepoints::kNoRoute) {
                    tp.route = i;
                } else if (tp.route >= 0) {
                    emit(FindingKind::RoutedTwice, i, tp.route);
                    tp.route = Tracepoints::kReported;  // report each once
                    flagged = true;
                }
            }
        }
        prev = &h;
    }
    // A copy made by a routing step (dup-to) that is routed again: the 2015
    // freebsd-pf bug, seen from the duplicate's own record.
    if (r.parent_id && copy_route >= 0 && !flagged)
        emit(FindingKind::RoutedTwice, copy_route, -1);
}

}  // namespace

unsigned finding_mask(const Record& r, const AnalyzeOptions& o)
{
    unsigned m = 0;
    check(r, o, [&m](FindingKind k, int, int64_t) { m |= finding_bit(k); });
    return m;
}

unsigned finding_mask(const NumRecord& r, const AnalyzeOptions& o)
{
    unsigned m = 0;
    check(r, o, [&m](FindingKind k, int, int64_t) { m |= finding_bit(k); });
    return m;
}

unsigned finding_mask(const std::vector<Finding>& f)
{
    unsigned m = 0;
    for (const Finding& x : f)
        m |= finding_bit(x.kind);
    return m;
}

void analyze(const Record& r, const AnalyzeOptions& o, std::vector<Finding>& out)
{
    out.clear();
    check(r, o, [&](FindingKind k, int i, int64_t aux) {
        out.push_back({k, i, {}});
        std::string& s = out.back().text;
        const Hop* h = i >= 0 ? &r.hops[size_t(i)] : nullptr;
        switch (k) {
        case FindingKind::UnknownMajor:
            s = "record of major version ";
            append_decimal(s, r.major.v);
            s += " (this reader knows ";
            append_decimal(s, MBT_VERSION_MAJOR);
            s += ')';
            break;
        case FindingKind::HopsLost:
            s = "trace full: ";
            append_decimal(s, r.hops_lost ? r.hops_lost.v : 0);
            s += " hops lost after hop #";
            append_decimal(s, r.hops.empty() ? 0 : r.hops.size() - 1);
            break;
        case FindingKind::AllocFail:
            append_decimal(s, r.alloc_fail ? r.alloc_fail.v : 0);
            s += " allocation failures while tracing";
            break;
        case FindingKind::Dropped:
            s = "dropped at ";
            where(s, r, *h);
            s += ": ";
            append_sv(s, r.str(h->drop));
            break;
        case FindingKind::VnetCrossing:
            s = "crossed from vnet ";
            append_decimal(s, uint64_t(aux));
            s += " to vnet ";
            append_decimal(s, h->vnet.v);
            s += " at ";
            where(s, r, *h);
            break;
        case FindingKind::Loop:
            s = "tracepoint ";
            where(s, r, *h);
            s += " hit more than ";
            append_decimal(s, o.loop_threshold);
            s += " times: loop?";
            break;
        case FindingKind::RoutedTwice:
            s = "routing step ";
            s += action_name(h->action.v);
            s += " at ";
            where(s, r, *h);
            if (aux >= 0) {
                s += " ran again for the same packet (first at #";
                append_decimal(s, uint64_t(aux));
                s += ')';
            } else {
                s += " ran again for a copy of trace ";
                append_decimal(s, r.parent_id.v);
            }
            break;
        }
    });
}

void analyze_places(const Record& r, const AnalyzeOptions& o,
                    std::vector<Finding>& out)
{
    out.clear();
    check(r, o, [&out](FindingKind k, int i, int64_t) {
        out.push_back({k, i, {}});
    });
}

std::vector<Finding> analyze(const Record& r, const AnalyzeOptions& o)
{
    std::vector<Finding> out;
    analyze(r, o, out);
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

void append_path_summary(std::string& o, const Record& r)
{
    bool any = false;
    for_each_path_name(r, [&](std::string_view f) {
        if (any)
            o += '>';
        o.append(f.data(), f.size());
        any = true;
    });
}

}  // namespace mbt
