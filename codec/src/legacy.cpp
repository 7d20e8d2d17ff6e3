// The prototype's layouts (SPEC 7), read-only.  Items are stored newest
// first; hops come out in time order.  Strings are interned into the
// record's tables so that legacy and v1 records look alike to readers.
#include <algorithm>
#include <cstring>
#include <memory>

#include "cursor.hpp"
#include "mbuftrace/decode.hpp"

namespace mbt {

namespace {

uint64_t load8(const char* p)
{
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

// The number in the digits from i, up to e or the first other byte, or
// until it is past UINT32_MAX (v then says so); returns where it stopped.
// Inline: it runs once for every new text, and as a call it saved and
// restored a fifth of its own instructions' worth of registers.
__attribute__((always_inline)) inline const char* read_number(const char* i,
                                                             const char* e,
                                                             uint64_t& v)
{
    v = 0;
    // The first eight bytes as one word, where there are eight: which are
    // digits (the first that is not ends the number), and their value,
    // by arithmetic on the word.  A carry or borrow out of a byte only
    // reaches the bytes after it, which are past that first non-digit.
    constexpr bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
    if (little && e - i >= 8) {
        constexpr uint64_t ones = 0x0101010101010101ull, hi = 0xf0 * ones;
        const uint64_t w = load8(i);
        const uint64_t other = ((w & hi) ^ 0x30 * ones) |
                               (((w + 0x06 * ones) & hi) ^ 0x30 * ones);
        const unsigned n = other ? unsigned(__builtin_ctzll(other)) / 8 : 8;
        if (n) {
            // The n digits at the top, zeros below them; then pairs,
            // fours and all eight combined (fast_float's way).
            uint64_t d = (w - 0x30 * ones) << (64 - 8 * n);
            d = d * 10 + (d >> 8);
            constexpr uint64_t mask = 0x000000ff000000ffull;
            d = ((d & mask) * (100 + (1000000ull << 32)) +
                 ((d >> 16) & mask) * (1 + (10000ull << 32))) >> 32;
            v = uint32_t(d);
        }
        i += n;
        if (n < 8)
            return i;
    }
    for (unsigned d; i != e && (d = unsigned(uint8_t(*i)) - '0') <= 9;) {
        v = v * 10 + d;
        i++;
        if (v > UINT32_MAX)
            break;
    }
    return i;
}

// parse_legacy_text(), inline in the decoder, which runs it for every new
// text of a capture: the two calls' saving and restoring of registers were
// some 35 of the 195 instructions they took a text.
__attribute__((always_inline)) inline bool split_text(std::string_view s,
                                                      LegacyText& out)
{
    // file ":" line [":" [" "] func ["(" arg ")"]]: the first colon with
    // a line after it ends the file.  Walked with pointers to the text and
    // its end: string_view's find() and substr() check their bounds again
    // at every step, and this runs for every new text of a capture.
    const char* const b = s.data();
    const char* e = b + s.size();
    while (e != b && e[-1] == '\0')
        e--;
    if (e == b)
        return false;
    const auto find = [&](const char* from, char c) {
        return static_cast<const char*>(std::memchr(from, c, size_t(e - from)));
    };
    for (const char* colon = b; (colon = find(colon, ':')); colon++) {
        uint64_t line;
        const char* i = read_number(colon + 1, e, line);
        if (i == colon + 1 || line > UINT32_MAX || colon == b)
            continue;
        if (i != e && *i != ':')
            continue;
        out = LegacyText{};
        out.file = std::string_view(b, size_t(colon - b));
        out.line_text = std::string_view(colon + 1, size_t(i - (colon + 1)));
        out.line = uint32_t(line);
        if (i != e)
            i++;
        while (i != e && *i == ' ')
            i++;
        const char* func_end = e;
        const char* const paren = find(i, '(');
        if (paren && e[-1] == ')') {
            func_end = paren;
            out.arg = std::string_view(paren + 1, size_t(e - 1 - (paren + 1)));
        }
        while (func_end != i && func_end[-1] == ' ')
            func_end--;
        out.func = std::string_view(i, size_t(func_end - i));
        return true;
    }
    return false;
}

// source_path(), inline in the decoder for the same reason.
__attribute__((always_inline)) inline std::string_view
strip_build_path(std::string_view f)
{
    if (f.empty() || f[0] != '/')
        return f;
    // The usual build path, whose first "/sys/" is at 8.
    constexpr std::string_view usual = "/usr/src/sys/";
    if (f.size() > usual.size() && f.compare(0, usual.size(), usual) == 0)
        return f.substr(9);
    const size_t at = f.find("/sys/");
    return at == std::string_view::npos ? f : f.substr(at + 1);
}

}  // namespace

bool parse_legacy_text(std::string_view s, LegacyText& out)
{
    return split_text(s, out);
}

std::string_view source_path(std::string_view f)
{
    return strip_build_path(f);
}

namespace {

// Where the record's strings are being written: Record::strings, sized
// ahead for everything a payload can add (decode_items()).
struct StrOut {
    TextBuf* buf = nullptr;
    char* d = nullptr;
    size_t used = 0;
    // Room for n more bytes at d + used.  buf grows to its capacity
    // (growing it does not fill the new bytes), and is cut to used at the
    // end.
    char* room(size_t n)
    {
        if (MBT_UNLIKELY(used + n > buf->size())) {
            buf->resize(std::max(used + n, buf->capacity()));
            d = buf->data();
        }
        return d + used;
    }
};

// A table being built, indexed by an open-addressed table of its entries'
// hashes: a payload may hold thousands of strings, and a linear scan per
// string would make interning quadratic.
struct Interner {
    std::vector<StrEntry>* tab = nullptr;
    StrOut* out = nullptr;        // the record's strings
    std::vector<uint64_t> slots;  // hash << 32 | (index + 1); 0: empty
    size_t mask = 0;              // slots.size() - 1, kept at hand
    size_t used = 0;              // entries (tab->size())

