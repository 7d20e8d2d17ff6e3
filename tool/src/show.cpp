// mbuftrace show / stats: the path of each packet in the terminal, as JSON
// for scripts, or counted per tracepoint, subsystem, rule, VNET and path.
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <map>
#include <set>

#include "commands.hpp"
#include "filter.hpp"
#include "input.hpp"
#include "mbuftrace/analyze.hpp"
#include "textout.hpp"
#include "util.hpp"

namespace mbt::tool {

namespace {

// A hop's time since the first hop, as "+%.3fus" etc. would print it, in
// integers: ns/unit with three decimals rounded to nearest.  A tie (the
// rest exactly half a step) rounds as printf rounds the double, so that
// case, and a time beyond double's exact integers, go to snprintf.
void time_offset(Text& o, uint64_t ns)
{
    if (ns < 1000) {
        o.add('+').num(ns).add("ns");
        return;
    }
    const char* unit;
    uint64_t q;  // thousandths of the unit
    if (ns < 1000000) {
        unit = "us";
        q = ns;
    } else {
        uint64_t step, rest;
        if (ns < 1000000000) {
            unit = "ms";
            step = 1000;
            rest = ns % 1000;
            q = ns / 1000;
        } else {
            unit = "s";
            step = 1000000;
            rest = ns % 1000000;
            q = ns / 1000000;
        }
        if (2 * rest == step || ns >= (uint64_t(1) << 53)) {
            char b[40];
            std::snprintf(b, sizeof b, "+%.3f%s",
                          double(ns) / (double(step) * 1e3), unit);
            o.add(b);
            return;
        }
        q += 2 * rest > step;
    }
    o.add('+').num(q / 1000).add('.');
    const unsigned f = unsigned(q % 1000);
    const char d[3] = {char('0' + f / 100), char('0' + f / 10 % 10),
                       char('0' + f % 10)};
    o.add(std::string_view(d, 3)).add(unit);
}

// Seconds.nanoseconds since the epoch.
void abs_time(Text& o, uint64_t ns)
{
    o.num(ns / 1000000000u).add('.');
    char d[9];
    uint64_t f = ns % 1000000000u;
    for (int i = 8; i >= 0; i--, f /= 10)
        d[i] = char('0' + f % 10);
    o.add(std::string_view(d, 9));
}

std::string fmt_abs(uint64_t ns)
{
    Text t;
    abs_time(t, ns);
    return t.str();
}

std::string flag_names(uint16_t f)
{
    std::string s;
    const auto add = [&](uint16_t bit, const char* n) {
        if (f & bit) {
            if (!s.empty())
                s += ',';
            s += n;
        }
    };
    add(MBT_RF_HOPS_LOST, "hops_lost");
    add(MBT_RF_ALLOC_FAIL, "alloc_fail");
    add(MBT_RF_FREED, "freed");
    add(MBT_RF_COPY, "copy");
    return s;
}

// Control characters from a record must not reach the terminal raw.
std::string esc(std::string_view s)
{
    Text t;
    t.esc(s);
    return t.str();
}

// A registry name (SPEC 6) without a temporary string.
void add_subsys(Text& o, uint8_t id)
{
    if (const char* n = subsys_known(id))
        o.add(n);
    else
        o.add(subsys_name(id));
}

void add_action(Text& o, uint8_t id)
{
    if (const char* n = action_known(id))
        o.add(n);
    else
        o.add(action_name(id));
}

std::string location(const Record& r, const Hop& h)
{
    std::string s(r.file_of(h));
    if (h.line)
        s += ":" + std::to_string(h.line.v);
    return s;
}

// The rule as mbt::rule_text() (codec/src/names.cpp, shared with graph)
// writes it, appended without temporaries; the two must say the same.
void add_rule(Text& o, const Record& r, const Hop& h)
{
    if (is_pf_default_rule(h)) {
        o.add("default rule ");
        add_action(o, h.action.v);
        return;
    }
    const std::string_view rs = r.str(h.ruleset);
    o.add("rule ");
    if (!rs.empty())
        o.add(rs).add('/');
    o.num(h.rule.v).add(' ');
    add_action(o, h.action.v);
}

// One JSON object per packet (JSON Lines).
std::string to_json(const Item& it, const std::vector<Finding>& fs)
{
    const Record& r = it.d.rec;
    std::string o = "{\"packet\":" + std::to_string(it.number);
    o += ",\"ts\":" + std::to_string(it.ts_ns);
    o += ",\"format\":";
    json_string(o, r.format == Format::V1            ? "v1"
                   : r.format == Format::LegacyPart1 ? "legacy-part1"
                                                     : "legacy-part3");
    const auto opt = [&](const char* k, const Field<uint64_t>& f) {
        if (f)
            o += std::string(",\"") + k + "\":" + std::to_string(f.v);
    };
    opt("trace_id", r.trace_id);
    opt("parent_id", r.parent_id);
    opt("packet_id", r.packet_id);
    if (it.epb_packet_id)
        o += ",\"epb_packet_id\":" + std::to_string(*it.epb_packet_id);
    const uint16_t flags = r.flags ? r.flags.v : 0;
    o += ",\"flags\":" + std::to_string(flags) + ",\"flag_names\":";
    json_string(o, flag_names(flags));
    if (r.hops_lost)
        o += ",\"hops_lost\":" + std::to_string(r.hops_lost.v) +
             ",\"alloc_fail\":" + std::to_string(r.alloc_fail.v);
    if (r.linktype && r.linktype.v != MBT_LINKTYPE_NONE)
        o += ",\"linktype\":" + std::to_string(r.linktype.v);
    o += ",\"packet_len\":" + std::to_string(it.pkt_len);
    o += ",\"orig_len\":" + std::to_string(it.origlen);
    o += ",\"path\":";
    json_string(o, path_summary(r));
    o += ",\"vnets\":[";
    bool first = true;
    for (uint32_t v : vnet_sequence(r)) {
        o += (first ? "" : ",") + std::to_string(v);
        first = false;
    }
    o += "],\"hops\":[";
    for (const Hop& h : r.hops) {
        if (h.index)
            o += ',';
        o += "{\"index\":" + std::to_string(h.index);
        o += ",\"ts\":" + std::to_string(h.time_ns.v);
        o += ",\"kind\":";
        json_string(o, kind_name(h.kind.v));
        o += ",\"depth\":" + std::to_string(h.depth.v);
        o += ",\"subsys\":";
        json_string(o, subsys_name(h.subsys.v));
        o += ",\"file\":";
        json_string(o, r.file_of(h));
        o += ",\"line\":" + std::to_string(h.line.v);
        o += ",\"func\":";
        json_string(o, r.str(h.func));
        o += ",\"location\":";
        json_string(o, location(r, h));
        if (h.vnet)
            o += ",\"vnet\":" + std::to_string(h.vnet.v) +
                 (h.vnet_inherited ? ",\"vnet_inherited\":true" : "");
        if (h.cpu)
            o += ",\"cpu\":" + std::to_string(h.cpu.v);
        if (h.ifname) {
            o += ",\"ifindex\":" + std::to_string(h.ifindex.v) + ",\"dir\":";
            json_string(o, dir_name(h.dir.v));
            o += ",\"ifname\":";
            json_string(o, r.str(h.ifname));
        }
        if (h.rule) {
            o += ",\"ruleset\":";
            json_string(o, r.str(h.ruleset));
            o += ",\"rule\":" + std::to_string(h.rule.v) + ",\"action\":";
            json_string(o, action_name(h.action.v));
        }
        const auto s = [&](const char* k, const StrRef& ref) {
            if (ref) {
                o += std::string(",\"") + k + "\":";
                json_string(o, r.str(ref));
            }
        };
        s("msg", h.msg);
        s("drop", h.drop);
        s("node", h.node);
        s("hook", h.hook);
        s("text", h.text);
        s("arg", h.arg);
        if (h.copy_id)
            o += ",\"copy\":" + std::to_string(h.copy_id.v);
        if (const Field<mbt_xlate>& xf = r.xlate_of(h)) {
            const mbt_xlate& x = xf.v;
            const auto side = [&](const char* k, const mbt_xlate_side& xs) {
                o += std::string(",\"") + k + "\":{\"src\":";
                mbt_xlate_side a = xs;
                a.xs_sport = a.xs_dport = 0;  // addresses alone
                json_string(o, xlate_addr(a, true));
                o += ",\"dst\":";
                json_string(o, xlate_addr(a, false));
                o += ",\"sport\":" + std::to_string(xs.xs_sport) +
                     ",\"dport\":" + std::to_string(xs.xs_dport) + "}";
            };
            o += ",\"xlate\":{\"proto\":" + std::to_string(x.xl_proto);
            side("before", x.xl_before);
            side("after", x.xl_after);
            o += ",\"text\":";
            json_string(o, xlate_text(x));
            o += "}";
        }
        if (const Field<Hop::State>& st = r.state_of(h)) {
            o += ",\"state\":{\"id\":" + std::to_string(st.v.id) +
                 ",\"creator\":" + std::to_string(st.v.creator) +
                 ",\"how\":";
            json_string(o, state_how_name(st.v.how));
            o += "}";
        }
        if (h.has_snap) {
            o += ",\"snapshot\":{\"linktype\":" +
                 std::to_string(h.snap_linktype.v) +
                 ",\"len\":" + std::to_string(h.snap.len) + ",\"hex\":";
            json_string(o, hex_bytes(it.rec + h.snap.off, h.snap.len,
                                     size_t(-1)));
            o += "}";
        }
        o += '}';
    }
    o += "],\"findings\":[";
    for (size_t i = 0; i < fs.size(); i++) {
        o += i ? ",{\"kind\":" : "{\"kind\":";
        json_string(o, finding_name(fs[i].kind));
        o += ",\"hop\":" + std::to_string(fs[i].hop) + ",\"text\":";
        json_string(o, fs[i].text);
        o += '}';
    }
    o += "]}\n";
    return o;
}

struct ShowOpts {
    bool json = false, raw = false;
    Colors col;
    std::optional<Filter> filter;
    uint64_t frame = 0;  // -p: only this frame
    // --family: the traces to show, each with its generation (0: the
    // root); packets are kept and printed as one tree at the end.
    std::map<uint64_t, int> family;
};

class Shower : public Sink {
public:
    Shower(OutFile& out, ShowOpts& o) : out_(out), o_(o) {}

