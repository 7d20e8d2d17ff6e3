#include "input.hpp"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "util.hpp"

namespace mbt::tool {

const char* input_kind_name(InputKind k)
{
    switch (k) {
    case InputKind::Pcap:
        return "pcap";
    case InputKind::Console:
        return "console text";
    default:
        return "pcapng";
    }
}

std::string Item::where() const
{
    if (number == 0)  // the Section Header Block's metadata: not a frame
        return path + ": " + unit + " " + std::to_string(unit_no) +
               " (section header)";
    return path + ": " + unit + " " + std::to_string(unit_no) + " (packet " +
           std::to_string(number) + ")";
}

namespace {

bool is_tap_linktype(uint32_t lt)
{
    return lt >= 147 && lt <= 162;  // LINKTYPE_USER0..15
}

// Timestamp in the interface's if_tsresol to nanoseconds.
uint64_t to_ns(uint64_t ts, uint8_t res)
{
    if (res & 0x80) {
        const unsigned e = res & 0x7f;
        if (e >= 64)
            return 0;
        return uint64_t((unsigned __int128)ts * 1000000000u >> e);
    }
    if (res <= 9) {
        static constexpr uint64_t kScale[10] = {
            1000000000, 100000000, 10000000, 1000000, 100000,
            10000,      1000,      100,      10,      1};
        return ts * kScale[res];
    }
    for (unsigned i = 9; i < res && ts; i++)
        ts /= 10;
    return ts;
}

// One input unit.  Its bytes are views into the reader's buffers (valid
// until the next read: units are decoded and delivered at once), or buf
// where we make them (console hex).
struct Raw {
    enum Src { Tap, Carried, Custom, Stats, Bad } src = Tap;
    Item it;
    const uint8_t* data = nullptr;  // record (Carried, Custom) or payload
    size_t len = 0;
    const uint8_t* pkt = nullptr;  // Carried: the EPB's packet bytes
    size_t pkt_len = 0;
    std::vector<uint8_t> buf;
    uint64_t wire_len = 0;     // tap: the payload's length before snaplen
    // Set when something is wrong (found while reading or decoding).
    bool bad = false;
    uint64_t err_off = 0;
    std::string err;
    pcapng::Stats st;
    std::optional<uint16_t> st_lt;
    uint16_t tap_lt = MBT_LINKTYPE_USER0;  // link type of a tap payload
    bool no_record = false;  // Bad because there is no record at all
    const std::vector<pcapng::Packet::Record>* recs = nullptr;