    void reset(std::vector<StrEntry>& t, StrOut& o)
    {
        tab = &t;
        out = &o;
        used = 0;
        if (slots.empty())
            slots.resize(128);
        else
            std::fill(slots.begin(), slots.end(), 0);
        mask = slots.size() - 1;
    }
    static uint64_t mix(uint64_t a, uint64_t b)
    {
        const __uint128_t m = __uint128_t(a) * b;
        return uint64_t(m) ^ uint64_t(m >> 64);
    }
    // Sixteen bytes a step, multiply and fold (the last step overlapping
    // the one before): only places entries in the index, so any
    // spread-out hash gives the same tables.
    static uint32_t hash(std::string_view s)
    {
        constexpr uint64_t k0 = 0x9e3779b97f4a7c15ull, k1 = 0xff51afd7ed558ccdull,
                           k2 = 0xc4ceb9fe1a85ec53ull;
        const char* p = s.data();
        const size_t n = s.size();
        uint64_t h = k0 ^ n;
        uint64_t a = 0, b = 0;
        if (n >= 16) {
            size_t i = 0;
            for (; i + 16 < n; i += 16)
                h = mix(load8(p + i) ^ k1 ^ h, load8(p + i + 8) ^ k2);
            a = load8(p + n - 16);
            b = load8(p + n - 8);
        } else if (n >= 8) {
            a = load8(p);
            b = load8(p + n - 8);
        } else if (n >= 4) {
            uint32_t x, y;
            std::memcpy(&x, p, 4);
            std::memcpy(&y, p + n - 4, 4);
            a = x;
            b = y;
        } else if (n) {
            a = uint64_t(uint8_t(p[0])) << 16 | uint64_t(uint8_t(p[n / 2])) << 8 |
                uint8_t(p[n - 1]);
        }
        // One multiply for the last step: its 128-bit product folded in
        // half already spreads every input bit over the 32 kept.
        h = mix(a ^ k1 ^ h, b ^ k2);
        return uint32_t(h ^ (h >> 32));
    }
    void grow()
    {
        std::vector<uint64_t> old(slots.size() * 2, 0);
        old.swap(slots);
        mask = slots.size() - 1;
        for (uint64_t v : old)
            if (v)
                place(v);
    }
    void place(uint64_t v)
    {
        for (size_t i = size_t(v >> 32) & mask;; i = (i + 1) & mask)
            if (!slots[i]) {
                slots[i] = v;
                return;
            }
    }
    // s's index, adding it if new; h is hash(s).
    __attribute__((always_inline)) uint32_t add(std::string_view s, uint32_t h,
                                                Span at)
    {
        const uint64_t* const sl = slots.data();
        const StrEntry* const es = tab->data();
        size_t i = h & mask;
        for (; sl[i]; i = (i + 1) & mask) {
            const uint64_t v = sl[i];
            const uint32_t idx = uint32_t(v) - 1;
            if (uint32_t(v >> 32) == h) {
                const StrEntry& e = es[idx];
                if (e.len == s.size() &&
                    !std::memcmp(out->d + e.off, s.data(), s.size()))
                    return idx;
            }
        }
        StrEntry& e = tab->emplace_back();
        e.off = uint32_t(out->used);
        e.len = uint32_t(s.size());
        char* const d = out->room(s.size() + 1);
        std::memcpy(d, s.data(), s.size());
        d[s.size()] = '\0';
        out->used += s.size() + 1;
        e.at = at;
        const uint32_t idx = uint32_t(used++);
        if (MBT_LIKELY(2 * used <= mask + 1))
            slots[i] = uint64_t(h) << 32 | (idx + 1);
        else {
            grow();
            place(uint64_t(h) << 32 | (idx + 1));
        }
        return idx;
    }
    __attribute__((always_inline)) StrRef ref(std::string_view s, uint32_t h,
                                              Span at)
    {
        return StrRef{add(s, h, at), true, at};
    }
    StrRef ref(std::string_view s, Span at) { return ref(s, hash(s), at); }
};

thread_local Interner t_files, t_names;

struct Item {
    Span at;     // whole item
    Span data;   // its data
    uint16_t type;
};

// Walks the items; throws on anything that does not fit, keeping the items
// that did.  One copy per layout (P3: part 3), so that the loop does not
// ask which at every field.
template <bool P3>
void walk_layout(Cursor& c, std::vector<Item>& items)
{
    items.clear();
    const uint16_t count = P3 ? c.u16("count") : c.u16le("count");
    items.reserve(count);
    for (unsigned i = 0; i < count; i++) {
        c.ctx.area = "item";
        c.ctx.entry = long(i);
        Item it;
        it.at.off = uint32_t(c.pos());
        const uint16_t len = P3 ? c.u16("length") : c.u16le("length");
        it.type = P3 ? c.u16("type") : uint16_t(MBT_LEGACY_ITEM_STRING);
        it.data = Span{uint32_t(c.pos()), len};
        c.bytes(len, "data");
        it.at.len = uint32_t(c.pos() - it.at.off);
        items.push_back(it);
    }
}

void walk(Cursor& c, Format fmt, std::vector<Item>& items)
{
    if (fmt == Format::LegacyPart3)
        walk_layout<true>(c, items);
    else
        walk_layout<false>(c, items);
}

// Guess a subsystem from a source path, so legacy hops get a [subsys] too
// (the caller adds: an unknown path in an ether_* function is ether).
uint8_t subsys_from_path(std::string_view f)
{
    struct Rule {
        std::string_view needle;
        uint8_t ss;
    };
    static const Rule rules[] = {
        {"netpfil/pf/", MBT_SS_PF},      {"netpfil/ipfw/", MBT_SS_IPFW},
        {"netgraph/", MBT_SS_NETGRAPH},  {"if_epair", MBT_SS_EPAIR},
        {"if_bridge", MBT_SS_BRIDGE},    {"if_loop", MBT_SS_LOOP},
        {"if_ethersubr", MBT_SS_ETHER},  {"ip6_", MBT_SS_IP6},
        {"icmp6", MBT_SS_ICMP6},         {"ip_icmp", MBT_SS_ICMP},
        {"udp", MBT_SS_UDP},             {"tcp", MBT_SS_TCP},
        {"ip_", MBT_SS_IP},              {"uipc_socket", MBT_SS_SOCKET},
        {"netisr", MBT_SS_NETISR},       {"pfil", MBT_SS_PFIL},
        {"net/route", MBT_SS_ROUTE},     {"if_vlan", MBT_SS_VLAN},
        {"if_lagg", MBT_SS_LAGG},        {"if_tuntap", MBT_SS_TUNTAP},
        {"if_gif", MBT_SS_GIF},          {"if_gre", MBT_SS_GRE},
        {"if_ether", MBT_SS_ARP},        {"nd6", MBT_SS_ND6},
        {"uipc_mbuf", MBT_SS_MBUF},      {"net/bpf", MBT_SS_BPF},
        {"net/if.c", MBT_SS_IF},
    };
    for (const Rule& r : rules)
        if (f.find(r.needle) != std::string_view::npos)
            return r.ss;
    return MBT_SS_UNKNOWN;
}

// A copy of a text kept by a memo, in a buffer of its own that grows
// only for a longer text (cheaper than std::string's assign()).
class OwnedText {
public:
    void assign(std::string_view s)
    {
        if (!p_ || s.size() > cap_) {
            cap_ = std::max<size_t>(64, s.size());
            p_.reset(new char[cap_]);
        }
        std::memcpy(p_.get(), s.data(), s.size());
        len_ = s.size();
    }
    bool equals(std::string_view s) const
    {
        return p_ && len_ == s.size() && !std::memcmp(p_.get(), s.data(), len_);
    }

private:
    std::unique_ptr<char[]> p_;
    size_t cap_ = 0, len_ = 0;
};

// What a memo remembers about a text, and what it is keyed by: the text
// and its Interner::hash().
struct MemoKey {
    OwnedText text;
    uint32_t hash = 0;
};

// A memo of Sets two-way sets, the entry used less recently replaced:
// direct-mapped, two texts of one record (or two paths of one capture) in
// the same set would miss every time.
template <class Entry, size_t Sets>
struct Memo {
    Entry e[Sets][2];
    uint8_t old[Sets] = {};  // the way to replace next

