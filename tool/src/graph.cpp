// mbuftrace graph: one packet's path drawn by Graphviz (libgvc): a node per
// subsystem, a cluster per VNET, an edge per hop numbered by its index.
#include <gvc.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "commands.hpp"
#include "input.hpp"
#include "mbuftrace/analyze.hpp"
#include "util.hpp"

namespace mbt::tool {

namespace {

char* cs(const std::string& s)
{
    return const_cast<char*>(s.c_str());
}

// Graphviz reads "\\N", "\\l" ... in labels as escapes: keep record
// strings literal.
std::string lit(const std::string& s)
{
    std::string o;
    for (char c : s) {
        if (c == '\\')
            o += '\\';
        o += c;
    }
    return o;
}

void set(void* obj, const std::string& k, const std::string& v)
{
    agsafeset(obj, cs(k), cs(v), cs(std::string()));
}

// Keeps the one packet we draw, and the VNET names of the metadata.
class Picker : public Sink {
public:
    explicit Picker(uint64_t want) : want_(want) {}
    void meta(const Item& it) override
    {
        for (const auto& [id, name] : it.d.rec.meta.vnet_names)
            vnet_names[id] = name;
        meta_again(it);
    }
    void meta_again(const Item& it) override
    {
        if (it.number)
            meta_frames.insert(it.number);
    }
    void packet(const Item& it) override
    {
        if (!first)
            first = it.number;
        last = it.number;
        if (found || (want_ && it.number != want_))
            return;
        found = true;
        number = it.number;
        bytes.assign(it.rec, it.rec + it.rec_len);
        // Re-decode from our own copy: the reader's buffers move on.
        d = decode_any(bytes.data(), bytes.size());
    }
    bool found = false;
    uint64_t number = 0;
    std::vector<uint8_t> bytes;
    DecodeResult d;
    std::map<uint32_t, std::string> vnet_names;
    std::set<uint64_t> meta_frames;  // frame numbers of metadata blocks
    uint64_t first = 0, last = 0;    // first and last packet frames

private:
    uint64_t want_;
};

struct Gvc {
    GVC_t* c = gvContext();
    Agraph_t* g = nullptr;
    bool laid = false;
    ~Gvc()
    {
        if (laid)
            gvFreeLayout(c, g);
        if (g)
            agclose(g);
        gvFreeContext(c);
    }
};

}  // namespace

int cmd_graph(const Args& a)
{
    ReadOptions ro;
    std::string file, out, format;
    uint64_t want = 0;
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& s = a[i];
        const auto val = [&]() -> const std::string& {
            if (i + 1 >= a.size())
                throw ToolError("graph: " + s + " needs a value");
            return a[++i];
        };
        if (s == "-p") {
            const std::string& v = val();
            char* end = nullptr;
            want = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end || want == 0)
                throw ToolError("graph: -p wants a packet number (1, 2, ...), "
                                "not '" + v + "'");
        } else if (s == "-o")
            out = val();
        else if (s == "-T")
            format = val();
        else if (s == "--strict")
            ro.strict = true;
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("graph: unknown option " + s);
        else if (file.empty())
            file = s;
        else
            throw ToolError("graph: more than one file");
    }
    if (file.empty() || out.empty())
        throw ToolError("usage: mbuftrace graph FILE [-p packet] -o "
                        "OUT.svg|.dot|.png|- [-T svg|dot|png]");
    // The format: -T, else the output's extension; svg on standard output.
    const size_t dot = out.rfind('.');
    std::string ext = format;
    if (ext.empty())
        ext = out == "-" ? "svg"
              : dot == std::string::npos ? "" : out.substr(dot + 1);
    if (ext != "svg" && ext != "dot" && ext != "gv" && ext != "png")
        throw ToolError("graph: " +
                        (format.empty() ? out + ": output must end in .svg, "
                                                ".dot or .png"
                                        : "-T wants svg, dot or png, not '" +
                                              format + "'"));
    if (ext == "png" && out == "-" && ::isatty(1))
        throw ToolError("graph: not writing a PNG to a terminal");

    ro.progress = stderr_is_tty();
    Picker pk(want);
    const ReadSummary sum = read_input(file, pk, ro);
    report_corrupt(file, sum);
    if (!pk.found && want && pk.meta_frames.count(want))
        throw ToolError(file + ": frame " + std::to_string(want) +
                        " is the capture's metadata block, not a packet; " +
                        (pk.last ? "packets are frames " +
                                       std::to_string(pk.first) + " to " +
                                       std::to_string(pk.last)
                                 : std::string("the file has no packets")));
    if (!pk.found)
        throw ToolError(file + ": " +
                        (want ? "packet " + std::to_string(want) +
                                    " is not a readable trace record (" +
                                    std::to_string(sum.packets) +
                                    " records read)"
                              : std::string("no trace records")));
    const Record& r = pk.d.rec;
    const auto findings = analyze(r);

    Gvc gv;
    gv.g = agopen(cs("mbuftrace"), Agdirected, nullptr);
    Agraph_t* g = gv.g;
    set(g, "label", "packet " + std::to_string(pk.number) +
                        (r.trace_id ? "  trace " + std::to_string(r.trace_id.v)
                                    : std::string()) +
                        "\n" + lit(path_summary(r)));
    set(g, "labelloc", "t");
    set(g, "fontname", "Helvetica");
    set(g, "rankdir", "TB");
    agattr(g, AGNODE, cs("fontname"), cs("Helvetica"));
    agattr(g, AGEDGE, cs("fontname"), cs("Helvetica"));
    agattr(g, AGEDGE, cs("fontsize"), cs("10"));

    // (vnet or -1, subsys) -> node, with the functions seen there.
    std::map<std::pair<long, uint8_t>, Agnode_t*> nodes;
    std::map<Agnode_t*, std::vector<std::string>> funcs;
    std::map<long, Agraph_t*> clusters;
    std::set<Agnode_t*> dropped;
    const auto node_of = [&](const Hop& h) {
        const long v = h.vnet ? long(h.vnet.v) : -1;
        const auto key = std::make_pair(v, h.subsys.v);
        auto it = nodes.find(key);
        if (it != nodes.end())
            return it->second;
        Agraph_t* sg = g;
        if (v >= 0) {
            Agraph_t*& c = clusters[v];
            if (!c) {
                c = agsubg(g, cs("cluster_vnet" + std::to_string(v)), 1);
                std::string label = "vnet " + std::to_string(v);
                const auto nm = pk.vnet_names.find(uint32_t(v));
                if (nm != pk.vnet_names.end())
                    label += " (" + lit(nm->second) + ")";
                set(c, "label", label);
                set(c, "style", "rounded,filled");
                set(c, "fillcolor", v == 0 ? "#eef3fb" : "#f3f9ee");
            }
            sg = c;
        }
        const std::string name = (v >= 0 ? "v" + std::to_string(v) : "nov") +
                                 "_" + subsys_name(h.subsys.v);
        Agnode_t* n = agnode(sg, cs(name), 1);
        set(n, "shape", "box");
        set(n, "style", "rounded,filled");
        set(n, "fillcolor", "white");
        nodes.emplace(key, n);
        return n;
    };

    Agnode_t* start = agnode(g, cs("start"), 1);
    set(start, "shape", "circle");
    set(start, "label", "");
    set(start, "width", "0.2");
    set(start, "style", "filled");
    set(start, "fillcolor", "black");
    Agnode_t* prev = start;
    std::vector<Agedge_t*> edges;
    for (const Hop& h : r.hops) {
        Agnode_t* n = node_of(h);
        const std::string fn = lit(std::string(r.str(h.func)));
        auto& fl = funcs[n];
        if (!fn.empty() && std::find(fl.begin(), fl.end(), fn) == fl.end())
            fl.push_back(fn);
        Agedge_t* e = agedge(g, prev, n, cs("h" + std::to_string(h.index)), 1);
        edges.push_back(e);
        set(e, "label", std::to_string(h.index));
        std::string tip = "#" + std::to_string(h.index) + " " + fn;
        if (h.line)
            tip += " " + lit(std::string(r.file_of(h))) + ":" + std::to_string(h.line.v);
        set(e, "tooltip", tip);
        if (h.rule)
            set(e, "label", std::to_string(h.index) + " " +
                                lit(rule_text(r, h)));
        if (h.drop) {
            dropped.insert(n);
            Agnode_t* d = agnode(g, cs("drop" + std::to_string(h.index)), 1);
            set(d, "shape", "octagon");
            set(d, "style", "filled");
            set(d, "fillcolor", "#f4b6b6");
            set(d, "label", "dropped: " + lit(std::string(r.str(h.drop))));
            Agedge_t* de = agedge(g, n, d, cs("d" + std::to_string(h.index)), 1);
            set(de, "color", "red");
            set(de, "style", "dashed");
        }
        prev = n;
    }
    for (const auto& [n, fl] : funcs) {
        std::string label = agnameof(n);
        label = label.substr(label.find('_') + 1);
        for (size_t i = 0; i < fl.size() && i < 4; i++)
            label += "\n" + fl[i];
        if (fl.size() > 4)
            label += "\n...";
        set(n, "label", label);
        if (dropped.count(n)) {
            set(n, "color", "red");
            set(n, "penwidth", "2");
        }
    }
    // Hops a check flags (routed twice, loop, ...) get a red edge.
    for (const Finding& f : findings)
        if (f.hop >= 0 && size_t(f.hop) < edges.size() &&
            f.kind != FindingKind::VnetCrossing) {
            set(edges[size_t(f.hop)], "color", "red");
            set(edges[size_t(f.hop)], "fontcolor", "red");
            set(edges[size_t(f.hop)], "penwidth", "2");
        }

    OutFile of(out);
    if (ext == "dot" || ext == "gv") {
        if (agwrite(g, of.get()) != 0)
            throw ToolError(out + ": cannot write the graph");
    } else {
        if (gvLayout(gv.c, g, "dot") != 0)
            throw ToolError(out + ": Graphviz layout failed");
        gv.laid = true;
        if (gvRender(gv.c, g, ext.c_str(), of.get()) != 0)
            throw ToolError(out + ": Graphviz cannot render " + ext);
    }
    of.commit();
    return 0;
}

}  // namespace mbt::tool
