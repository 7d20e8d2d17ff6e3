// pcapng reader/writer (SPEC 5).  Section byte order is taken from the SHB;
// every length is checked against the block it lives in.
#include "mbuftrace/pcapng.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

extern "C" {
#include <sys/mbuf_trace_wire.h>
}

namespace mbt::pcapng {

namespace {

// One Reader or Writer owns its FILE: no other thread shares it, so the
// stdio lock (taken once the Writer's thread exists) is not needed.
size_t mbt_fread(void* p, size_t size, size_t n, std::FILE* f)
{
#if defined(__GLIBC__) || defined(__FreeBSD__)
    return fread_unlocked(p, size, n, f);
#else
    return std::fread(p, size, n, f);
#endif
}

constexpr uint32_t BOM = 0x1A2B3C4D;
constexpr uint32_t MAX_BLOCK = 256u << 20;
constexpr uint16_t OPT_ENDOFOPT = 0;
constexpr uint16_t OPT_CUSTOM_STR = 2988;
constexpr uint16_t OPT_CUSTOM_STR_NOCOPY = 19372;
constexpr uint16_t OPT_COMMENT = 1;
constexpr uint16_t IF_NAME = 2;
constexpr uint16_t IF_TSRESOL = 9;
constexpr uint16_t ISB_IFRECV = 4;
constexpr uint16_t ISB_IFDROP = 5;
constexpr uint16_t ISB_OSDROP = 7;

std::string hex32(uint32_t v)
{
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

}  // namespace

FileError::FileError(std::string f, uint64_t b, uint64_t o,
                     const std::string& what)
    : std::runtime_error(f + ": block " + std::to_string(b) + " at offset " +
                         std::to_string(o) + ": " + what),
      file(std::move(f)), block(b), offset(o)
{
}

FileError::FileError(Output, std::string f, const std::string& what)
    : std::runtime_error(f + ": " + what), file(std::move(f)), block(0),
      offset(0)
{
}

Reader::Reader(const std::string& path) : path_(path)
{
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_)
        throw FileError(path, 0, 0, std::strerror(errno));
    // Read ahead by fill(): stdio's buffer would be one more copy.
    std::setvbuf(f_, nullptr, _IONBF, 0);
    if (std::fseek(f_, 0, SEEK_END) == 0) {
        const long n = std::ftell(f_);
        size_ = n > 0 ? uint64_t(n) : 0;
        std::rewind(f_);
    }
}

Reader::~Reader()
{
    if (f_)
        std::fclose(f_);
}

void Reader::fail(uint64_t off, const std::string& what) const
{
    throw FileError(path_, blockno_, off, what);
}

size_t Reader::refill(size_t n)
{
    const size_t have = in_end_ - in_pos_;
    if (in_cap_ < n) {
        const size_t cap = std::max(n, size_t(1) << 20);
        std::unique_ptr<uint8_t[]> b(new uint8_t[cap]);
        if (have)
            std::memcpy(b.get(), in_.get() + in_pos_, have);
        in_ = std::move(b);
        in_cap_ = cap;
    } else if (in_pos_ && have)
        std::memmove(in_.get(), in_.get() + in_pos_, have);
    in_pos_ = 0;
    in_end_ = have;
    while (in_end_ < n) {
        const size_t got =
            mbt_fread(in_.get() + in_end_, 1, in_cap_ - in_end_, f_);
        if (got == 0)
            break;
        in_end_ += got;
    }
    return std::min(n, in_end_);
}

// Copies (SHB, IDB, ISB: once per section or interface).
std::vector<Option> Reader::parse_options(const uint8_t* p, size_t n,
                                          uint64_t off)
{
    parse_options(p, n, off, views_);
    std::vector<Option> out(views_.size());
    for (size_t i = 0; i < views_.size(); i++) {
        out[i].code = views_[i].code;
        out[i].value = views_[i].value.vec();
        out[i].offset = views_[i].offset;
    }
    return out;
}

void Reader::parse_options(const uint8_t* p, size_t n, uint64_t off,
                           std::vector<OptionView>& out)
{
    out.clear();
    size_t i = 0;
    while (i + 4 <= n) {
        const uint16_t code = r16(p + i);
        const uint16_t len = r16(p + i + 2);
        if (code == OPT_ENDOFOPT)
            break;
        if (len > n - i - 4)
            fail(off + i, "option " + std::to_string(code) + " length " +
                              std::to_string(len) +
                              " runs past the end of the block");
        out.push_back(OptionView{code, ByteView{p + i + 4, len}, off + i + 4});
        i += 4 + ((len + 3u) & ~3u);
    }
}

// The last block is cut short: what came before it stands (SPEC 5.2).
Reader::Kind Reader::cut(uint64_t off, const std::string& what)
{
    truncated_.emplace(path_, blockno_, off, what);
    return Kind::End;
}

Reader::Kind Reader::next()
{
    uint8_t hdr[12];
    at_section_ = false;
    if (truncated_)
        return Kind::End;
    block_off_ = pos_;
    if (have_shb_)
        blockno_++;
    const size_t got = fill(8);
    if (got == 0 && std::feof(f_)) {
        if (!have_shb_)
            fail(0, "empty file: not a pcapng file");
        return Kind::End;
    }
    if (got < 8) {
        if (have_shb_ && std::feof(f_))
            return cut(pos_, "truncated block header (" + std::to_string(got) +
                                 " of 8 bytes): the file ends there");
        fail(pos_, "truncated block header (" + std::to_string(got) +
                       " of 8 bytes)");
    }
    std::memcpy(hdr, in_.get() + in_pos_, 8);
    uint32_t type = uint32_t(hdr[0]) | uint32_t(hdr[1]) << 8 |
                    uint32_t(hdr[2]) << 16 | uint32_t(hdr[3]) << 24;
    if (type == BT_SHB) {
        if (fill(12) != 12)
            fail(pos_ + 8, "truncated Section Header Block");
        std::memcpy(hdr + 8, in_.get() + in_pos_ + 8, 4);
        const uint32_t bom_le = uint32_t(hdr[8]) | uint32_t(hdr[9]) << 8 |
                                uint32_t(hdr[10]) << 16 |
                                uint32_t(hdr[11]) << 24;
        if (bom_le == BOM)
            be_ = false;
        else if (bom_le == 0x4D3C2B1A)
            be_ = true;
        else
            fail(pos_ + 8, "bad byte-order magic " + hex32(bom_le));
        have_shb_ = true;
        ifs_.clear();
    } else if (!have_shb_) {
        fail(0, "not a pcapng file (first block type " + hex32(type) +
                    " is not a Section Header Block)");
    } else
        type = r32(hdr);
    const uint32_t total = r32(hdr + 4);
    if (total < 12 || total % 4 != 0 || total > MAX_BLOCK)
        fail(pos_ + 4, "bad block length " + std::to_string(total));
    if (total > size_ - pos_) {
        const std::string what = "block length " + std::to_string(total) +
                                 " runs past the end of the file (" +
                                 std::to_string(size_ - pos_) + " bytes left)";
        if (have_shb_ && type != BT_SHB)
            return cut(pos_ + 4, what + ": the file ends in this block");
        fail(pos_ + 4, what);
    }
    if (fill(total) != total)
        fail(pos_, "truncated block");
    // The body and the trailing length, in place in the read-ahead buffer
    // (valid until the next fill).
    const uint8_t* b = in_.get() + in_pos_ + 8;
    in_pos_ += total;
    const uint64_t body_off = pos_ + 8;
    pos_ += total;
    const size_t n = total - 12;  // body without the trailing length
    if (r32(b + n) != total)
        fail(pos_ - 4, "trailing block length " + std::to_string(r32(b + n)) +
                           " differs from " + std::to_string(total));

    switch (type) {
    case BT_SHB:
        if (n < 16)
            fail(body_off, "Section Header Block too short");
        if (r16(b + 4) != 1)
            fail(body_off + 4,
                 "unsupported pcapng major version " + std::to_string(r16(b + 4)));
        shb_opts_ = parse_options(b + 16, n - 16, body_off + 16);
        shb_recs_.clear();
        for (const Option& o : shb_opts_)
            if ((o.code == MBT_PCAPNG_OPT_CUSTOM_BIN ||
                 o.code == MBT_PCAPNG_OPT_CUSTOM_BIN_NOCOPY) &&
                o.value.size() >= 4 && r32(o.value.data()) == MBT_PEN)
                // Into shb_opts_, kept until the next SHB.
                shb_recs_.push_back(Packet::Record{
                    ByteView{o.value.data() + 4, o.value.size() - 4},
                    o.offset + 4});
        at_section_ = true;
        return Kind::Other;
    case BT_IDB: {
        if (n < 8)
            fail(body_off, "Interface Description Block too short");
        Interface i;
        i.linktype = r16(b);
        i.snaplen = r32(b + 4);
        for (const Option& o : parse_options(b + 8, n - 8, body_off + 8)) {
            if (o.code == IF_NAME)
                i.name.assign(o.value.begin(), o.value.end());
            else if (o.code == IF_TSRESOL && !o.value.empty())
                i.tsresol = o.value[0];
        }
        ifs_.push_back(std::move(i));
        return Kind::Other;
    }
    case BT_EPB: {
        if (n < 20)
            fail(body_off, "Enhanced Packet Block too short");
        Packet& p = pkt_;
        p.block_offset = block_off_;
        p.interface_id = r32(b);
        if (p.interface_id >= ifs_.size())
            fail(body_off, "interface id " + std::to_string(p.interface_id) +
                               " has no Interface Description Block");
        p.ts = uint64_t(r32(b + 4)) << 32 | r32(b + 8);
        p.caplen = r32(b + 12);
        p.origlen = r32(b + 16);
        const size_t padded = (size_t(p.caplen) + 3) & ~size_t(3);
        if (p.caplen > n - 20 || padded > n - 20)
            fail(body_off + 12, "captured length " + std::to_string(p.caplen) +
                                    " exceeds the block (" +
                                    std::to_string(n - 20) + " bytes)");
        p.data_offset = body_off + 20;
        p.data = ByteView{b + 20, p.caplen};
        parse_options(b + 20 + padded, n - 20 - padded,
                      body_off + 20 + padded, p.options);
        p.packet_id.reset();
        size_t nrec = 0;
        for (const OptionView& o : p.options) {
            if (o.code == MBT_PCAPNG_OPT_PACKETID && o.value.size() == 8) {
                const uint64_t hi = r32(o.value.data() + (be_ ? 0 : 4));
                const uint64_t lo = r32(o.value.data() + (be_ ? 4 : 0));
                p.packet_id = hi << 32 | lo;
            } else if ((o.code == MBT_PCAPNG_OPT_CUSTOM_BIN ||
                        o.code == MBT_PCAPNG_OPT_CUSTOM_BIN_NOCOPY) &&
                       o.value.size() >= 4 && r32(o.value.data()) == MBT_PEN) {
                if (nrec == p.records.size())
                    p.records.emplace_back();
                Packet::Record& r = p.records[nrec++];
                r.bytes = ByteView{o.value.data() + 4, o.value.size() - 4};
                r.offset = o.offset + 4;
            } else if (o.code == OPT_CUSTOM_STR ||
                       o.code == OPT_CUSTOM_STR_NOCOPY) {
                // A string custom option of someone else: kept in options.
            }
        }
        p.records.resize(nrec);
        return Kind::Packet;
    }
    case BT_CB_COPY:
    case BT_CB_NOCOPY:
        if (n < 4)
            fail(body_off, "Custom Block too short for its PEN");
        cb_.block_offset = block_off_;
        cb_.pen = r32(b);
        cb_.copyable = type == BT_CB_COPY;
        cb_.data.assign(b + 4, b + n);
        cb_.data_offset = body_off + 4;
        return Kind::Custom;
    case BT_ISB: {
        if (n < 12)
            fail(body_off, "Interface Statistics Block too short");
        isb_ = Stats{};
        isb_.block_offset = block_off_;
        isb_.interface_id = r32(b);
        isb_.ts = uint64_t(r32(b + 4)) << 32 | r32(b + 8);
        for (const Option& o : parse_options(b + 12, n - 12, body_off + 12)) {
            if (o.value.size() != 8)
                continue;
            const uint64_t hi = r32(o.value.data() + (be_ ? 0 : 4));
            const uint64_t lo = r32(o.value.data() + (be_ ? 4 : 0));
            const uint64_t v = hi << 32 | lo;
            if (o.code == ISB_IFRECV)
                isb_.ifrecv = v;
            else if (o.code == ISB_IFDROP)
                isb_.ifdrop = v;
            else if (o.code == ISB_OSDROP)
                isb_.osdrop = v;
        }
        return Kind::Stats;
    }
    default:
        return Kind::Other;
    }
}

Writer::Writer(const std::string& path, bool big_endian, Mode mode)
    : path_(path), be_(big_endian), mode_(mode)
{
    // A device, a FIFO or a symbolic link (/dev/stdout) is written in
    // place: renaming a file over it would replace it (show -o /dev/null
    // replaced the system's /dev/null).  lstat: the path itself counts.
    struct stat st;
    const bool special =
        ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
    if (special)
        mode_ = Mode::Stream;
    if (mode_ == Mode::Atomic)
        tmp_ = path + ".tmp." + std::to_string(::getpid());
    const std::string& target = tmp_.empty() ? path_ : tmp_;
    f_ = std::fopen(target.c_str(), "wb");
    if (!f_)
        throw FileError(FileError::Output{}, path,
                        (tmp_.empty() ? "cannot create: "
                                      : "cannot create " + tmp_ + ": ") +
                            std::string(std::strerror(errno)));
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

Writer::~Writer()
{
    stop_thread();
    if (f_) {
        // In place, what was written stays: flush it.
        if (tmp_.empty() && pend_)
            std::fwrite(pending_.p.get(), 1, pend_, f_);
        std::fclose(f_);
    }
    if (!committed_ && !tmp_.empty())
        std::remove(tmp_.c_str());
}

void Writer::put16(std::vector<uint8_t>& b, uint16_t v) const
{
    const size_t n = b.size();
    b.resize(n + 2);
    store16(b.data() + n, v);
}

void Writer::put32(std::vector<uint8_t>& b, uint32_t v) const
{
    const size_t n = b.size();
    b.resize(n + 4);
    store32(b.data() + n, v);
}

void Writer::put64(std::vector<uint8_t>& b, uint64_t v) const
{
    if (be_) {
        put32(b, uint32_t(v >> 32));
        put32(b, uint32_t(v));
    } else {
        put32(b, uint32_t(v));
        put32(b, uint32_t(v >> 32));
    }
}

void Writer::option(std::vector<uint8_t>& b, uint16_t code, const uint8_t* p,
                    size_t n) const
{
    if (n > 0xffff)
        throw FileError(FileError::Output{}, path_,
                        "option " + std::to_string(code) + " too long (" +
                            std::to_string(n) + " bytes)");
    put16(b, code);
    put16(b, uint16_t(n));
    b.insert(b.end(), p, p + n);
    b.resize((b.size() + 3) & ~size_t(3), 0);
}

void Writer::block(uint32_t type, const std::vector<uint8_t>& body)
{
    std::vector<uint8_t> b;
    b.reserve(body.size() + 12);
    const uint32_t total = uint32_t(body.size() + 12);
    put32(b, type);
    put32(b, total);
    b.insert(b.end(), body.begin(), body.end());
    put32(b, total);
    emit(b.data(), b.size());
}

void Writer::raw_block(uint32_t type, const uint8_t* body, size_t len)
{
    block(type, std::vector<uint8_t>(body, body + len));
}

void Writer::section(std::string_view hw, std::string_view os,
                     std::string_view app, const uint8_t* meta,
                     size_t meta_len)
{
    std::vector<uint8_t> b;
    put32(b, BOM);
    put16(b, 1);
    put16(b, 0);
    put64(b, ~uint64_t(0));
    const auto str = [&](uint16_t code, std::string_view s) {
        if (!s.empty())
            option(b, code, reinterpret_cast<const uint8_t*>(s.data()),
                   s.size());
    };
    str(2, hw);
    str(3, os);
    str(4, app);
    if (meta_len) {
        std::vector<uint8_t> v;
        put32(v, MBT_PEN);
        v.insert(v.end(), meta, meta + meta_len);
        option(b, MBT_PCAPNG_OPT_CUSTOM_BIN, v.data(), v.size());
    }
    if (!hw.empty() || !os.empty() || !app.empty() || meta_len)
        put32(b, 0);
    block(BT_SHB, b);
}

uint32_t Writer::interface(uint16_t linktype, uint32_t snaplen,
                           std::string_view name, uint8_t tsresol)
{
    std::vector<uint8_t> b;
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    if (!name.empty())
        option(b, IF_NAME, reinterpret_cast<const uint8_t*>(name.data()),
               name.size());
    option(b, IF_TSRESOL, &tsresol, 1);
    put32(b, 0);
    block(BT_IDB, b);
    return nifs_++;
}

namespace {

size_t pad4(size_t n) { return (n + 3) & ~size_t(3); }

}  // namespace

void Writer::option_too_long(uint16_t code, size_t n) const
{
    throw FileError(FileError::Output{}, path_,
                    "option " + std::to_string(code) + " too long (" +
                        std::to_string(n) + " bytes)");
}

void Writer::packet(uint32_t ifid, uint64_t ts, const uint8_t* data,
                    uint32_t caplen, uint32_t origlen, const uint8_t* record,
                    size_t record_len, std::optional<uint64_t> packet_id,
                    const std::vector<Option>* extra, std::string_view comment)
{
    // The hot path of convert: the block's size first, then the block
    // written once, in place at the end of the pending output.
    size_t opts = 0;
    if (record_len) {
        check_option(MBT_PCAPNG_OPT_CUSTOM_BIN, 4 + record_len);
        opts += 4 + pad4(4 + record_len);
    }
    if (packet_id)
        opts += 12;
    if (extra)
        for (const Option& o : *extra) {
            check_option(o.code, o.value.size());
            opts += 4 + pad4(o.value.size());
        }
    if (!comment.empty()) {
        check_option(OPT_COMMENT, comment.size());
        opts += 4 + pad4(comment.size());
    }
    if (opts)
        opts += 4;  // opt_endofopt
    const size_t total = 28 + pad4(caplen) + opts + 4;
    uint8_t* const b = room(total);
    const bool swap = swapped();
    const bool be = be_;
    store32(b, BT_EPB, swap);
    store32(b + 4, uint32_t(total), swap);
    store32(b + 8, ifid, swap);
    store32(b + 12, uint32_t(ts >> 32), swap);
    store32(b + 16, uint32_t(ts), swap);
    store32(b + 20, caplen, swap);
    store32(b + 24, origlen, swap);
    uint8_t* p = b + 28;
    if (caplen) {
        std::memset(p + pad4(caplen) - 4, 0, 4);  // the padding
        std::memcpy(p, data, caplen);
        p += pad4(caplen);
    }
    if (record_len) {
        const size_t n = 4 + record_len;
        store16(p, MBT_PCAPNG_OPT_CUSTOM_BIN, swap);
        store16(p + 2, uint16_t(n), swap);
        std::memset(p + pad4(n), 0, 4);  // the padding
        store32(p + 4, MBT_PEN, swap);
        std::memcpy(p + 8, record, record_len);
        p += 4 + pad4(n);
    }
    if (packet_id) {
        store16(p, MBT_PCAPNG_OPT_PACKETID, swap);
        store16(p + 2, 8, swap);
        const uint64_t id = *packet_id;
        store32(p + (be ? 4 : 8), uint32_t(id >> 32), swap);
        store32(p + (be ? 8 : 4), uint32_t(id), swap);
        p += 12;
    }
    if (extra)
        for (const Option& o : *extra)
            p = option_at(p, o.code, o.value.data(), o.value.size());
    if (!comment.empty())
        p = option_at(p, OPT_COMMENT,
                      reinterpret_cast<const uint8_t*>(comment.data()),
                      comment.size(), swap);
    if (opts) {
        std::memset(p, 0, 4);  // opt_endofopt
        p += 4;
    }
    store32(p, uint32_t(total), swap);
    emitted();
}

void Writer::custom_block(uint32_t pen, const uint8_t* data, size_t len,
                          bool copyable)
{
    std::vector<uint8_t> b;
    put32(b, pen);
    b.insert(b.end(), data, data + len);
    b.resize((b.size() + 3) & ~size_t(3), 0);
    block(copyable ? BT_CB_COPY : BT_CB_NOCOPY, b);
}

void Writer::stats(uint32_t ifid, uint64_t ts, std::optional<uint64_t> ifrecv,
                   std::optional<uint64_t> ifdrop,
                   std::optional<uint64_t> osdrop)
{
    std::vector<uint8_t> b;
    put32(b, ifid);
    put32(b, uint32_t(ts >> 32));
    put32(b, uint32_t(ts));
    const auto opt = [&](uint16_t code, std::optional<uint64_t> v) {
        if (!v)
            return;
        std::vector<uint8_t> x;
        put64(x, *v);
        option(b, code, x.data(), x.size());
    };
    opt(ISB_IFRECV, ifrecv);
    opt(ISB_IFDROP, ifdrop);
    opt(ISB_OSDROP, osdrop);
    if (ifrecv || ifdrop || osdrop)
        put32(b, 0);
    block(BT_ISB, b);
}

// Blocks gather in pending_; a full chunk goes to a thread that writes it
// while the next one fills, so that the caller decodes while the kernel
// copies.  A small file never starts the thread.
void Writer::emit(const uint8_t* p, size_t n)
{
    std::memcpy(room(n), p, n);
    emitted();
}

void Writer::grow(size_t n)
{
    const size_t cap = std::max(pend_ + n, kChunk + (64u << 10));
    std::unique_ptr<uint8_t[]> b(new uint8_t[cap]);
    if (pend_)
        std::memcpy(b.get(), pending_.p.get(), pend_);
    pending_.p = std::move(b);
    pending_.cap = cap;
}

void Writer::emitted()
{
    if (pend_ >= kChunk) {
        if (mode_ == Mode::Stream)
            flush();  // whole blocks only, so a kill cuts at most one
        else
            hand_over();
    }
}

void Writer::flush()
{
    stop_thread();
    if (!werr_.empty())
        throw FileError(FileError::Output{}, path_, werr_);
    if (!f_)
        return;
    if (pend_ && std::fwrite(pending_.p.get(), 1, pend_, f_) != pend_)
        throw FileError(FileError::Output{}, path_,
                        std::string("write failed: ") + std::strerror(errno));
    written_ += pend_;
    pend_ = 0;
    if (std::fflush(f_) != 0)
        throw FileError(FileError::Output{}, path_,
                        std::string("write failed: ") + std::strerror(errno));
}

void Writer::hand_over()
{
    std::unique_lock<std::mutex> lk(mu_);
    if (!thread_.joinable())
        thread_ = std::thread([this] { write_loop(); });
    cv_.wait(lk, [this] { return !busy_; });
    if (!werr_.empty())
        throw FileError(FileError::Output{}, path_, werr_);
    std::swap(pending_, writing_);
    wlen_ = pend_;
    pend_ = 0;
    busy_ = true;
    cv_.notify_all();
}

void Writer::write_loop()
{
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
        cv_.wait(lk, [this] { return busy_ || stop_; });
        if (!busy_)
            return;
        lk.unlock();
        const bool ok =
            std::fwrite(writing_.p.get(), 1, wlen_, f_) == wlen_;
        const int e = errno;
        lk.lock();
        if (ok)
            written_ += wlen_;
        else if (werr_.empty())
            werr_ = std::string("write failed: ") + std::strerror(e);
        busy_ = false;
        cv_.notify_all();
    }
}

void Writer::stop_thread()
{
    if (!thread_.joinable())
        return;
    {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [this] { return !busy_; });
        stop_ = true;
        cv_.notify_all();
    }
    thread_.join();
    stop_ = false;  // a later chunk may start it again
}

void Writer::commit()
{
    flush();
    const bool ok = !std::ferror(f_);
    const int rc = std::fclose(f_);
    const int e = errno;
    f_ = nullptr;
    if (!ok || rc != 0)
        throw FileError(FileError::Output{}, path_,
                        std::string("write failed: ") + std::strerror(e));
    if (!tmp_.empty() && std::rename(tmp_.c_str(), path_.c_str()) != 0)
        throw FileError(FileError::Output{}, path_,
                        "cannot rename " + tmp_ + ": " + std::strerror(errno));
    committed_ = true;
}

}  // namespace mbt::pcapng