    // s's entry (h: its hash); fresh when s was not there, its key then
    // set and the rest to be filled in by the caller.
    Entry& find(std::string_view s, uint32_t h, bool& fresh)
    {
        Entry* const set = e[h % Sets];
        uint8_t& o = old[h % Sets];
        for (unsigned w = 0; w < 2; w++)
            if (set[w].hash == h && set[w].text.equals(s)) {
                o = uint8_t(w ^ 1);
                fresh = false;
                return set[w];
            }
        Entry& n = set[o];
        o ^= 1;
        n.text.assign(s);
        n.hash = h;
        fresh = true;
        return n;
    }
};

// subsys_from_path() remembered for the paths of the last payloads: a
// capture names the same few files again and again.  h: Interner::hash(f).
uint8_t subsys_cached(std::string_view f, uint32_t h)
{
    struct Entry : MemoKey {
        uint8_t ss = 0;
    };
    thread_local Memo<Entry, 64> memo;
    bool fresh;
    Entry& e = memo.find(f, h, fresh);
    if (fresh)
        e.ss = subsys_from_path(f);
    return e.ss;
}

// The item list of the payload being looked at, kept for its storage.
thread_local std::vector<Item> t_items;

bool printable(const uint8_t* p, size_t n)
{
    size_t i = 0;
    while (n > 0 && p[n - 1] == 0)
        n--;
    // Many bytes at a time while none is below 0x20 (a tab is, so a block
    // with one is looked at byte by byte), the rest as the last block
    // (overlapping what was checked).
#if defined(__SSE2__)
    // Sixteen bytes a step: x is below 0x20 where min(x, 0x1f) == x.
    const __m128i below = _mm_set1_epi8(0x1f);
    const auto clean = [&](size_t at) {
        const __m128i x =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
        return !_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, below), x));
    };
    constexpr size_t step = 16;
#else
    // Eight bytes a step: a byte below 0x20 borrows in w - 0x20 * ones
    // (one at 0x80 or above has its high bit masked off by ~w).
    constexpr uint64_t ones = 0x0101010101010101ull;
    constexpr uint64_t high = 0x8080808080808080ull;
    const auto clean = [&](size_t at) {
        uint64_t w;
        std::memcpy(&w, p + at, 8);
        return !((w - 0x20 * ones) & ~w & high);
    };
    constexpr size_t step = 8;
#endif
    for (; i + step <= n && clean(i); i += step) {
    }
    if (i < n && n >= step && i + step > n && clean(n - step))
        return true;
    for (; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\t')
            return false;
    return true;
}

}  // namespace

