// pcapng reading and writing for the mbuftrace carriers (SPEC 5): SHB, IDB,
// EPB with options (our custom option 2989 + epb_packetid), Custom Block and
// ISB.  The reader takes both byte orders; every error names the file, the
// block number and the byte offset.  A block cut by the end of the file (a
// capture killed mid-write) ends the file: truncated() says where.  The
// writer either writes a regular file through a temporary one renamed on
// commit() (a failed run leaves no partial output), or writes in place: the
// streaming mode of capture (flush() puts every block so far on disk) and
// any path that is not a regular file (a device, a FIFO, /dev/stdout).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace mbt::pcapng {

constexpr uint32_t BT_SHB = 0x0A0D0D0A;
constexpr uint32_t BT_IDB = 0x00000001;
constexpr uint32_t BT_SPB = 0x00000003;
constexpr uint32_t BT_EPB = 0x00000006;
constexpr uint32_t BT_ISB = 0x00000005;
constexpr uint32_t BT_CB_COPY = 0x00000BAD;
constexpr uint32_t BT_CB_NOCOPY = 0x40000BAD;

// Thrown for anything wrong with a file: unreadable, truncated, malformed.
struct FileError : std::runtime_error {
    FileError(std::string file, uint64_t block, uint64_t offset,
              const std::string& what);
    // An output-side error: "file: what", no block or offset.
    struct Output {};
    FileError(Output, std::string file, const std::string& what);
    std::string file;
    uint64_t block;   // 0-based block number, as far as it got
    uint64_t offset;  // byte offset in the file
};

struct Option {
    uint16_t code = 0;
    std::vector<uint8_t> value;
    uint64_t offset = 0;  // of the value in the file
};

struct Interface {
    uint16_t linktype = 0;
    uint32_t snaplen = 0;
    std::string name;
    uint8_t tsresol = 6;  // pcapng if_tsresol
};

// Bytes the Reader holds (its read-ahead buffer, or a copy): valid until
// the next call of next() unless said otherwise.  Not copied per block.
struct ByteView {
    const uint8_t* p = nullptr;
    size_t n = 0;
    const uint8_t* data() const { return p; }
    size_t size() const { return n; }
    bool empty() const { return n == 0; }
    const uint8_t* begin() const { return p; }
    const uint8_t* end() const { return p + n; }
    uint8_t operator[](size_t i) const { return p[i]; }
    std::vector<uint8_t> vec() const { return {p, p + n}; }
    friend bool operator==(const ByteView& a, const std::vector<uint8_t>& b)
    {
        return a.n == b.size() && (a.n == 0 || !std::memcmp(a.p, b.data(), a.n));
    }
    friend bool operator==(const std::vector<uint8_t>& b, const ByteView& a)
    {
        return a == b;
    }
};

// An option as the Reader found it: its value in the Reader's buffer (see
// ByteView), not copied.
struct OptionView {
    uint16_t code = 0;
    ByteView value;
    uint64_t offset = 0;  // of the value in the file
};

struct Packet {
    uint64_t block_offset = 0;
    uint32_t interface_id = 0;
    uint64_t ts = 0;  // raw, in the interface's resolution
    uint32_t caplen = 0;
    uint32_t origlen = 0;
    ByteView data;  // until the next next()
    uint64_t data_offset = 0;
    std::vector<OptionView> options;    // until the next next()
    std::optional<uint64_t> packet_id;  // epb_packetid
    // Our records from custom options 2989/19373 with MBT_PEN, PEN removed.
    struct Record {
        ByteView bytes;   // until the next next() (an SHB's: the next SHB)
        uint64_t offset;  // of the record in the file
    };
    std::vector<Record> records;
};

struct CustomBlock {
    uint64_t block_offset = 0;
    uint32_t pen = 0;
    bool copyable = true;
    std::vector<uint8_t> data;  // after the PEN
    uint64_t data_offset = 0;
};

struct Stats {
    uint64_t block_offset = 0;
    uint32_t interface_id = 0;
    uint64_t ts = 0;
    std::optional<uint64_t> ifrecv, ifdrop, osdrop;
};

class Reader {
public:
    enum class Kind { Packet, Custom, Stats, Other, End };

    explicit Reader(const std::string& path);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // Reads the next block.  SHB and IDB are absorbed (Other is returned
    // for them and for blocks we do not interpret).  Throws FileError.
    Kind next();