    void meta(const Item& it) override
    {
        if (o_.json)
            return;
        const Colors& c = o_.col;
        if (o_.raw) {
            out_.write("metadata (" + it.where() + ")\n" + to_text(it.d));
            return;
        }
        const Meta& m = it.d.rec.meta;
        for (const auto& [id, name] : m.vnet_names)
            vnet_names_[id] = name;
        std::string s = std::string(c.bold()) + "capture" + c.reset();
        const auto add = [&](const char* k, const Field<std::string>& f) {
            if (f)
                s += std::string("  ") + k + " " + esc(f.v);
        };
        add("host", m.hostname);
        add("kernel", m.kernel_ident);
        add("version", m.kernel_version);
        add("rev", m.source_rev);
        add("by", m.producer);
        if (m.capture_start_ns)
            s += "  start " + fmt_abs(m.capture_start_ns.v);
        for (const auto& [id, name] : m.vnet_names)
            s += "  vnet " + std::to_string(id) + "=" + esc(name);
        out_.write(s + "\n");
    }

    void packet(const Item& it) override
    {
        const Record& r = it.d.rec;
        if (o_.frame && it.number != o_.frame)
            return;
        if (!o_.family.empty() &&
            (!r.trace_id || !o_.family.count(r.trace_id.v)))
            return;
        if (o_.filter && !o_.filter->match(FilterInput{r, it.number}))
            return;
        shown++;
        const auto fs = analyze(r);
        if (o_.json) {
            emit(r, to_json(it, fs));
            return;
        }
        if (o_.raw) {
            emit(r, "packet " + std::to_string(it.number) + "\n" +
                        to_text(it.d));
            return;
        }
        text(it, fs);
    }

