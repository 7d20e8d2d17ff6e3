// The sink that writes what it reads as v1 pcapng: used by convert and by
// capture.  v1 records are copied byte for byte (unknown TLVs of newer
// minors survive); legacy records are re-encoded with the codec, which
// keeps every string.
#pragma once

#include "commands.hpp"
#include "input.hpp"
#include "mbuftrace/encode.hpp"
#include "util.hpp"
#include "v1out.hpp"

namespace mbt::tool {

class Converter : public Sink {
public:
    Converter(const std::string& out, std::string_view os = {},
              V1Out::Mode mode = V1Out::Mode::Atomic)
        : out_(out, os, producer(), "mbuf_trace0", mode)
    {
    }

    // What the tool is told about the capture's kernel (convert options),
    // for inputs that carry no metadata block of their own.
    Meta base;
    // Each traced packet gets its path summary as a packet comment
    // (opt_comment), for readers without the plugin (--no-comments: none).
    bool comments = true;

    void meta(const Item& it) override
    {
        out_.meta(it.rec, it.rec_len);
    }

    void packet(const Item& it) override
    {
        ensure_meta(it);
        const Record& r = it.d.rec;
        // Without comments the input may have read a v1 trace record's
        // numbers only (ReadOptions::numbers): then they are in it.nd.
        const NumRecord& nr = it.nd.rec;
        const bool nums = it.numbers;
        const uint32_t caplen = uint32_t(it.pkt_len);
        if (nums || r.format == Format::V1) {
            std::optional<uint64_t> pid = it.epb_packet_id;
            if (!pid && (nums ? bool(nr.packet_id) : bool(r.packet_id)))
                pid = nums ? nr.packet_id.v : r.packet_id.v;
            if (!pid)
                pid = it.number;
            // A flagged packet keeps its other records and says why.
            std::vector<pcapng::Option> extra;
            comment_.clear();
            if (!it.flag.empty()) {
                if (it.records)
                    for (size_t i = 1; i < it.records->size(); i++)
                        extra.push_back(record_option((*it.records)[i]));
                comment_.add("mbuftrace: ").add(std::string_view(it.flag));
                damaged_++;
            } else if (comments && !nums && r.kind.v != MBT_KIND_META)
                packet_comment(r, comment_);
            out_.packet(it.ts_ns,
                        it.carried ? it.pkt_linktype
                        : nums     ? nr.linktype.v
                                   : uint16_t(r.linktype.v),
                        it.pkt, caplen, it.origlen, it.rec, it.rec_len, pid,
                        extra.empty() ? nullptr : &extra, comment_.view());
            return;
        }
        legacy(it);
    }

    // Never dropped: the packet bytes (or the whole tap payload), its
    // records as they were, and a comment saying what is wrong.
    void damaged(const Damaged& d) override
    {
        ensure_meta(*d.it);
        std::vector<pcapng::Option> extra;
        if (d.records)
            for (const auto& rec : *d.records)
                extra.push_back(record_option(rec));
        const uint16_t lt = d.linktype == MBT_LINKTYPE_NONE
                                ? uint16_t(kNoPacketLinktype)
                                : d.linktype;
        out_.packet(d.it->ts_ns, lt, d.data, uint32_t(d.len), d.origlen,
                    nullptr, 0, d.packet_id, &extra,
                    "mbuftrace: " + d.reason);
        damaged_++;
    }
    bool keeps_damaged() const override { return true; }
    uint64_t damaged_count() const { return damaged_; }

private:
    static pcapng::Option record_option(const pcapng::Packet::Record& rec)
    {
        pcapng::Option o;
        o.code = MBT_PCAPNG_OPT_CUSTOM_BIN;
        o.value.resize(4);
        const uint32_t pen = MBT_PEN;  // in our (little-endian) order
        for (int i = 0; i < 4; i++)
            o.value[i] = uint8_t(pen >> (8 * i));
        o.value.insert(o.value.end(), rec.bytes.begin(), rec.bytes.end());
        return o;
    }

    void ensure_meta(const Item& it)
    {
        if (!out_.have_meta())
            first_meta(it);
    }
    void first_meta(const Item& it)
    {
        // Say who converted it; written once, so a second conversion
        // copies it instead of adding another.
        Meta m = base;
        m.producer = Field<std::string>{producer() + " (convert)", {}, true};
        if (it.ts_ns)
            m.capture_start_ns = Field<uint64_t>{it.ts_ns, {}, true};
        const auto b = encode_meta(m);
        out_.meta(b.data(), b.size());
    }

    void legacy(const Item& it)
    {
        const Record& r = it.d.rec;
        const uint32_t caplen = uint32_t(it.pkt_len);
        // Legacy: the prototype had no ids; the packet number stands in.
        RecordIn in = to_input(r, it.rec);
        in.trace_id = it.number;
        in.packet_id = it.number;
        in.linktype = it.pkt_len ? it.pkt_linktype
                                 : uint16_t(MBT_LINKTYPE_NONE);
        try {
            enc_ = encode(in);
        } catch (const std::invalid_argument& e) {
            throw ToolError(it.where() + ": cannot encode as v1: " + e.what());
        }
        // The comment of the v1 record written, so that converting the
        // output again writes the same file.
        comment_.clear();
        if (comments)
            packet_comment(decode_record(enc_.data(), enc_.size()).rec,
                           comment_);
        out_.packet(it.ts_ns, in.linktype, it.pkt, caplen, it.origlen,
                    enc_.data(), enc_.size(), in.packet_id, nullptr,
                    comment_.view());
    }

    void stats(const pcapng::Stats& s, std::optional<uint16_t> lt) override
    {
        std::optional<uint32_t> id;
        if (lt)
            id = out_.find_iface(*lt);
        if (!id && out_.any_iface())
            id = 0;
        if (id)
            out_.writer().stats(*id, s.ts, s.ifrecv, s.ifdrop, s.osdrop);
    }

public:
    V1Out out_;

private:
    std::vector<uint8_t> enc_;
    Text comment_;  // the packet's, its storage reused
    uint64_t damaged_ = 0;
};

}  // namespace mbt::tool
