// The canonical text dump (SPEC 8) and the one-line path summary.
#include <cstdio>

#include "mbuftrace/decode.hpp"
#include "mbuftrace/analyze.hpp"

namespace mbt {

namespace {

void quote(std::string& o, std::string_view s)
{
    o += '"';
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            o += '\\';
            o += char(ch);
        } else if (ch < 0x20 || ch == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", ch);
            o += b;
        } else
            o += char(ch);
    }
    o += '"';
}

void kv(std::string& o, const char* k, uint64_t v)
{
    o += ' ';
    o += k;
    o += '=';
    o += std::to_string(v);
}

void ks(std::string& o, const char* k, std::string_view v)
{
    o += ' ';
    o += k;
    o += '=';
    quote(o, v);
}

void hop_line(std::string& o, const Record& r, const Hop& h)
{
    o += "hop " + std::to_string(h.index);
    if (h.time_ns)
        kv(o, "t", h.time_ns.v);
    if (h.kind)
        o += std::string(" kind=") + kind_name(h.kind.v);
    if (h.depth)
        kv(o, "depth", h.depth.v);
    if (h.subsys)
        o += " subsys=" + subsys_name(h.subsys.v);
    ks(o, "file", r.file_of(h));
    if (h.line)
        kv(o, "line", h.line.v);
    ks(o, "func", r.str(h.func));
    if (h.vnet)
        kv(o, h.vnet_inherited ? "vnet~" : "vnet", h.vnet.v);
    if (h.cpu)
        kv(o, h.cpu_inherited ? "cpu~" : "cpu", h.cpu.v);
    if (h.ifname) {
        kv(o, "ifindex", h.ifindex.v);
        o += std::string(" dir=") + (h.dir.v ? dir_name(h.dir.v) : "none");
        ks(o, "ifname", r.str(h.ifname));
    }
    if (h.rule) {
        ks(o, "ruleset", r.str(h.ruleset));
        kv(o, "rule", h.rule.v);
        o += " action=" + action_name(h.action.v);
    }
    if (h.msg)
        ks(o, "msg", r.str(h.msg));
    if (h.drop)
        ks(o, "drop", r.str(h.drop));
    if (h.node) {
        ks(o, "node", r.str(h.node));
        ks(o, "hook", r.str(h.hook));
    }
    if (h.copy_id)
        kv(o, "copy", h.copy_id.v);
    if (const Field<mbt_xlate>& x = r.xlate_of(h)) {
        kv(o, "xlate.proto", x.v.xl_proto);
        ks(o, "xlate", xlate_text(x.v));
    }
    if (const Field<Hop::State>& st = r.state_of(h)) {
        kv(o, "state.id", st.v.id);
        kv(o, "state.creator", st.v.creator);
        kv(o, "state.how", st.v.how);
    }
    if (h.has_snap) {
        kv(o, "snap.linktype", h.snap_linktype.v);
        kv(o, "snap.len", h.snap.len);
    }
    if (h.text)
        ks(o, "text", r.str(h.text));
    if (h.arg)
        ks(o, "arg", r.str(h.arg));
    for (const Tlv& t : r.unknown_of(h))
        o += " unknown=" + std::to_string(t.type) + "/" +
             std::to_string(t.value.len);
    o += '\n';
}

}  // namespace