    // --family: the kept packets, parents before their copies, each
    // generation indented under the one before.
    void finish_family()
    {
        std::map<uint64_t, std::vector<uint64_t>> kids;
        std::vector<uint64_t> roots;
        for (const auto& [id, gen] : o_.family) {
            const auto p = parent_.find(id);
            if (p != parent_.end() && o_.family.count(p->second))
                kids[p->second].push_back(id);
            else
                roots.push_back(id);
        }
        std::vector<uint64_t> todo(roots.rbegin(), roots.rend());
        while (!todo.empty()) {
            const uint64_t id = todo.back();
            todo.pop_back();
            const auto k = kids.find(id);
            if (k != kids.end())
                todo.insert(todo.end(), k->second.rbegin(), k->second.rend());
            const int gen = o_.family.at(id);
            for (const std::string& block : kept_[id]) {
                if (o_.json || !gen) {
                    out_.write(block);
                    continue;
                }
                const std::string pad(size_t(4 * gen), ' ');
                std::string o;
                size_t b = 0;
                for (size_t e; (e = block.find('\n', b)) != std::string::npos;
                     b = e + 1)
                    o += (e > b ? pad : std::string()) +
                         block.substr(b, e - b + 1);
                out_.write(o);
            }
        }
    }

    uint64_t shown = 0;

private:
    void text(const Item& it, const std::vector<Finding>& fs)
    {
        const Record& r = it.d.rec;
        const Colors& c = o_.col;
        Text& o = text_;
        o.clear();
        o.add(c.bold()).add("packet ").num(it.number).add(c.reset());
        if (r.trace_id)
            o.add("  trace ").num(r.trace_id.v);
        if (r.parent_id)
            o.add("  parent ").num(r.parent_id.v);
        if (r.packet_id)
            o.add("  id ").num(r.packet_id.v);
        o.add("  ").num(r.hops.size()).add(" hops");
        if (it.ts_ns) {
            o.add("  ts ");
            abs_time(o, it.ts_ns);
        }
        if (r.flags && r.flags.v)
            o.add("  [").add(flag_names(r.flags.v)).add(']');
        if (r.format != Format::V1)
            o.add(r.format == Format::LegacyPart1 ? "  (legacy part-1)"
                                                  : "  (legacy part-3)");
        if (it.pkt_len)
            o.add("  ").num(it.pkt_len).add(" packet bytes");
        o.add('\n');
        flagged_.assign(r.hops.size(), 0);
        for (const Finding& f : fs)
            if (f.kind != FindingKind::VnetCrossing &&  // marked by its line
                f.hop >= 0 && size_t(f.hop) < flagged_.size())
                flagged_[size_t(f.hop)] = 1;
        // A copy's record starts inside its parent's scopes (m_dup in
        // pf_route): indent from its first hop; the leaves of scopes it
        // did not see entered stay at the left.
        const uint8_t base_depth = r.hops.empty() ? 0 : r.hops[0].depth.v;
        const Hop* prev = nullptr;
        for (const Hop& h : r.hops) {
            if (h.vnet && (!prev || !prev->vnet || prev->vnet.v != h.vnet.v)) {
                if (prev && prev->vnet) {
                    o.add("   ").add(c.yellow()).add("-- vnet ");
                    vnet_label(o, prev->vnet.v);
                    o.add(" -> ");
                    vnet_label(o, h.vnet.v);
                } else {
                    o.add("   ").add(c.dim()).add("-- vnet ");
                    vnet_label(o, h.vnet.v);
                }
                o.add(" --").add(c.reset()).add('\n');
            }
            prev = &h;
            const bool bad = h.index < flagged_.size() && flagged_[h.index];
            o.add(bad ? c.red() : "").add(bad ? " ! " : "   ").add('#');
            const size_t idx_at = o.size();
            o.num(h.index);
            if (o.size() - idx_at < 3)  // "#%-3u"
                o.fill(3 - (o.size() - idx_at), ' ');
            o.add(bad ? c.reset() : "").add(' ').add(c.dim());
            time_.clear();  // "%11s"
            time_offset(time_, h.time_ns.v);
            o.pad_left(time_.view(), 11).add(c.reset()).add("  ");
            // Indented from the record's first hop (base_depth).
            if (h.depth.v > base_depth)
                o.fill(2 * size_t(h.depth.v - base_depth), ' ');
            if (h.kind.v == MBT_HK_ENTER)
                o.add("> ");
            else if (h.kind.v == MBT_HK_LEAVE)
                o.add("< ");
            o.add(c.cyan()).add('[');
            add_subsys(o, h.subsys.v);
            o.add(']').add(c.reset()).add(' ');
            const std::string_view fn = r.str(h.func);
            o.add(c.bold());
            if (fn.empty())
                o.add('?');
            else
                o.esc(fn);
            o.add(c.reset());
            if (h.arg)  // legacy "func(arg)"
                o.add('(').esc(r.str(h.arg)).add(')');
            else if (h.text && !h.line)  // legacy string that did not parse
                o.add("  \"").esc(r.str(h.text)).add('"');
            const std::string_view file = r.file_of(h);  // location()
            if (!file.empty() || h.line) {
                o.add("  ").add(c.dim()).esc(file);
                if (h.line)
                    o.add(':').num(h.line.v);
                o.add(c.reset());
            }
            if (h.ifname) {
                const char* d = h.dir.v ? dir_name(h.dir.v) : "";
                const std::string_view nm = r.str(h.ifname);
                if (*d || !nm.empty() || h.ifindex.v) {
                    o.add("  ").add(c.green()).add(d);
                    if (!nm.empty())
                        o.add(*d ? " " : "").esc(nm);
                    else if (h.ifindex.v)
                        o.add(*d ? " " : "").add("ifindex ").num(h.ifindex.v);
                    o.add(c.reset());
                }
            }
            if (h.rule) {
                o.add("  ").add(c.magenta());
                scratch_.clear();
                add_rule(scratch_, r, h);
                o.esc(scratch_.view()).add(c.reset());
            }
            if (h.node)
                o.add("  node ").esc(r.str(h.node)).add(':').esc(r.str(h.hook));
            if (h.msg)
                o.add("  \"").esc(r.str(h.msg)).add('"');
            if (h.copy_id)
                o.add("  copy -> trace ").num(h.copy_id.v);
            if (const Field<Hop::State>& st = r.state_of(h)) {
                char id[20];
                std::snprintf(id, sizeof(id), "%016" PRIx64, st.v.id);
                o.add("  state ").add(id).add(' ').add(
                    state_how_name(st.v.how));
            }
            if (const Field<mbt_xlate>& x = r.xlate_of(h))
                o.add("  ").add(xlate_text(x.v));
            if (h.has_snap)
                o.add("  snapshot ").num(h.snap.len).add(" bytes");
            if (h.cpu && !h.cpu_inherited)
                o.add("  cpu ").num(h.cpu.v);
            if (h.drop)
                o.add("  ").add(c.red()).add("DROPPED: ").esc(r.str(h.drop))
                    .add(c.reset());
            o.add('\n');
        }
        for (const Finding& f : fs) {
            const bool severe = f.kind == FindingKind::Dropped ||
                                f.kind == FindingKind::RoutedTwice ||
                                f.kind == FindingKind::Loop ||
                                f.kind == FindingKind::HopsLost;
            if (f.kind == FindingKind::VnetCrossing)
                continue;  // shown inline
            o.add("   ").add(severe ? c.red() : c.yellow()).add("! ")
                .add(finding_name(f.kind)).add(": ").esc(f.text).add(c.reset())
                .add('\n');
        }
        o.add('\n');
        emit(r, o.view());
    }

