// The formatting engine of `mbuftrace show`: text appended to one growing
// buffer that is reused from packet to packet, integers written without
// printf, escaping that copies clean runs whole.  It formats; what the
// words are is show.cpp's business.
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

    Text& add(std::string_view s)
    {
        need(s.size());
        std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
        return *this;
    }
    Text& add(const char* s) { return add(std::string_view(s)); }
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
        char b[20];
        char* e = b + sizeof b;
        char* q = e;
        do {
            *--q = char('0' + v % 10);
            v /= 10;
        } while (v);
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
        while (p < e) {
            const char* run = p;
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

private:
    static bool bad(unsigned char ch) { return ch < 0x20 || ch == 0x7f; }
    void need(size_t n)
    {
        if (size_t(end_ - p_) < n)
            grow(n);
    }
    void grow(size_t n)
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