std::string to_text(const Record& r)
{
    std::string o;
    o += std::string("format ") + format_name(r.format);
    if (r.format == Format::V1) {
        if (r.major)
            o += " version " + std::to_string(r.major.v) + "." +
                 std::to_string(r.minor.v);
        if (r.kind)
            o += r.kind.v == MBT_KIND_META ? " kind=meta" : " kind=trace";
        if (r.length)
            kv(o, "length", r.length.v);
        if (r.flags) {
            char b[16];
            std::snprintf(b, sizeof b, " flags=0x%04x", r.flags.v);
            o += b;
        }
    }
    if (r.linktype)
        kv(o, "linktype", r.linktype.v);
    o += '\n';
    if (r.trace_id)
        o += "trace_id=" + std::to_string(r.trace_id.v) + '\n';
    if (r.parent_id)
        o += "parent_id=" + std::to_string(r.parent_id.v) + '\n';
    if (r.packet_id)
        o += "packet_id=" + std::to_string(r.packet_id.v) + '\n';
    if (r.hops_lost)
        o += "lost hops=" + std::to_string(r.hops_lost.v) +
             " alloc_fail=" + std::to_string(r.alloc_fail.v) + '\n';
    const Meta& m = r.meta;
    const auto ms = [&](const char* k, const Field<std::string>& f) {
        if (f) {
            o += k;
            o += '=';
            quote(o, f.v);
            o += '\n';
        }
    };
    ms("kernel_ident", m.kernel_ident);
    ms("kernel_version", m.kernel_version);
    ms("source_rev", m.source_rev);
    ms("hostname", m.hostname);
    if (m.capture_start_ns)
        o += "capture_start=" + std::to_string(m.capture_start_ns.v) + '\n';
    ms("source_url", m.source_url);
    ms("producer", m.producer);
    for (const CatalogueEntry& e : m.tracepoints) {
        o += "tracepoint id=" + std::to_string(e.id) +
             " subsys=" + subsys_name(e.subsys) +
             " flags=" + std::to_string(e.flags);
        ks(o, "file", e.file);
        kv(o, "line", e.line);
        ks(o, "func", e.func);
        o += '\n';
    }
    for (const auto& [id, name] : m.vnet_names) {
        o += "vnet_name id=" + std::to_string(id);
        ks(o, "name", name);
        o += '\n';
    }
    for (const Hop& h : r.hops)
        hop_line(o, r, h);
    for (const Tlv& t : r.unknown)
        o += "unknown tlv=" + std::to_string(t.type) +
             " len=" + std::to_string(t.value.len) + '\n';
    return o;
}

std::string to_text(const DecodeResult& d)
{
    std::string o = to_text(d.rec);
    if (d.error)
        o += "error: " + d.error->message() + '\n';
    return o;
}

std::string path_summary(const Record& r)
{
    std::string o;
    append_path_summary(o, r);
    return o;
}

namespace {

template <class T>
void kn(std::string& o, const char* k, const Num<T>& f)
{
    if (f)
        kv(o, k, uint64_t(f.v));
}

void kn(std::string& o, const char* k, const NumRef& f)
{
    if (f)
        kv(o, k, f.idx);
}

}  // namespace

std::string to_text(const NumResult& d)
{
    const NumRecord& r = d.rec;
    std::string o = "numbers format=";
    o += format_name(r.format);
    kv(o, "at.off", r.at.off);
    kv(o, "at.len", r.at.len);
    kn(o, "major", r.major);
    kn(o, "minor", r.minor);
    kn(o, "kind", r.kind);
    kn(o, "flags", r.flags);
    kn(o, "linktype", r.linktype);
    kn(o, "length", r.length);
    kn(o, "trace_id", r.trace_id);
    kn(o, "parent_id", r.parent_id);
    kn(o, "packet_id", r.packet_id);
    kn(o, "hops_lost", r.hops_lost);
    kn(o, "alloc_fail", r.alloc_fail);
    kv(o, "files", r.files);
    kv(o, "names", r.names);
    kv(o, "ether.off", r.legacy_ether.off);
    kv(o, "ether.len", r.legacy_ether.len);
    kv(o, "consumed", d.consumed);
    o += '\n';
    for (const NumHop& h : r.hops) {
        o += "hop";
        kv(o, "index", h.index);
        kn(o, "subsys", h.subsys);
        kn(o, "file", h.file);
        kn(o, "line", h.line);
        kn(o, "vnet", h.vnet);
        kv(o, "vnet_inherited", h.vnet_inherited);
        kn(o, "ruleset", h.ruleset);
        kn(o, "rule", h.rule);
        kn(o, "action", h.action);
        kn(o, "drop", h.drop);
        kn(o, "copy_id", h.copy_id);
        o += '\n';
    }
    if (d.error)
        o += "error: " + d.error->message() + "\n";
    return o;
}

}  // namespace mbt