    // The text of a packet: written, or kept for --family.
    void emit(const Record& r, std::string_view s)
    {
        if (o_.family.empty()) {
            out_.write(s);
            return;
        }
        if (r.parent_id)
            parent_[r.trace_id.v] = r.parent_id.v;
        kept_[r.trace_id.v].emplace_back(s);
    }

    // "1 (jail-a)" when the metadata names the VNET.
    void vnet_label(Text& o, uint32_t v) const
    {
        o.num(v);
        const auto it = vnet_names_.find(v);
        if (it != vnet_names_.end())
            o.add(" (").esc(it->second).add(')');
    }

    Text text_, time_, scratch_;
    std::vector<uint8_t> flagged_;
    OutFile& out_;
    ShowOpts& o_;
    std::map<uint32_t, std::string> vnet_names_;
    std::map<uint64_t, std::vector<std::string>> kept_;  // --family
    std::map<uint64_t, uint64_t> parent_;
};

// The family of a trace: its parent, its copies (and theirs), its
// segments (records of one trace id), from the parent ids of the records
// and the copies their hops made.  Read once before the packets are shown.
class FamilyFinder : public Sink {
public:
    void packet(const Item& it) override
    {
        const Record& r = it.d.rec;
        if (!r.trace_id)
            return;
        const uint64_t id = r.trace_id.v;
        ids.insert(id);
        if (r.parent_id)
            link(r.parent_id.v, id);
        for (const Hop& h : r.hops)
            if (h.copy_id)
                link(id, h.copy_id.v);
    }
    // The traces of the file related to id, each with its generation (0:
    // no parent in the file); empty if id is not in the file.
    std::map<uint64_t, int> family_of(uint64_t id) const
    {
        std::set<uint64_t> seen;
        if (!ids.count(id))
            return {};
        std::vector<uint64_t> todo{id};
        seen.insert(id);
        while (!todo.empty()) {
            const uint64_t x = todo.back();
            todo.pop_back();
            const auto add = [&](uint64_t y) {
                if (ids.count(y) && seen.insert(y).second)
                    todo.push_back(y);
            };
            const auto p = up_.find(x);
            if (p != up_.end())
                add(p->second);
            const auto k = down_.find(x);
            if (k != down_.end())
                for (uint64_t y : k->second)
                    add(y);
        }
        std::map<uint64_t, int> gen;
        for (uint64_t x : seen) {
            int g = 0;
            for (auto p = up_.find(x);
                 p != up_.end() && seen.count(p->second) &&
                 g < int(seen.size());
                 p = up_.find(p->second))
                g++;
            gen[x] = g;
        }
        return gen;
    }