    const Packet& packet() const { return pkt_; }
    const CustomBlock& custom() const { return cb_; }
    const Stats& stats() const { return isb_; }
    const std::vector<Interface>& interfaces() const { return ifs_; }
    const std::vector<Option>& section_options() const { return shb_opts_; }
    // Our records in the SHB's custom options (the metadata, SPEC 5.2),
    // valid after the SHB until the next one; at_section(): the block just
    // read was an SHB.
    const std::vector<Packet::Record>& section_records() const
    {
        return shb_recs_;
    }
    bool at_section() const { return at_section_; }
    // Set when next() returned End because the last block is cut short
    // (what it says and where); the blocks before it were all read.
    const std::optional<FileError>& truncated() const { return truncated_; }
    bool big_endian() const { return be_; }
    uint64_t block_number() const { return blockno_; }
    uint64_t block_offset() const { return block_off_; }
    const std::string& path() const { return path_; }
    uint64_t file_size() const { return size_; }
    uint64_t position() const { return pos_; }

private:
    [[noreturn]] void fail(uint64_t off, const std::string& what) const;
    uint16_t r16(const uint8_t* p) const
    {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return be_ != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
                   ? __builtin_bswap16(v)
                   : v;
    }
    uint32_t r32(const uint8_t* p) const
    {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return be_ != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
                   ? __builtin_bswap32(v)
                   : v;
    }
    // n bytes of the file at in_[in_pos_] (fewer at its end): read ahead
    // in big chunks, so that a block costs no stdio call.
    size_t fill(size_t n)
    {
        return in_end_ - in_pos_ >= n ? n : refill(n);
    }
    size_t refill(size_t n);
    std::vector<Option> parse_options(const uint8_t* p, size_t n,
                                      uint64_t file_off);
    // Views into p (the EPB's, parsed once per block), reusing out.
    void parse_options(const uint8_t* p, size_t n, uint64_t file_off,
                       std::vector<OptionView>& out);
    std::vector<OptionView> views_;  // parse_options()'s, for the copies
    std::string path_;
    std::FILE* f_ = nullptr;
    uint64_t size_ = 0;
    uint64_t pos_ = 0;
    uint64_t blockno_ = 0;
    uint64_t block_off_ = 0;
    bool be_ = false;
    bool have_shb_ = false;
    std::unique_ptr<uint8_t[]> in_;  // not zeroed: read into
    size_t in_cap_ = 0, in_pos_ = 0, in_end_ = 0;
    std::vector<Interface> ifs_;
    std::vector<Option> shb_opts_;
    std::vector<Packet::Record> shb_recs_;
    bool at_section_ = false;
    std::optional<FileError> truncated_;
    Kind cut(uint64_t off, const std::string& what);
    Packet pkt_;
    CustomBlock cb_;
    Stats isb_;
};

