// The verdict line (verdict.hpp).
#include "verdict.hpp"

#include <string>

namespace mbtplugin {

namespace {

bool blocks(const mbt::Hop& h)
{
    return h.rule && h.action &&
           (h.action.v == MBT_ACT_BLOCK || h.action.v == MBT_ACT_REJECT);
}

bool decides_way(const mbt::Hop& h)
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

bool default_rule(const mbt::Hop& h)
{
    return mbt::is_pf_default_rule(h) ||
           (h.subsys && h.subsys.v == MBT_SS_IPFW &&
            h.rule.v == kIpfwDefaultRule);
}

bool has(const std::vector<mbt::Finding>& f, mbt::FindingKind k)
{
    for (const mbt::Finding& x : f)
        if (x.kind == k)
            return true;
    return false;
}

// The hop that dropped the packet, or -1.
int drop_hop(const mbt::Record& r)
{
    for (size_t i = 0; i < r.hops.size(); i++)
        if (r.hops[i].drop)
            return int(i);
    return -1;
}

// The blocking rule at or before hop `upto`, or -1.
int blocking_rule_before(const mbt::Record& r, int upto)
{
    for (int i = upto; i >= 0; i--)
        if (blocks(r.hops[size_t(i)]))
            return i;
    return -1;
}

}  // namespace

int deciding_rule(const mbt::Record& r)
{
    int block = -1, way = -1, matched = -1, last = -1;
    for (size_t i = 0; i < r.hops.size(); i++) {
        const mbt::Hop& h = r.hops[i];
        if (!h.rule)
            continue;
        last = int(i);
        if (blocks(h))
            block = int(i);
        else if (decides_way(h))
            way = int(i);
        else if (!default_rule(h))
            matched = int(i);
    }
    return block >= 0 ? block
           : way >= 0 ? way
           : matched >= 0 ? matched
                          : last;
}

void rule_text(std::string& out, const mbt::Record& r, const mbt::Hop& h)
{
    (void)r;
    if (h.subsys)
        out += mbt::subsys_name(h.subsys.v) + " ";
    if (mbt::is_pf_default_rule(h))
        out += "default rule";
    else
        out += "rule " + std::to_string(h.rule.v);
    if (h.action)
        out += " " + mbt::action_name(h.action.v);
}

void drop_place(std::string& out, const mbt::Record& r)
{
    const int d = drop_hop(r);
    if (d < 0)
        return;
    const int b = blocking_rule_before(r, d);
    if (b >= 0) {
        const mbt::Hop& h = r.hops[size_t(b)];
        if (h.subsys)
            out += mbt::subsys_name(h.subsys.v) + " ";
        if (mbt::is_pf_default_rule(h))
            out += "default rule";
        else
            out += "rule " + std::to_string(h.rule.v);
        return;
    }
    const mbt::Hop& h = r.hops[size_t(d)];
    out += h.subsys ? mbt::subsys_name(h.subsys.v) : "hop #" + std::to_string(h.index);
}

void anomaly_marks(std::string& out, const mbt::Record& r,
                   const std::vector<mbt::Finding>& f)
{
    auto mark = [&out](const std::string& s) {
        if (!out.empty())
            out += ' ';
        out += '[';
        out += s;
        out += ']';
    };
    if (has(f, mbt::FindingKind::RoutedTwice))
        mark("routed twice");
    if (has(f, mbt::FindingKind::Dropped)) {
        std::string p;
        drop_place(p, r);
        const int d = drop_hop(r);
        mark((d >= 0 && blocking_rule_before(r, d) >= 0 ? "dropped at "
                                                        : "dropped in ") + p);
    }
    if (has(f, mbt::FindingKind::Loop))
        mark("loop");
    if (has(f, mbt::FindingKind::HopsLost))
        mark("hops lost");
    if (has(f, mbt::FindingKind::AllocFail))
        mark("alloc failed");
}

void verdict(std::string& out, const mbt::Record& r,
             const std::vector<mbt::Finding>& f)
{
    out.clear();
    anomaly_marks(out, r, f);
    const std::vector<uint32_t> vs = mbt::vnet_sequence(r);
    if (!vs.empty()) {
        out += out.empty() ? "vnet " : " vnet ";
        for (size_t i = 0; i < vs.size(); i++) {
            if (i)
                out += "\xe2\x86\x92";  // →
            out += std::to_string(vs[i]);
        }
    }
    const int d = deciding_rule(r);
    const int drop = drop_hop(r);
    if (d >= 0 && !(drop >= 0 && blocking_rule_before(r, drop) == d)) {
        out += out.empty() ? "" : ", ";
        rule_text(out, r, r.hops[size_t(d)]);
    }
}

}  // namespace mbtplugin
