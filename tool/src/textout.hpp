// The formatting engine of `mbuftrace show` and of the packet comments
// that capture and convert write: text appended to one growing buffer that
// is reused from packet to packet, integers written without printf,
// escaping that copies clean runs whole.  It formats; what the words are
// is its callers' business.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace mbt::tool {

class Text {
public:
    Text() { grow(4096); }
    Text(const Text&) = delete;
    Text& operator=(const Text&) = delete;

    void clear() { p_ = buf_.get(); }
    std::string_view view() const
    {
        return std::string_view(buf_.get(), size_t(p_ - buf_.get()));
    }
    std::string str() const { return std::string(view()); }
    size_t size() const { return size_t(p_ - buf_.get()); }
    char* data() { return buf_.get(); }  // the text so far, to edit

    __attribute__((always_inline)) Text& add(std::string_view s)
    {
        need(s.size());
        copy(p_, s.data(), s.size());
        p_ += s.size();
        return *this;
    }
    // Inline, so that a literal's length is known when compiling.
    __attribute__((always_inline)) Text& add(const char* s)
    {
        if (!*s)  // a colour that is off
            return *this;
        return add(std::string_view(s));
    }
    Text& add(char c)
    {
        need(1);
        *p_++ = c;
        return *this;
    }
    Text& fill(size_t n, char c)
    {
        need(n);
        std::memset(p_, c, n);
        p_ += n;
        return *this;
    }
    // Decimal, as std::to_string and %u print it.
    Text& num(uint64_t v)
    {
        if (v < 10) {
            need(1);
            *p_++ = char('0' + v);
            return *this;
        }
        static const char pairs[] =
            "0001020304050607080910111213141516171819"
            "2021222324252627282930313233343536373839"
            "4041424344454647484950515253545556575859"
            "6061626364656667686970717273747576777879"
            "8081828384858687888990919293949596979899";
        char b[20];
        char* e = b + sizeof b;
        char* q = e;
        while (v >= 100) {
            q -= 2;
            std::memcpy(q, pairs + 2 * (v % 100), 2);
            v /= 100;
        }
        if (v >= 10) {
            q -= 2;
            std::memcpy(q, pairs + 2 * v, 2);
        } else
            *--q = char('0' + v);
        return add(std::string_view(q, size_t(e - q)));
    }
    // v in at least width characters, padded on the left ("%*s") or on
    // the right ("%-*s") with spaces.
    Text& pad_left(std::string_view s, size_t width)
    {
        if (s.size() < width)
            fill(width - s.size(), ' ');
        return add(s);
    }
    Text& pad_right(std::string_view s, size_t width)
    {
        add(s);
        if (s.size() < width)
            fill(width - s.size(), ' ');
        return *this;
    }
    // Control characters from a record must not reach the terminal raw:
    // \n, \t, and \xNN for the others and DEL.
    Text& esc(std::string_view s)
    {
        const char* p = s.data();
        const char* e = p + s.size();
        if (clean_run(p, s.size()))
            return add(s);  // the usual case: nothing to escape
        while (p < e) {
            const char* run = p;
            // Eight bytes at a time while none needs escaping.
            for (uint64_t w; e - p >= 8; p += 8) {
                std::memcpy(&w, p, 8);
                if (bad8(w))
                    break;
            }
            while (p < e && !bad(static_cast<unsigned char>(*p)))
                p++;
            add(std::string_view(run, size_t(p - run)));
            if (p == e)
                break;
            const unsigned char ch = static_cast<unsigned char>(*p++);
            if (ch == '\n')
                add("\\n");
            else if (ch == '\t')
                add("\\t");
            else {
                static const char hex[] = "0123456789abcdef";
                const char x[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
                add(std::string_view(x, 4));
            }
        }
        return *this;
    }

    // A control character (below 0x20) or DEL, which must not reach a
    // terminal or a comment line raw; and whether p[0, n) has none,
    // eight bytes at a time.
    static bool bad(unsigned char ch) { return ch < 0x20 || ch == 0x7f; }
    static bool clean_run(const char* p, size_t n)
    {
        return n <= 16 ? clean16(p, n) : clean(p, n);
    }

private:
    // Whether any of eight bytes is below 0x20 or is 0x7f (bytes of 0x80
    // and up, UTF-8, never count).
    static bool bad8(uint64_t w)
    {
        constexpr uint64_t ones = 0x0101010101010101ull;
        constexpr uint64_t high = 0x8080808080808080ull;
        const uint64_t below = (w - 0x20 * ones) & ~w & high;
        const uint64_t x = w ^ (0x7f * ones);
        const uint64_t del = (x - ones) & ~x & high;
        return (below | del) != 0;
    }
    // Whether n >= 16 bytes need no escaping: sixteen at a time (SSE2 on
    // amd64, NEON on arm64: vector types GCC and Clang both have), the
    // last sixteen for what is left, all looked at together.
    typedef unsigned char Bytes16 __attribute__((vector_size(16)));
    static bool clean(const char* p, size_t n)
    {
        const auto lanes = [](const char* q) {
            Bytes16 x;
            std::memcpy(&x, q, 16);
            const Bytes16 space = Bytes16{} + 0x20, del = Bytes16{} + 0x7f;
            return Bytes16((x < space) | (x == del));
        };
        Bytes16 any{};
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            any |= lanes(p + i);
        if (i < n)
            any |= lanes(p + n - 16);
        uint64_t w[2];
        std::memcpy(w, &any, 16);
        return !(w[0] | w[1]);
    }
    // Whether n <= 16 bytes need no escaping.
    __attribute__((always_inline)) static bool clean16(const char* p,
                                                       size_t n)
    {
        uint64_t a = 0, b = 0;
        if (n >= 8) {
            std::memcpy(&a, p, 8);
            std::memcpy(&b, p + n - 8, 8);
        } else {
            for (size_t i = 0; i < n; i++)
                a |= uint64_t(uint8_t(p[i])) << (8 * i);
            // Bytes past n are 0, which would count as control
            // characters: make them a harmless ' '.
            for (size_t i = n; i < 8; i++)
                a |= uint64_t(' ') << (8 * i);
            b = a;
        }
        return !bad8(a) && !bad8(b);
    }
    // A short copy without a call to memcpy.
    __attribute__((always_inline)) static void copy(char* d, const char* s,
                                                    size_t n)
    {
        if (n >= 16) {
            std::memcpy(d, s, n);
        } else if (n >= 8) {
            uint64_t a, b;
            std::memcpy(&a, s, 8);
            std::memcpy(&b, s + n - 8, 8);
            std::memcpy(d, &a, 8);
            std::memcpy(d + n - 8, &b, 8);
        } else if (n >= 4) {
            uint32_t a, b;
            std::memcpy(&a, s, 4);
            std::memcpy(&b, s + n - 4, 4);
            std::memcpy(d, &a, 4);
            std::memcpy(d + n - 4, &b, 4);
        } else {
            for (size_t i = 0; i < n; i++)
                d[i] = s[i];
        }
    }
    __attribute__((always_inline)) void need(size_t n)
    {
        if (__builtin_expect(size_t(end_ - p_) < n, 0))
            grow(n);
    }
    __attribute__((noinline)) void grow(size_t n)
    {
        const size_t used = size();
        const size_t cap = size_t(end_ - buf_.get());
        size_t want = cap ? cap * 2 : 4096;
        while (want < used + n)
            want *= 2;
        std::unique_ptr<char[]> b(new char[want]);
        if (used)
            std::memcpy(b.get(), buf_.get(), used);
        buf_ = std::move(b);
        p_ = buf_.get() + used;
        end_ = buf_.get() + want;
    }

    std::unique_ptr<char[]> buf_;
    char* p_ = nullptr;
    char* end_ = nullptr;
};

}  // namespace mbt::tool
