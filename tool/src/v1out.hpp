// The v1 pcapng layout written by capture and convert (SPEC 5.2): one IDB
// per packet link type, created on first use; metadata in a Custom Block;
// the record in EPB option 2989 plus epb_packetid.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "mbuftrace/pcapng.hpp"

extern "C" {
#include <sys/mbuf_trace_wire.h>
}

namespace mbt::tool {

// Records without packet bytes (linktype 0xffff) still need an interface:
// they go on one of the tap's own link type, with zero data bytes.
constexpr uint16_t kNoPacketLinktype = MBT_LINKTYPE_USER0;

class V1Out {
public:
    V1Out(const std::string& path, std::string_view os, std::string_view app,
          std::string ifname = "mbuf_trace0")
        : w_(path), ifname_(std::move(ifname))
    {
        w_.section({}, os, app);
    }

    uint32_t iface(uint16_t linktype)
    {
        if (linktype == MBT_LINKTYPE_NONE)
            linktype = kNoPacketLinktype;
        const auto it = ifs_.find(linktype);
        if (it != ifs_.end())
            return it->second;
        const uint32_t id = w_.interface(linktype, 262144, ifname_, 9);
        ifs_.emplace(linktype, id);
        return id;
    }
    std::optional<uint32_t> find_iface(uint16_t linktype) const
    {
        const auto it = ifs_.find(linktype);
        if (it == ifs_.end())
            return std::nullopt;
        return it->second;
    }
    bool any_iface() const { return !ifs_.empty(); }

    void meta(const uint8_t* rec, size_t n)
    {
        w_.custom_block(MBT_PEN, rec, n, true);
        have_meta_ = true;
    }
    bool have_meta() const { return have_meta_; }

    void packet(uint64_t ts_ns, uint16_t linktype, const uint8_t* pkt,
                uint32_t caplen, uint32_t origlen, const uint8_t* rec,
                size_t rec_len, std::optional<uint64_t> packet_id)
    {
        const uint32_t id = iface(linktype);
        w_.packet(id, ts_ns, pkt, caplen, origlen < caplen ? caplen : origlen,
                  rec, rec_len, packet_id);
        packets_++;
    }
    uint64_t packets() const { return packets_; }

    pcapng::Writer& writer() { return w_; }
    void commit() { w_.commit(); }

private:
    pcapng::Writer w_;
    std::string ifname_;
    std::map<uint16_t, uint32_t> ifs_;
    bool have_meta_ = false;
    uint64_t packets_ = 0;
};

}  // namespace mbt::tool
