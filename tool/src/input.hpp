// Reads every kind of file users have (v1 pcapng, tap captures saved as
// pcap or pcapng, legacy prototype captures, self-test console text) and
// hands each decoded record to a Sink.  Corrupt records are reported with
// file, block/record/line, byte offset and reason, counted and skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mbuftrace/decode.hpp"
#include "mbuftrace/pcapng.hpp"

namespace mbt::tool {

enum class InputKind { Pcapng, Pcap, Console };
const char* input_kind_name(InputKind k);

struct Item {
    uint64_t number = 0;          // 1-based frame number, as Wireshark counts
                                  // (pcapng Custom Blocks are frames too)
    const char* unit = "block";   // "block", "record" or "line"
    uint64_t unit_no = 0;         // which one of those
    uint64_t offset = 0;          // file offset of rec[0]
    uint64_t ts_ns = 0;
    std::optional<uint64_t> epb_packet_id;
    // The bytes the decoder ran on: the option's record (pcapng carrier) or
    // the whole tap payload (record then packet bytes).
    const uint8_t* rec = nullptr;
    size_t rec_len = 0;
    bool carried = false;  // rec came from a pcapng EPB option
    // Packet bytes and their link type (MBT_LINKTYPE_NONE: none).
    const uint8_t* pkt = nullptr;
    size_t pkt_len = 0;
    uint32_t origlen = 0;
    uint16_t pkt_linktype = MBT_LINKTYPE_NONE;
    DecodeResult d;

    std::string where() const;  // "file: block 7 (packet 5) at offset 96"
    std::string path;
};

class Sink {
public:
    virtual ~Sink() = default;
    // A metadata record (Custom Block or kind-2 tap record).
    virtual void meta(const Item&) {}
    virtual void packet(const Item&) = 0;
    // An Interface Statistics Block (ts in ns); linktype of its interface.
    virtual void stats(const pcapng::Stats&, std::optional<uint16_t>) {}
};

struct ReadOptions {
    bool strict = false;    // the first corrupt record is a fatal error
    bool progress = false;  // progress bar on stderr
    bool quiet = false;     // do not print each corrupt record
    bool strings = true;    // false: string tables checked, not built
};

struct ReadSummary {
    InputKind kind = InputKind::Pcapng;
    uint64_t packets = 0;  // records handed to the sink
    uint64_t corrupt = 0;  // reported and skipped
};

// Throws ToolError (or pcapng::FileError) for a file it cannot read.
ReadSummary read_input(const std::string& path, Sink& sink,
                       const ReadOptions& o);

class Driver;

// Feeds live tap payloads (capture) through the same checks as files.
class TapReader {
public:
    TapReader(const std::string& name, Sink& s, const ReadOptions& o);
    ~TapReader();
    void payload(uint64_t ts_ns, const uint8_t* p, size_t n, uint32_t origlen);
    const ReadSummary& summary() const;

private:
    std::unique_ptr<Driver> d_;
    uint64_t count_ = 0;
};

// "N corrupt records skipped" on stderr if there were any.
void report_corrupt(const std::string& path, const ReadSummary& s);

}  // namespace mbt::tool