    void fail(uint64_t off, std::string what)
    {
        bad = true;
        err_off = off;
        err = std::move(what);
    }
};

// A v1 record's numbers only, when that is all the sink reads and
// decode_numbers() takes the record whole (it.numbers); otherwise its full
// decode, which decode_numbers() has made already, goes to it.d.
bool decode_numbers_into(Item& it, const uint8_t* p, size_t n, bool numbers)
{
    it.numbers = false;
    if (!numbers || !has_v1_magic(p, n))
        return false;
    decode_numbers(p, n, it.nd);
    if (it.nd.in_full)
        std::swap(it.d, *it.nd.full);
    else
        it.numbers = true;
    return true;
}

// Decodes one unit: no I/O, no sink.
void prepare(Raw& r, bool strings, bool numbers)
{
    Item& it = r.it;
    r.bad = false;
    it.numbers = false;
    switch (r.src) {
    case Raw::Stats:
    case Raw::Bad:
        r.bad = r.src == Raw::Bad;
        return;
    case Raw::Carried:
        it.rec = r.data;
        it.rec_len = r.len;
        it.pkt = r.pkt;
        it.pkt_len = r.pkt_len;
        if (!decode_numbers_into(it, it.rec, it.rec_len, numbers))
            decode_record(it.rec, it.rec_len, it.d, strings);
        else if (it.numbers) {
            if (it.nd.consumed == it.rec_len)
                break;
            // Bytes after the record: the full decode names them below.
            it.numbers = false;
            decode_record(it.rec, it.rec_len, it.d, strings);
        }
        if (!it.d.error && it.d.consumed != it.rec_len)
            it.d.error = Error{uint32_t(it.d.consumed), "option",
                               std::to_string(it.rec_len - it.d.consumed) +
                                   " bytes after the record"};
        break;
    case Raw::Custom:
        it.rec = r.data;
        decode_record(r.data, r.len, it.d);
        it.rec_len = it.d.consumed;
        if (!it.d.error && it.d.rec.kind.v != MBT_KIND_META)
            it.d.error = Error{6, "header.kind",
                               "a Custom Block must hold a metadata record "
                               "(kind 2)"};
        break;
    case Raw::Tap: {
        const uint8_t* p = r.data;
        const size_t n = r.len;
        it.rec = p;
        it.rec_len = n;
        it.pkt = nullptr;
        it.pkt_len = 0;
        it.pkt_linktype = MBT_LINKTYPE_NONE;
        // Only v1 text may be skipped: convert re-encodes legacy strings.
        if (!decode_numbers_into(it, p, n, numbers))
            decode_any(p, n, it.d, strings || !has_v1_magic(p, n));
        if (!it.numbers && it.d.error)
            break;
        const Record& rec = it.d.rec;
        if (it.numbers || rec.format == Format::V1) {
            const size_t used = it.numbers ? it.nd.consumed : it.d.consumed;
            uint16_t lt = MBT_LINKTYPE_NONE;
            if (it.numbers ? bool(it.nd.rec.linktype) : bool(rec.linktype))
                lt = it.numbers ? it.nd.rec.linktype.v : rec.linktype.v;
            it.rec_len = used;
            const size_t rest = n - used;
            if (rest && lt == MBT_LINKTYPE_NONE) {
                r.fail(it.offset + used,
                       std::to_string(rest) +
                           " bytes follow a record whose header says no "
                           "packet bytes follow (linktype 0xffff)");
                return;
            }
            it.pkt = p + used;
            it.pkt_len = rest;
            it.pkt_linktype = lt;
        } else if (rec.legacy_ether.len) {
            it.pkt = p + rec.legacy_ether.off;
            it.pkt_len = rec.legacy_ether.len;
            it.pkt_linktype = 1;
        }
        // A snaplen cuts the packet bytes, never the record before them.
        it.origlen = uint32_t(it.pkt_len);
        if (r.wire_len > n)
            it.origlen += uint32_t(r.wire_len - n);
        break;
    }
    }
    if (!it.numbers && it.d.error) {
        const Error& e = *it.d.error;
        r.fail(it.offset + e.offset, e.field + ": " + e.what);
    }
}

}  // namespace

class Driver {
public:
    Driver(const std::string& path, Sink& s, const ReadOptions& o)
        : path_(path), sink_(s), o_(o)
    {
        raw_.it.path = path;
    }

    // The unit to fill next; push() decodes it and hands it to the sink.
    // (A worker thread decoding batches was tried: on two loaded cores it
    // was slower than decoding inline.)
    Raw& slot()
    {
        Raw& r = raw_;
        r.it.epb_packet_id.reset();
        r.it.ts_ns = 0;
        r.it.records = nullptr;
        r.it.flag.clear();
        r.it.origlen = 0;
        r.no_record = false;
        r.recs = nullptr;
        r.data = r.pkt = nullptr;
        r.len = r.pkt_len = 0;
        r.wire_len = 0;
        r.bad = false;
        return r;
    }
    void push()
    {
        // Numbers only where the strings are not wanted either: a record
        // decode_numbers() decodes in full is decoded without them.
        prepare(raw_, o_.strings, o_.numbers && !o_.strings);
        deliver(raw_);
    }
    void corrupt(const Item& it, uint64_t off, const std::string& what,
                 const char* verdict)
    {
        const std::string msg = it.where() + " at offset " +
                                std::to_string(off) + ": " + what;
        if (o_.strict)
            throw ToolError(msg + " (--strict)");
        if (!o_.quiet)
            std::fprintf(stderr, "mbuftrace: %s: %s\n", msg.c_str(), verdict);
    }
    // The input ends in a cut block: reported once, at the end.
    void cut(const std::string& what) { sum.truncated = what; }

    void pcapng_file();
    void pcap_file();
    void console_file();

