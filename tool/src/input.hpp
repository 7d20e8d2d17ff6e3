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
    // With ReadOptions::numbers, a v1 trace record that decode_numbers()
    // read whole is in nd, not d (numbers set); any other record is in d.
    NumResult nd;
    bool numbers = false;
    // The EPB's records (pcapng): more than one is flagged (SPEC 5.2).
    const std::vector<pcapng::Packet::Record>* records = nullptr;
    std::string flag;  // set: delivered, but the packet is flagged

    std::string where() const;  // "file: block 7 (packet 5) at offset 96"
    std::string path;
};

// A packet whose record is corrupt or missing: what it had, so that a
// writer can keep it (convert never drops a packet).
struct Damaged {
    const Item* it = nullptr;  // number, ts, where; its rec may be bad
    std::string reason;        // one line: "field: what"
    uint16_t linktype = MBT_LINKTYPE_NONE;  // of data
    const uint8_t* data = nullptr;
    size_t len = 0;
    uint32_t origlen = 0;
    // The EPB's records, kept as they are (pcapng input), or none.
    const std::vector<pcapng::Packet::Record>* records = nullptr;
    std::optional<uint64_t> packet_id;
};

class Sink {
public:
    virtual ~Sink() = default;
    // A metadata record (Custom Block or kind-2 tap record).
    virtual void meta(const Item&) {}
    // The same metadata record again (frame 1 repeats the SHB's, SPEC 5.2).
    virtual void meta_again(const Item&) {}
    virtual void packet(const Item&) = 0;
    // An Interface Statistics Block (ts in ns); linktype of its interface.
    virtual void stats(const pcapng::Stats&, std::optional<uint16_t>) {}
    // A packet with a corrupt or missing record (already reported).
    virtual void damaged(const Damaged&) {}
    // True if damaged packets are kept (the report says so).
    virtual bool keeps_damaged() const { return false; }
};

struct ReadOptions {
    bool strict = false;    // the first corrupt record is a fatal error
    bool progress = false;  // progress bar on stderr
    bool quiet = false;     // do not print each corrupt record
    bool strings = true;    // false: string tables checked, not built
    // A sink that reads only a trace record's numbers (format, link type,
    // packet id: convert without comments) gets them from decode_numbers()
    // when it can (Item::numbers).
    bool numbers = false;
};

struct ReadSummary {
    InputKind kind = InputKind::Pcapng;
    uint64_t packets = 0;    // records handed to the sink
    uint64_t corrupt = 0;    // packets whose record is corrupt: reported
    uint64_t no_record = 0;  // packets without a record: reported
    uint64_t flagged = 0;    // delivered, but flagged (extra records)
    bool kept = false;       // the sink kept the damaged packets
    std::string truncated;   // where the input is cut short, or ""
    bool damage() const
    {
        return corrupt || no_record || flagged || !truncated.empty();
    }
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

// One line each on stderr: corrupt records, packets without a record,
// flagged packets (skipped or kept), and a cut end of the input.
void report_corrupt(const std::string& path, const ReadSummary& s);

}  // namespace mbt::tool