namespace {

// sniff() that leaves the chosen layout's items in t_items and where they
// end in end.
std::optional<Format> sniff_items(const uint8_t* data, size_t len,
                                  size_t& end)
{
    if (has_v1_magic(data, len))
        return Format::V1;
    for (Format f : {Format::LegacyPart3, Format::LegacyPart1}) {
        Cursor c(data, len);
        try {
            std::vector<Item>& items = t_items;
            walk(c, f, items);
            if (items.empty())
                continue;
            bool ok = true;
            for (const Item& it : items) {
                if (it.type == MBT_LEGACY_ITEM_STRING)
                    ok = ok && it.data.len > 0 &&
                         printable(data + it.data.off, it.data.len);
                else if (it.type != MBT_LEGACY_ITEM_ETHER)
                    ok = false;
            }
            // Part 3 ends with its items; part 1 may carry Ethernet after.
            if (ok && (f == Format::LegacyPart1 || c.done())) {
                end = c.pos();
                return f;
            }
        } catch (const DecodeFail&) {
        }
    }
    return std::nullopt;
}

void decode_items(const uint8_t* data, size_t len, Format fmt,
                  DecodeResult& res, bool strings, bool walked, size_t end);

}  // namespace

std::optional<Format> sniff(const uint8_t* data, size_t len)
{
    size_t end = 0;
    return sniff_items(data, len, end);
}