    ReadSummary sum;

private:
    void deliver(Raw& r)
    {
        const bool keep = sink_.keeps_damaged();
        sum.kept = keep;
        if (r.bad) {
            // Packets without a record before any record: said once, when
            // a record comes, or as "holds no trace records" at the end
            // (a plain capture is not a thousand damaged packets).
            if (r.no_record && !seen_ && !o_.strict) {
                if (!held_++)
                    held_first_ = r.it.where();
                held_lt_ = r.it.pkt_linktype;
            } else
                corrupt(r.it, r.err_off, r.err,
                        keep ? "packet kept, flagged" : "skipped");
            (r.no_record ? sum.no_record : sum.corrupt)++;
            Damaged d;
            d.it = &r.it;
            d.reason = r.err;
            if (r.src == Raw::Carried || r.no_record) {
                d.linktype = r.it.pkt_linktype;
                d.data = r.pkt;
                d.len = r.pkt_len;
            } else {  // the whole tap payload: record and packet
                d.linktype = r.tap_lt;
                d.data = r.data;
                d.len = r.len;
            }
            d.origlen = r.it.origlen;
            d.records = r.recs;
            d.packet_id = r.it.epb_packet_id;
            sink_.damaged(d);
        } else if (r.src == Raw::Stats)
            sink_.stats(r.st, r.st_lt);
        else if (!seen_ && (seen_ = true, held_))
            flush_held(), deliver(r);
        else if (!r.it.numbers && r.it.d.rec.kind &&
                 r.it.d.rec.kind.v == MBT_KIND_META) {
            // The same metadata in the SHB and in frame 1 (SPEC 5.2), or
            // twice after a merge: delivered once.
            const std::vector<uint8_t> b(r.it.rec, r.it.rec + r.it.rec_len);
            for (const auto& m : metas_)
                if (m == b) {
                    sink_.meta_again(r.it);
                    return;
                }
            metas_.push_back(b);
            sink_.meta(r.it);
        } else {
            if (!r.it.flag.empty()) {
                corrupt(r.it, r.err_off, r.it.flag,
                        keep ? "the first is used; packet kept, flagged"
                             : "the first is shown");
                sum.flagged++;
            }
            sum.packets++;
            sink_.packet(r.it);
        }
    }
    void flush_held()
    {
        if (!o_.quiet)
            std::fprintf(stderr,
                         "mbuftrace: %s: the %llu packets before the first "
                         "trace record (from %s) have no mbuftrace record: "
                         "%s\n",
                         path_.c_str(), (unsigned long long)held_,
                         held_first_.c_str(),
                         sink_.keeps_damaged() ? "kept, flagged" : "skipped");
        held_ = 0;
    }

public:
    // At the end: an input without a single record is an error, not a
    // list of damaged packets.
    void finish()
    {
        if (seen_ || !held_)
            return;
        if (sum.corrupt || !sum.truncated.empty()) {
            flush_held();
            return;
        }
        throw ToolError(path_ + ": holds no mbuftrace trace records: its " +
                        std::to_string(held_) +
                        (held_ == 1 ? " packet is a plain packet"
                                    : " packets are plain packets") +
                        " (link type " + std::to_string(held_lt_) +
                        "); record with 'mbuftrace capture' or "
                        "'tcpdump -i mbuf_trace0 -w FILE'");
    }

private:
    bool seen_ = false;       // a record (trace or metadata) was delivered
    uint64_t held_ = 0;       // packets without a record before it
    std::string held_first_;  // where the first of them is
    uint16_t held_lt_ = 0;
    std::vector<std::vector<uint8_t>> metas_;

