// mbuftrace dissector: turns trace records into the "Packet Path" tree.
//
// Carriers: the pcapng EPB custom option (2989/19373, PEN MBT_PEN; one
// record per EPB, SPEC 5.2: more get an expert error), the metadata record
// in frame 1 (an EPB without bytes), the pcapng Custom Block with capture
// metadata (older files), and the BPF tap payload on a LINKTYPE_USERn (v1
// or the two legacy prototype layouts).  All decoding is
// done by the shared codec (mbtcodec); this file only builds trees, fields
// and expert info from its results and byte offsets.
//
// Wireshark reports errors by longjmp; nothing that owns heap memory lives
// on the stack of a function that calls into epan.  Decoded state is kept
// in file-scope objects that are reused frame after frame.
#include <wireshark.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/prefs.h>
#include <epan/expert.h>
#include <epan/exceptions.h>
extern "C" {  // this header has no C++ guard
#include <epan/show_exception.h>
}
#include <epan/column-utils.h>
#include <epan/tap.h>
#include <epan/proto_data.h>
#include <wiretap/wtap.h>
#include <wiretap/pcap-encap.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"
#include "packet-mbuftrace.h"
#include "flowgraph.hpp"
#include "links.hpp"
#include "stats.hpp"
#include "verdict.hpp"

#if MBT_WS_AT_LEAST(4, 4)
typedef bool mbt_foreach_ret;
#else
typedef gboolean mbt_foreach_ret;
#endif

