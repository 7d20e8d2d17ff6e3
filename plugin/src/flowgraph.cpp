// The flow graph (flowgraph.hpp).
//
// The sequence analysis API is exported by libwireshark, but its header
// (epan/sequence_analysis.h) is not installed by the wireshark-dev
// packages of Debian 12 (4.0) or trixie (4.4): the declarations below are
// that header's, for the layouts checked in those two libraries (4.0: the
// flags are gboolean, 4.4: bool, and seq_analysis_info_t has an occurrence
// list).  Only fields that precede the layout differences of
// seq_analysis_info_t are read (items), and each item is allocated here
// with this version's size.
#include "flowgraph.hpp"

#include <wireshark.h>
#include <epan/address.h>
#include <epan/address_types.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include <cstring>
#include <string>
#include <vector>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"
#include "packet-mbuftrace.h"
#include "stats.hpp"
#include "verdict.hpp"

extern "C" {
#if MBT_WS_AT_LEAST(4, 4)
typedef bool mbt_sa_bool;
#else
typedef gboolean mbt_sa_bool;
#endif
typedef struct _seq_analysis_item {
    guint32 frame_number;
    address src_addr;
    guint16 port_src;
    address dst_addr;
    guint16 port_dst;
    gchar* frame_label;
    gchar* time_str;
    gchar* comment;
    guint16 conv_num;
    unsigned fg_color;
    unsigned bg_color;
    mbt_sa_bool has_color_filter;
    mbt_sa_bool display;
    guint src_node;
    guint dst_node;
    guint16 line_style;
    int info_type;  // ga_info_type, GA_INFO_TYPE_NONE = 0
    gpointer info_ptr;
#if MBT_WS_AT_LEAST(4, 4)
    void (*free_info_ptr)(void*);
#endif
} seq_analysis_item_t;
typedef struct _seq_analysis_info {
    const char* name;
    mbt_sa_bool any_addr;
    int nconv;
    GQueue* items;
    // (more fields follow; not used here)
} seq_analysis_info_t;
WS_DLL_PUBLIC void register_seq_analysis(const char* name,
                                         const char* ui_name,
                                         const int proto_id,
                                         const char* tap_listener,
                                         guint tap_flags,
                                         tap_packet_cb tap_func);
}

namespace mbtplugin {

namespace {

int at_node = -1;  // address type of a column: "vnet 1 pf"

int node_to_str(const address* a, gchar* buf, int buf_len)
{
    g_strlcpy(buf, static_cast<const char*>(a->data), size_t(buf_len));
    return int(strlen(buf)) + 1;
}

int node_str_len(const address* a)
{
    return a->len;
}

// The column of a hop.
std::string node_of(const mbt::Hop& h)
{
    std::string s = "vnet " + std::to_string(h.vnet ? h.vnet.v : 0) + " ";
    s += h.subsys ? mbt::subsys_name(h.subsys.v) : "?";
    return s;
}

void set_node(address* a, const std::string& s)
{
    // copy_address() duplicates the data; the item owns the copy.
    address tmp;
    set_address(&tmp, at_node, int(s.size() + 1), s.c_str());
    copy_address(a, &tmp);
}

bool finding_on(const std::vector<mbt::Finding>& f, size_t hop,
                mbt::FindingKind* kind)
{
    for (const mbt::Finding& x : f)
        if (x.hop == int(hop) && x.kind != mbt::FindingKind::VnetCrossing) {
            *kind = x.kind;
            return true;
        }
    return false;
}

void push(seq_analysis_info_t* sa, packet_info* pinfo, const std::string& from,
          const std::string& to, const std::string& label,
          const std::string& comment)
{
    seq_analysis_item_t* sai = g_new0(seq_analysis_item_t, 1);
    sai->frame_number = pinfo->num;
    set_node(&sai->src_addr, from);
    set_node(&sai->dst_addr, to);
    sai->frame_label = g_strdup(label.c_str());
    sai->comment = g_strdup(comment.c_str());
    sai->time_str = g_strdup_printf("%.6f", nstime_to_sec(&pinfo->rel_ts));
    sai->line_style = 1;
    sai->display = TRUE;
    g_queue_push_tail(sa->items, sai);
}

// What a run of hops in one column adds to the arrow into it: anomaly
// marks first (the flow graph cuts long labels), then the first function,
// the last rule with its action, a drop.
struct Visit {
    std::string node, marks, func, rule;
    bool drop = false;
};

std::string visit_label(const Visit& v)
{
    std::string l = v.marks;
    l += v.func;
    if (!v.rule.empty())
        l += " " + v.rule;
    if (v.drop)
        l += " DROPPED";
    return l;
}

// One traced packet: an arrow for each change of column (a run of hops in
// one column is one visit).  What happened in the first column is told on
// the first arrow; a path that never leaves its column is one arrow to
// itself.
tap_packet_status flow_packet(void* p, packet_info* pinfo, epan_dissect_t*,
                              const void* data, tap_flags_t)
{
    seq_analysis_info_t* sa = static_cast<seq_analysis_info_t*>(p);
    const TapData* d = static_cast<const TapData*>(data);
    const mbt::Record& r = *d->r;
    if (r.hops.empty())
        return TAP_PACKET_DONT_REDRAW;
    std::string comment = "trace " +
        std::to_string(r.trace_id ? r.trace_id.v : 0);
    if (r.parent_id)
        comment += " (copy of " + std::to_string(r.parent_id.v) + ")";
    std::string v;
    verdict(v, r, *d->f);
    if (!v.empty())
        comment += ": " + v;
    std::vector<Visit> visits;
    for (size_t i = 0; i < r.hops.size(); i++) {
        const mbt::Hop& h = r.hops[i];
        std::string node = node_of(h);
        if (visits.empty() || visits.back().node != node) {
            visits.emplace_back();
            visits.back().node = std::move(node);
            visits.back().func = r.str(h.func).empty()
                                     ? "#" + std::to_string(h.index)
                                     : std::string(r.str(h.func));
        }
        Visit& cur = visits.back();
        mbt::FindingKind k = mbt::FindingKind::Dropped;
        if (finding_on(*d->f, i, &k))
            cur.marks += std::string("[") + mbt::finding_name(k) + "] ";
        if (h.rule) {
            cur.rule.clear();
            rule_text(cur.rule, r, h);
        }
        cur.drop = cur.drop || h.drop;
    }
    if (visits.size() == 1) {
        push(sa, pinfo, visits[0].node, visits[0].node,
             visit_label(visits[0]), comment);
        return TAP_PACKET_REDRAW;
    }
    for (size_t j = 1; j < visits.size(); j++) {
        std::string label = visit_label(visits[j]);
        if (j == 1) {
            const std::string first = visit_label(visits[0]);
            label = first + " \xe2\x86\x92 " + label;  // →
        }
        push(sa, pinfo, visits[j - 1].node, visits[j].node, label, comment);
    }
    return TAP_PACKET_REDRAW;
}

}  // namespace

void flowgraph_register(int proto)
{
    at_node = address_type_dissector_register(
        "AT_MBUFTRACE_NODE", "mbuftrace path column (vnet, subsystem)",
        node_to_str, node_str_len, NULL, NULL, NULL, NULL, NULL);
    register_seq_analysis("mbuftrace", "mbuftrace Packet Path", proto,
                          "mbuftrace", 0, flow_packet);
}

}  // namespace mbtplugin