    std::set<uint64_t> ids;

private:
    void link(uint64_t parent, uint64_t child)
    {
        if (parent == child)
            return;
        up_.emplace(child, parent);
        down_[parent].insert(child);
    }
    std::map<uint64_t, uint64_t> up_;
    std::map<uint64_t, std::set<uint64_t>> down_;
};

bool parse_color(const std::string& v)
{
    if (v == "always")
        return true;
    if (v == "never")
        return false;
    if (v == "auto")
        return ::isatty(1) == 1;
    throw ToolError("--color: expected auto, always or never, not '" + v + "'");
}

}  // namespace

int cmd_show(const Args& a)
{
    ShowOpts so;
    ReadOptions ro;
    std::string file, out = "-", color = "auto";
    uint64_t family = 0;
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& s = a[i];
        const auto val = [&]() -> const std::string& {
            if (i + 1 >= a.size())
                throw ToolError("show: " + s + " needs a value");
            return a[++i];
        };
        if (s == "-Y")
            so.filter.emplace(val());
        else if (s == "-p")
            so.frame = number_arg("show: -p", val(), "a frame number");
        else if (s == "--family")
            family = number_arg("show: --family", val(), "a trace id");
        else if (s == "--json")
            so.json = true;
        else if (s == "--raw")
            so.raw = true;
        else if (s == "--strict")
            ro.strict = true;
        else if (s == "-o")
            out = val();
        else if (s.rfind("--color=", 0) == 0)
            color = s.substr(8);
        else if (s == "--color")
            color = val();
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("show: unknown option " + s);
        else if (file.empty())
            file = s;
        else
            throw ToolError("show: more than one file");
    }
    if (file.empty())
        throw ToolError("usage: mbuftrace show FILE|- [-Y expr] [-p frame] "
                        "[--family trace] [--json|--raw] "
                        "[--color=auto|always|never] [-o OUT] [--strict]");
    if (so.json && so.raw)
        throw ToolError("show: --json and --raw are two different outputs; "
                        "choose one");
    so.col.on = out == "-" && !so.json && parse_color(color);
    if (out != "-" && color != "auto")
        so.col.on = parse_color(color);
    ro.progress = stderr_is_tty() && (out != "-" || ::isatty(1) != 1);
    if (family) {
        ReadOptions quiet = ro;
        quiet.quiet = true;
        quiet.progress = false;
        FamilyFinder ff;
        read_input(file, ff, quiet);
        so.family = ff.family_of(family);
        if (so.family.empty())
            throw ToolError(file + ": no trace " + std::to_string(family) +
                            " (" + std::to_string(ff.ids.size()) +
                            " traces read)");
    }
    OutFile of(out);
    Shower sh(of, so);
    const ReadSummary s = read_input(file, sh, ro);
    if (family)
        sh.finish_family();
    of.commit();
    report_corrupt(file, s);
    return 0;
}