namespace {

int proto_mbt = -1;

// Record
int hf_record = -1, hf_format = -1, hf_carrier = -1, hf_magic = -1,
    hf_version = -1, hf_version_minor = -1, hf_rkind = -1, hf_flags = -1,
    hf_flag_lost = -1, hf_flag_alloc = -1, hf_flag_freed = -1,
    hf_flag_copy = -1, hf_linktype = -1, hf_length = -1, hf_trace_id = -1,
    hf_parent_id = -1, hf_packet_id = -1, hf_hops_lost = -1,
    hf_alloc_fail = -1, hf_hops = -1, hf_path = -1, hf_truncated = -1,
    hf_error = -1, hf_file_entry = -1, hf_name_entry = -1,
    hf_unknown_tlv = -1;
// Hop
int hf_hop = -1, hf_hop_kind = -1, hf_hop_depth = -1, hf_hop_subsys = -1,
    hf_hop_file = -1, hf_hop_line = -1, hf_hop_func = -1,
    hf_hop_location = -1, hf_hop_url = -1, hf_hop_ts = -1, hf_hop_vnet = -1,
    hf_hop_cpu = -1, hf_hop_ifindex = -1, hf_hop_dir = -1,
    hf_hop_ifname = -1, hf_hop_ruleset = -1, hf_hop_rule = -1,
    hf_hop_action = -1, hf_hop_msg = -1, hf_hop_drop = -1, hf_hop_node = -1,
    hf_hop_hook = -1, hf_hop_copy = -1, hf_hop_snap_lt = -1,
    hf_hop_snap = -1, hf_hop_text = -1, hf_hop_arg = -1,
    hf_hop_unknown = -1;
// Hop: a translation (XLATE) and a firewall state (STATE), SPEC 4.4
int hf_hop_xlate = -1, hf_hop_xlate_proto = -1, hf_hop_xb_src = -1,
    hf_hop_xb_dst = -1, hf_hop_xb_src6 = -1, hf_hop_xb_dst6 = -1,
    hf_hop_xb_sport = -1, hf_hop_xb_dport = -1, hf_hop_xa_src = -1,
    hf_hop_xa_dst = -1, hf_hop_xa_src6 = -1, hf_hop_xa_dst6 = -1,
    hf_hop_xa_sport = -1, hf_hop_xa_dport = -1, hf_hop_state = -1,
    hf_hop_state_creator = -1, hf_hop_state_how = -1;
// Capture metadata
int hf_meta = -1, hf_meta_ident = -1, hf_meta_kversion = -1,
    hf_meta_rev = -1, hf_meta_host = -1, hf_meta_start = -1,
    hf_meta_url = -1, hf_meta_producer = -1, hf_meta_tp = -1,
    hf_meta_vnet_name = -1;

int ett_mbt = -1, ett_header = -1, ett_flags = -1, ett_strings = -1,
    ett_hops = -1, ett_hop = -1, ett_meta = -1, ett_snap = -1,
    ett_xlate = -1;

expert_field ei_malformed = EI_INIT, ei_unknown_major = EI_INIT,
             ei_hops_lost = EI_INIT, ei_alloc_fail = EI_INIT,
             ei_dropped = EI_INIT, ei_vnet = EI_INIT,
             ei_routed_twice = EI_INIT, ei_loop = EI_INIT,
             ei_extra_records = EI_INIT;

dissector_handle_t post_handle, tap_handle, meta_handle, eth_handle,
    data_handle;
dissector_table_t wtap_encap_table;
int expert_tap_id = -1;

// Whether an expert tap listens (tshark -z expert dissects without a tree).
bool expert_tap_listens()
{
    if (expert_tap_id < 0)  // looked up late: registered after handoffs
        expert_tap_id = find_tap_id("expert");
    return expert_tap_id >= 0 && have_tap_listener(expert_tap_id);
}

// The first pass over a file without a tree or columns: Wireshark opening
// it (its status bar shows the highest expert severity of that pass),
// tshark -2's first pass, or a run with taps only.  The path checks run
// there, so a routed-twice or drop finding is known as soon as the file is
// open.  (Plain tshark fills the columns and shows no expert info.)
bool first_pass_open(packet_info* pinfo, proto_tree* tree)
{
    return !tree && !pinfo->cinfo && pinfo->fd && !pinfo->fd->visited;
}

// The path checks are reported as expert info when someone looks at it:
// the tree is shown, an expert tap listens, or a filter names an expert
// field; and on the first pass without a tree (first_pass_open).
bool findings_wanted(proto_tree* tree)
{
    if (tree && PTREE_DATA(tree)->visible)
        return true;
    if (expert_tap_listens())
        return true;
    if (!tree)
        return false;
    static int ws_expert[4] = {-2, -2, -2, -2};
    static const char* const names[4] = {"_ws.expert", "_ws.expert.message",
                                          "_ws.expert.severity",
                                          "_ws.expert.group"};
    for (int i = 0; i < 4; i++) {
        if (ws_expert[i] == -2)
            ws_expert[i] = proto_registrar_get_id_byname(names[i]);
        if (ws_expert[i] >= 0 && proto_field_is_referenced(tree, ws_expert[i]))
            return true;
    }
    static expert_field* const ours[] = {
        &ei_malformed, &ei_unknown_major, &ei_hops_lost, &ei_alloc_fail,
        &ei_dropped,   &ei_vnet,          &ei_routed_twice, &ei_loop,
        &ei_extra_records};
    for (expert_field* e : ours)
        if (e->hf > 0 && proto_field_is_referenced(tree, e->hf))
            return true;
    return false;
}

// Expert info on item.  With an invisible tree (a display filter) item may
// be a stand-in for a field nobody asked for, so the expert gets an item
// of its own, which a filter on mbuftrace.expert.* or _ws.expert finds.
void add_expert(packet_info* pinfo, proto_tree* tree, proto_item* item,
                expert_field* ei, tvbuff_t* tvb, gint off, gint len,
                const char* text)
{
    if (tree && !PTREE_DATA(tree)->visible)
        proto_tree_add_expert_format(tree, pinfo, ei, tvb, off, len, "%s",
                                     text);
    else
        expert_add_info_format(pinfo, item, ei, "%s", text);
}

// Preferences.
gint pref_user_dlt = 0;  // LINKTYPE_USER0 + n
gint registered_user_dlt = -1;
guint pref_loop_threshold = 8;
const char* pref_url_template = "";

const enum_val_t user_dlt_vals[] = {
    {"user0", "USER0 (147)", 0},   {"user1", "USER1 (148)", 1},
    {"user2", "USER2 (149)", 2},   {"user3", "USER3 (150)", 3},
    {"user4", "USER4 (151)", 4},   {"user5", "USER5 (152)", 5},
    {"user6", "USER6 (153)", 6},   {"user7", "USER7 (154)", 7},
    {"user8", "USER8 (155)", 8},   {"user9", "USER9 (156)", 9},
    {"user10", "USER10 (157)", 10}, {"user11", "USER11 (158)", 11},
    {"user12", "USER12 (159)", 12}, {"user13", "USER13 (160)", 13},
    {"user14", "USER14 (161)", 14}, {"user15", "USER15 (162)", 15},
    {NULL, NULL, -1}};

const value_string hop_kind_vals[] = {
    {MBT_HK_POINT, "point"}, {MBT_HK_ENTER, "enter"},
    {MBT_HK_LEAVE, "leave"}, {0, NULL}};
const value_string rec_kind_vals[] = {
    {MBT_KIND_TRACE, "trace"}, {MBT_KIND_META, "metadata"}, {0, NULL}};

// Registry names, computed once (the codec returns std::string).
char subsys_names[256][24];
char action_names[256][24];

// Per-capture state: what the metadata block said (source links).
struct CaptureMeta {
    bool seen = false;
    std::string rev, ident, url;
    // Jail names of vnet ids (VNET_NAME), shown beside a hop's VNET.
    std::vector<std::pair<uint32_t, std::string>> vnet_names;
} cap_meta;

// Per-frame scratch, reused (see the note at the top).
mbt::DecodeResult cur;
std::vector<mbt::Finding> findings;
std::vector<proto_item*> hop_items;
std::string path_buf;
// The Info column verdict of the record in `cur` (verdict.hpp) after its
// separator, " \u2014 " (kVerdictSep bytes); empty when the columns are
// not being filled or the record has no verdict.
std::string verdict_buf;
const char kVerdictSepText[] = " \xe2\x80\x94 ";
constexpr size_t kVerdictSep = sizeof kVerdictSepText - 1;

void meta_init(void)
{
    cap_meta.seen = false;
    cap_meta.rev.clear();
    cap_meta.ident.clear();
    cap_meta.url.clear();
    cap_meta.vnet_names.clear();
    mbtplugin::links_reset();
}

const char* vnet_name(uint32_t id)
{
    for (const auto& v : cap_meta.vnet_names)
        if (v.first == id)
            return v.second.c_str();
    return nullptr;
}

// Appends to a fixed buffer; truncates silently.  The s()/u() appenders
// avoid printf: hop lines are built for every hop of every frame.
struct Buf {
    char s[768];
    size_t n = 0;
    Buf() { s[0] = 0; }
    void add(const char* fmt, ...) G_GNUC_PRINTF(2, 3)
    {
        if (n >= sizeof s - 1)
            return;
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(s + n, sizeof s - n, fmt, ap);
        va_end(ap);
        if (k > 0)
            n = std::min(sizeof s - 1, n + size_t(k));
    }
    Buf& str(const char* p, size_t k)
    {
        k = std::min(k, sizeof s - 1 - n);
        memcpy(s + n, p, k);
        n += k;
        s[n] = 0;
        return *this;
    }
    Buf& str(const char* p) { return str(p, strlen(p)); }
    Buf& str(std::string_view p) { return str(p.data(), p.size()); }
    Buf& u(uint64_t v)
    {
        char t[24];
        int i = sizeof t;
        do {
            t[--i] = char('0' + v % 10);
            v /= 10;
        } while (v);
        return str(t + i, sizeof t - size_t(i));
    }
};

// Integer formatting: this runs for every hop of every frame.
void add_time(Buf& b, uint64_t ns)
{
    b.str("+");
    if (ns < 1000) {
        b.u(ns).str(" ns");
        return;
    }
    // One decimal, rounded: 4890 ns -> "4.9 µs".
    uint64_t unit = 1000;
    const char* name = " \xc2\xb5s";
    if (ns >= 999950000) {
        unit = 1000000000;
        name = " s";
    } else if (ns >= 999950) {
        unit = 1000000;
        name = " ms";
    }
    const uint64_t tenths = (ns + unit / 20) / (unit / 10);
    b.u(tenths / 10).str(".").u(tenths % 10).str(name);
}

// Strips the legacy "/usr/src/" prefix so links and locations match v1.
const char* rel_file(const char* p)
{
    if (strncmp(p, "/usr/src/", 9) == 0)
        return p + 9;
    return p;
}

// {file} {line} {func} {rev} substituted into the link template.
void build_url(Buf& b, const char* tmpl, const char* file, uint32_t line,
               const char* func)
{
    for (const char* p = tmpl; *p && b.n < sizeof b.s - 1;) {
        const char* e = *p == '{' ? strchr(p, '}') : NULL;
        if (e) {
            const size_t k = size_t(e - p - 1);
            if (k == 4 && strncmp(p + 1, "file", 4) == 0)
                b.str(file);
            else if (k == 4 && strncmp(p + 1, "line", 4) == 0)
                b.u(line);
            else if (k == 4 && strncmp(p + 1, "func", 4) == 0)
                b.str(func);
            else if (k == 3 && strncmp(p + 1, "rev", 3) == 0)
                b.str(cap_meta.rev.empty() ? "HEAD" : cap_meta.rev.c_str());
            else
                b.str(p, size_t(e - p + 1));
            p = e + 1;
            continue;
        }
        const char* q = p;
        while (*q && *q != '{')
            q++;
        b.str(p, size_t(q - p));
        p = q;
    }
}

const char* url_template()
{
    if (pref_url_template && *pref_url_template)
        return pref_url_template;
    if (!cap_meta.url.empty())
        return cap_meta.url.c_str();
    return "file:///usr/src/{file}";
}

// The span clamped to the tvb, so a decoder offset can never throw.
struct Sp {
    gint off, len;
};
inline Sp clamp(const mbt::Span& s, guint tvblen)
{
    if (s.off > tvblen)
        return {gint(tvblen), 0};
    guint len = s.len;
    if (len > tvblen - s.off)
        len = tvblen - s.off;
    return {gint(s.off), gint(len)};
}

#define SP(span) clamp((span), tvblen).off, clamp((span), tvblen).len

// Hands packet bytes of pcap link type lt to their dissector.  Exceptions
// from it stay inside (a short Ethernet frame must not hide the path).
void dissect_link(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree,
                  uint16_t lt)
{
    int encap = wtap_pcap_encap_to_wtap_encap(lt);
    // Never back into ourselves: a crafted record nesting records would
    // recurse once per 16 bytes, and `cur` is in use.
    if (encap == WTAP_ENCAP_USER0 + registered_user_dlt)
        encap = WTAP_ENCAP_UNKNOWN;
    volatile bool done = false;
    TRY
    {
        if (encap == WTAP_ENCAP_ETHERNET && eth_handle) {
            call_dissector(eth_handle, tvb, pinfo, tree);
            done = true;
        } else if (encap != WTAP_ENCAP_UNKNOWN && wtap_encap_table) {
            union wtap_pseudo_header ph;
            memset(&ph, 0, sizeof ph);
#if MBT_WS_AT_LEAST(4, 6)
            done = dissector_try_uint_with_data(wtap_encap_table,
                                                guint32(encap), tvb, pinfo,
                                                tree, true, &ph) != 0;
#else
            done = dissector_try_uint_new(wtap_encap_table, guint32(encap),
                                          tvb, pinfo, tree, TRUE, &ph) != 0;
#endif
        }
        if (!done)
            call_dissector(data_handle, tvb, pinfo, tree);
    }
    CATCH_NONFATAL_ERRORS
    {
        show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
}

void add_str(proto_tree* t, int hf, tvbuff_t* tvb, guint tvblen,
             const mbt::Record& r, const mbt::StrRef& ref)
{
    if (ref)
        proto_tree_add_string(t, hf, tvb, SP(ref.at), r.c_str(ref));
}

enum HopF {
    W_KIND, W_DEPTH, W_SUBSYS, W_FILE, W_LINE, W_FUNC, W_LOC, W_URL, W_TS,
    W_VNET, W_CPU, W_IFINDEX, W_DIR, W_IFNAME, W_RULESET, W_RULE, W_ACTION,
    W_MSG, W_DROP, W_NODE, W_HOOK, W_COPY, W_TEXT, W_ARG, W_UNKNOWN,
    W_SNAPLT, W_SNAP, W_HOP, W_XLATE, W_XPROTO, W_XBSRC, W_XBDST, W_XBSRC6,
    W_XBDST6, W_XBSPORT, W_XBDPORT, W_XASRC, W_XADST, W_XASRC6, W_XADST6,
    W_XASPORT, W_XADPORT, W_STATE, W_SCREATOR, W_SHOW, W_COUNT
};
int* const hop_hf[W_COUNT] = {
    &hf_hop_kind, &hf_hop_depth, &hf_hop_subsys, &hf_hop_file, &hf_hop_line,
    &hf_hop_func, &hf_hop_location, &hf_hop_url, &hf_hop_ts, &hf_hop_vnet,
    &hf_hop_cpu, &hf_hop_ifindex, &hf_hop_dir, &hf_hop_ifname,
    &hf_hop_ruleset, &hf_hop_rule, &hf_hop_action, &hf_hop_msg, &hf_hop_drop,
    &hf_hop_node, &hf_hop_hook, &hf_hop_copy, &hf_hop_text, &hf_hop_arg,
    &hf_hop_unknown, &hf_hop_snap_lt, &hf_hop_snap, &hf_hop, &hf_hop_xlate,
    &hf_hop_xlate_proto, &hf_hop_xb_src, &hf_hop_xb_dst, &hf_hop_xb_src6,
    &hf_hop_xb_dst6, &hf_hop_xb_sport, &hf_hop_xb_dport, &hf_hop_xa_src,
    &hf_hop_xa_dst, &hf_hop_xa_src6, &hf_hop_xa_dst6, &hf_hop_xa_sport,
    &hf_hop_xa_dport, &hf_hop_state, &hf_hop_state_creator,
    &hf_hop_state_how};
bool want[W_COUNT];
bool want_any;

// What a frame asks of this dissector, decided once per record before it
// is decoded: build only what a visible or primed tree can show.  The tree
// is visible for packet details (Wireshark's pane, tshark -V, -T pdml, and
// 4.0's -T fields); otherwise it holds only the fields a display filter, a
// custom column or (4.4+) -T fields -e names: those are primed, and a
// primed field marks its protocol referenced too.  Anything else would be
// a faked item, so nothing of ours is made, and strings are parsed only
// when a shown field or the path checks read them.
struct Need {
    bool items;     // an item of ours is visible or primed
    bool findings;  // the path checks run: expert info, stats or verdict
    bool texts;     // the findings' texts are read (expert info, stats)
    bool verdict;   // the Info column's verdict: the findings' kinds only
    bool strings;   // the decoder parses strings: something reads them
} need;

// Fields whose values come from a record's strings (for a legacy record
// also its line and subsystem, parsed from the trace string).
int* const string_hf[] = {
    &hf_path,      &hf_file_entry, &hf_name_entry, &hf_hop_subsys,
    &hf_hop_file,  &hf_hop_line,   &hf_hop_func,   &hf_hop_location,
    &hf_hop_url,   &hf_hop_ifname, &hf_hop_ruleset, &hf_hop_msg,
    &hf_hop_drop,  &hf_hop_node,   &hf_hop_hook,   &hf_hop_text,
    &hf_hop_arg};

void decide_need(proto_tree* tree, packet_info* pinfo)
{
    // The path checks feed expert info (also on the first pass over a
    // file: expert info on open), the Info column's verdict and the
    // statistics.
    const bool experts = findings_wanted(tree) || first_pass_open(pinfo, tree);
    need.texts = experts || mbtplugin::stats_wanted();
    need.verdict = pinfo->cinfo != NULL;
    need.findings = need.texts || need.verdict;
    // A filter on _ws.expert finds the expert items under our tree.
    need.items = tree && (experts ||
                          proto_field_is_referenced(tree, proto_mbt));
    // The verdict reads a v1 record's numbers only (verdict.hpp); a legacy
    // record's tracepoints and subsystems are in its strings, so a legacy
    // verdict asks for them (strings_for()).
    need.strings = need.texts || (need.items && PTREE_DATA(tree)->visible);
    for (int* hf : string_hf)
        need.strings = need.strings ||
                       (need.items && proto_field_is_referenced(tree, *hf));
}


// Whether the decoder parses the strings of a record of this layout.
bool strings_for(bool v1)
{
    return need.strings || (need.verdict && !v1);
}

// Hop index fields of the attributes a hop may lack ("mbuftrace.hop.rule.hop"
// = the hop whose rule this is), so that a -T fields user can line up
// each value with its hop.  Added, hidden, when named by -e or a filter,
// or with a visible tree (tshark 4.0 -T fields builds one and primes
// nothing, so a named field cannot be told from a shown one there).
enum HopIdx {
    I_IFINDEX, I_DIR, I_IFNAME, I_RULESET, I_RULE, I_ACTION, I_MSG, I_DROP,
    I_NODE, I_HOOK, I_COPY, I_SNAP, I_COUNT
};
int hf_idx[I_COUNT] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
bool want_idx[I_COUNT];
bool want_idx_any;

// Whether hf was named by -e or a filter (not merely shown: a visible tree
// references every field).  A filter's fields are in interesting_hfids;
// tshark 4.4's and 4.6's -T fields prime their -e fields for printing
// instead (ref_type HF_REF_TYPE_PRINT, after HF_REF_TYPE_DIRECT; 4.0 has
// no such value), without entering them there.
bool primed(proto_tree* tree, int hf)
{
    if (!tree || hf <= 0)
        return false;
    const header_field_info* hi = proto_registrar_get_nth(guint(hf));
    if (hi && hi->ref_type >= HF_REF_TYPE_DIRECT)
        return true;
    return PTREE_DATA(tree)->interesting_hfids &&
           g_hash_table_lookup(PTREE_DATA(tree)->interesting_hfids,
                               GINT_TO_POINTER(hf)) != NULL;
}

bool hop_has(const mbt::Hop& h, int k)
{
    switch (k) {
    case I_IFINDEX: return bool(h.ifindex);
    case I_DIR: return h.dir && h.dir.v != MBT_DIR_NONE;
    case I_IFNAME: return bool(h.ifname);
    case I_RULESET: return bool(h.ruleset);
    case I_RULE: return bool(h.rule);
    case I_ACTION: return bool(h.action);
    case I_MSG: return bool(h.msg);
    case I_DROP: return bool(h.drop);
    case I_NODE: return bool(h.node);
    case I_HOOK: return bool(h.hook);
    case I_COPY: return bool(h.copy_id);
    case I_SNAP: return h.has_snap;
    }
    return false;
}

void hop_index_fields(proto_tree* t, tvbuff_t* tvb, const mbt::Hop& h)
{
    for (int k = 0; k < I_COUNT; k++)
        if (want_idx[k] && hop_has(h, k)) {
            proto_item* i = proto_tree_add_uint(t, hf_idx[k], tvb, 0, 0,
                                                h.index);
            proto_item_set_hidden(i);
        }
}

// Which hop fields the tree wants, decided once per record: with an
// invisible tree only the primed ones, so the per-hop loop makes no calls
// for fields nobody asked for.
void decide_wanted(proto_tree* tree)
{
    want_any = false;
    for (int i = 0; i < W_COUNT; i++) {
        want[i] = need.items && proto_field_is_referenced(tree, *hop_hf[i]);
        want_any = want_any || want[i];
    }
    want_idx_any = false;
    const bool visible = tree && PTREE_DATA(tree)->visible;
    for (int k = 0; k < I_COUNT; k++) {
        want_idx[k] = visible || primed(tree, hf_idx[k]);
        want_idx_any = want_idx_any || want_idx[k];
    }
    want_any = want_any || want_idx_any;
}

// One side of a translation: its addresses and ports, typed, so that
// `mbuftrace.hop.xlate.before.src == 10.0.0.0/8` works.
void xlate_side(proto_tree* t, tvbuff_t* tvb, guint off,
                const mbt_xlate_side& s, bool before)
{
    const bool v6 = s.xs_ver == MBT_XLATE_IPV6;
    const guint alen = v6 ? 16 : 4;
    const guint src = off + 1, dst = src + alen, ports = dst + alen;
    const int w = before ? 0 : W_XASRC - W_XBSRC;
    if (v6) {
        ws_in6_addr a;
        if (want[W_XBSRC6 + w]) {
            memcpy(a.bytes, s.xs_src, 16);
            proto_tree_add_ipv6(t, *hop_hf[W_XBSRC6 + w], tvb, src, 16, &a);
        }
        if (want[W_XBDST6 + w]) {
            memcpy(a.bytes, s.xs_dst, 16);
            proto_tree_add_ipv6(t, *hop_hf[W_XBDST6 + w], tvb, dst, 16, &a);
        }
    } else {
        guint32 a;
        if (want[W_XBSRC + w]) {
            memcpy(&a, s.xs_src, 4);
            proto_tree_add_ipv4(t, *hop_hf[W_XBSRC + w], tvb, src, 4, a);
        }
        if (want[W_XBDST + w]) {
            memcpy(&a, s.xs_dst, 4);
            proto_tree_add_ipv4(t, *hop_hf[W_XBDST + w], tvb, dst, 4, a);
        }
    }
    if (want[W_XBSPORT + w])
        proto_tree_add_uint(t, *hop_hf[W_XBSPORT + w], tvb, ports, 2,
                            s.xs_sport);
    if (want[W_XBDPORT + w])
        proto_tree_add_uint(t, *hop_hf[W_XBDPORT + w], tvb, ports + 2, 2,
                            s.xs_dport);
}

void xlate_fields(proto_tree* t, tvbuff_t* tvb, guint tvblen,
                  const mbt::Field<mbt_xlate>& xf)
{
    bool any = false;
    for (int i = W_XLATE; i <= W_XADPORT; i++)
        any = any || want[i];
    if (!any)
        return;
    const mbt_xlate& x = xf.v;
    const std::string text = mbt::xlate_text(x);
    proto_item* xi = proto_tree_add_string(t, hf_hop_xlate, tvb,
                                           SP(xf.at), text.c_str());
    proto_tree* xt = proto_item_add_subtree(xi, ett_xlate);
    const guint off = xf.at.off;
    if (want[W_XPROTO])
        proto_tree_add_uint(xt, hf_hop_xlate_proto, tvb, off, 1, x.xl_proto);
    xlate_side(xt, tvb, off + 1, x.xl_before, true);
    const guint blen = x.xl_before.xs_ver == MBT_XLATE_IPV6 ? 37 : 13;
    xlate_side(xt, tvb, off + 1 + blen, x.xl_after, false);
}

void state_fields(proto_tree* t, tvbuff_t* tvb, guint tvblen,
                  const mbt::Field<mbt::Hop::State>& st)
{
    if (want[W_STATE])
        proto_tree_add_uint64(t, hf_hop_state, tvb, SP(st.at), st.v.id);
    if (want[W_SCREATOR])
        proto_tree_add_uint(t, hf_hop_state_creator, tvb, SP(st.at),
                            st.v.creator);
    if (want[W_SHOW])
        proto_tree_add_string(t, hf_hop_state_how, tvb, SP(st.at),
                              mbt::state_how_name(st.v.how));
}

// Fills the hop's subtree with every decoded field.
void hop_fields(proto_tree* t, tvbuff_t* tvb, guint tvblen,
                const mbt::Record& r, const mbt::Hop& h)
{
    if (h.kind && want[W_KIND])
        proto_tree_add_uint(t, hf_hop_kind, tvb, SP(h.kind.at), h.kind.v);
    if (h.depth && want[W_DEPTH])
        proto_tree_add_uint(t, hf_hop_depth, tvb, SP(h.depth.at), h.depth.v);
    if (h.subsys && want[W_SUBSYS])
        proto_tree_add_string(t, hf_hop_subsys, tvb, SP(h.subsys.at),
                              subsys_names[h.subsys.v]);
    const char* file = h.file ? rel_file(r.file_c_str(h)) : "";
    const char* func = h.func ? r.c_str(h.func) : "";
    if (h.file && want[W_FILE])
        proto_tree_add_string(t, hf_hop_file, tvb, SP(h.file.at), file);
    if (h.line && want[W_LINE])
        proto_tree_add_uint(t, hf_hop_line, tvb, SP(h.line.at), h.line.v);
    if (h.func && want[W_FUNC])
        proto_tree_add_string(t, hf_hop_func, tvb, SP(h.func.at), func);
    if (h.file && want[W_LOC]) {
        // proto_tree_add_string() copies: stack buffers will do.
        Buf b;
        b.str(file);
        if (h.line)
            b.str(":").u(h.line.v);
        proto_item* li = proto_tree_add_string(t, hf_hop_location, tvb,
                                               SP(h.at), b.s);
        proto_item_set_generated(li);
    }
    if (h.file && want[W_URL]) {
        Buf b;
        build_url(b, url_template(), file, h.line.v, func);
        proto_item* ui = proto_tree_add_string(t, hf_hop_url, tvb,
                                               SP(h.file.at), b.s);
        proto_item_set_url(ui);
        proto_item_set_generated(ui);
    }
    if (h.time_ns && want[W_TS])
        proto_tree_add_uint64(t, hf_hop_ts, tvb, SP(h.time_ns.at),
                              h.time_ns.v);
    if (h.vnet && want[W_VNET]) {
        const char* nm = vnet_name(h.vnet.v);
        proto_item* i = nm
            ? proto_tree_add_uint_format_value(t, hf_hop_vnet, tvb,
                                               SP(h.vnet.at), h.vnet.v,
                                               "%u (%s)", h.vnet.v, nm)
            : proto_tree_add_uint(t, hf_hop_vnet, tvb, SP(h.vnet.at),
                                  h.vnet.v);
        if (h.vnet_inherited)
            proto_item_set_generated(i);
    }
    if (h.cpu && want[W_CPU]) {
        proto_item* i = proto_tree_add_uint(t, hf_hop_cpu, tvb, SP(h.cpu.at),
                                            h.cpu.v);
        if (h.cpu_inherited)
            proto_item_set_generated(i);
    }
    if (h.ifindex && want[W_IFINDEX])
        proto_tree_add_uint(t, hf_hop_ifindex, tvb, SP(h.ifindex.at),
                            h.ifindex.v);
    if (h.dir && h.dir.v != MBT_DIR_NONE && want[W_DIR])
        proto_tree_add_string(t, hf_hop_dir, tvb, SP(h.dir.at),
                              mbt::dir_name(h.dir.v));
    if (want[W_IFNAME])
        add_str(t, hf_hop_ifname, tvb, tvblen, r, h.ifname);
    if (want[W_RULESET])
        add_str(t, hf_hop_ruleset, tvb, tvblen, r, h.ruleset);
    if (h.rule && want[W_RULE]) {
        if (mbt::is_pf_default_rule(h))
            proto_tree_add_uint_format_value(t, hf_hop_rule, tvb,
                                             SP(h.rule.at), h.rule.v,
                                             "%u (pf default rule)",
                                             h.rule.v);
        else
            proto_tree_add_uint(t, hf_hop_rule, tvb, SP(h.rule.at),
                                h.rule.v);
    }
    if (h.action && want[W_ACTION])
        proto_tree_add_string(t, hf_hop_action, tvb, SP(h.action.at),
                              action_names[h.action.v]);
    if (want[W_MSG])
        add_str(t, hf_hop_msg, tvb, tvblen, r, h.msg);
    if (want[W_DROP])
        add_str(t, hf_hop_drop, tvb, tvblen, r, h.drop);
    if (want[W_NODE])
        add_str(t, hf_hop_node, tvb, tvblen, r, h.node);
    if (want[W_HOOK])
        add_str(t, hf_hop_hook, tvb, tvblen, r, h.hook);
    if (h.copy_id && want[W_COPY])
        proto_tree_add_uint64(t, hf_hop_copy, tvb, SP(h.copy_id.at),
                              h.copy_id.v);
    if (const mbt::Field<mbt_xlate>& x = r.xlate_of(h))
        xlate_fields(t, tvb, tvblen, x);
    if (const mbt::Field<mbt::Hop::State>& st = r.state_of(h))
        state_fields(t, tvb, tvblen, st);
    if (want[W_TEXT])
        add_str(t, hf_hop_text, tvb, tvblen, r, h.text);
    if (want[W_ARG])
        add_str(t, hf_hop_arg, tvb, tvblen, r, h.arg);
    for (const mbt::Tlv& u : r.unknown_of(h))
        if (want[W_UNKNOWN])
            proto_tree_add_uint(t, hf_hop_unknown, tvb, SP(u.at), u.type);
}

// "#4  +1.2 µs  vnet 1  [pf]  pf_test()  sys/netpfil/pf/pf.c:9091 ..."
void hop_line(Buf& b, const mbt::Record& r, const mbt::Hop& h)
{
    b.str("#").u(h.index).str("  ");
    if (h.time_ns) {
        add_time(b, h.time_ns.v);
        b.str("  ");
    }
    if (h.vnet)
        b.str("vnet ").u(h.vnet.v).str("  ");
    if (h.subsys)
        b.str("[").str(subsys_names[h.subsys.v]).str("]  ");
    if (h.kind && h.kind.v == MBT_HK_ENTER)
        b.str("enter ");
    else if (h.kind && h.kind.v == MBT_HK_LEAVE)
        b.str("leave ");
    if (h.func && !r.str(h.func).empty())
        b.str(r.str(h.func)).str("()  ");
    if (h.file) {
        b.str(rel_file(r.file_c_str(h)));
        if (h.line)
            b.str(":").u(h.line.v);
        b.str("  ");
    }
    if (h.rule && mbt::is_pf_default_rule(h)) {
        b.str("default rule ");
        if (h.action)
            b.str(action_names[h.action.v]);
        b.str("  ");
    } else if (h.rule) {
        b.str("rule ");
        if (h.ruleset && !r.str(h.ruleset).empty())
            b.str(r.str(h.ruleset)).str("/");
        b.u(h.rule.v).str(" ");
        if (h.action)
            b.str(action_names[h.action.v]);
        b.str("  ");
    }
    if (h.dir && h.dir.v != MBT_DIR_NONE)
        b.str(mbt::dir_name(h.dir.v)).str(" ");
    if (h.ifname)
        b.str(r.str(h.ifname)).str("  ");
    if (h.node)
        b.str("ng ").str(r.str(h.node)).str(":")
            .str(h.hook ? r.c_str(h.hook) : "").str("  ");
    if (h.msg)
        b.str("\"").str(r.str(h.msg)).str("\"  ");
    if (h.arg && !r.str(h.arg).empty())
        b.str("(").str(r.str(h.arg)).str(")  ");
    if (h.drop)
        b.str("DROPPED: ").str(r.str(h.drop)).str("  ");
    if (h.copy_id)
        b.str("copy \xe2\x86\x92 trace ").u(h.copy_id.v).str("  ");
    if (const mbt::Field<mbt::Hop::State>& st = r.state_of(h))
        b.add("state %016" PRIx64 " %s  ", st.v.id,
              mbt::state_how_name(st.v.how));
    if (const mbt::Field<mbt_xlate>& x = r.xlate_of(h))
        b.str(mbt::xlate_text(x.v).c_str()).str("  ");
    while (b.n > 0 && b.s[b.n - 1] == ' ')
        b.s[--b.n] = '\0';
}

// "Packet Path: 20 hops, VNET 0 → 1, pf rule 3 pass"
void summary_line(Buf& b, const mbt::Record& r)
{
    b.add("Packet Path: %zu hop%s", r.hops.size(),
          r.hops.size() == 1 ? "" : "s");
    if (r.format != mbt::Format::V1)
        b.add(" (%s)", mbt::format_name(r.format));
    bool first = true;
    uint32_t last = 0;
    bool have = false;
    for (const mbt::Hop& h : r.hops) {
        if (!h.vnet || (have && h.vnet.v == last))
            continue;
        b.add(first ? ", VNET %u" : " \xe2\x86\x92 %u", h.vnet.v);
        first = false;
        have = true;
        last = h.vnet.v;
    }
    for (const mbt::Hop& h : r.hops)
        if (h.rule && mbt::is_pf_default_rule(h)) {
            b.add(", pf default rule %s",
                  h.action ? action_names[h.action.v] : "");
            break;
        } else if (h.rule) {
            b.add(", %s rule %u %s",
                  h.subsys ? subsys_names[h.subsys.v] : "",
                  h.rule.v, h.action ? action_names[h.action.v] : "");
            break;
        }
    for (const mbt::Hop& h : r.hops)
        if (h.drop) {
            b.add(", dropped in %s()", h.func ? r.c_str(h.func) : "?");
            break;
        }
    if (r.hops_lost && r.hops_lost.v)
        b.add(", %u hops lost", r.hops_lost.v);
    if (cur.error)
        b.add(" [malformed]");
}

expert_field* finding_ei(mbt::FindingKind k)
{
    switch (k) {
    case mbt::FindingKind::HopsLost:
        return &ei_hops_lost;
    case mbt::FindingKind::AllocFail:
        return &ei_alloc_fail;
    case mbt::FindingKind::Dropped:
        return &ei_dropped;
    case mbt::FindingKind::VnetCrossing:
        return &ei_vnet;
    case mbt::FindingKind::RoutedTwice:
        return &ei_routed_twice;
    case mbt::FindingKind::Loop:
        return &ei_loop;
    case mbt::FindingKind::UnknownMajor:
        return &ei_unknown_major;
    }
    return &ei_malformed;
}

void meta_fields(proto_tree* t, tvbuff_t* tvb, guint tvblen,
                 packet_info* pinfo, const mbt::Meta& m)
{
    if (m.kernel_ident)
        proto_tree_add_string(t, hf_meta_ident, tvb, SP(m.kernel_ident.at),
                              m.kernel_ident.v.c_str());
    if (m.kernel_version)
        proto_tree_add_string(t, hf_meta_kversion, tvb,
                              SP(m.kernel_version.at),
                              m.kernel_version.v.c_str());
    if (m.source_rev)
        proto_tree_add_string(t, hf_meta_rev, tvb, SP(m.source_rev.at),
                              m.source_rev.v.c_str());
    if (m.hostname)
        proto_tree_add_string(t, hf_meta_host, tvb, SP(m.hostname.at),
                              m.hostname.v.c_str());
    if (m.capture_start_ns) {
        nstime_t ts;
        ts.secs = time_t(m.capture_start_ns.v / 1000000000u);
        ts.nsecs = int(m.capture_start_ns.v % 1000000000u);
        proto_tree_add_time(t, hf_meta_start, tvb,
                            SP(m.capture_start_ns.at), &ts);
    }
    if (m.source_url)
        proto_tree_add_string(t, hf_meta_url, tvb, SP(m.source_url.at),
                              m.source_url.v.c_str());
    if (m.producer)
        proto_tree_add_string(t, hf_meta_producer, tvb, SP(m.producer.at),
                              m.producer.v.c_str());
    for (const mbt::CatalogueEntry& e : m.tracepoints)
        proto_tree_add_string_format_value(
            t, hf_meta_tp, tvb, SP(e.at), e.func.c_str(),
            "#%u [%s] %s() %s:%u%s", e.id, subsys_names[e.subsys],
            e.func.c_str(), e.file.c_str(), e.line,
            (e.flags & MBT_TPF_ENABLED) ? "" : " (disabled)");
    for (const auto& v : m.vnet_names)
        proto_tree_add_string_format_value(t, hf_meta_vnet_name, tvb, 0, 0,
                                           v.second.c_str(), "vnet %u = %s",
                                           v.first, v.second.c_str());
    (void)pinfo;
}

// Remembers the capture metadata for source links of later frames.
void remember_meta(const mbt::Meta& m)
{
    cap_meta.seen = true;
    if (m.source_rev)
        cap_meta.rev = m.source_rev.v;
    if (m.kernel_ident)
        cap_meta.ident = m.kernel_ident.v;
    if (m.source_url)
        cap_meta.url = m.source_url.v;
    if (!m.vnet_names.empty())
        cap_meta.vnet_names = m.vnet_names;
}

// verdict_buf: the separator, then the verdict (or nothing).
template <class R>
void set_verdict(const R& r, unsigned findings)
{
    verdict_buf.assign(kVerdictSepText, kVerdictSep);
    mbtplugin::verdict(verdict_buf, r, findings, kVerdictSep);
    if (verdict_buf.size() == kVerdictSep)
        verdict_buf.clear();
}

// Shows `cur` (decoded from tvb) under ptree, as `need` (decide_need())
// says.  Returns the top item.
proto_item* show_record(tvbuff_t* tvb, packet_info* pinfo, proto_tree* ptree,
                        const char* carrier)
{
    // Our items go under tree: none when nobody sees or primed them.  The
    // packets in hop snapshots still go under ptree, whose fields may be.
    proto_tree* const tree = need.items ? ptree : NULL;
    const mbt::Record& r = cur.rec;
    const guint tvblen = tvb_captured_length(tvb);
    const bool full = tree && PTREE_DATA(tree)->visible;
    const bool is_meta = r.kind && r.kind.v == MBT_KIND_META;
    verdict_buf.clear();

    if (is_meta && cur.ok())
        remember_meta(r.meta);

    guint reclen = r.at.len ? r.at.len : guint(cur.consumed);
    if (reclen == 0 || reclen > tvblen)
        reclen = tvblen;
    proto_item* top = proto_tree_add_item(tree, proto_mbt, tvb, 0, gint(reclen),
                                          ENC_NA);
    proto_tree* mt = proto_item_add_subtree(top, ett_mbt);

    if (full) {
        Buf b;
        if (is_meta) {
            b.add("Capture metadata");
            if (r.meta.kernel_ident)
                b.add(": kernel %s", r.meta.kernel_ident.v.c_str());
            if (r.meta.source_rev)
                b.add(", rev %s", r.meta.source_rev.v.c_str());
            if (r.meta.hostname)
                b.add(", host %s", r.meta.hostname.v.c_str());
        } else {
            summary_line(b, r);
        }
        proto_item_set_text(top, "%s", b.s);
    }

    // Without a tree of ours (the packet list, plain tshark) the items below
    // would be NULL: only what is not an item is done.
    if (!mt)
        goto items_done;
    {
    proto_item* fi = proto_tree_add_string(mt, hf_format, tvb, 0, 0,
                                           mbt::format_name(r.format));
    proto_item_set_generated(fi);
    fi = proto_tree_add_string(mt, hf_carrier, tvb, 0, 0, carrier);
    proto_item_set_generated(fi);

    if (r.format == mbt::Format::V1) {
        proto_tree* ht = mt;
        if (full) {
            proto_item* hi = proto_tree_add_item(mt, hf_record, tvb, 0,
                                                 MIN(gint(tvblen), MBT_HDR_LEN),
                                                 ENC_NA);
            proto_item_set_text(hi, "Record header");
            ht = proto_item_add_subtree(hi, ett_header);
        }
        if (tvblen >= 4)
            proto_tree_add_item(ht, hf_magic, tvb, 0, 4, ENC_NA);
        if (r.major)
            proto_tree_add_uint(ht, hf_version, tvb, SP(r.major.at), r.major.v);
        if (r.minor)
            proto_tree_add_uint(ht, hf_version_minor, tvb, SP(r.minor.at),
                                r.minor.v);
        if (r.kind)
            proto_tree_add_uint(ht, hf_rkind, tvb, SP(r.kind.at), r.kind.v);
        if (r.flags) {
            static int* const flag_bits[] = {&hf_flag_lost, &hf_flag_alloc,
                                             &hf_flag_freed, &hf_flag_copy,
                                             NULL};
            proto_tree_add_bitmask_value(ht, tvb, r.flags.at.off, hf_flags,
                                         ett_flags, flag_bits, r.flags.v);
        }
        if (r.linktype)
            proto_tree_add_uint(ht, hf_linktype, tvb, SP(r.linktype.at),
                                r.linktype.v);
        if (r.length)
            proto_tree_add_uint(ht, hf_length, tvb, SP(r.length.at),
                                r.length.v);
    }
    if (r.trace_id)
        proto_tree_add_uint64(mt, hf_trace_id, tvb, SP(r.trace_id.at),
                              r.trace_id.v);
    if (r.parent_id)
        proto_tree_add_uint64(mt, hf_parent_id, tvb, SP(r.parent_id.at),
                              r.parent_id.v);
    if (r.packet_id)
        proto_tree_add_uint64(mt, hf_packet_id, tvb, SP(r.packet_id.at),
                              r.packet_id.v);
    if (!is_meta)
        mbtplugin::links_show(mt, tvb, pinfo, r);
    if (r.hops_lost)
        proto_tree_add_uint(mt, hf_hops_lost, tvb, SP(r.hops_lost.at),
                            r.hops_lost.v);
    if (r.alloc_fail)
        proto_tree_add_uint(mt, hf_alloc_fail, tvb, SP(r.alloc_fail.at),
                            r.alloc_fail.v);
    for (const mbt::Tlv& u : r.unknown)
        proto_tree_add_uint(mt, hf_unknown_tlv, tvb, SP(u.at), u.type);
    }
items_done:
    if (!is_meta)
        mbtplugin::links_note(pinfo, r);

    proto_item* err_item = NULL;
    if (cur.error) {
        const mbt::Error& e = *cur.error;
        // Anything after the failing field is not trusted.
        proto_item* ti = proto_tree_add_boolean(mt, hf_truncated, tvb, 0, 0,
                                                TRUE);
        proto_item_set_generated(ti);
        gint eo = gint(MIN(e.offset, tvblen));
        err_item = proto_tree_add_string(mt, hf_error, tvb, eo,
                                         eo < gint(tvblen) ? 1 : 0,
                                         e.message().c_str());
        const bool major = r.major && r.major.v != MBT_VERSION_MAJOR;
        char* msg = wmem_strdup_printf(
            pinfo->pool, major ? "Unknown major version: %s%s"
                               : "Malformed trace record (%s): %s",
            major ? "" : carrier, e.message().c_str());
        add_expert(pinfo, mt, err_item,
                   major ? &ei_unknown_major : &ei_malformed, tvb, eo,
                   eo < gint(tvblen) ? 1 : 0, msg);
    }

    if (is_meta) {
        meta_fields(mt, tvb, tvblen, pinfo, r.meta);
        return top;
    }

    proto_item* hi = mt ? proto_tree_add_uint(mt, hf_hops, tvb, 0, 0,
                                              guint32(r.hops.size()))
                        : NULL;
    proto_item_set_generated(hi);
    if (mt && !r.hops.empty() &&
        (full || proto_field_is_referenced(tree, hf_path))) {
        path_buf = mbt::path_summary(r);
        hi = proto_tree_add_string(mt, hf_path, tvb, 0, 0, path_buf.c_str());
        proto_item_set_generated(hi);
    }

    // The string tables are encoding detail (every hop shows its strings):
    // they are shown when the record is malformed and the bytes matter.
    // A legacy record has none: the decoder builds them from its strings.
    if (full && r.format == mbt::Format::V1 && cur.error) {
        if (!r.files.empty() || !r.names.empty()) {
            proto_item* si = proto_tree_add_item(mt, hf_record, tvb, 0, 0,
                                                 ENC_NA);
            proto_item_set_text(si, "String tables: %zu files, %zu names",
                                r.files.size(), r.names.size());
            proto_tree* st = proto_item_add_subtree(si, ett_strings);
            for (const mbt::StrEntry& e : r.files)
                proto_tree_add_string(st, hf_file_entry, tvb, SP(e.at),
                                      r.text(e).data());
            for (const mbt::StrEntry& e : r.names)
                proto_tree_add_string(st, hf_name_entry, tvb, SP(e.at),
                                      r.text(e).data());
        }
    }

    // Hops in time order, all at one level (a flat loop over hops in JSON
    // sees every hop); the line of a hop inside enter/leave is indented.
    hop_items.assign(r.hops.size(), NULL);
    if (tree) {
        decide_wanted(tree);
    } else {
        std::fill(std::begin(want), std::end(want), false);
        std::fill(std::begin(want_idx), std::end(want_idx), false);
        want_any = want_idx_any = false;
    }
    // Snapshots are dissected even when no hop field is wanted: the
    // packet inside them may be.
    bool any_snap = false;
    for (const mbt::Hop& h : r.hops)
        any_snap = any_snap || h.has_snap;
    if ((tree && want_any) || any_snap) {
        int level = 0;  // enter/leave nesting
        for (size_t i = 0; i < r.hops.size(); i++) {
            const mbt::Hop& h = r.hops[i];
            const bool enter = h.kind && h.kind.v == MBT_HK_ENTER;
            if (h.kind && h.kind.v == MBT_HK_LEAVE && level > 0)
                level--;
            proto_item* it = proto_tree_add_uint(mt, hf_hop, tvb, SP(h.at),
                                                 h.index);
            if (full) {
                Buf b;
                for (int k = 0; k < level; k++)
                    b.str("    ");
                hop_line(b, r, h);
                proto_item_set_text(it, "%s", b.s);
            }
            if (enter && level < MBT_HOP_DEPTH_MAX)
                level++;
            hop_items[i] = it;
            proto_tree* ht = proto_item_add_subtree(it, ett_hop);
            hop_fields(ht, tvb, tvblen, r, h);
            if (want_idx_any)
                hop_index_fields(ht, tvb, h);
            if (h.has_snap) {
                if (h.snap_linktype && want[W_SNAPLT])
                    proto_tree_add_uint(ht, hf_hop_snap_lt, tvb,
                                        SP(h.snap_linktype.at),
                                        h.snap_linktype.v);
                proto_item* si = proto_tree_add_item(ht, hf_hop_snap, tvb,
                                                     SP(h.snap), ENC_NA);
                if (!si)
                    si = ht ? ht : ptree;
                Sp s = clamp(h.snap, tvblen);
                if (s.len > 0) {
                    // The snapshot is a copy of the frame's packet, shown
                    // as Wireshark shows a packet quoted in an ICMP error:
                    // it leaves the columns, the addresses and the
                    // dissectors' analysis of the frame (TCP sequence
                    // analysis, ICMP request/reply) as they were.
                    tvbuff_t* st = tvb_new_subset_length(tvb, s.off, s.len);
                    const bool quoted = pinfo->flags.in_error_pkt;
                    pinfo->flags.in_error_pkt = TRUE;
                    dissect_link(st, pinfo, proto_item_add_subtree(si, ett_snap),
                                 h.snap_linktype ? h.snap_linktype.v : 1);
                    pinfo->flags.in_error_pkt = quoted;
                }
            }
        }

    }

    // Path checks shared with `mbuftrace show`: expert info, and the
    // verdict for the Info column when the columns are filled, and the
    // statistics (need.findings covers all three; decide_need()).
    if (!need.findings)
        return top;
    mbt::AnalyzeOptions ao;
    ao.loop_threshold = pref_loop_threshold;
    if (!need.texts) {
        // The Info column only (plain tshark, the packet list): the kinds
        // found make the verdict, no finding's text is made.
        set_verdict(r, mbt::finding_mask(r, ao));
        return top;
    }
    const bool experts = findings_wanted(tree) || first_pass_open(pinfo, tree);
    const bool stats = mbtplugin::stats_wanted();
    mbt::analyze(r, ao, findings);
    if (need.verdict)
        set_verdict(r, mbt::finding_mask(findings));
    if (stats)
        mbtplugin::stats_queue(pinfo, r, findings);
    if (!experts)
        return top;
    for (const mbt::Finding& f : findings) {
        if (f.kind == mbt::FindingKind::UnknownMajor && cur.error)
            continue;  // already reported with the error
        const bool on_hop = f.hop >= 0 && size_t(f.hop) < hop_items.size();
        proto_item* at = on_hop && hop_items[size_t(f.hop)]
                             ? hop_items[size_t(f.hop)] : top;
        Sp sp = on_hop ? clamp(r.hops[size_t(f.hop)].at, tvblen) : Sp{0, 0};
        add_expert(pinfo, mt, at, finding_ei(f.kind), tvb, sp.off, sp.len,
                   f.text.c_str());
    }
    return top;
}

// EPB custom option walk: our PEN only.  SPEC 5.2: one record per EPB; the
// first is shown, the others are counted and reported.
struct OptHit {
    const guint8* data;
    gsize len;
    int n;
};

mbt_foreach_ret find_opt(wtap_block_t, guint option_id, wtap_opttype_e type,
                         wtap_optval_t* v, void* ud)
{
    OptHit* hit = static_cast<OptHit*>(ud);
    // A record is a binary custom option with our PEN (SPEC 5).
    if (option_id != MBT_PCAPNG_OPT_CUSTOM_BIN &&
        option_id != MBT_PCAPNG_OPT_CUSTOM_BIN_NOCOPY)
        return TRUE;
#if MBT_WS_AT_LEAST(4, 6)
    // 4.6 splits custom options into string and binary ones.
    if (type != WTAP_OPTTYPE_CUSTOM_BINARY ||
        v->custom_binaryval.pen != MBT_PEN)
        return TRUE;
    if (hit->n == 0) {
        hit->data =
            static_cast<const guint8*>(v->custom_binaryval.data.custom_data);
        hit->len = v->custom_binaryval.data.custom_data_len;
    }
#else
    if (type != WTAP_OPTTYPE_CUSTOM || v->custom_opt.pen != MBT_PEN)
        return TRUE;
    if (hit->n == 0) {
        hit->data = reinterpret_cast<const guint8*>(
            v->custom_opt.data.generic_data.custom_data);
        hit->len = v->custom_opt.data.generic_data.custom_data_len;
    }
#endif
    hit->n++;
    return TRUE;
}

// The option is not in the frame's bytes: a data source of its own (the
// hex pane, tshark -x), copied to the packet pool so it outlives the
// wiretap buffer.
tvbuff_t* record_source(tvbuff_t* parent, packet_info* pinfo,
                        const guint8* data, gsize len)
{
    guint8* copy = static_cast<guint8*>(wmem_memdup(pinfo->pool, data, len));
    tvbuff_t* rt = tvb_new_child_real_data(parent, copy, guint(len), gint(len));
    add_new_data_source(pinfo, rt, "Trace record");
    return rt;
}

int dissect_meta_block(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree,
                       void*)
{
    const guint len = tvb_captured_length(tvb);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "mbuftrace");
    decide_need(tree, pinfo);
    mbt::decode_record(tvb_get_ptr(tvb, 0, gint(len)), len, cur);
    show_record(tvb, pinfo, tree, "custom-block");
    if (cur.ok() && cur.rec.kind && cur.rec.kind.v == MBT_KIND_META) {
        const mbt::Meta& m = cur.rec.meta;
        col_add_fstr(pinfo->cinfo, COL_INFO, "Capture metadata: kernel %s, rev %s",
                     m.kernel_ident ? m.kernel_ident.v.c_str() : "?",
                     m.source_rev ? m.source_rev.v.c_str() : "?");
    } else {
        col_set_str(pinfo->cinfo, COL_INFO, "Malformed mbuftrace custom block");
    }
    return int(len);
}

// The verdict after the packet's own Info: "Echo (ping) request ...
// \u2014 [routed twice] vnet 1\u21922, pf default rule dup-to".
void append_verdict(packet_info* pinfo)
{
    if (verdict_buf.empty())
        return;
    // verdict_buf has the separator in front (set_verdict()): one append
    // instead of col_append_sep_str()'s two, each a walk along the
    // column's text.
    const char* info = col_get_text(pinfo->cinfo, COL_INFO);
    col_append_str(pinfo->cinfo, COL_INFO,
                   verdict_buf.c_str() + (info && *info ? 0 : kVerdictSep));
}

// The packet list's short way (plain tshark, the GUI's list): when only
// the Info column's verdict is wanted of a v1 trace record, only its
// numbers are decoded (mbt::decode_numbers(), a third of a full decode's
// instructions).  False, having shown nothing, when the record needs the
// full way: a tree or texts are wanted, it is legacy, metadata or broken.
mbt::NumResult nums;

bool info_only(const guint8* data, size_t len, packet_info* pinfo)
{
    if (need.items || need.texts || !need.verdict ||
        !mbt::has_v1_magic(data, len))
        return false;
    mbt::decode_numbers(data, len, nums);
    const mbt::NumRecord& r = nums.rec;
    if (!nums.ok() || !r.kind || r.kind.v != MBT_KIND_TRACE)
        return false;
    mbtplugin::links_note(pinfo, r);
    mbt::AnalyzeOptions ao;
    ao.loop_threshold = pref_loop_threshold;
    set_verdict(r, mbt::finding_mask(r, ao));
    return true;
}

// The frame's EPB option records, shown under tree.  no_bytes: the packet
// was consumed without a snapshot, so the record is all there is and names
// the frame in the columns.  Returns the number of records.
int dissect_epb_records(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree,
                        bool no_bytes)
{
    OptHit hit;
    hit.n = 0;
    hit.data = NULL;
    hit.len = 0;
    wtap_block_foreach_option(pinfo->rec->block, find_opt, &hit);
    if (hit.n == 0)
        return 0;
    if (!no_bytes && hit.n > 1)
        col_append_str(pinfo->cinfo, COL_INFO, " [extra mbuftrace records]");
    // The record's bytes are a data source of their own where they can be
    // seen: under a tree (the byte view, a hex dump).  The packet list
    // without a tree (plain tshark) shows none, and skips the copy.
    tvbuff_t* rt = tree ? record_source(tvb, pinfo, hit.data, hit.len) : NULL;
    // A tree with nothing of ours in it (a filter or -T fields -e on other
    // fields, a hex dump): the record's bytes only.
    if (!no_bytes && !need.items && !need.findings)
        return hit.n;
    if (hit.n == 1 && info_only(hit.data, hit.len, pinfo)) {
        if (no_bytes) {
            col_set_str(pinfo->cinfo, COL_PROTOCOL, "mbuftrace");
            col_add_fstr(pinfo->cinfo, COL_INFO, "Packet Path: %zu hops",
                         nums.rec.hops.size());
        }
        append_verdict(pinfo);
        return hit.n;
    }
    if (!rt)
        rt = record_source(tvb, pinfo, hit.data, hit.len);
    mbt::decode_record(hit.data, hit.len, cur, strings_for(true));
    proto_item* top = show_record(rt, pinfo, tree, "epb-option");
    if (hit.n > 1) {
        char text[160];
        snprintf(text, sizeof text,
                 "Enhanced Packet Block carries %d mbuftrace records; one is "
                 "allowed (SPEC 5.2): the first is shown",
                 hit.n);
        add_expert(pinfo, tree, top, &ei_extra_records, tvb, 0, 0, text);
    }
    const bool is_meta = cur.rec.kind && cur.rec.kind.v == MBT_KIND_META;
    if (no_bytes) {
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "mbuftrace");
        if (is_meta)
            col_add_fstr(pinfo->cinfo, COL_INFO,
                         "Capture metadata: kernel %s, rev %s%s",
                         cur.rec.meta.kernel_ident
                             ? cur.rec.meta.kernel_ident.v.c_str()
                             : "?",
                         cur.rec.meta.source_rev
                             ? cur.rec.meta.source_rev.v.c_str()
                             : "?",
                         cur.ok() ? "" : " [malformed]");
        else
            col_add_fstr(pinfo->cinfo, COL_INFO, "Packet Path: %zu hops%s%s",
                         cur.rec.hops.size(), cur.ok() ? "" : " [malformed]",
                         hit.n > 1 ? " [extra records]" : "");
    }
    append_verdict(pinfo);
    return hit.n;
}

