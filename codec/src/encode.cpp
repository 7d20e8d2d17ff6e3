// C++ front end of the C encoder: one encoder for kernel and userland.
#include "mbuftrace/encode.hpp"

#include <stdexcept>

extern "C" {
#include <sys/mbuf_trace_enc.h>
}

namespace mbt {

namespace {

void fill(void* arg, unsigned i, struct mbt_hop_view* hv)
{
    const HopIn& h = static_cast<const std::vector<HopIn>*>(arg)->at(i);
    hv->hv_file = h.file.c_str();
    hv->hv_func = h.func.c_str();
    hv->hv_line = h.line;
    hv->hv_subsys = h.subsys;
    hv->hv_kind = h.kind;
    hv->hv_depth = h.depth;
    hv->hv_time = h.time_ns;
    if (h.vnet) {
        hv->hv_has |= MBT_HV_VNET;
        hv->hv_vnet = *h.vnet;
    }
    if (h.cpu) {
        hv->hv_has |= MBT_HV_CPU;
        hv->hv_cpu = *h.cpu;
    }
    if (h.iface) {
        hv->hv_has |= MBT_HV_IFACE;
        hv->hv_ifindex = h.iface->index;
        hv->hv_dir = h.iface->dir;
        hv->hv_ifname = h.iface->name.c_str();
    }
    if (h.rule) {
        hv->hv_has |= MBT_HV_RULE;
        hv->hv_ruleset = h.rule->ruleset.c_str();
        hv->hv_rule = h.rule->number;
        hv->hv_action = h.rule->action;
    }
    if (h.msg) {
        hv->hv_has |= MBT_HV_MSG;
        hv->hv_msg = h.msg->c_str();
    }
    if (h.drop) {
        hv->hv_has |= MBT_HV_DROP;
        hv->hv_drop = h.drop->c_str();
    }
    if (h.node) {
        hv->hv_has |= MBT_HV_NODE;
        hv->hv_node = h.node->node.c_str();
        hv->hv_hook = h.node->hook.c_str();
    }
    if (h.copy_id) {
        hv->hv_has |= MBT_HV_COPY;
        hv->hv_copy_id = *h.copy_id;
    }
    if (h.xlate) {
        hv->hv_has |= MBT_HV_XLATE;
        hv->hv_xlate = &*h.xlate;
    }
    if (h.state) {
        hv->hv_has |= MBT_HV_STATE;
        hv->hv_state_id = h.state->id;
        hv->hv_state_creator = h.state->creator;
        hv->hv_state_how = h.state->how;
    }
    if (h.snap) {
        hv->hv_has |= MBT_HV_SNAP;
        hv->hv_snap_linktype = h.snap->linktype;
        hv->hv_snap = h.snap->bytes.data();
        hv->hv_snaplen = uint32_t(h.snap->bytes.size());
    }
}

void check_strings(const std::vector<HopIn>& hops)
{
    const auto nul = [](const std::string& s) {
        return s.find('\0') != std::string::npos;
    };
    for (size_t i = 0; i < hops.size(); i++) {
        const HopIn& h = hops[i];
        const std::string where = "hop[" + std::to_string(i) + "]";
        if (h.kind > MBT_HK_LEAVE)
            throw std::invalid_argument(where + ".kind: must be 0..2");
        if (h.depth > MBT_HOP_DEPTH_MAX)
            throw std::invalid_argument(where + ".depth: exceeds 63");
        if (nul(h.file) || nul(h.func) || (h.msg && nul(*h.msg)) ||
            (h.drop && nul(*h.drop)) || (h.iface && nul(h.iface->name)) ||
            (h.rule && nul(h.rule->ruleset)) ||
            (h.node && (nul(h.node->node) || nul(h.node->hook))))
            throw std::invalid_argument(where +
                                        ": strings may not contain NUL");
        const auto bad_ver = [](uint8_t v) {
            return v != MBT_XLATE_IPV4 && v != MBT_XLATE_IPV6;
        };
        if (h.xlate && (bad_ver(h.xlate->xl_before.xs_ver) ||
                        bad_ver(h.xlate->xl_after.xs_ver)))
            throw std::invalid_argument(where +
                                        ".xlate: IP version must be 4 or 6");
        if (h.snap && h.snap->bytes.size() > MBT_MAX_RECORD_LEN)
            throw std::invalid_argument(where + ".snapshot: too large");
    }
}

}  // namespace

std::vector<uint8_t> encode(const RecordIn& r)
{
    check_strings(r.hops);
    struct mbt_record_view rv = {};
    rv.rv_trace_id = r.trace_id;
    if (r.parent_id) {
        rv.rv_has |= MBT_RV_PARENT;
        rv.rv_parent_id = *r.parent_id;
    }
    if (r.packet_id) {
        rv.rv_has |= MBT_RV_PACKET_ID;
        rv.rv_packet_id = *r.packet_id;
    }
    rv.rv_flags = r.flags;
    rv.rv_linktype = r.linktype;
    rv.rv_hops_lost = r.hops_lost;
    rv.rv_alloc_fail = r.alloc_fail;

    std::vector<const char*> strs(r.hops.size() * MBT_HOP_MAX_STRINGS + 1);
    std::vector<uint8_t> out(256 + 64 * r.hops.size());
    void* arg = const_cast<std::vector<HopIn>*>(&r.hops);
    for (;;) {
        size_t len = 0;
        const int err = mbt_encode_trace(&rv, fill, arg, unsigned(r.hops.size()),
                                         strs.data(), unsigned(strs.size()),
                                         out.data(), out.size(), &len);
        if (err == MBT_ENC_OK) {
            out.resize(len);
            return out;
        }
        if (err != MBT_ENC_ENOSPC)
            throw std::invalid_argument(
                err == MBT_ENC_EINVAL ? "record: a value does not fit v1"
                                      : "record: string table overflow");
        out.resize(len);
    }
}

RecordIn to_input(const Record& r, const uint8_t* data)
{
    RecordIn in;
    in.trace_id = r.trace_id ? r.trace_id.v : 0;
    if (r.parent_id)
        in.parent_id = r.parent_id.v;
    if (r.packet_id)
        in.packet_id = r.packet_id.v;
    in.flags = r.format == Format::V1 && r.flags ? r.flags.v : 0;
    in.linktype = r.linktype ? r.linktype.v : uint16_t(MBT_LINKTYPE_NONE);
    in.hops_lost = r.hops_lost ? r.hops_lost.v : 0;
    in.alloc_fail = r.alloc_fail ? r.alloc_fail.v : 0;
    for (const Hop& h : r.hops) {
        HopIn o;
        o.file = r.file_of(h);
        o.func = r.str(h.func);
        o.line = h.line ? h.line.v : 0;
        o.subsys = h.subsys ? h.subsys.v : uint8_t(MBT_SS_UNKNOWN);
        o.kind = h.kind ? h.kind.v : uint8_t(MBT_HK_POINT);
        o.depth = h.depth ? h.depth.v : 0;
        o.time_ns = h.time_ns ? h.time_ns.v : 0;
        if (h.vnet && !h.vnet_inherited)
            o.vnet = h.vnet.v;
        if (h.cpu && !h.cpu_inherited)
            o.cpu = h.cpu.v;
        if (h.ifname)
            o.iface = HopIn::Iface{h.ifindex.v, h.dir.v, std::string(r.str(h.ifname))};
        if (h.rule)
            o.rule = HopIn::Rule{std::string(r.str(h.ruleset)), h.rule.v, h.action.v};
        if (h.msg)
            o.msg = r.str(h.msg);
        if (h.drop)
            o.drop = r.str(h.drop);
        if (h.node)
            o.node = HopIn::Node{std::string(r.str(h.node)), std::string(r.str(h.hook))};
        if (h.copy_id)
            o.copy_id = h.copy_id.v;
        if (const Field<mbt_xlate>& x = r.xlate_of(h))
            o.xlate = x.v;
        if (const Field<Hop::State>& st = r.state_of(h))
            o.state = st.v;
        if (h.has_snap)
            o.snap = HopIn::Snap{
                h.snap_linktype.v,
                std::vector<uint8_t>(data + h.snap.off,
                                     data + h.snap.off + h.snap.len)};
        // Legacy: keep what file/line/func cannot hold.
        if (h.arg)
            o.msg = r.str(h.arg);
        else if (h.text && !h.line)
            o.msg = r.str(h.text);
        in.hops.push_back(std::move(o));
    }
    return in;
}

std::vector<uint8_t> encode_meta(const Meta& m)
{
    std::vector<uint8_t> out(512);
    for (;;) {
        struct mbt_encoder e;
        mbt_enc_init(&e, out.data(), out.size());
        mbt_enc_header(&e, MBT_KIND_META, 0, MBT_LINKTYPE_NONE);
        const auto str = [&](uint8_t t, const Field<std::string>& f) {
            if (f)
                mbt_enc_tlv_bytes(&e, t, f.v.data(), f.v.size());
        };
        str(MBT_M_KERNEL_IDENT, m.kernel_ident);
        str(MBT_M_KERNEL_VERSION, m.kernel_version);
        str(MBT_M_SOURCE_REV, m.source_rev);
        str(MBT_M_HOSTNAME, m.hostname);
        if (m.capture_start_ns)
            mbt_enc_tlv_varint(&e, MBT_M_CAPTURE_START, m.capture_start_ns.v);
        str(MBT_M_SOURCE_URL, m.source_url);
        str(MBT_M_PRODUCER, m.producer);
        for (const CatalogueEntry& c : m.tracepoints) {
            const size_t mark = mbt_enc_tlv_begin(&e, MBT_M_TRACEPOINT);
            mbt_enc_varint(&e, c.id);
            mbt_enc_u8(&e, c.subsys);
            mbt_enc_u8(&e, c.flags);
            mbt_enc_varint(&e, c.line);
            mbt_enc_varint(&e, c.file.size());
            mbt_enc_bytes(&e, c.file.data(), c.file.size());
            mbt_enc_varint(&e, c.func.size());
            mbt_enc_bytes(&e, c.func.data(), c.func.size());
            mbt_enc_tlv_end(&e, mark);
        }
        for (const auto& [id, name] : m.vnet_names) {
            const size_t mark = mbt_enc_tlv_begin(&e, MBT_M_VNET_NAME);
            mbt_enc_varint(&e, id);
            mbt_enc_bytes(&e, name.data(), name.size());
            mbt_enc_tlv_end(&e, mark);
        }
        size_t len = 0;
        const int err = mbt_enc_finish(&e, &len);
        if (err == MBT_ENC_OK) {
            out.resize(len);
            return out;
        }
        if (err != MBT_ENC_ENOSPC)
            throw std::invalid_argument("metadata record too large");
        out.resize(len);
    }
}

}  // namespace mbt
