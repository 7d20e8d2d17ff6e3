// The v1 pcapng layout written by capture and convert (SPEC 5.2): one IDB
// per packet link type, created on first use; metadata in the SHB and in
// frame 1; the record in EPB option 2989 plus epb_packetid.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

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
    using Mode = pcapng::Writer::Mode;
    V1Out(const std::string& path, std::string_view os, std::string_view app,
          std::string ifname = "mbuf_trace0", Mode mode = Mode::Atomic)
        : w_(path, false, mode), os_(os), app_(app), ifname_(std::move(ifname))
    {
    }

    uint32_t iface(uint16_t linktype)
    {
        if (linktype == MBT_LINKTYPE_NONE)
            linktype = kNoPacketLinktype;
        if (last_ && last_->first == linktype)  // the usual case
            return last_->second;
        return new_iface(linktype);
    }
    std::optional<uint32_t> find_iface(uint16_t linktype) const
    {
        const auto it = ifs_.find(linktype);
        if (it == ifs_.end())
            return std::nullopt;
        return it->second;
    }
    bool any_iface() const { return !ifs_.empty(); }

    // SPEC 5.2: the metadata goes into the SHB's custom option (kept by
    // every tool, whatever frames a selection keeps) and into frame 1, a
    // zero-byte EPB on the tap link type stamped with the first packet's
    // time (what Wireshark's dissectors see in one pass).  Metadata that
    // comes after the SHB (a merged file's second capture) is a frame only.
    void meta(const uint8_t* rec, size_t n)
    {
        if (n > pcapng::Writer::kMaxOptionRecord) {
            // Too big for an option: a Custom Block after the IDB.
            iface(kNoPacketLinktype);
            w_.custom_block(MBT_PEN, rec, n, true);
            have_meta_ = true;
            return;
        }
        if (!started_) {
            shb_meta_.assign(rec, rec + n);
            start();
        }
        // Frames wait for a packet's time stamp (or the end).
        pending_meta_.emplace_back(rec, rec + n);
        have_meta_ = true;
    }
    bool have_meta() const { return have_meta_; }

    void packet(uint64_t ts_ns, uint16_t linktype, const uint8_t* pkt,
                uint32_t caplen, uint32_t origlen, const uint8_t* rec,
                size_t rec_len, std::optional<uint64_t> packet_id,
                const std::vector<pcapng::Option>* extra = nullptr,
                std::string_view comment = {})
    {
        flush_meta(ts_ns);
        const uint32_t id = iface(linktype);
        w_.packet(id, ts_ns, pkt, caplen, origlen < caplen ? caplen : origlen,
                  rec, rec_len, packet_id, extra, comment);
        last_ts_ = ts_ns;
        packets_++;
    }
    uint64_t packets() const { return packets_; }

    pcapng::Writer& writer() { return w_; }
    // The SHB and a metadata frame not yet written (ts: its time when no
    // packet came).
    void finish(uint64_t ts_ns)
    {
        start();
        flush_meta(last_ts_ ? last_ts_ : ts_ns);
    }
    void commit()
    {
        finish(0);
        w_.commit();
    }

private:
    // Not the last one used: found, or made (after the SHB).  Out of line,
    // so that iface()'s usual case is a compare inlined into packet().
    [[gnu::noinline]] uint32_t new_iface(uint16_t linktype)
    {
        start();
        auto it = ifs_.find(linktype);
        if (it == ifs_.end())
            it = ifs_.emplace(linktype,
                              w_.interface(linktype, 262144, ifname_, 9))
                     .first;
        last_ = &*it;
        return it->second;
    }
    void start()
    {
        if (started_)
            return;
        started_ = true;
        w_.section({}, os_, app_, shb_meta_.data(), shb_meta_.size());
    }
    void flush_meta(uint64_t ts)
    {
        if (pending_meta_.empty())
            return;
        const uint32_t id = iface(kNoPacketLinktype);
        for (const auto& m : pending_meta_)
            w_.packet(id, ts, nullptr, 0, 0, m.data(), m.size(), std::nullopt);
        pending_meta_.clear();
    }

    pcapng::Writer w_;
    std::string os_, app_;
    std::string ifname_;
    std::map<uint16_t, uint32_t> ifs_;
    const std::pair<const uint16_t, uint32_t>* last_ = nullptr;  // in ifs_
    bool started_ = false;
    bool have_meta_ = false;
    std::vector<uint8_t> shb_meta_;
    std::vector<std::vector<uint8_t>> pending_meta_;
    uint64_t last_ts_ = 0;
    uint64_t packets_ = 0;
};

}  // namespace mbt::tool