// ---- stats ----

namespace {

class Counter : public Sink {
public:
    std::optional<Filter> filter;

    void packet(const Item& it) override
    {
        const Record& r = it.d.rec;
        if (filter && !filter->match(FilterInput{r, it.number}))
            return;
        packets++;
        paths[path_summary(r)]++;
        for (const Hop& h : r.hops) {
            hops++;
            const std::string_view fn = r.str(h.func);
            tp[location(r, h) + " " + std::string(fn.empty() ? "?" : fn)]++;
            subsys[subsys_name(h.subsys.v)]++;
            if (h.rule)
                rules[subsys_name(h.subsys.v) + " " + rule_text(r, h)]++;
            if (h.vnet)
                vnets["vnet " + std::to_string(h.vnet.v)]++;
            if (h.drop) {
                const std::string k =
                    std::string(r.str(h.drop)) + " at " + location(r, h);
                drops[k]++;
                note(drop_frames[k], it.number);
            }
        }
        for (const Finding& f : analyze(r)) {
            findings[finding_name(f.kind)]++;
            note(finding_frames[finding_name(f.kind)], it.number);
        }
    }

    uint64_t packets = 0, hops = 0;
    std::map<std::string, uint64_t> tp, subsys, rules, vnets, paths, drops,
        findings;
    // The frames of each drop and finding, so that they can be looked at
    // (show -p N); the first kMaxFrames of each.
    static constexpr size_t kMaxFrames = 10;
    std::map<std::string, std::vector<uint64_t>> drop_frames, finding_frames;

private:
    static void note(std::vector<uint64_t>& v, uint64_t n)
    {
        if (v.size() < kMaxFrames && (v.empty() || v.back() != n))
            v.push_back(n);
    }
};

std::string frame_list(const std::vector<uint64_t>& v, uint64_t total)
{
    std::string o = v.size() == 1 && total <= 1 ? "frame " : "frames ";
    for (size_t i = 0; i < v.size(); i++)
        o += (i ? ", " : "") + std::to_string(v[i]);
    if (total > v.size())
        o += ", ...";
    return o;
}

std::string table(const char* title, const std::map<std::string, uint64_t>& m,
                  const Colors& c,
                  const std::map<std::string, std::vector<uint64_t>>* frames =
                      nullptr)
{
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
        return x.second > y.second;
    });
    std::string o = std::string(c.bold()) + title + c.reset() + " (" +
                    std::to_string(v.size()) + ")\n";
    if (v.empty())
        o += "  (none)\n";
    for (const auto& [k, n] : v) {
        char b[32];
        std::snprintf(b, sizeof b, "%10" PRIu64 "  ", n);
        o += b + (k.empty() ? std::string("(empty)") : esc(k));
        if (frames && frames->count(k))
            o += "  (" + frame_list(frames->at(k), n) + ")";
        o += "\n";
    }
    return o + "\n";
}