// Packet-scope mark: the tap dissector already showed this frame's EPB
// option records (a packet without bytes on the tap link type).
const guint32 MARK_EPB_DONE = 0;

int dissect_post(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*)
{
    const wtap_rec* rec = pinfo->rec;
    if (!rec)
        return 0;
#if !MBT_WS_AT_LEAST(4, 4)
    // 4.0: an unknown-PEN Custom Block is a record of its own; its tvb is
    // the data after the PEN.
    if (rec->rec_type == REC_TYPE_CUSTOM_BLOCK) {
        if (rec->rec_header.custom_block_header.pen == MBT_PEN)
            return dissect_meta_block(tvb, pinfo, tree, NULL);
        return 0;
    }
#endif
    if (rec->rec_type != REC_TYPE_PACKET || !rec->block)
        return 0;
    if (p_get_proto_data(pinfo->pool, pinfo, proto_mbt, MARK_EPB_DONE))
        return 0;
    // A packet consumed without a snapshot has no bytes: the record is all
    // there is, so it names the frame in the Info column.
    const bool no_bytes = tvb_captured_length(tvb) == 0;
    // Otherwise, nothing of ours is shown, filtered on or counted unless
    // there is a tree, an expert tap, the columns (the Info verdict), the
    // statistics or the first pass over the file (expert info on open).
    decide_need(tree, pinfo);
    if (!no_bytes && !tree && !need.findings)
        return 0;
    const int n = dissect_epb_records(tvb, pinfo, tree, no_bytes);
    return n ? int(tvb_captured_length(tvb)) : 0;
}