bool decode_sniffed_legacy(const uint8_t* data, size_t len, DecodeResult& res,
                           bool strings)
{
    size_t end = 0;
    const std::optional<Format> f = sniff_items(data, len, end);
    if (!f || *f == Format::V1)
        return false;
    // The walk that recognised the layout is the one decoding needs.
    decode_items(data, len, *f, res, strings, true, end);
    return true;
}

DecodeResult decode_legacy(const uint8_t* data, size_t len, Format fmt)
{
    DecodeResult res;
    decode_legacy(data, len, fmt, res, true);
    return res;
}

void decode_legacy(const uint8_t* data, size_t len, Format fmt,
                   DecodeResult& res, bool strings)
{
    decode_items(data, len, fmt, res, strings, false, 0);
}

namespace {

// What an item's text comes to, remembered by the text (a capture repeats
// the same few paths): its parts as offsets into it, with their hashes,
// and the hop's subsystem.  All of it depends on the text alone.
struct Parsed : MemoKey {
    bool ok = false;  // parse_legacy_text() took it (split_text())
    uint8_t ss = 0;
    uint32_t file_off = 0, file_len = 0, file_hash = 0;
    uint32_t line = 0, line_off = 0, line_len = 0;
    uint32_t func_off = 0, func_len = 0, func_hash = 0;
    uint32_t arg_off = 0, arg_len = 0, arg_hash = 0;
};

thread_local Memo<Parsed, 256> t_parsed;

// Fills in e for its text s.
__attribute__((noinline)) void parse_item(std::string_view s, Parsed& e)
{
    LegacyText t;
    e.ok = split_text(s, t);
    if (!e.ok)
        return;
    // FILES is relative to the source tree (SPEC 4.2, 7.4): the file's
    // span is what remains of it.
    t.file = strip_build_path(t.file);
    const auto off = [&](std::string_view part) {
        return uint32_t(part.data() - s.data());
    };
    e.file_off = off(t.file);
    e.file_len = uint32_t(t.file.size());
    e.file_hash = Interner::hash(t.file);
    e.line = t.line;
    e.line_off = off(t.line_text);
    e.line_len = uint32_t(t.line_text.size());
    e.func_off = t.func.empty() ? 0 : off(t.func);
    e.func_len = uint32_t(t.func.size());
    e.func_hash = Interner::hash(t.func);
    e.arg_off = t.arg.empty() ? 0 : off(t.arg);
    e.arg_len = uint32_t(t.arg.size());
    e.arg_hash = t.arg.empty() ? 0 : Interner::hash(t.arg);
    const uint8_t ss = subsys_cached(t.file, e.file_hash);
    e.ss = ss == MBT_SS_UNKNOWN && t.func.rfind("ether_", 0) == 0
               ? uint8_t(MBT_SS_ETHER) : ss;
}

// memo's entry for s (th: its hash), parsing it if new.
inline Parsed& parsed(Memo<Parsed, 256>& memo, std::string_view s,
                      uint32_t th)
{
    bool fresh;
    Parsed& e = memo.find(s, th, fresh);
    if (fresh)
        parse_item(s, e);
    return e;
}

// walked: t_items already holds fmt's items of data, ending at end.
void decode_items(const uint8_t* data, size_t len, Format fmt,
                  DecodeResult& res, bool strings, bool walked, size_t end)
{
    reset(res.rec);
    res.error.reset();
    res.consumed = 0;
    Record& r = res.rec;
    r.format = fmt;
    std::vector<Item>& items = t_items;
    if (!walked) {
        Cursor c(data, len);
        try {
            walk(c, fmt, items);
        } catch (const DecodeFail& f) {
            res.error = f.err;
        }
        end = c.pos();
    }
    res.consumed = res.error ? len : end;
    r.at = Span{0, uint32_t(res.consumed)};
    if (fmt == Format::LegacyPart1 && !res.error && end < len)
        r.legacy_ether = Span{uint32_t(end), uint32_t(len - end)};
    if (fmt == Format::LegacyPart1 && r.legacy_ether.len)
        r.linktype = Field<uint16_t>{1, r.legacy_ether, true};

    // The strings are written into room made ahead (StrOut::room()), and
    // cut to what was used at the end.  Each item adds at most its text
    // and the parts of it (file, func, arg), each with a NUL.
    StrOut out;
    out.buf = &r.strings;
    if (strings)
        r.strings.reserve(2 * size_t(end) + 5 * items.size() + 16);
    Interner& files = t_files;
    Interner& names = t_names;
    files.reset(r.files, out);
    names.reset(r.names, out);
    static const uint32_t empty_hash = Interner::hash("");
    // Taken once: each use of a thread_local with a constructor checks
    // that it is constructed.
    Memo<Parsed, 256>& memo = t_parsed;
    r.hops.reserve(items.size());
    if (strings) {
        r.names.reserve(items.size() * 2);
        r.files.reserve(items.size());
    }
    // Stored newest first: the hop list is in time order.
    uint32_t index = 0;
    // (By pointer: the strings' copies could write anywhere as far as the
    // compiler knows, so it read the vector's start again at every hop.)
    const Item* const item = items.data();
    for (size_t k = items.size(); k-- > 0;) {
        const Item& it = item[k];
        Hop& h = r.hops.emplace_back();
        // Its place in the list, counted rather than worked out from the
        // vector's ends (a division by the size of a Hop).
        h.index = index++;
        h.at = it.at;
        h.kind = Field<uint8_t>{MBT_HK_POINT, it.at, false};
        if (it.type == MBT_LEGACY_ITEM_ETHER) {
            h.has_snap = true;
            h.snap = it.data;
            h.snap_linktype = Field<uint16_t>{1, it.at, true};
            if (strings) {
                const Span at{it.at.off, 0};
                h.func = names.ref("", empty_hash, at);
                h.file = files.ref("", empty_hash, at);
            }
            continue;
        }
        if (!strings)
            continue;
        const char* const p =
            reinterpret_cast<const char*>(data + it.data.off);
        // C strings: whatever follows the first NUL is not text.  (Sniffing
        // found only trailing NULs in a string item: printable().)
        size_t n = it.data.len;
        if (walked) {
            while (n && !p[n - 1])
                n--;
        } else if (const void* z = std::memchr(p, 0, n))
            n = size_t(static_cast<const char*>(z) - p);
        const std::string_view s(p, n);
        const uint32_t base = it.data.off;
        const Span sp{base, uint32_t(n)};
        const uint32_t th = Interner::hash(s);
        h.text = names.ref(s, th, sp);
        const Parsed& e = parsed(memo, s, th);
        if (!e.ok) {
            const Span at{base, 0};
            h.file = files.ref("", empty_hash, at);
            h.func = names.ref("", empty_hash, at);
            continue;
        }
        h.file = files.ref(std::string_view(p + e.file_off, e.file_len),
                           e.file_hash, Span{base + e.file_off, e.file_len});
        h.line = Field<uint32_t>{e.line, Span{base + e.line_off, e.line_len},
                                 true};
        h.func = names.ref(std::string_view(p + e.func_off, e.func_len),
                           e.func_hash, Span{base + e.func_off, e.func_len});
        if (e.arg_len)
            h.arg = names.ref(std::string_view(p + e.arg_off, e.arg_len),
                              e.arg_hash, Span{base + e.arg_off, e.arg_len});
        h.subsys = Field<uint8_t>{e.ss, sp, true};
    }
    if (strings)
        r.strings.resize(out.used);
}

}  // namespace

}  // namespace mbt
