// Small helpers shared by the subcommands: errors, atomic output files,
// progress bar, colours and JSON string escaping.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mbt::tool {

// A complete, user-facing error message; main() prints it and exits 1.
struct ToolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mbt::tool

#include "mbuftrace/decode.hpp"

namespace mbt::tool {

// A line of text written in place into storage kept from one line to the
// next: one bounds check and a copy per piece.  Unlike std::string, whose
// resize() zero-fills what it adds, making room costs nothing per line.
class LineBuf {
public:
    LineBuf() = default;
    LineBuf(const LineBuf&) = delete;
    LineBuf& operator=(const LineBuf&) = delete;

    void clear() { n_ = 0; }
    size_t size() const { return n_; }
    std::string_view view() const { return {b_.get(), n_}; }

    // Writes after the text (from clear(): over it) until done().  Its
    // position is its own, held in registers: a LineBuf's, written
    // through a char pointer that may point anywhere, would be read and
    // stored again for every piece.
    class Cursor {
    public:
        explicit Cursor(LineBuf& b)
            : b_(b), p_(b.b_.get() + b.n_), end_(b.b_.get() + b.cap_)
        {
        }
        void done() { b_.n_ = size(); }
        size_t size() const { return size_t(p_ - b_.b_.get()); }
        char* begin() const { return b_.b_.get(); }

        void put(const char* p, size_t n)
        {
            if (size_t(end_ - p_) < n)
                grow(n);
            // Up to sixteen bytes (a function name, mostly) as two copies
            // of a known length that overlap, without a call to memcpy().
            if (n >= 8 && n <= 16) {
                std::memcpy(p_, p, 8);
                std::memcpy(p_ + n - 8, p + n - 8, 8);
            } else if (n >= 4 && n < 8) {
                std::memcpy(p_, p, 4);
                std::memcpy(p_ + n - 4, p + n - 4, 4);
            } else
                std::memcpy(p_, p, n);
            p_ += n;
        }
        void put(std::string_view v) { put(v.data(), v.size()); }
        template <size_t N>
        void lit(const char (&a)[N])  // a literal: its length known
        {
            put(a, N - 1);
        }
        void put(char c)
        {
            if (p_ == end_)
                grow(1);
            *p_++ = c;
        }
        void decimal(uint64_t v)
        {
            if (size_t(end_ - p_) < 20)  // the most a uint64_t has
                grow(20);
            // The digits right to left, two per division, then twenty
            // bytes copied at once (a copy of a known length, no call):
            // those past the digits land where the next piece goes.
            char t[40];
            char* q = t + 20;
            while (v >= 100) {
                q -= 2;
                std::memcpy(q, kDigitPairs + 2 * (v % 100), 2);
                v /= 100;
            }
            if (v >= 10) {
                q -= 2;
                std::memcpy(q, kDigitPairs + 2 * v, 2);
            } else
                *--q = char('0' + v);
            std::memcpy(p_, q, 20);
            p_ += t + 20 - q;
        }

    private:
        static constexpr char kDigitPairs[] =
            "0001020304050607080910111213141516171819202122232425262728293031"
            "3233343536373839404142434445464748495051525354555657585960616263"
            "6465666768697071727374757677787980818283848586878889909192939495"
            "96979899";
        void grow(size_t n)
        {
            p_ = b_.grow(size(), n);
            end_ = b_.b_.get() + b_.cap_;
        }
        LineBuf& b_;
        char* p_;
        char* end_;
    };

private:
    // Room for n more bytes after the first `at`; where they go.
    char* grow(size_t at, size_t n);
    std::unique_ptr<char[]> b_;
    size_t n_ = 0;
    size_t cap_ = 0;
};

// The one-line path of a traced packet, written as its pcapng packet
// comment by capture and convert and printed by capture --show:
// "mbuftrace trace 2 (copy of 1), 16 hops, vnet 1>2:
// m_dup>pf_route>...; routed_twice at #5 pf_route".  Names as in
// vocab.hpp, so `frame.comment contains "routed_twice"` works in stock
// Wireshark.
std::string packet_comment(const Record& r);
// The same into o, which is overwritten (its storage is reused).
void packet_comment(const Record& r, LineBuf& o);

// A positive decimal number given to opt ("show: -p"), or a ToolError
// "opt wants what, not 'v'".
uint64_t number_arg(const std::string& opt, const std::string& v,
                    const char* what);

// Writes "<path>.tmp.<pid>" and renames it to path on commit(), so that a
// failed run never leaves a half-written output.  "-" is stdout; a path
// that is not a regular file (a device, a FIFO, /dev/stdout) is written in
// place, never renamed over.  Errors name the output and the system error.
class OutFile {
public:
    explicit OutFile(const std::string& path);
    ~OutFile();
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;
    std::FILE* get() const { return f_; }
    const std::string& tmp_path() const { return tmp_; }
    void write(std::string_view s);
    void commit();

private:
    std::string path_, tmp_;
    std::FILE* f_ = nullptr;
    bool committed_ = false;
};

// "[#####     ] 52%" on stderr when it is a terminal; quiet otherwise.
class Progress {
public:
    Progress(std::string label, uint64_t total, bool enabled);
    ~Progress();
    void update(uint64_t done)
    {
        if (on_ && (++tick_ & 0x3ff) == 0)
            draw(done);
    }
    void finish();

private:
    void draw(uint64_t done);
    std::string label_;
    uint64_t total_;
    bool on_;
    unsigned tick_ = 0;
    int last_ = -1;
};

bool stderr_is_tty();

// A temporary output file that SIGINT, SIGTERM or SIGHUP must not leave
// behind: the handler removes it and the signal then ends the program as it
// would have.  catch_signals_for_tmp() installs the handlers.
void track_tmp(const std::string& path);
void untrack_tmp(const std::string& path);
void catch_signals_for_tmp();

// ANSI colours, empty strings when disabled.
struct Colors {
    bool on = false;
    const char* c(const char* code) const { return on ? code : ""; }
    const char* reset() const { return c("\033[0m"); }
    const char* bold() const { return c("\033[1m"); }
    const char* dim() const { return c("\033[2m"); }
    const char* red() const { return c("\033[1;31m"); }
    const char* green() const { return c("\033[32m"); }
    const char* yellow() const { return c("\033[1;33m"); }
    const char* blue() const { return c("\033[34m"); }
    const char* magenta() const { return c("\033[35m"); }
    const char* cyan() const { return c("\033[36m"); }
};

void json_string(std::string& out, std::string_view s);

std::string hex_bytes(const uint8_t* p, size_t n, size_t max);

}  // namespace mbt::tool