    std::string path_;
    Sink& sink_;
    ReadOptions o_;
    Raw raw_;
};

void Driver::pcapng_file()
{
    sum.kind = InputKind::Pcapng;
    pcapng::Reader r(path_);
    Progress bar("reading " + path_, r.file_size(), o_.progress);
    uint64_t n = 0;
    for (;;) {
        const auto k = r.next();
        bar.update(r.position());
        if (k == pcapng::Reader::Kind::End) {
            if (r.truncated())
                cut(r.truncated()->what());
            break;
        }
        if (r.at_section()) {
            // Metadata in the SHB's custom option (SPEC 5.2): not a frame.
            for (const auto& rec : r.section_records()) {
                Raw& x = slot();
                x.src = Raw::Custom;
                x.it.number = 0;
                x.it.unit = "block";
                x.it.unit_no = r.block_number();
                x.it.offset = rec.offset;
                x.it.carried = true;
                x.data = rec.bytes.data();
                x.len = rec.bytes.size();
                x.recs = &r.section_records();  // kept if damaged
                push();
            }
            continue;
        }
        if (k == pcapng::Reader::Kind::Packet) {
            const pcapng::Packet& p = r.packet();
            const pcapng::Interface& ifc = r.interfaces()[p.interface_id];
            Raw& x = slot();
            Item& it = x.it;
            it.number = ++n;
            it.unit = "block";
            it.unit_no = r.block_number();
            it.ts_ns = to_ns(p.ts, ifc.tsresol);
            it.epb_packet_id = p.packet_id;
            it.origlen = p.origlen;
            x.tap_lt = ifc.linktype;
            x.recs = &p.records;
            it.records = &p.records;
            if (!p.records.empty()) {
                const auto& rec = p.records.front();
                x.src = Raw::Carried;
                it.carried = true;
                it.offset = rec.offset;
                it.pkt_linktype = ifc.linktype;
                x.data = rec.bytes.data();
                x.len = rec.bytes.size();
                x.pkt = p.data.data();
                x.pkt_len = p.data.size();
                if (p.records.size() > 1) {
                    // SPEC 5.2: one record per EPB; the first one counts.
                    x.err_off = p.records[1].offset;
                    it.flag = "Enhanced Packet Block carries " +
                              std::to_string(p.records.size()) +
                              " mbuftrace records; one is allowed (SPEC "
                              "5.2)";
                }
            } else if (is_tap_linktype(ifc.linktype)) {
                x.src = Raw::Tap;
                it.carried = false;
                it.offset = p.data_offset;
                x.data = p.data.data();
                x.len = p.data.size();
                x.wire_len = p.origlen;
            } else {
                x.src = Raw::Bad;
                x.no_record = true;
                it.offset = p.block_offset;
                it.pkt_linktype = ifc.linktype;
                x.pkt = p.data.data();
                x.pkt_len = p.data.size();
                x.fail(p.block_offset,
                       "packet has no mbuftrace record (interface link type " +
                           std::to_string(ifc.linktype) + ")");
            }
            push();
        } else if (k == pcapng::Reader::Kind::Custom) {
            // Wireshark counts Custom Blocks as frames: so do we, so
            // that packet numbers are Wireshark's frame numbers.
            const pcapng::CustomBlock& cb = r.custom();
            ++n;
            if (cb.pen != MBT_PEN)
                continue;
            Raw& x = slot();
            x.src = Raw::Custom;
            x.it.number = n;
            x.it.unit = "block";
            x.it.unit_no = r.block_number();
            x.it.offset = cb.data_offset;
            x.it.carried = true;
            x.data = cb.data.data();
            x.len = cb.data.size();
            push();
        } else if (k == pcapng::Reader::Kind::Stats) {
            const pcapng::Stats& s = r.stats();
            Raw& x = slot();
            x.src = Raw::Stats;
            x.st = s;
            x.st_lt.reset();
            if (s.interface_id < r.interfaces().size()) {
                const pcapng::Interface& ifc = r.interfaces()[s.interface_id];
                x.st_lt = ifc.linktype;
                x.st.ts = to_ns(s.ts, ifc.tsresol);
            }
            push();
        }
    }
}

void Driver::pcap_file()
{
    sum.kind = InputKind::Pcap;
    std::FILE* f = std::fopen(path_.c_str(), "rb");
    if (!f)
        throw ToolError(path_ + ": " + std::strerror(errno));
    std::fseek(f, 0, SEEK_END);
    const uint64_t size = uint64_t(std::ftell(f));
    std::rewind(f);
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t* pc = pcap_fopen_offline_with_tstamp_precision(
        f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!pc) {
        std::fclose(f);
        throw ToolError(path_ + ": record 0 at offset 0: not a readable "
                                "pcap file: " +
                        std::string(err));
    }
    struct Closer {
        pcap_t* p;
        ~Closer() { pcap_close(p); }
    } closer{pc};
    const int lt = pcap_datalink(pc);
    if (!is_tap_linktype(uint32_t(lt)))
        throw ToolError(path_ + ": holds no mbuftrace trace records: "
                                "offset 20: link type " +
                        std::to_string(lt) +
                        " is not an mbuftrace tap (LINKTYPE_USER0..15, "
                        "147..162); record with 'mbuftrace capture' or "
                        "'tcpdump -i mbuf_trace0 -w FILE'");
    Progress bar("reading " + path_, size, o_.progress);
    uint64_t n = 0;
    for (;;) {
        const long off = std::ftell(f);
        struct pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(pc, &h, &data);
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc != 1) {
            const std::string e = pcap_geterr(pc);
            const std::string where = path_ + ": record " +
                                      std::to_string(n + 1) + " at offset " +
                                      std::to_string(off) + ": " + e;
            // libpcap's words for a file that ends inside a record.
            if (e.find("truncated") != std::string::npos) {
                cut(where + ": the file ends there");
                break;
            }
            throw ToolError(where);
        }
        Raw& x = slot();
        x.src = Raw::Tap;
        x.tap_lt = uint16_t(lt);
        x.it.number = ++n;
        x.it.unit = "record";
        x.it.unit_no = n;
        x.it.offset = uint64_t(off) + 16;
        x.it.carried = false;
        x.it.ts_ns = uint64_t(h->ts.tv_sec) * 1000000000u +
                     uint64_t(h->ts.tv_usec);
        x.data = data;
        x.len = h->caplen;
        x.wire_len = h->len;
        push();
        bar.update(uint64_t(off));
    }
}