// stats --json: one object, the same tables; drops and findings with the
// frames they were seen in.
std::string stats_json(const Counter& k, const ReadSummary& s)
{
    std::string o = "{\"packets\":" + std::to_string(k.packets) +
                    ",\"hops\":" + std::to_string(k.hops) +
                    ",\"corrupt\":" + std::to_string(s.corrupt + s.no_record);
    const auto counts = [&](const char* name,
                            const std::map<std::string, uint64_t>& m,
                            const std::map<std::string, std::vector<uint64_t>>*
                                frames = nullptr) {
        o += ",\"";
        o += name;
        o += "\":[";
        std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
        std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
            return x.second > y.second;
        });
        for (size_t i = 0; i < v.size(); i++) {
            o += i ? ",{\"name\":" : "{\"name\":";
            json_string(o, v[i].first);
            o += ",\"count\":" + std::to_string(v[i].second);
            if (frames && frames->count(v[i].first)) {
                o += ",\"frames\":[";
                const auto& f = frames->at(v[i].first);
                for (size_t j = 0; j < f.size(); j++)
                    o += (j ? "," : "") + std::to_string(f[j]);
                o += "]";
            }
            o += "}";
        }
        o += "]";
    };
    counts("tracepoints", k.tp);
    counts("subsystems", k.subsys);
    counts("rules", k.rules);
    counts("vnets", k.vnets);
    counts("drops", k.drops, &k.drop_frames);
    counts("findings", k.findings, &k.finding_frames);
    counts("paths", k.paths);
    return o + "}\n";
}

}  // namespace