class Writer {
public:
    enum class Mode {
        Atomic,  // "<path>.tmp.<pid>", renamed to path by commit()
        Stream,  // path itself, blocks on disk at every flush()
    };
    // Throws FileError (output form) if the file cannot be created.  A path
    // that exists and is not a regular file is always written in place.
    explicit Writer(const std::string& path, bool big_endian = false,
                    Mode mode = Mode::Atomic);
    ~Writer();  // removes the temporary file unless committed
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // meta: a metadata record for the SHB custom option 2989 (SPEC 5.2),
    // at most kMaxOptionRecord bytes.
    void section(std::string_view hardware = {}, std::string_view os = {},
                 std::string_view userappl = {},
                 const uint8_t* meta = nullptr, size_t meta_len = 0);
    static constexpr size_t kMaxOptionRecord = 0xffff - 4;
    // Returns the interface id.  tsresol 9 = nanoseconds.
    uint32_t interface(uint16_t linktype, uint32_t snaplen = 262144,
                       std::string_view name = {}, uint8_t tsresol = 9);
    // One EPB; record (may be empty) goes into option 2989 with MBT_PEN.
    // extra: more options, written as they are (code, value); comment: an
    // opt_comment (the flag of a packet kept despite damage).
    void packet(uint32_t ifid, uint64_t ts, const uint8_t* data,
                uint32_t caplen, uint32_t origlen, const uint8_t* record,
                size_t record_len, std::optional<uint64_t> packet_id,
                const std::vector<Option>* extra = nullptr,
                std::string_view comment = {});
    void custom_block(uint32_t pen, const uint8_t* data, size_t len,
                      bool copyable = true);
    void stats(uint32_t ifid, uint64_t ts, std::optional<uint64_t> ifrecv,
               std::optional<uint64_t> ifdrop, std::optional<uint64_t> osdrop);
    // Raw block passthrough (type + body without the length words).
    void raw_block(uint32_t type, const uint8_t* body, size_t len);
    // Everything written so far goes to the file (and to the kernel).
    void flush();
    // Bytes handed to the writer so far (the file's size after flush()).
    uint64_t size() const { return emitted_; }
    void commit();
    const std::string& path() const { return path_; }
    // The temporary file ("" when writing in place).
    const std::string& tmp_path() const { return tmp_; }

private:
    void put16(std::vector<uint8_t>& b, uint16_t v) const;
    // Stores in the file's byte order: one swap (or none) and one store.
    // The forms with `swap` take the order decided once by the caller (a
    // Writer's own flag, behind stores through a byte pointer, which may
    // point anywhere, would be read again for every field).
    static constexpr bool kHostBig =
        __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    bool swapped() const { return be_ != kHostBig; }
    static void store16(uint8_t* p, uint16_t v, bool swap)
    {
        if (swap)
            v = __builtin_bswap16(v);
        std::memcpy(p, &v, 2);
    }
    static void store32(uint8_t* p, uint32_t v, bool swap)
    {
        if (swap)
            v = __builtin_bswap32(v);
        std::memcpy(p, &v, 4);
    }
    void store16(uint8_t* p, uint16_t v) const { store16(p, v, swapped()); }
    void store32(uint8_t* p, uint32_t v) const { store32(p, v, swapped()); }
    // An option's length fits its 16-bit field (else FileError); the
    // check inline, the error out of line.
    void check_option(uint16_t code, size_t n) const
    {
        if (n > 0xffff)
            option_too_long(code, n);
    }
    [[noreturn]] void option_too_long(uint16_t code, size_t n) const;
    // An option written in place at p, its padding zeroed; returns the
    // end of its padding.
    static uint8_t* option_at(uint8_t* p, uint16_t code, const uint8_t* v,
                              size_t vn, bool swap)
    {
        store16(p, code, swap);
        store16(p + 2, uint16_t(vn), swap);
        const size_t padded = (vn + 3) & ~size_t(3);
        if (padded) {
            std::memset(p + padded, 0, 4);  // the last word's padding
            std::memcpy(p + 4, v, vn);
        }
        return p + 4 + padded;
    }
    uint8_t* option_at(uint8_t* p, uint16_t code, const uint8_t* v,
                       size_t vn) const
    {
        return option_at(p, code, v, vn, swapped());
    }
    void put32(std::vector<uint8_t>& b, uint32_t v) const;
    void put64(std::vector<uint8_t>& b, uint64_t v) const;
    void option(std::vector<uint8_t>& b, uint16_t code, const uint8_t* p,
                size_t n) const;
    void block(uint32_t type, const std::vector<uint8_t>& body);
    std::string path_, tmp_;
    std::FILE* f_ = nullptr;
    bool be_;
    bool committed_ = false;
    uint32_t nifs_ = 0;
    void emit(const uint8_t* p, size_t n);
    // n more bytes (not zeroed: the caller writes every one) at the end of
    // the pending output, and the check for a full chunk once they are
    // written.
    uint8_t* room(size_t n)
    {
        if (pending_.cap - pend_ < n)
            grow(n);
        uint8_t* const p = pending_.p.get() + pend_;
        pend_ += n;
        emitted_ += n;
        return p;
    }
    void grow(size_t n);
    void emitted();
    void hand_over();
    void write_loop();
    void stop_thread();
    static constexpr size_t kChunk = 4u << 20;
    // pending_[0, pend_) waits to be written; writing_[0, wlen_) is with
    // the thread.  Not zeroed, never resized per block: every byte handed
    // out by room() is written by its caller.
    struct Buf {
        std::unique_ptr<uint8_t[]> p;
        size_t cap = 0;
    };
    Buf pending_, writing_;
    size_t pend_ = 0, wlen_ = 0;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool busy_ = false, stop_ = false;
    std::string werr_;      // the writer thread's first error
    uint64_t written_ = 0;  // bytes in the file so far
    uint64_t emitted_ = 0;  // bytes handed to emit()
    Mode mode_;
};

}  // namespace mbt::pcapng
