// Statistics over the traced packets: the "mbuftrace" tap and two stats
// trees, -z mbuftrace,tree (hits per subsystem, tracepoint, rule and
// action, VNET, drop place, anomaly) and -z mbuftrace,paths (distinct
// paths, their count and first frame), also in Wireshark's Statistics menu.
#pragma once

#include <wireshark.h>
#include <epan/packet.h>

#include <vector>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"

namespace mbtplugin {

// What the "mbuftrace" tap carries: the frame's record and its findings.
struct TapData {
    const mbt::Record* r;
    const std::vector<mbt::Finding>* f;
    uint32_t frame;
};

void stats_register(void);  // from proto_register (registers the tap)
// Whether a statistic listens: the record is then decoded with its strings
// and checked.
bool stats_wanted(void);
// Queues this frame's record; r and f stay valid until the frame's taps
// have run (the dissector's per-frame state).
void stats_queue(packet_info* pinfo, const mbt::Record& r,
                 const std::vector<mbt::Finding>& f);

}  // namespace mbtplugin