int cmd_stats(const Args& a)
{
    ReadOptions ro;
    std::string file, color = "auto";
    bool json = false;
    Counter k;
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& s = a[i];
        if (s == "--strict")
            ro.strict = true;
        else if (s == "--json")
            json = true;
        else if (s == "-Y") {
            if (i + 1 >= a.size())
                throw ToolError("stats: -Y needs a value");
            k.filter.emplace(a[++i]);
        }
        else if (s.rfind("--color=", 0) == 0)
            color = s.substr(8);
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("stats: unknown option " + s);
        else if (file.empty())
            file = s;
        else
            throw ToolError("stats: more than one file");
    }
    if (file.empty())
        throw ToolError("usage: mbuftrace stats FILE|- [-Y expr] [--json] "
                        "[--strict]");
    Colors c;
    c.on = parse_color(color);
    ro.progress = stderr_is_tty();
    const ReadSummary s = read_input(file, k, ro);
    if (json) {
        const std::string o = stats_json(k, s);
        std::fwrite(o.data(), 1, o.size(), stdout);
        report_corrupt(file, s);
        return 0;
    }
    std::string o = std::string(c.bold()) + "packets" + c.reset() + " " +
                    std::to_string(k.packets) + "  hops " +
                    std::to_string(k.hops) + "  corrupt (skipped) " +
                    std::to_string(s.corrupt + s.no_record) + "\n\n";
    o += table("hits per tracepoint", k.tp, c);
    o += table("hits per subsystem", k.subsys, c);
    o += table("hits per rule", k.rules, c);
    o += table("hits per vnet", k.vnets, c);
    o += table("drops", k.drops, c, &k.drop_frames);
    o += table("findings", k.findings, c, &k.finding_frames);
    o += table("distinct paths", k.paths, c);
    std::fwrite(o.data(), 1, o.size(), stdout);
    report_corrupt(file, s);
    return 0;
}

}  // namespace mbt::tool
