// The verdict line (verdict.hpp).
#include "verdict.hpp"

#include <algorithm>
#include <string>

namespace mbtplugin {

namespace {

template <class H>
bool blocks(const H& h)
{
    return h.rule && h.action &&
           (h.action.v == MBT_ACT_BLOCK || h.action.v == MBT_ACT_REJECT);
}

template <class H>
bool decides_way(const H& h)
{
    if (!h.rule || !h.action)
        return false;
    switch (h.action.v) {
    case MBT_ACT_NONE:
    case MBT_ACT_PASS:
    case MBT_ACT_MATCH:
    case MBT_ACT_COUNT:
        return false;
    default:
        return true;
    }
}

// ipfw's default rule, the last of every ruleset (IPFW_DEFAULT_RULE in
// FreeBSD's netinet/ip_fw.h): its verdict is the ruleset's default, not a
// rule that matched.
constexpr uint32_t kIpfwDefaultRule = 65535;

template <class H>
bool default_rule(const H& h)
{
    return mbt::is_pf_default_rule(h) ||
           (h.subsys && h.subsys.v == MBT_SS_IPFW &&
            h.rule.v == kIpfwDefaultRule);
}

// Registry names, made once when the plugin is loaded (not on the first
// packet): the codec returns std::string.
struct Names {
    std::string subsys[256], action[256];
    Names()
    {
        for (int i = 0; i < 256; i++) {
            subsys[i] = mbt::subsys_name(uint8_t(i));
            action[i] = mbt::action_name(uint8_t(i));
        }
    }
};

const Names g_names;

const Names& names()
{
    return g_names;
}

// "pf default rule" / "ipfw rule 100"
template <class H>
void rule_place(std::string& out, const H& h)
{
    if (h.subsys) {
        out += names().subsys[h.subsys.v];
        out += ' ';
    }
    if (mbt::is_pf_default_rule(h)) {
        out += "default rule";
    } else {
        out += "rule ";
        mbt::append_decimal(out, h.rule.v);
    }
}

// What the verdict reads of the hops, in one pass.
struct Scan {
    int drop = -1;        // first dropping hop
    int drop_block = -1;  // blocking rule at or before it
    int decide = -1;      // deciding_rule()
};

template <class R>
Scan scan(const R& r)
{
    Scan s;
    int block = -1, way = -1, matched = -1, last = -1;
    for (size_t i = 0; i < r.hops.size(); i++) {
        const auto& h = r.hops[i];
        if (h.rule) {
            last = int(i);
            if (blocks(h))
                block = int(i);
            else if (decides_way(h))
                way = int(i);
            else if (!default_rule(h))
                matched = int(i);
        }
        if (h.drop && s.drop < 0) {
            s.drop = int(i);
            s.drop_block = block;
        }
    }
    s.decide = block >= 0 ? block
               : way >= 0 ? way
               : matched >= 0 ? matched
                              : last;
    return s;
}

bool has(unsigned mask, mbt::FindingKind k)
{
    return mask & mbt::finding_bit(k);
}

void mark(std::string& out, size_t keep, const char* s)
{
    if (out.size() > keep)
        out += ' ';
    out += '[';
    out += s;
}

template <class R>
void drop_place(std::string& out, const R& r, const Scan& s)
{
    if (s.drop < 0)
        return;
    if (s.drop_block >= 0) {
        rule_place(out, r.hops[size_t(s.drop_block)]);
        return;
    }
    const auto& h = r.hops[size_t(s.drop)];
    if (h.subsys) {
        out += names().subsys[h.subsys.v];
    } else {
        out += "hop #";
        mbt::append_decimal(out, h.index);
    }
}

template <class R>
void anomaly_marks(std::string& out, size_t keep, const R& r, unsigned f,
                   const Scan& s)
{
    if (has(f, mbt::FindingKind::RoutedTwice)) {
        mark(out, keep, "routed twice");
        out += ']';
    }
    if (has(f, mbt::FindingKind::Dropped)) {
        mark(out, keep, s.drop_block >= 0 ? "dropped at " : "dropped in ");
        drop_place(out, r, s);
        out += ']';
    }
    if (has(f, mbt::FindingKind::Loop)) {
        mark(out, keep, "loop");
        out += ']';
    }
    if (has(f, mbt::FindingKind::HopsLost)) {
        mark(out, keep, "hops lost");
        out += ']';
    }
    if (has(f, mbt::FindingKind::AllocFail)) {
        mark(out, keep, "alloc failed");
        out += ']';
    }
}

// "pf rule 3 pass" (rule_text()).
template <class H>
void rule_words(std::string& out, const H& h)
{
    rule_place(out, h);
    if (h.action) {
        out += ' ';
        out += names().action[h.action.v];
    }
}

template <class R>
void verdict_of(std::string& out, const R& r, unsigned findings, size_t keep)
{
    out.resize(std::min(keep, out.size()));
    keep = out.size();
    const Scan s = scan(r);
    anomaly_marks(out, keep, r, findings, s);
    // The VNETs in path order, without repeats (mbt::vnet_sequence()).
    bool first = true;
    uint32_t at = 0;
    for (const auto& h : r.hops) {
        if (!h.vnet || (!first && h.vnet.v == at))
            continue;
        if (first)
            out += out.size() == keep ? "vnet " : " vnet ";
        else
            out += "\xe2\x86\x92";  // →
        mbt::append_decimal(out, h.vnet.v);
        at = h.vnet.v;
        first = false;
    }
    if (s.decide >= 0 && !(s.drop >= 0 && s.drop_block == s.decide)) {
        if (out.size() > keep)
            out += ", ";
        rule_words(out, r.hops[size_t(s.decide)]);
    }
}

}  // namespace

int deciding_rule(const mbt::Record& r)
{
    return scan(r).decide;
}

void rule_text(std::string& out, const mbt::Record& r, const mbt::Hop& h)
{
    (void)r;
    rule_words(out, h);
}

void drop_place(std::string& out, const mbt::Record& r)
{
    drop_place(out, r, scan(r));
}

void anomaly_marks(std::string& out, const mbt::Record& r,
                   const std::vector<mbt::Finding>& f)
{
    anomaly_marks(out, 0, r, mbt::finding_mask(f), scan(r));
}

void verdict(std::string& out, const mbt::Record& r,
             const std::vector<mbt::Finding>& f)
{
    verdict(out, r, mbt::finding_mask(f));
}


void verdict(std::string& out, const mbt::Record& r, unsigned findings,
             size_t keep)
{
    verdict_of(out, r, findings, keep);
}

void verdict(std::string& out, const mbt::NumRecord& r, unsigned findings,
             size_t keep)
{
    verdict_of(out, r, findings, keep);
}

}  // namespace mbtplugin