void Driver::console_file()
{
    sum.kind = InputKind::Console;
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (!in && !in.eof())
        throw ToolError(path_ + ": read failed");
    Progress bar("reading " + path_, text.size(), o_.progress);
    static const std::string prefix = "mbuf_trace:";
    uint64_t n = 0, lineno = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos)
            eol = text.size();
        lineno++;
        const std::string_view line(text.data() + pos, eol - pos);
        const size_t line_off = pos;
        pos = eol + 1;
        bar.update(pos);
        const size_t at = line.find(prefix);
        if (at == std::string_view::npos)
            continue;
        size_t i = at + prefix.size();
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            i++;
        // Only lines that start with 8+ hex digits carry a payload;
        // others ("mbuf_trace: self-test passed") are console messages.
        size_t w = i;
        while (w < line.size() && std::isxdigit((unsigned char)line[w]))
            w++;
        if (w - i < 8)
            continue;
        Raw& x = slot();
        x.src = Raw::Tap;
        x.it.number = ++n;
        x.it.unit = "line";
        x.it.unit_no = lineno;
        x.it.offset = line_off + i;
        x.it.carried = false;
        x.buf.clear();
        int half = -1;
        for (size_t k = i; k < line.size() && x.src != Raw::Bad; k++) {
            const char c = line[k];
            if (c == ' ' || c == '\t' || c == '\r') {
                if (half >= 0) {
                    x.src = Raw::Bad;
                    x.fail(line_off + k, "odd number of hex digits in a byte");
                }
                continue;
            }
            int v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
            else {
                x.src = Raw::Bad;
                x.fail(line_off + k, std::string("bad hex digit '") + c + "'");
                break;
            }
            if (half < 0)
                half = v;
            else {
                x.buf.push_back(uint8_t(half << 4 | v));
                half = -1;
            }
        }
        if (x.src != Raw::Bad && half >= 0) {
            x.src = Raw::Bad;
            x.fail(line_off + line.size(),
                   "odd number of hex digits at the end of the line");
        }
        x.data = x.buf.data();
        x.len = x.buf.size();
        push();
    }
}

TapReader::TapReader(const std::string& name, Sink& s, const ReadOptions& o)
    : d_(std::make_unique<Driver>(name, s, o))
{
}

TapReader::~TapReader() = default;

void TapReader::payload(uint64_t ts_ns, const uint8_t* p, size_t n,
                        uint32_t origlen)
{
    Raw& x = d_->slot();
    x.src = Raw::Tap;
    x.it.number = ++count_;
    x.it.unit = "record";
    x.it.unit_no = count_;
    x.it.offset = 0;
    x.it.carried = false;
    x.it.ts_ns = ts_ns;
    x.data = p;
    x.len = n;
    x.wire_len = origlen;
    d_->push();
}

const ReadSummary& TapReader::summary() const
{
    return d_->sum;
}

