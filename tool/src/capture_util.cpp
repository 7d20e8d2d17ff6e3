#include "capture_util.hpp"

#include <pcap/pcap.h>

#include <cctype>
#include <sstream>

#include "util.hpp"

namespace mbt::tool {

std::string source_rev_from_version(const std::string& v)
{
    const size_t hash = v.find(" #");
    if (hash == std::string::npos)
        return {};
    size_t i = hash + 2;
    while (i < v.size() && std::isdigit((unsigned char)v[i]))
        i++;
    if (i >= v.size() || v[i] != ' ')
        return {};
    i++;
    size_t end = i;
    while (end < v.size() && v[end] != ':' && v[end] != ' ' && v[end] != '\n')
        end++;
    const std::string tag = v.substr(i, end - i);
    // main-n271234-0123456789ab, stable/14-n267000-abcdef012345
    const size_t n = tag.rfind("-n");
    if (n != std::string::npos) {
        const size_t dash = tag.find('-', n + 2);
        if (dash != std::string::npos && dash + 1 < tag.size()) {
            const std::string h = tag.substr(dash + 1);
            bool hex = h.size() >= 7;
            for (char c : h)
                hex = hex && std::isxdigit((unsigned char)c);
            if (hex)
                return h;
        }
    }
    return tag;
}

std::vector<CatalogueEntry> parse_tracepoints(const std::string& text)
{
    std::vector<CatalogueEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        CatalogueEntry e;
        unsigned id = 0, en = 0, ss = 0;
        std::string kind, loc, func;
        if (!(ls >> id >> en >> kind >> ss >> loc >> func))
            continue;
        const size_t colon = loc.rfind(':');
        if (colon == std::string::npos || ss > 255)
            continue;
        e.id = id;
        e.subsys = uint8_t(ss);
        e.flags = uint8_t((en ? MBT_TPF_ENABLED : 0) |
                          (kind == "start" ? MBT_TPF_START : 0));
        e.file = loc.substr(0, colon);
        e.line = uint32_t(std::strtoul(loc.c_str() + colon + 1, nullptr, 10));
        e.func = func;
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::pair<uint32_t, std::string>> parse_vnet_names(
    const std::string& text)
{
    std::vector<std::pair<uint32_t, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        unsigned long id = 0;
        std::string name;
        if (!(ls >> id >> name) || id > UINT32_MAX)
            continue;
        out.emplace_back(uint32_t(id), name);
    }
    return out;
}

std::pair<uint32_t, std::string> parse_vnet_name_arg(const std::string& arg)
{
    const size_t eq = arg.find('=');
    char* end = nullptr;
    const std::string id = arg.substr(0, eq);
    const unsigned long v = std::strtoul(id.c_str(), &end, 10);
    if (eq == std::string::npos || id.empty() || *end || v > UINT32_MAX ||
        eq + 1 >= arg.size())
        throw ToolError("--vnet-name wants ID=NAME (a vnet id and a jail "
                        "name), not '" + arg + "'");
    return {uint32_t(v), arg.substr(eq + 1)};
}

std::string compile_kernel_filter(const std::string& filter)
{
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
    if (!dead)
        throw ToolError("capture: pcap_open_dead failed");
    struct bpf_program prog {};
    if (pcap_compile(dead, &prog, filter.c_str(), 1,
                     PCAP_NETMASK_UNKNOWN) != 0) {
        const std::string e = pcap_geterr(dead);
        pcap_close(dead);
        throw ToolError("capture: filter '" + filter + "': " + e);
    }
    std::string s = std::to_string(prog.bf_len) + "\n";
    for (unsigned i = 0; i < prog.bf_len; i++) {
        const struct bpf_insn& x = prog.bf_insns[i];
        s += std::to_string(x.code) + " " + std::to_string(x.jt) + " " +
             std::to_string(x.jf) + " " + std::to_string(x.k) + "\n";
    }
    pcap_freecode(&prog);
    pcap_close(dead);
    return s;
}

}  // namespace mbt::tool