// BPF tap payload on LINKTYPE_USERn: record, then the packet bytes.
int dissect_tap(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*)
{
    const guint len = tvb_captured_length(tvb);
    // No bytes on a tap interface: a converted file's packet that had no
    // snapshot, whose record is in the EPB option, not a truncated tap
    // record.  It is shown here rather than by the postdissector: in
    // Wireshark 4.4 and 4.6 the columns become fields (_ws.col.*) before
    // the postdissectors run, so Info and Protocol set there are missing
    // from -T fields / -T json -e _ws.col.* and from display filters.
    if (len == 0 && tvb_reported_length(tvb) == 0) {
        const wtap_rec* rec = pinfo->rec;
        if (!rec || rec->rec_type != REC_TYPE_PACKET || !rec->block)
            return 0;
        p_add_proto_data(pinfo->pool, pinfo, proto_mbt, MARK_EPB_DONE,
                         GINT_TO_POINTER(1));
        decide_need(tree, pinfo);
        // A zero-length tvb is claimed by returning more than its length.
        return dissect_epb_records(tvb, pinfo, tree, true) ? 1 : 0;
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "mbuftrace");
    col_clear(pinfo->cinfo, COL_INFO);
    // Without a tree of ours or the path checks only the Info column and
    // the packet underneath are wanted: the strings are not parsed.
    decide_need(tree, pinfo);
    const guint8* data = tvb_get_ptr(tvb, 0, gint(len));
    const bool short_way = info_only(data, len, pinfo);
    if (!short_way) {
        mbt::decode_any(data, len, cur,
                        strings_for(mbt::has_v1_magic(data, len)));
        show_record(tvb, pinfo, tree, "tap");
    }
    // What the columns and the packet underneath read, from either way
    // (the short way's record is a whole v1 trace record).
    const mbt::Record& r = cur.rec;
    const bool malformed = !short_way && !cur.ok();
    const size_t hops = short_way ? nums.rec.hops.size() : r.hops.size();
    const mbt::Format format = short_way ? mbt::Format::V1 : r.format;
    const size_t consumed = short_way ? nums.consumed : cur.consumed;
    uint16_t rec_lt = MBT_LINKTYPE_NONE;
    if (short_way ? bool(nums.rec.linktype) : bool(r.linktype))
        rec_lt = short_way ? nums.rec.linktype.v : r.linktype.v;
    if (!short_way && r.kind && r.kind.v == MBT_KIND_META)
        col_add_fstr(pinfo->cinfo, COL_INFO, "Capture metadata%s",
                     malformed ? " [malformed]" : "");
    else
        col_add_fstr(pinfo->cinfo, COL_INFO, "Packet Path: %zu hops%s",
                     hops, malformed ? " [malformed]" : "");

    // The packet under the record: its dissectors own the columns, the
    // path stays visible as a prefix.
    tvbuff_t* next = NULL;
    uint16_t lt = 0xffff;
    if (format == mbt::Format::V1) {
        if (consumed > 0 && consumed < len) {
            next = tvb_new_subset_remaining(tvb, gint(consumed));
            lt = rec_lt;
        } else if (consumed == 0 && len > 0) {
            call_dissector(data_handle, tvb, pinfo, tree);
        }
    } else if (format == mbt::Format::LegacyPart1 && r.legacy_ether.len) {
        Sp s = clamp(r.legacy_ether, len);
        if (s.len > 0) {
            next = tvb_new_subset_length(tvb, s.off, s.len);
            lt = 1;
        }
    }
    if (next) {
        dissect_link(next, pinfo, tree, lt);
        col_prepend_fence_fstr(pinfo->cinfo, COL_INFO, "[%zu hops%s] ",
                               hops, malformed ? ", malformed" : "");
    }
    append_verdict(pinfo);
    return int(len);
}

