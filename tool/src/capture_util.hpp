// The system-independent parts of capture, kept apart so that they build
// and are tested on any system.
#pragma once

#include <string>
#include <vector>

#include "mbuftrace/decode.hpp"

namespace mbt::tool {

// "FreeBSD 15.0-CURRENT #0 main-n271234-0123456789ab: Thu ..." -> the
// revision "0123456789ab" (a git hash after "-n<count>-"), or the build tag
// after "#N " when there is none; "" if the string has neither.
std::string source_rev_from_version(const std::string& v);

// kern.mbuf_trace.tracepoints lines "id enabled kind subsys file:line func
// [msg]" as metadata catalogue entries; lines that do not parse are skipped.
std::vector<CatalogueEntry> parse_tracepoints(const std::string& text);

// kern.mbuf_trace.vnets lines "vnet-id jail-name" as metadata VNET_NAME
// entries; lines that do not parse are skipped.
std::vector<std::pair<uint32_t, std::string>> parse_vnet_names(
    const std::string& text);

// "ID=NAME" (convert --vnet-name) as one entry; throws ToolError.
std::pair<uint32_t, std::string> parse_vnet_name_arg(const std::string& arg);

// Compiles a pcap filter for Ethernet and formats it as the kernel's
// kern.mbuf_trace.filter expects ("tcpdump -ddd": count, then one
// "code jt jf k" per line).  Throws ToolError on a bad filter.
std::string compile_kernel_filter(const std::string& filter);

}  // namespace mbt::tool
