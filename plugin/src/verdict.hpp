// The one-line verdict of a traced packet, for the Info column and the
// flow graph: anomalies first, then the VNETs crossed and the deciding
// firewall verdict, e.g. "[routed twice] vnet 1→2, pf default rule dup-to".
// Uses the record's numbers only (no strings), so it works on a record
// decoded without its string tables, as plain tshark decodes them.
#pragma once

#include <string>
#include <vector>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"

namespace mbtplugin {

// The hop whose firewall rule decided the packet's way, or -1: the last
// blocking rule (block, reject), else the last rule with an action other
// than pass, match or count (dup-to, route-to, nat, ...), else the last
// rule that is not a default rule (pf's, ipfw's 65535), else the last.
int deciding_rule(const mbt::Record& r);

// "pf rule 3 pass", "pf default rule dup-to", "ipfw rule 100 block".
void rule_text(std::string& out, const mbt::Record& r, const mbt::Hop& h);

// The drop place of a dropped packet: "ipfw rule 100" when a blocking rule
// at or before the drop hop decided it, else "pf" (the drop hop's
// subsystem).  Empty if the packet was not dropped.
void drop_place(std::string& out, const mbt::Record& r);

// The anomaly marks, in this order: "[routed twice]", "[dropped at ...]",
// "[loop]", "[hops lost]", "[alloc failed]", space separated.
void anomaly_marks(std::string& out, const mbt::Record& r,
                   const std::vector<mbt::Finding>& findings);

// anomaly_marks + " vnet 0→1→2" + ", <deciding rule>" (the rule is left
// out when the drop mark already names it).
void verdict(std::string& out, const mbt::Record& r,
             const std::vector<mbt::Finding>& findings);
// The same from the kinds found (mbt::finding_mask()): what the Info column
// asks for, without the findings' texts.  The verdict is written after the
// first `keep` bytes of out, which are kept (out keeps its storage).
void verdict(std::string& out, const mbt::Record& r, unsigned findings,
             size_t keep = 0);
// The same from decode_numbers()'s record (the packet list's short way).
void verdict(std::string& out, const mbt::NumRecord& r, unsigned findings,
             size_t keep = 0);

}  // namespace mbtplugin