void init_names()
{
    for (int i = 0; i < 256; i++) {
        g_strlcpy(subsys_names[i], mbt::subsys_name(uint8_t(i)).c_str(),
                  sizeof subsys_names[i]);
        g_strlcpy(action_names[i], mbt::action_name(uint8_t(i)).c_str(),
                  sizeof action_names[i]);
    }
}

}  // namespace

void proto_register_mbuftrace(void)
{
#define HF(id, name, abbr, type, disp, strs, mask, blurb) \
    {&id, {name, abbr, type, disp, strs, mask, blurb, HFILL}}
    static hf_register_info hf[] = {
        HF(hf_record, "Record", "mbuftrace.record", FT_NONE, BASE_NONE, NULL, 0, NULL),
        HF(hf_format, "Format", "mbuftrace.format", FT_STRING, BASE_NONE, NULL, 0,
           "v1, legacy-part1 or legacy-part3"),
        HF(hf_carrier, "Carrier", "mbuftrace.carrier", FT_STRING, BASE_NONE, NULL, 0,
           "Where the record was found: epb-option, tap or custom-block"),
        HF(hf_magic, "Magic", "mbuftrace.magic", FT_BYTES, BASE_NONE, NULL, 0, NULL),
        HF(hf_version, "Major version", "mbuftrace.version", FT_UINT8, BASE_DEC, NULL, 0, NULL),
        HF(hf_version_minor, "Minor version", "mbuftrace.version_minor", FT_UINT8, BASE_DEC, NULL, 0, NULL),
        HF(hf_rkind, "Record kind", "mbuftrace.record_kind", FT_UINT8, BASE_DEC, VALS(rec_kind_vals), 0, NULL),
        HF(hf_flags, "Flags", "mbuftrace.flags", FT_UINT16, BASE_HEX, NULL, 0, NULL),
        HF(hf_flag_lost, "Hops lost", "mbuftrace.flags.hops_lost", FT_BOOLEAN, 16, NULL, MBT_RF_HOPS_LOST, NULL),
        HF(hf_flag_alloc, "Allocation failed", "mbuftrace.flags.alloc_fail", FT_BOOLEAN, 16, NULL, MBT_RF_ALLOC_FAIL, NULL),
        HF(hf_flag_freed, "Emitted at free", "mbuftrace.flags.freed", FT_BOOLEAN, 16, NULL, MBT_RF_FREED, NULL),
        HF(hf_flag_copy, "Trace of a copy", "mbuftrace.flags.copy", FT_BOOLEAN, 16, NULL, MBT_RF_COPY, NULL),
        HF(hf_linktype, "Link type of packet bytes", "mbuftrace.linktype", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_length, "Record length", "mbuftrace.length", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_trace_id, "Trace ID", "mbuftrace.trace_id", FT_UINT64, BASE_DEC, NULL, 0, NULL),
        HF(hf_parent_id, "Parent trace ID", "mbuftrace.parent_id", FT_UINT64, BASE_DEC, NULL, 0, NULL),
        HF(hf_packet_id, "Packet ID", "mbuftrace.packet_id", FT_UINT64, BASE_DEC, NULL, 0, NULL),
        HF(hf_hops_lost, "Hops lost", "mbuftrace.hops_lost", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_alloc_fail, "Allocation failures", "mbuftrace.alloc_fail", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hops, "Hops", "mbuftrace.hops", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_path, "Path", "mbuftrace.path", FT_STRING, BASE_NONE, NULL, 0,
           "Function names in time order, e.g. ether_input>ip_input>pf_test"),
        HF(hf_truncated, "Truncated or malformed", "mbuftrace.truncated", FT_BOOLEAN, BASE_NONE, NULL, 0,
           "The record could not be decoded to its end"),
        HF(hf_error, "Error", "mbuftrace.error", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_file_entry, "File", "mbuftrace.files.entry", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_name_entry, "Name", "mbuftrace.names.entry", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_unknown_tlv, "Unknown TLV", "mbuftrace.unknown_tlv", FT_UINT8, BASE_HEX, NULL, 0, NULL),
        HF(hf_hop, "Hop", "mbuftrace.hop", FT_UINT32, BASE_DEC, NULL, 0, "Hop index in time order"),
        HF(hf_hop_kind, "Kind", "mbuftrace.hop.kind", FT_UINT8, BASE_DEC, VALS(hop_kind_vals), 0, NULL),
        HF(hf_hop_depth, "Depth", "mbuftrace.hop.depth", FT_UINT8, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_subsys, "Subsystem", "mbuftrace.hop.subsys", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_file, "File", "mbuftrace.hop.file", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_line, "Line", "mbuftrace.hop.line", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_func, "Function", "mbuftrace.hop.func", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_location, "Location", "mbuftrace.hop.location", FT_STRING, BASE_NONE, NULL, 0, "file:line"),
        HF(hf_hop_url, "Source link", "mbuftrace.hop.url", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_ts, "Time since first hop (ns)", "mbuftrace.hop.ts", FT_UINT64, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_vnet, "VNET", "mbuftrace.hop.vnet", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_cpu, "CPU", "mbuftrace.hop.cpu", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_ifindex, "Interface index", "mbuftrace.hop.ifindex", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_dir, "Direction", "mbuftrace.hop.dir", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_ifname, "Interface", "mbuftrace.hop.ifname", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_ruleset, "Ruleset", "mbuftrace.hop.ruleset", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_rule, "Rule", "mbuftrace.hop.rule", FT_UINT32, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_action, "Action", "mbuftrace.hop.action", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_msg, "Message", "mbuftrace.hop.msg", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_drop, "Dropped", "mbuftrace.hop.drop", FT_STRING, BASE_NONE, NULL, 0, "Drop reason"),
        HF(hf_hop_node, "Netgraph node", "mbuftrace.hop.node", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_hook, "Netgraph hook", "mbuftrace.hop.hook", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_copy, "Copy trace ID", "mbuftrace.hop.copy_id", FT_UINT64, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_xlate, "Translation", "mbuftrace.hop.xlate", FT_STRING, BASE_NONE, NULL, 0, "Addresses and ports before => after a NAT/RDR/BINAT rewrite"),
        HF(hf_hop_xlate_proto, "Protocol", "mbuftrace.hop.xlate.proto", FT_UINT8, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_xb_src, "Source before", "mbuftrace.hop.xlate.before.src", FT_IPv4, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xb_dst, "Destination before", "mbuftrace.hop.xlate.before.dst", FT_IPv4, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xb_src6, "Source before", "mbuftrace.hop.xlate.before.src6", FT_IPv6, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xb_dst6, "Destination before", "mbuftrace.hop.xlate.before.dst6", FT_IPv6, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xb_sport, "Source port before", "mbuftrace.hop.xlate.before.sport", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_xb_dport, "Destination port before", "mbuftrace.hop.xlate.before.dport", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_xa_src, "Source after", "mbuftrace.hop.xlate.after.src", FT_IPv4, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xa_dst, "Destination after", "mbuftrace.hop.xlate.after.dst", FT_IPv4, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xa_src6, "Source after", "mbuftrace.hop.xlate.after.src6", FT_IPv6, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xa_dst6, "Destination after", "mbuftrace.hop.xlate.after.dst6", FT_IPv6, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_xa_sport, "Source port after", "mbuftrace.hop.xlate.after.sport", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_xa_dport, "Destination port after", "mbuftrace.hop.xlate.after.dport", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_state, "State ID", "mbuftrace.hop.state", FT_UINT64, BASE_HEX, NULL, 0, "Firewall state (pfctl -ss -vv: id)"),
        HF(hf_hop_state_creator, "State creator ID", "mbuftrace.hop.state.creator", FT_UINT32, BASE_HEX, NULL, 0, NULL),
        HF(hf_hop_state_how, "State", "mbuftrace.hop.state.how", FT_STRING, BASE_NONE, NULL, 0, "created: this packet created the state; matched: it matched an existing one, whose creating rule the hop names"),
        HF(hf_hop_snap_lt, "Snapshot link type", "mbuftrace.hop.snapshot_linktype", FT_UINT16, BASE_DEC, NULL, 0, NULL),
        HF(hf_hop_snap, "Snapshot", "mbuftrace.hop.snapshot", FT_BYTES, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_text, "Legacy text", "mbuftrace.hop.text", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_arg, "Legacy argument", "mbuftrace.hop.arg", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_hop_unknown, "Unknown attribute", "mbuftrace.hop.unknown_tlv", FT_UINT8, BASE_HEX, NULL, 0, NULL),
#define HOPIDX(k, attr) \
        HF(hf_idx[k], "Hop of " attr, "mbuftrace.hop." attr ".hop", FT_UINT32, BASE_DEC, NULL, 0, \
           "The index of the hop that has this mbuftrace.hop." attr " (a -T fields column that lines up with it)")
        HOPIDX(I_IFINDEX, "ifindex"), HOPIDX(I_DIR, "dir"), HOPIDX(I_IFNAME, "ifname"),
        HOPIDX(I_RULESET, "ruleset"), HOPIDX(I_RULE, "rule"), HOPIDX(I_ACTION, "action"),
        HOPIDX(I_MSG, "msg"), HOPIDX(I_DROP, "drop"), HOPIDX(I_NODE, "node"),
        HOPIDX(I_HOOK, "hook"), HOPIDX(I_COPY, "copy_id"), HOPIDX(I_SNAP, "snapshot"),
#undef HOPIDX
        HF(hf_meta, "Capture metadata", "mbuftrace.meta", FT_NONE, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_ident, "Kernel ident", "mbuftrace.meta.kernel_ident", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_kversion, "Kernel version", "mbuftrace.meta.kernel_version", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_rev, "Source revision", "mbuftrace.meta.revision", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_host, "Hostname", "mbuftrace.meta.hostname", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_start, "Capture start", "mbuftrace.meta.capture_start", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0, NULL),
        HF(hf_meta_url, "Source link template", "mbuftrace.meta.source_url", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_producer, "Producer", "mbuftrace.meta.producer", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_tp, "Tracepoint", "mbuftrace.meta.tracepoint", FT_STRING, BASE_NONE, NULL, 0, NULL),
        HF(hf_meta_vnet_name, "VNET name", "mbuftrace.meta.vnet_name", FT_STRING, BASE_NONE, NULL, 0, NULL),
    };
#undef HF
    static gint* ett[] = {&ett_mbt,  &ett_header, &ett_flags, &ett_strings,
                          &ett_hops, &ett_hop,    &ett_meta,  &ett_snap,
                          &ett_xlate};
    static ei_register_info ei[] = {
        {&ei_malformed, {"mbuftrace.expert.malformed", PI_MALFORMED, PI_ERROR,
                         "Malformed trace record", EXPFILL}},
        {&ei_unknown_major, {"mbuftrace.expert.unknown_major", PI_UNDECODED, PI_WARN,
                             "Unknown major version", EXPFILL}},
        {&ei_hops_lost, {"mbuftrace.expert.hops_lost", PI_SEQUENCE, PI_WARN,
                         "Trace overflowed: hops lost", EXPFILL}},
        {&ei_alloc_fail, {"mbuftrace.expert.alloc_fail", PI_SEQUENCE, PI_WARN,
                          "Allocation failed while tracing", EXPFILL}},
        {&ei_dropped, {"mbuftrace.expert.dropped", PI_SEQUENCE, PI_WARN,
                       "Packet dropped", EXPFILL}},
        {&ei_vnet, {"mbuftrace.expert.vnet_crossing", PI_SEQUENCE, PI_CHAT,
                    "Packet crossed a VNET", EXPFILL}},
        {&ei_routed_twice, {"mbuftrace.expert.routed_twice", PI_PROTOCOL, PI_WARN,
                            "Routing step ran twice for one packet", EXPFILL}},
        {&ei_loop, {"mbuftrace.expert.loop", PI_SEQUENCE, PI_WARN,
                    "Tracepoint hit repeatedly (loop)", EXPFILL}},
        {&ei_extra_records, {"mbuftrace.expert.extra_records", PI_MALFORMED, PI_ERROR,
                             "More than one record in a packet (SPEC 5.2)", EXPFILL}},
    };

    proto_mbt = proto_register_protocol("mbuftrace Packet Path", "mbuftrace",
                                        "mbuftrace");
    proto_register_field_array(proto_mbt, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    mbtplugin::links_register(proto_mbt);
    mbtplugin::stats_register();
    mbtplugin::flowgraph_register(proto_mbt);
    expert_module_t* em = expert_register_protocol(proto_mbt);
    expert_register_field_array(em, ei, array_length(ei));

    module_t* m = prefs_register_protocol(proto_mbt, proto_reg_handoff_mbuftrace);
    prefs_register_enum_preference(
        m, "tap_dlt", "Tap link type",
        "LINKTYPE_USERn that carries mbuftrace BPF tap payloads", &pref_user_dlt,
        user_dlt_vals, FALSE);
    prefs_register_uint_preference(
        m, "loop_threshold", "Loop threshold",
        "Report a loop when one tracepoint is hit more often than this per packet",
        10, &pref_loop_threshold);
    prefs_register_string_preference(
        m, "source_url", "Source link template",
        "URL for a hop's source location; {file} {line} {func} {rev} are "
        "replaced. Empty: the capture's own template, else file:///usr/src/{file}",
        &pref_url_template);

    post_handle = create_dissector_handle(dissect_post, proto_mbt);
    tap_handle = register_dissector("mbuftrace", dissect_tap, proto_mbt);
    meta_handle = register_dissector("mbuftrace_meta", dissect_meta_block, proto_mbt);
    register_init_routine(meta_init);
    register_cleanup_routine(meta_init);
    init_names();
}

void proto_reg_handoff_mbuftrace(void)
{
    static bool initialized = false;
    if (!initialized) {
        register_postdissector(post_handle);
        eth_handle = find_dissector("eth_withoutfcs");
        data_handle = find_dissector("data");
        wtap_encap_table = find_dissector_table("wtap_encap");
#if MBT_WS_AT_LEAST(4, 4)
        dissector_add_uint("pcapng_custom_block", MBT_PEN, meta_handle);
#endif
        initialized = true;
    }
    if (registered_user_dlt >= 0)
        dissector_delete_uint("wtap_encap",
                              guint32(WTAP_ENCAP_USER0 + registered_user_dlt),
                              tap_handle);
    registered_user_dlt = pref_user_dlt;
    dissector_add_uint("wtap_encap", guint32(WTAP_ENCAP_USER0 + pref_user_dlt),
                       tap_handle);
}
