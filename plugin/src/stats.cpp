// Statistics (stats.hpp).
#include "stats.hpp"

#include <epan/stat_tap_ui.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "packet-mbuftrace.h"
#include "verdict.hpp"

namespace mbtplugin {

namespace {

int tap_id = -1;

// -z mbuftrace,tree
const char* const st_packets = "Traced packets";
int n_packets, n_subsys, n_tp, n_rule, n_vnet, n_drop, n_anom;

void tree_init(stats_tree* st)
{
    n_packets = stats_tree_create_node(st, st_packets, 0, STAT_DT_INT, TRUE);
    n_subsys = stats_tree_create_node(st, "Hops per subsystem", 0,
                                      STAT_DT_INT, TRUE);
    n_tp = stats_tree_create_node(st, "Hops per tracepoint", 0, STAT_DT_INT,
                                  TRUE);
    n_rule = stats_tree_create_node(st, "Firewall rule and action", 0,
                                    STAT_DT_INT, TRUE);
    n_vnet = stats_tree_create_node(st, "Hops per VNET", 0, STAT_DT_INT,
                                    TRUE);
    n_drop = stats_tree_create_node(st, "Drop place", 0, STAT_DT_INT, TRUE);
    n_anom = stats_tree_create_node(st, "Anomaly", 0, STAT_DT_INT, TRUE);
}

tap_packet_status tree_packet(stats_tree* st, packet_info*, epan_dissect_t*,
                              const void* p, tap_flags_t)
{
    const TapData* d = static_cast<const TapData*>(p);
    const mbt::Record& r = *d->r;
    tick_stat_node(st, st_packets, 0, FALSE);
    std::string s;
    for (const mbt::Hop& h : r.hops) {
        if (h.subsys) {
            s = mbt::subsys_name(h.subsys.v);
            tick_stat_node(st, s.c_str(), n_subsys, FALSE);
            increase_stat_node(st, "Hops per subsystem", 0, FALSE, 1);
        }
        s = r.str(h.func);
        if (s.empty())
            s = "?";
        s += "() ";
        s += r.file_of(h);
        if (h.line)
            s += ":" + std::to_string(h.line.v);
        tick_stat_node(st, s.c_str(), n_tp, FALSE);
        increase_stat_node(st, "Hops per tracepoint", 0, FALSE, 1);
        if (h.rule) {
            s.clear();
            rule_text(s, r, h);
            tick_stat_node(st, s.c_str(), n_rule, FALSE);
            increase_stat_node(st, "Firewall rule and action", 0, FALSE, 1);
        }
        if (h.vnet) {
            s = "vnet " + std::to_string(h.vnet.v);
            tick_stat_node(st, s.c_str(), n_vnet, FALSE);
            increase_stat_node(st, "Hops per VNET", 0, FALSE, 1);
        }
    }
    s.clear();
    drop_place(s, r);
    if (!s.empty()) {
        tick_stat_node(st, s.c_str(), n_drop, FALSE);
        increase_stat_node(st, "Drop place", 0, FALSE, 1);
    }
    for (const mbt::Finding& f : *d->f) {
        tick_stat_node(st, mbt::finding_name(f.kind), n_anom, FALSE);
        increase_stat_node(st, "Anomaly", 0, FALSE, 1);
    }
    return TAP_PACKET_REDRAW;
}

// The key of a path: its function names and anomaly marks.
std::string path_key(const TapData* d)
{
    std::string key = mbt::path_summary(*d->r);
    std::string marks;
    anomaly_marks(marks, *d->r, *d->f);
    if (!marks.empty())
        key += " " + marks;
    return key;
}

// -z mbuftrace,paths: one node per distinct path (function names and the
// anomaly marks), named with the first frame that took it.
std::map<std::string, std::string> path_nodes;
int n_paths;

void paths_init(stats_tree* st)
{
    path_nodes.clear();
    n_paths = stats_tree_create_node(st, "Paths", 0, STAT_DT_INT, TRUE);
}

void paths_cleanup(stats_tree*)
{
    path_nodes.clear();
}

tap_packet_status paths_packet(stats_tree* st, packet_info*, epan_dissect_t*,
                               const void* p, tap_flags_t)
{
    const TapData* d = static_cast<const TapData*>(p);
    const std::string key = path_key(d);
    auto it = path_nodes.find(key);
    if (it == path_nodes.end())
        it = path_nodes
                 .emplace(key, "first frame " + std::to_string(d->frame) +
                                   ": " + key)
                 .first;
    tick_stat_node(st, "Paths", 0, FALSE);
    tick_stat_node(st, it->second.c_str(), n_paths, FALSE);
    return TAP_PACKET_REDRAW;
}

// tshark -z mbuftrace,paths: the same table as text, most taken first.
struct PathCount {
    unsigned count = 0;
    uint32_t first = 0;
};
struct CliPaths {
    std::map<std::string, PathCount> paths;
    unsigned packets = 0;
};

void cli_reset(void* p)
{
    CliPaths* c = static_cast<CliPaths*>(p);
    c->paths.clear();
    c->packets = 0;
}

tap_packet_status cli_packet(void* p, packet_info*, epan_dissect_t*,
                             const void* data, tap_flags_t)
{
    CliPaths* c = static_cast<CliPaths*>(p);
    const TapData* d = static_cast<const TapData*>(data);
    PathCount& pc = c->paths[path_key(d)];
    if (!pc.count)
        pc.first = d->frame;
    pc.count++;
    c->packets++;
    return TAP_PACKET_REDRAW;
}

void cli_draw(void* p)
{
    const CliPaths* c = static_cast<const CliPaths*>(p);
    std::vector<std::pair<std::string, PathCount>> v(c->paths.begin(),
                                                      c->paths.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second.count != b.second.count
                   ? a.second.count > b.second.count
                   : a.second.first < b.second.first;
    });
    printf("\n==================================================================="
           "=============\n");
    printf("mbuftrace Packet Paths: %u traced packets, %zu distinct paths\n",
           c->packets, v.size());
    printf("Packets  First frame  Path\n");
    for (const auto& e : v)
        printf("%7u  %11u  %s\n", e.second.count, e.second.first,
               e.first.c_str());
    printf("==================================================================="
           "=============\n");
}

void cli_finish(void* p)
{
    delete static_cast<CliPaths*>(p);
}

// 4.6's stat_tap_init_cb says whether it worked.
#if MBT_WS_AT_LEAST(4, 6)
typedef bool cli_init_ret;
#define CLI_INIT_RETURN(ok) return (ok)
#else
typedef void cli_init_ret;
#define CLI_INIT_RETURN(ok) return
#endif

cli_init_ret cli_init(const char*, void*)
{
    CliPaths* c = new CliPaths;
    GString* err = register_tap_listener("mbuftrace", c, NULL, 0, cli_reset,
                                         cli_packet, cli_draw, cli_finish);
    if (err) {
        fprintf(stderr, "tshark: mbuftrace,paths: %s\n", err->str);
        g_string_free(err, TRUE);
        delete c;
        CLI_INIT_RETURN(false);
    }
    CLI_INIT_RETURN(true);
}

stat_tap_ui cli_paths_ui = {REGISTER_STAT_GROUP_GENERIC,
                            "mbuftrace Packet Paths",
                            "mbuftrace,paths",
                            cli_init,
                            0,
                            NULL};

}  // namespace

void stats_register(void)
{
    tap_id = register_tap("mbuftrace");
    // Stats trees add ",tree" to their -z name: -z mbuftrace,tree.  In
    // Wireshark both are in the Statistics menu.
    stats_tree_register_plugin("mbuftrace", "mbuftrace",
                               "mbuftrace Packet Path statistics", 0,
                               tree_packet, tree_init, NULL);
    stats_tree_register_plugin("mbuftrace", "mbuftrace_paths",
                               "mbuftrace Packet Paths", 0, paths_packet,
                               paths_init, paths_cleanup);
    // tshark -z mbuftrace,paths: the paths as a plain table.
    register_stat_tap_ui(&cli_paths_ui, NULL);
}

bool stats_wanted(void)
{
    return tap_id >= 0 && have_tap_listener(tap_id);
}

void stats_queue(packet_info* pinfo, const mbt::Record& r,
                 const std::vector<mbt::Finding>& f)
{
    TapData* d = wmem_new(pinfo->pool, TapData);
    d->r = &r;
    d->f = &f;
    d->frame = pinfo->num;
    tap_queue_packet(tap_id, pinfo, d);
}

}  // namespace mbtplugin
