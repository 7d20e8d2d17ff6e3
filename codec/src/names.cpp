// Registry names (SPEC 6), generated from the X-macros of the wire header.
#include "mbuftrace/decode.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>

namespace mbt {

namespace {

struct Name {
    uint8_t id;
    const char* text;
};

#define MBT_NAME_(n, v, s) {v, s},
const Name subsys_names[] = {MBT_SUBSYS_LIST(MBT_NAME_)};
const Name action_names[] = {MBT_ACTION_LIST(MBT_NAME_)};
#undef MBT_NAME_

template <size_t N>
const char* lookup(const Name (&tab)[N], uint8_t id)
{
    for (const Name& n : tab)
        if (n.id == id)
            return n.text;
    return nullptr;
}

template <size_t N>
std::optional<uint8_t> rlookup(const Name (&tab)[N], std::string_view s)
{
    for (const Name& n : tab)
        if (s == n.text)
            return n.id;
    return std::nullopt;
}

}  // namespace

// The registry as a table by id (the first name of an id, as lookup()).
template <size_t N>
static std::array<const char*, 256> by_id(const Name (&tab)[N])
{
    std::array<const char*, 256> t{};
    for (const Name& n : tab)
        if (!t[n.id])
            t[n.id] = n.text;
    return t;
}

const char* subsys_known(uint8_t id)
{
    static const std::array<const char*, 256> t = by_id(subsys_names);
    return t[id];
}

const char* action_known(uint8_t id)
{
    static const std::array<const char*, 256> t = by_id(action_names);
    return t[id];
}

std::string subsys_name(uint8_t id)
{
    const char* s = lookup(subsys_names, id);
    return s ? s : "subsys#" + std::to_string(id);
}

std::string action_name(uint8_t id)
{
    const char* s = lookup(action_names, id);
    return s ? s : "action#" + std::to_string(id);
}

std::optional<uint8_t> subsys_by_name(std::string_view s)
{
    return rlookup(subsys_names, s);
}

std::optional<uint8_t> action_by_name(std::string_view s)
{
    return rlookup(action_names, s);
}

std::string rule_text(const Record& r, const Hop& h)
{
    if (is_pf_default_rule(h))
        return "default rule " + action_name(h.action.v);
    const std::string_view rs = r.str(h.ruleset);
    return "rule " + (rs.empty() ? std::string() : std::string(rs) + "/") +
           std::to_string(h.rule.v) + " " + action_name(h.action.v);
}

const char* dir_name(uint8_t dir)
{
    switch (dir) {
    case MBT_DIR_IN:
        return "in";
    case MBT_DIR_OUT:
        return "out";
    default:
        return "";
    }
}

const char* kind_name(uint8_t kind)
{
    switch (kind) {
    case MBT_HK_ENTER:
        return "enter";
    case MBT_HK_LEAVE:
        return "leave";
    default:
        return "point";
    }
}

const char* state_how_name(uint8_t how)
{
    switch (how) {
    case MBT_STATE_CREATED:
        return "created";
    case MBT_STATE_MATCHED:
        return "matched";
    default:
        return "";
    }
}

std::string xlate_addr(const mbt_xlate_side& s, bool src)
{
    char buf[INET6_ADDRSTRLEN];
    const bool v6 = s.xs_ver == MBT_XLATE_IPV6;
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, src ? s.xs_src : s.xs_dst, buf,
                  sizeof(buf)) == nullptr)
        return "?";
    const uint16_t port = src ? s.xs_sport : s.xs_dport;
    if (port == 0)
        return buf;
    return (v6 ? "[" + std::string(buf) + "]" : std::string(buf)) + ":" +
           std::to_string(port);
}

std::string xlate_text(const mbt_xlate& x)
{
    return xlate_addr(x.xl_before, true) + " > " +
           xlate_addr(x.xl_before, false) + " => " +
           xlate_addr(x.xl_after, true) + " > " +
           xlate_addr(x.xl_after, false);
}

}  // namespace mbt