namespace {

// "-": standard input, read as /dev/stdin.  The readers open a path (and
// pcap and pcapng seek), so a pipe is first copied to a temporary file that
// becomes standard input; it is unlinked at once.
ReadSummary read_stdin(Sink& sink, const ReadOptions& o)
{
    struct stat st {};
    if (::fstat(0, &st) == 0 && S_ISREG(st.st_mode))
        return read_input("/dev/stdin", sink, o);
    if (::isatty(0))
        throw ToolError("-: standard input is a terminal; pipe a capture "
                        "into it or give a file");
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") +
                       "/mbuftrace-stdin-XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0)
        throw ToolError(tmpl + ": " + std::strerror(errno));
    ::unlink(tmpl.c_str());
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(0, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || n == 0) {
            if (n < 0) {
                const int e = errno;
                ::close(fd);
                throw ToolError(std::string("-: standard input: ") +
                                std::strerror(e));
            }
            break;
        }
        for (ssize_t w = 0; w < n;) {
            const ssize_t k = ::write(fd, buf.data() + w, size_t(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                const int e = errno;
                ::close(fd);
                throw ToolError(tmpl + ": " + std::strerror(e));
            }
            w += k;
        }
    }
    if (::dup2(fd, 0) < 0) {
        ::close(fd);
        throw ToolError(std::string("-: ") + std::strerror(errno));
    }
    ::close(fd);
    ::lseek(0, 0, SEEK_SET);
    return read_input("/dev/stdin", sink, o);
}

}  // namespace

ReadSummary read_input(const std::string& path, Sink& sink,
                       const ReadOptions& o)
{
    if (path == "-")
        return read_stdin(sink, o);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw ToolError(path + ": is a directory, not a capture file");
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        throw ToolError(path + ": " + std::strerror(errno));
    // Console logs may hold a lot of boot messages before the first record.
    std::vector<uint8_t> head(1 << 16);
    const uint8_t* m = head.data();
    const size_t got = std::fread(head.data(), 1, head.size(), f);
    std::fclose(f);
    if (got == 0)
        throw ToolError(path + ": offset 0: empty file");
    Driver d(path, sink, o);
    const uint32_t le = got >= 4 ? uint32_t(m[0]) | uint32_t(m[1]) << 8 |
                                       uint32_t(m[2]) << 16 |
                                       uint32_t(m[3]) << 24
                                 : 0;
    if (le == pcapng::BT_SHB)
        d.pcapng_file();
    else if (le == 0xa1b2c3d4 || le == 0xd4c3b2a1 || le == 0xa1b23c4d ||
             le == 0x4d3cb2a1)
        d.pcap_file();
    else if (std::memchr(m, 0, got) == nullptr &&
             std::string_view(reinterpret_cast<const char*>(m), got)
                     .find("mbuf_trace:") != std::string_view::npos)
        d.console_file();
    else {
        char b[16];
        std::snprintf(b, sizeof b, "0x%08x", le);
        throw ToolError(path + ": offset 0: not a pcapng, pcap or mbuf_trace "
                               "console file (magic " +
                        std::string(b) + ")");
    }
    d.finish();
    return d.sum;
}

void report_corrupt(const std::string& path, const ReadSummary& s)
{
    const char* fate = s.kept ? "kept, flagged with a comment" : "skipped";
    const auto line = [&](uint64_t n, const char* one, const char* many,
                          const char* what) {
        if (n)
            std::fprintf(stderr, "mbuftrace: %s: %llu %s %s (use --strict to "
                                 "make this an error)\n",
                         path.c_str(), (unsigned long long)n,
                         n == 1 ? one : many, what);
    };
    line(s.corrupt, "packet whose record is corrupt",
         "packets whose records are corrupt", fate);
    line(s.no_record, "packet without an mbuftrace record",
         "packets without an mbuftrace record", fate);
    line(s.flagged, "packet with more than one record",
         "packets with more than one record",
         s.kept ? "kept, flagged with a comment" : "shown with their first");
    if (!s.truncated.empty())
        std::fprintf(stderr,
                     "mbuftrace: %s: the input is cut short; everything "
                     "before the cut was read\n",
                     s.truncated.c_str());
}

}  // namespace mbt::tool
