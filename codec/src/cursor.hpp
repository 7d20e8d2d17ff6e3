// Bounds-checked reader over a byte range: the only way the decoders touch
// input.  A sub-cursor can never reach past its parent's end.
//
// The good path is inline and short (a one-byte varint is a compare and a
// load); everything that builds an error message is out of line and cold,
// so it costs nothing until something fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "mbuftrace/decode.hpp"

#define MBT_COLD __attribute__((cold, noinline))
#define MBT_LIKELY(x) __builtin_expect(!!(x), 1)
#define MBT_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace mbt {

struct DecodeFail {
    Error err;
};

// Where a cursor is, for error messages; field names are only assembled
// when something fails, so the good path allocates nothing.
struct Ctx {
    const char* area = nullptr;  // "files", "names", "meta.tracepoint", ...
    long hop = -1;               // hop index
    long entry = -1;             // string table entry
    int attr = -1;               // hop attribute type
    int tlv = -1;                // record TLV type
};

std::string field_name(const Ctx& c, const char* field);

// Empties a Record for the decoders, keeping its storage (decode.cpp).
void reset(Record& r);

// decode_any() of a legacy payload (legacy.cpp): false if data is not in a
// legacy layout; otherwise decodes it with the items sniffing walked.
bool decode_sniffed_legacy(const uint8_t* data, size_t len, DecodeResult& res,
                           bool strings);

class Cursor {
public:
    Cursor(const uint8_t* base, size_t end) : b_(base), pos_(0), end_(end) {}

    Ctx ctx;

    size_t pos() const { return pos_; }
    size_t left() const { return end_ - pos_; }
    bool done() const { return pos_ >= end_; }
    const uint8_t* base() const { return b_; }

    [[noreturn]] MBT_COLD void fail(size_t off, const char* field,
                                    const std::string& what) const
    {
        throw DecodeFail{Error{uint32_t(off), field_name(ctx, field), what}};
    }

    const uint8_t* bytes(size_t n, const char* field)
    {
        if (MBT_UNLIKELY(n > left()))
            fail_short(n, field);
        const uint8_t* p = b_ + pos_;
        pos_ += n;
        return p;
    }
    void skip(size_t n) { bytes(n, "skip"); }
    uint8_t u8(const char* f)
    {
        if (MBT_UNLIKELY(pos_ >= end_))
            fail_short(1, f);
        return b_[pos_++];
    }
    uint16_t u16(const char* f)
    {
        const uint8_t* p = bytes(2, f);
        return uint16_t(p[0] << 8 | p[1]);
    }
    uint16_t u16le(const char* f)
    {
        const uint8_t* p = bytes(2, f);
        return uint16_t(p[1] << 8 | p[0]);
    }
    uint32_t u32(const char* f)
    {
        const uint8_t* p = bytes(4, f);
        return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 |
               uint32_t(p[2]) << 8 | p[3];
    }
    // LEB128, at most 10 bytes, no bits beyond 64.  One and two bytes
    // (most of them: indexes, lengths, lines, hop times) inline.
    uint64_t varint(const char* f)
    {
        if (MBT_LIKELY(pos_ < end_)) {
            const uint8_t b0 = b_[pos_];
            if (MBT_LIKELY(b0 < 0x80)) {
                pos_++;
                return b0;
            }
            if (pos_ + 1 < end_ && b_[pos_ + 1] < 0x80) {
                const uint64_t v = uint64_t(b0 & 0x7f) | uint64_t(b_[pos_ + 1]) << 7;
                pos_ += 2;
                return v;
            }
        }
        return varint_long(f);
    }
    // A length that must fit in what is left.
    size_t length(const char* f)
    {
        const size_t start = pos_;
        const uint64_t n = varint(f);
        if (MBT_UNLIKELY(n > left()))
            fail_length(start, n, f);
        return size_t(n);
    }
    // Up to and including a NUL; returns the text without it.
    std::string_view cstring(const char* f)
    {
        const size_t start = pos_;
        const void* nul = std::memchr(b_ + pos_, 0, end_ - pos_);
        if (MBT_UNLIKELY(!nul))
            fail(start, f, "string is not NUL-terminated");
        const size_t i = size_t(static_cast<const uint8_t*>(nul) - b_);
        pos_ = i + 1;
        return std::string_view(reinterpret_cast<const char*>(b_ + start),
                                i - start);
    }
    // The next n bytes as a cursor sharing our offsets.
    Cursor sub(size_t n, const char* f)
    {
        const size_t start = pos_;
        bytes(n, f);
        Cursor c(b_, start + n);
        c.pos_ = start;
        c.ctx = ctx;
        return c;
    }

private:
    [[noreturn]] MBT_COLD void fail_short(size_t n, const char* field) const
    {
        fail(pos_, field,
             "needs " + std::to_string(n) + " bytes, only " +
                 std::to_string(left()) + " left");
    }
    [[noreturn]] MBT_COLD void fail_length(size_t start, uint64_t n,
                                           const char* f) const
    {
        fail(start, f,
             "length " + std::to_string(n) + " runs past the end (" +
                 std::to_string(left()) + " bytes left)");
    }
    __attribute__((noinline)) uint64_t varint_long(const char* f)
    {
        const size_t start = pos_;
        uint64_t v = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (done())
                fail(start, f, "varint runs past the end of its field");
            const uint8_t b = b_[pos_++];
            if (shift == 63 && (b & 0x7e))
                fail(start, f, "varint overflows 64 bits");
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80))
                return v;
            if (shift == 63)
                fail(start, f, "varint longer than 10 bytes");
        }
    }

    const uint8_t* b_;
    size_t pos_;
    size_t end_;
};

}  // namespace mbt
