// v1 record decoder (SPEC 2-4).  Every read is bounds-checked against the
// enclosing TLV; failures unwind to decode_record() through one exception
// type, which keeps what was decoded so far.
#include "mbuftrace/decode.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cursor.hpp"

namespace mbt {

// Hops are copied and cleared as plain bytes (no destructor per hop).
static_assert(std::is_trivially_copyable_v<Hop>);
static_assert(std::is_trivially_destructible_v<Hop>);

std::string Error::message() const
{
    char off[32];
    std::snprintf(off, sizeof off, "%u", offset);
    return field + " at offset " + off + ": " + what;
}

std::string field_name(const Ctx& c, const char* field)
{
    std::string s;
    if (c.area) {
        s = c.area;
        if (c.entry >= 0)
            s += "[" + std::to_string(c.entry) + "]";
    } else if (c.hop >= 0)
        s = "hop[" + std::to_string(c.hop) + "]";
    if (c.tlv >= 0 && c.hop < 0 && !c.area) {
        char b[16];
        std::snprintf(b, sizeof b, "tlv 0x%02x", unsigned(c.tlv));
        s = b;
    }
    if (c.attr >= 0) {
        char b[16];
        std::snprintf(b, sizeof b, "attr 0x%02x", unsigned(c.attr));
        s += s.empty() ? b : std::string(".") + b;
    }
    if (field && *field)
        s += s.empty() ? field : std::string(".") + field;
    return s;
}

namespace {

std::string hex8(unsigned v)
{
    char b[8];
    std::snprintf(b, sizeof b, "0x%02x", v & 0xff);
    return b;
}

}  // namespace

namespace {

// What is wrong with the string table entry at start (entry number n):
// it shares more than the previous entry has, or it has no NUL.
[[noreturn]] MBT_COLD void fail_entry(Cursor& c, size_t n, size_t start,
                                      unsigned pfx, size_t prev_len)
{
    c.ctx.entry = long(n);
    if (pfx > prev_len)
        c.fail(start, "prefix",
               "shares " + std::to_string(pfx) +
                   " bytes with the previous entry, which has only " +
                   std::to_string(prev_len));
    c.fail(start + 1, "text", "string is not NUL-terminated");
}

// Copies n bytes 16 at a time (a few instructions for a name, where a
// memcpy() call of a size known only now costs tens): reads and writes up
// to 15 bytes past the n, which parse_strtab() keeps inside its buffer.
// The overreach of a chunk may cover bytes another chunk writes, so each
// is a memmove (still one load and one store).
inline void copy16(char* d, const char* s, size_t n)
{
    for (size_t i = 0; i < n; i += 16)
        std::memmove(d + i, s + i, 16);
}

// The NULs of p[0, 16), as bits (bit k is p[k]).
inline uint32_t nul_bits(const uint8_t* p)
{
#if defined(__SSE2__)
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128())));
#else
    uint32_t m = 0;
    for (unsigned k = 0; k < 16; k++)
        m |= uint32_t(p[k] == 0) << k;
    return m;
#endif
}

// The first NUL in p[0, n), or nullptr, 16 bytes a step (where memchr()
// is a call for each table entry): reads up to 15 bytes past p + n, which
// parse_strtab() keeps inside its buffer.
inline const char* find_nul16(const char* p, size_t n)
{
    for (size_t i = 0; i < n; i += 16)
        if (const uint32_t m = nul_bits(reinterpret_cast<const uint8_t*>(p + i))) {
            const size_t at = i + size_t(__builtin_ctz(m));
            return at < n ? p + at : nullptr;
        }
    return nullptr;
}

// Front-coded string table (SPEC 4.2), in one pass over the entries,
// appended to out (n counts them).  The table's bytes are copied into buf
// whole: an entry that shares no prefix is its suffix there, NUL and all;
// one that does is put together after them, from the previous entry's
// text and its suffix in that copy (both before where it is written, so
// copy16()'s overreach only ever lands on bytes not yet used).  buf is
// written through a pointer, sized ahead (to its capacity: growing it does
// not fill the new bytes) with 16 spare bytes; used counts the bytes in
// use, before and after the table (also when it fails), and buf keeps its
// length for the next table (making it longer is a call to the library),
// to be cut to used by decode_v1().  Without strings every entry is still
// checked, only its text is not kept (empty).
//
// The loop keeps its state in locals, as pointers where it can (the text
// is written through a char pointer, which may alias anything kept in
// memory, and a loop with fewer live values keeps them all in registers),
// and stores it back only where it ends or fails.
template <bool Strings>
void parse_strtab(Cursor c, std::vector<StrEntry>& out, TextBuf& buf,
                  size_t& n, size_t& used)
{
    const size_t left = c.left();
    if (out.capacity() < n + left / 6)
        out.reserve(n + left / 6);
    const size_t tab = c.pos(), first = out.size();
    constexpr size_t kSpare = 16;  // copy16()'s reach
    // The table's bytes: entry i's prefix length is q[i] and its suffix
    // starts at q + i + 1 (in buf's copy of the table, which find_nul16()
    // may read past, or in the record).
    const char* q = reinterpret_cast<const char*>(c.base() + tab);
    char* d = nullptr;  // buf
    char* w = nullptr;  // where the next put-together entry goes
    char* lim = nullptr;  // how far put-together entries may reach
    size_t copy = 0;      // where the table's bytes start in buf
    if (Strings) {
        if (buf.size() < used + left + kSpare)
            buf.resize(std::max(used + left + kSpare, buf.capacity()));
        d = buf.data();
        copy = used;
        std::memcpy(d + copy, q, left);
        // find_nul16() reads up to 15 bytes past the copy: zeros, not
        // whatever the buffer held.
        std::memset(d + copy + left, 0, kSpare);
        q = d + copy;
        w = d + copy + left;
        lim = d + buf.size() - kSpare;
    }
    const char* prev = nullptr;  // the previous entry's text
    size_t prev_len = 0;
    // p walks the entries; an entry's offset in the record is p - q0.
    uintptr_t q0 = uintptr_t(q) - tab;
    const char* qend = q + left;
    for (const char* p = q; p < qend;) {
        const size_t pfx = uint8_t(*p);
        const char* text = p + 1;
        const char* const nul =
            Strings ? find_nul16(text, size_t(qend - text))
                    : static_cast<const char*>(std::memchr(text, 0, size_t(qend - text)));
        if (MBT_UNLIKELY(pfx > prev_len || !nul)) {
            used = size_t(w - d);
            n += out.size() - first;
            fail_entry(c, n, size_t(uintptr_t(p) - q0), unsigned(pfx), prev_len);
        }
        const size_t slen = size_t(nul - text);
        const size_t len = pfx + slen;
        uint32_t off = 0;  // of its text in buf
        if (Strings) {
            const char* s = text;
            if (pfx) {
                if (MBT_UNLIKELY(w + len + 1 > lim)) {  // buf moves
                    const size_t wo = size_t(w - d), po = size_t(prev - d),
                                 at = size_t(p - q);
                    buf.resize(std::max(wo + len + 1 + kSpare, buf.capacity()));
                    d = buf.data();
                    q = d + copy;
                    q0 = uintptr_t(q) - tab;
                    qend = q + left;
                    p = q + at;
                    text = p + 1;
                    w = d + wo;
                    prev = d + po;
                    lim = d + buf.size() - kSpare;
                }
                if (pfx <= 16 && slen < 16) {  // most: one chunk each
                    std::memmove(w, prev, 16);
                    std::memmove(w + pfx, text, 16);
                } else {
                    copy16(w, prev, pfx);
                    copy16(w + pfx, text, slen + 1);  // and the NUL
                }
                s = w;
                w += len + 1;
            }
            off = uint32_t(s - d);
            prev = s;
        }
        out.push_back(StrEntry{off, Strings ? uint32_t(len) : 0,
                               Span{uint32_t(uintptr_t(p) - q0), uint32_t(slen + 2)}});
        prev_len = len;
        p = text + slen + 1;
    }
    used = size_t(w - d);
    n += out.size() - first;
}

[[noreturn]] MBT_COLD void fail_index(const Cursor& c, size_t start,
                                      uint64_t v, size_t n, const char* field,
                                      const char* tabname)
{
    c.fail(start, field,
           "string index " + std::to_string(v) + " is not in the " + tabname +
               " table (" + std::to_string(n) + " entries)");
}

// The entries of the two tables so far (see parse_strtab()), and the bytes
// of Record::strings their text takes (the buffer may be longer: see
// decode_v1()).
struct Counts {
    size_t files = 0;
    size_t names = 0;
    size_t text = 0;
};

void parse_strtab(Cursor c, std::vector<StrEntry>& out, TextBuf& buf,
                  size_t& n, size_t& used, const char* area, bool strings)
{
    c.ctx.area = area;
    if (strings)
        parse_strtab<true>(c, out, buf, n, used);
    else
        parse_strtab<false>(c, out, buf, n, used);
}

inline StrRef ref(Cursor& c, size_t n, const char* field, const char* tabname)
{
    StrRef r;
    const size_t start = c.pos();
    const uint64_t v = c.varint(field);
    if (MBT_UNLIKELY(v >= n))
        fail_index(c, start, v, n, field, tabname);
    r.idx = uint32_t(v);
    r.at = Span{uint32_t(start), uint32_t(c.pos() - start)};
    r.present = true;
    return r;
}

[[noreturn]] MBT_COLD void fail_max(const Cursor& c, size_t start, uint64_t v,
                                    uint64_t max, const char* field)
{
    c.fail(start, field,
           "value " + std::to_string(v) + " exceeds " + std::to_string(max));
}

template <class T>
inline Field<T> vfield(Cursor& c, const char* field, uint64_t max)
{
    Field<T> f;
    const size_t start = c.pos();
    const uint64_t v = c.varint(field);
    if (MBT_UNLIKELY(v > max))
        fail_max(c, start, v, max, field);
    f.v = T(v);
    f.at = Span{uint32_t(start), uint32_t(c.pos() - start)};
    f.present = true;
    return f;
}

template <class T>
inline Field<T> u8field(Cursor& c, const char* field)
{
    Field<T> f;
    f.at = Span{uint32_t(c.pos()), 1};
    f.v = T(c.u8(field));
    f.present = true;
    return f;
}

void xlate_side(Cursor& v, mbt_xlate_side& xs, const char* field)
{
    const size_t at = v.pos();
    xs.xs_ver = v.u8(field);
    size_t alen = 0;
    if (xs.xs_ver == MBT_XLATE_IPV4)
        alen = 4;
    else if (xs.xs_ver == MBT_XLATE_IPV6)
        alen = 16;
    else
        v.fail(at, field,
               "IP version " + std::to_string(xs.xs_ver) +
                   " is neither 4 nor 6");
    const uint8_t* p = v.bytes(2 * alen, field);
    std::memcpy(xs.xs_src, p, alen);
    std::memcpy(xs.xs_dst, p + alen, alen);
    xs.xs_sport = v.u16(field);
    xs.xs_dport = v.u16(field);
}

// Filling a Hop (value and offset) or a NumHop (value only).
template <class T>
inline void put(Field<T>& f, T v, Span at)
{
    f.v = v;
    f.at = at;
    f.present = true;
}
template <class T>
inline void put(Num<T>& f, T v, Span)
{
    f.v = v;
    f.present = true;
}
inline void put(StrRef& f, uint32_t idx, Span at)
{
    f.idx = idx;
    f.at = at;
    f.present = true;
}
inline void put(NumRef& f, uint32_t idx, Span)
{
    f.idx = idx;
    f.present = true;
}
inline void put_snap(Hop& h, uint16_t lt, size_t at, size_t end)
{
    put(h.snap_linktype, lt, Span{uint32_t(at), 2});
    h.snap = Span{uint32_t(at + 2), uint32_t(end - at - 2)};
    h.has_snap = true;
}
template <class T>
inline void put(Unkept&, T, Span)
{
}
inline void put_snap(NumHop&, uint16_t, size_t, size_t)
{
}

// The common hop, read with plain locals: known attributes, every value
// in range.  On anything else it returns false having set only fields that
// parse_hop() sets the same way before reaching that point; parse_hop()
// then reads the hop again and finds what it is (an error with its field
// and offset, an unknown attribute, a long varint).  H is a Hop, or a
// NumHop for decode_numbers(), which needs no offsets: the same rules.
//
// Everything lives in locals: the hop's fields are bytes and bools, which
// may alias anything, so a reader kept in an object would be reloaded from
// memory after every store.
template <class H>
bool fast_hop(const uint8_t* const b, size_t pos, const size_t end,
              const Counts& tabs, H& h)
{
    const size_t nf = tabs.files, nn = tabs.names;
    uint64_t v = 0;
    Span at;
    const auto varint = [&](size_t lim) {
        const size_t start = pos;
        if (pos < lim && b[pos] < 0x80) {
            v = b[pos++];
            at = Span{uint32_t(start), 1};
            return true;
        }
        // Two bytes: most lines and hop times.
        if (pos + 1 < lim && b[pos + 1] < 0x80) {
            v = uint64_t(b[pos] & 0x7f) | uint64_t(b[pos + 1]) << 7;
            pos += 2;
            at = Span{uint32_t(start), 2};
            return true;
        }
        uint64_t x = 0;
        for (unsigned shift = 0; shift < 63; shift += 7) {
            if (pos >= lim)
                return false;
            const uint8_t c = b[pos++];
            x |= uint64_t(c & 0x7f) << shift;
            if (!(c & 0x80)) {
                v = x;
                at = Span{uint32_t(start), uint32_t(pos - start)};
                return true;
            }
        }
        return false;  // 10 bytes: parse_hop() checks the last one
    };
    const auto field32 = [&](size_t lim, auto& f) {
        if (!varint(lim) || v > UINT32_MAX)
            return false;
        put(f, uint32_t(v), at);
        return true;
    };
    const auto field64 = [&](size_t lim, auto& f) {
        if (!varint(lim))
            return false;
        put(f, v, at);
        return true;
    };
    const auto ref = [&](size_t lim, auto& f, size_t n) {
        if (!varint(lim) || v >= n)
            return false;
        put(f, uint32_t(v), at);
        return true;
    };
    const auto u8 = [&](size_t lim, auto& f) {
        if (pos >= lim)
            return false;
        put(f, b[pos], Span{uint32_t(pos), 1});
        pos++;
        return true;
    };
    if (pos >= end || (b[pos] >> MBT_HOP_KIND_SHIFT) > MBT_HK_LEAVE)
        return false;
    const Span kd{uint32_t(pos), 1};
    put(h.kind, uint8_t(b[pos] >> MBT_HOP_KIND_SHIFT), kd);
    put(h.depth, uint8_t(b[pos] & MBT_HOP_DEPTH_MASK), kd);
    pos++;
    if (!u8(end, h.subsys) || !ref(end, h.file, nf) || !field32(end, h.line) ||
        !ref(end, h.func, nn) || !field64(end, h.time_ns))
        return false;
    while (pos < end) {
        const uint8_t type = b[pos++];
        if (!varint(end) || v > end - pos)
            return false;
        const size_t ve = pos + size_t(v);
        bool ok;
        switch (type) {
        case MBT_A_VNET:
            ok = field32(ve, h.vnet);
            break;
        case MBT_A_CPU:
            ok = field32(ve, h.cpu);
            break;
        case MBT_A_IFACE:
            ok = field32(ve, h.ifindex) && u8(ve, h.dir) &&
                 ref(ve, h.ifname, nn);
            break;
        case MBT_A_RULE:
            ok = ref(ve, h.ruleset, nn) && field32(ve, h.rule) &&
                 u8(ve, h.action);
            break;
        case MBT_A_MSG:
            ok = ref(ve, h.msg, nn);
            break;
        case MBT_A_DROP:
            ok = ref(ve, h.drop, nn);
            break;
        case MBT_A_NODE:
            ok = ref(ve, h.node, nn) && ref(ve, h.hook, nn);
            break;
        case MBT_A_COPY:
            ok = field64(ve, h.copy_id);
            break;
        case MBT_A_SNAPSHOT:  // link type, then the packet's bytes
            if (ve - pos < 2)
                return false;
            put_snap(h, uint16_t(b[pos] << 8 | b[pos + 1]), pos, ve);
            pos = ve;
            ok = true;
            break;
        default:  // XLATE, STATE, unknown attributes: parse_hop()
            return false;
        }
        if (!ok || pos != ve)
            return false;
    }
    return true;
}

// Where a hop's XLATE or STATE goes in the record's list (no: the hop's
// Hop::xlate_no or state_no): a second one in the hop is read over the
// first, as a second VNET is.
template <class T>
T& slot(std::vector<T>& list, uint32_t& no)
{
    if (!no) {
        list.emplace_back();
        no = uint32_t(list.size());
    }
    return list[no - 1];
}

void parse_hop(Cursor c, const Counts& tabs, Hop& h, Record& r)
{
    std::vector<Tlv>& unknown = r.hop_unknown;
    h.unknown = Span{uint32_t(unknown.size()), 0};
    c.ctx = Ctx{};
    c.ctx.hop = long(h.index);
    const size_t kd_at = c.pos();
    const uint8_t kd = c.u8("kind");
    h.kind.v = uint8_t(kd >> MBT_HOP_KIND_SHIFT);
    h.kind.at = h.depth.at = Span{uint32_t(kd_at), 1};
    h.kind.present = h.depth.present = true;
    h.depth.v = uint8_t(kd & MBT_HOP_DEPTH_MASK);
    if (h.kind.v > MBT_HK_LEAVE)
        c.fail(kd_at, "kind",
               "hop kind " + std::to_string(h.kind.v) + " is reserved");
    h.subsys = u8field<uint8_t>(c, "subsys");
    h.file = ref(c, tabs.files, "file", "FILES");
    h.line = vfield<uint32_t>(c, "line", UINT32_MAX);
    h.func = ref(c, tabs.names, "func", "NAMES");
    h.time_ns = vfield<uint64_t>(c, "time", UINT64_MAX);

    while (!c.done()) {
        const size_t at = c.pos();
        c.ctx.attr = -1;
        const uint8_t type = c.u8("attr.type");
        c.ctx.attr = type;
        const size_t vlen = c.length("length");
        Cursor v = c.sub(vlen, "value");
        const size_t vstart = v.pos();
        switch (type) {
        case MBT_A_VNET:
            h.vnet = vfield<uint32_t>(v, "vnet", UINT32_MAX);
            break;
        case MBT_A_CPU:
            h.cpu = vfield<uint32_t>(v, "cpu", UINT32_MAX);
            break;
        case MBT_A_IFACE:
            h.ifindex = vfield<uint32_t>(v, "ifindex", UINT32_MAX);
            h.dir = u8field<uint8_t>(v, "dir");
            h.ifname = ref(v, tabs.names, "ifname", "NAMES");
            break;
        case MBT_A_RULE:
            h.ruleset = ref(v, tabs.names, "ruleset", "NAMES");
            h.rule = vfield<uint32_t>(v, "rule", UINT32_MAX);
            h.action = u8field<uint8_t>(v, "action");
            break;
        case MBT_A_MSG:
            h.msg = ref(v, tabs.names, "msg", "NAMES");
            break;
        case MBT_A_DROP:
            h.drop = ref(v, tabs.names, "drop", "NAMES");
            break;
        case MBT_A_NODE:
            h.node = ref(v, tabs.names, "node", "NAMES");
            h.hook = ref(v, tabs.names, "hook", "NAMES");
            break;
        case MBT_A_COPY:
            h.copy_id = vfield<uint64_t>(v, "copy_id", UINT64_MAX);
            break;
        case MBT_A_XLATE: {
            Field<mbt_xlate>& x = slot(r.xlates, h.xlate_no);
            x.at = Span{uint32_t(vstart), uint32_t(vlen)};
            x.v.xl_proto = v.u8("xlate.proto");
            xlate_side(v, x.v.xl_before, "xlate.before");
            xlate_side(v, x.v.xl_after, "xlate.after");
            x.present = true;
            break;
        }
        case MBT_A_STATE: {
            Field<Hop::State>& st = slot(r.states, h.state_no);
            st.at = Span{uint32_t(vstart), uint32_t(vlen)};
            st.v.id = vfield<uint64_t>(v, "state.id", UINT64_MAX).v;
            st.v.creator = vfield<uint32_t>(v, "state.creator", UINT32_MAX).v;
            st.v.how = v.u8("state.how");
            st.present = true;
            break;
        }
        case MBT_A_SNAPSHOT:
            h.snap_linktype.at = Span{uint32_t(v.pos()), 2};
            h.snap_linktype.v = v.u16("snapshot.linktype");
            h.snap_linktype.present = true;
            h.snap = Span{uint32_t(v.pos()), uint32_t(v.left())};
            h.has_snap = true;
            v.skip(v.left());
            break;
        default:
            if (type & MBT_TLV_CRITICAL)
                c.fail(at, "type",
                       "unknown must-understand hop attribute " + hex8(type));
            unknown.push_back(
                Tlv{type, Span{uint32_t(at), uint32_t(vstart + vlen - at)},
                    Span{uint32_t(vstart), uint32_t(vlen)}});
            h.unknown.len++;
            v.skip(v.left());
            break;
        }
        if (!v.done())
            v.fail(v.pos(), "",
                   std::to_string(v.left()) +
                       " bytes left over after the attribute's fields");
    }
}

template <class T>
void once(Cursor& c, const Field<T>& f, size_t at, const char* what)
{
    if (f.present)
        c.fail(at, what, "appears twice in the record");
}

std::string utf8(Cursor& c, size_t n, const char* field)
{
    const uint8_t* p = c.bytes(n, field);
    return std::string(reinterpret_cast<const char*>(p), n);
}

Field<std::string> sfield(Cursor& v, const char* field)
{
    Field<std::string> f;
    f.at = Span{uint32_t(v.pos()), uint32_t(v.left())};
    f.v = utf8(v, v.left(), field);
    f.present = true;
    return f;
}

// The hops from at on, up to the first TLV that is not a hop with a
// one-byte length that fast_hop() reads whole; returns where that TLV
// starts.  (A loop of its own, with fast_hop() in it: in the loop of
// decode_record() it would be a call.)
__attribute__((flatten)) size_t fast_hops(const uint8_t* const b, size_t at,
                                          const size_t end, const Counts& tabs,
                                          decltype(Record::hops)& hops)
{
    uint32_t index = uint32_t(hops.size());  // not size() - 1: a division
    while (at + 1 < end && b[at] == MBT_T_HOP && b[at + 1] < 0x80 &&
           b[at + 1] <= end - at - 2) {
        const size_t ve = at + 2 + b[at + 1];
        Hop& h = hops.emplace_back();
        h.index = index++;
        h.at = Span{uint32_t(at), uint32_t(ve - at)};
        if (!fast_hop(b, at + 2, ve, tabs, h)) {
            hops.pop_back();
            break;
        }
        at = ve;
    }
    return at;
}

void parse_meta_tlv(Cursor& v, uint8_t type, size_t at, Record& r)
{
    Meta& m = r.meta;
    switch (type) {
    case MBT_M_KERNEL_IDENT:
        m.kernel_ident = sfield(v, "meta.kernel_ident");
        break;
    case MBT_M_KERNEL_VERSION:
        m.kernel_version = sfield(v, "meta.kernel_version");
        break;
    case MBT_M_SOURCE_REV:
        m.source_rev = sfield(v, "meta.source_rev");
        break;
    case MBT_M_HOSTNAME:
        m.hostname = sfield(v, "meta.hostname");
        break;
    case MBT_M_SOURCE_URL:
        m.source_url = sfield(v, "meta.source_url");
        break;
    case MBT_M_PRODUCER:
        m.producer = sfield(v, "meta.producer");
        break;
    case MBT_M_CAPTURE_START:
        m.capture_start_ns =
            vfield<uint64_t>(v, "meta.capture_start", UINT64_MAX);
        break;
    case MBT_M_TRACEPOINT: {
        v.ctx.area = "meta.tracepoint";
        v.ctx.entry = long(m.tracepoints.size());
        CatalogueEntry e;
        e.at = Span{uint32_t(at), uint32_t(v.pos() + v.left() - at)};
        e.id = vfield<uint32_t>(v, "id", UINT32_MAX).v;
        e.subsys = v.u8("subsys");
        e.flags = v.u8("flags");
        e.line = vfield<uint32_t>(v, "line", UINT32_MAX).v;
        e.file = utf8(v, v.length("file.length"), "file");
        e.func = utf8(v, v.length("func.length"), "func");
        m.tracepoints.push_back(std::move(e));
        break;
    }
    case MBT_M_VNET_NAME: {
        const uint32_t id = vfield<uint32_t>(v, "meta.vnet_name.id",
                                             UINT32_MAX).v;
        m.vnet_names.emplace_back(id, utf8(v, v.left(), "meta.vnet_name"));
        break;
    }
    default:
        if (type & MBT_TLV_CRITICAL)
            v.fail(at, "",
                   "unknown must-understand metadata TLV " + hex8(type));
        r.unknown.push_back(
            Tlv{type, Span{uint32_t(at), uint32_t(v.pos() + v.left() - at)},
                Span{uint32_t(v.pos()), uint32_t(v.left())}});
        v.skip(v.left());
        break;
    }
}

void parse_trace_tlv(Cursor& v, uint8_t type, size_t at, Record& r,
                     Counts& tabs, bool strings)
{
    switch (type) {
    case MBT_T_TRACE_ID:
        once(v, r.trace_id, at, "trace_id");
        r.trace_id = vfield<uint64_t>(v, "trace_id", UINT64_MAX);
        break;
    case MBT_T_PARENT_ID:
        once(v, r.parent_id, at, "parent_id");
        r.parent_id = vfield<uint64_t>(v, "parent_id", UINT64_MAX);
        break;
    case MBT_T_PACKET_ID:
        once(v, r.packet_id, at, "packet_id");
        r.packet_id = vfield<uint64_t>(v, "packet_id", UINT64_MAX);
        break;
    case MBT_T_LOST:
        once(v, r.hops_lost, at, "lost");
        r.hops_lost = vfield<uint32_t>(v, "lost.hops", UINT32_MAX);
        r.alloc_fail = vfield<uint32_t>(v, "lost.alloc_fail", UINT32_MAX);
        break;
    case MBT_T_FILES:
        if (tabs.files || !r.hops.empty())
            v.fail(at, "files",
                   "FILES must appear once, before the first hop");
        parse_strtab(v.sub(v.left(), "files"), r.files, r.strings, tabs.files,
                     tabs.text, "files", strings);
        break;
    case MBT_T_NAMES:
        if (tabs.names || !r.hops.empty())
            v.fail(at, "names",
                   "NAMES must appear once, before the first hop");
        parse_strtab(v.sub(v.left(), "names"), r.names, r.strings, tabs.names,
                     tabs.text, "names", strings);
        break;
    case MBT_T_HOP: {
        r.hops.emplace_back();
        Hop& h = r.hops.back();
        h.index = uint32_t(r.hops.size() - 1);
        h.at = Span{uint32_t(at), uint32_t(v.pos() + v.left() - at)};
        if (fast_hop(v.base(), v.pos(), v.pos() + v.left(), tabs, h))
            v.skip(v.left());
        else
            parse_hop(v.sub(v.left(), "hop"), tabs, h, r);
        break;
    }
    default:
        if (type & MBT_TLV_CRITICAL)
            v.fail(at, "",
                   "unknown must-understand record TLV " + hex8(type));
        r.unknown.push_back(
            Tlv{type, Span{uint32_t(at), uint32_t(v.pos() + v.left() - at)},
                Span{uint32_t(v.pos()), uint32_t(v.left())}});
        v.skip(v.left());
        break;
    }
}

// VNET and CPU are written when they change: carry them forward (VNET
// only in a NumHop, which does not keep CPU).  The last value seen is kept
// by value, starting as an absent field: a hop without the attribute takes
// it whether or not it is present (an absent field over an absent field
// changes nothing), and is inherited only if it is.
template <class R>
void carry_forward(R& r)
{
    using H = std::decay_t<decltype(r.hops[0])>;
    constexpr bool cpu = !std::is_same_v<decltype(H::cpu), Unkept>;
    decltype(H::vnet) vlast{};
    decltype(H::cpu) clast{};
    for (auto& h : r.hops) {
        if (h.vnet.present)
            vlast = h.vnet;
        else {
            h.vnet = vlast;
            h.vnet_inherited = vlast.present;
        }
        if constexpr (cpu) {
            if (h.cpu.present)
                clast = h.cpu;
            else {
                h.cpu = clast;
                h.cpu_inherited = clast.present;
            }
        }
    }
}

}  // namespace

// Empties r, keeping its storage (vector and buffer capacity).
void reset(Record& r)
{
    r.format = Format::V1;
    r.at = Span{};
    r.major = {};
    r.minor = {};
    r.kind = {};
    r.flags = {};
    r.linktype = {};
    r.length = {};
    r.trace_id = {};
    r.parent_id = {};
    r.packet_id = {};
    r.hops_lost = {};
    r.alloc_fail = {};
    r.files.clear();
    r.names.clear();
    r.strings.clear();
    r.hops.clear();
    r.unknown.clear();
    r.hop_unknown.clear();
    r.xlates.clear();
    r.states.clear();
    r.legacy_ether = Span{};
    Meta& m = r.meta;
    if (m.kernel_ident || m.kernel_version || m.source_rev || m.hostname ||
        m.capture_start_ns || m.source_url || m.producer ||
        !m.tracepoints.empty() || !m.vnet_names.empty())
        m = Meta{};
}

namespace {

// decode_record() into res, which is empty (new, or reset()).
void decode_v1(const uint8_t* data, size_t len, DecodeResult& res,
               bool strings)
{
    Counts tabs;
    Record& r = res.rec;
    r.format = Format::V1;
    Cursor c(data, len);
    try {
        if (len < MBT_HDR_LEN)
            c.fail(0, "header",
                   "record has " + std::to_string(len) +
                       " bytes, shorter than the 16-byte header");
        const uint8_t* h = c.bytes(4, "header.magic");
        if (h[0] != MBT_MAGIC0 || h[1] != MBT_MAGIC1 || h[2] != MBT_MAGIC2 ||
            h[3] != MBT_MAGIC3)
            c.fail(0, "header.magic", "not an mbuftrace record (magic is not \"MBTR\")");
        r.major = u8field<uint8_t>(c, "header.major");
        r.minor = u8field<uint8_t>(c, "header.minor");
        r.kind = u8field<uint8_t>(c, "header.kind");
        c.u8("header.reserved");
        r.flags.at = Span{uint32_t(c.pos()), 2};
        r.flags.v = c.u16("header.flags");
        r.flags.present = true;
        r.linktype.at = Span{uint32_t(c.pos()), 2};
        r.linktype.v = c.u16("header.linktype");
        r.linktype.present = true;
        r.length.at = Span{uint32_t(c.pos()), 4};
        r.length.v = c.u32("header.length");
        r.length.present = true;
        const uint32_t rl = r.length.v;
        if (rl < MBT_HDR_LEN)
            c.fail(12, "header.length",
                   "length " + std::to_string(rl) +
                       " is shorter than the 16-byte header");
        if (rl > len) {
            res.consumed = len;
            c.fail(12, "header.length",
                   "length " + std::to_string(rl) + " but only " +
                       std::to_string(len) + " bytes are present");
        }
        res.consumed = rl;
        r.at = Span{0, rl};
        if (r.major.v != MBT_VERSION_MAJOR)
            c.fail(4, "header.major",
                   "major version " + std::to_string(r.major.v) +
                       " is not supported (this reader knows " +
                       std::to_string(MBT_VERSION_MAJOR) + ")");
        if (r.kind.v != MBT_KIND_TRACE && r.kind.v != MBT_KIND_META)
            c.fail(6, "header.kind",
                   "unknown record kind " + std::to_string(r.kind.v));
        Cursor body = c.sub(rl - MBT_HDR_LEN, "record");
        // The string tables are copied into r.strings, and entries that
        // share a prefix put together after them: one allocation, which
        // grows if a table is mostly shared prefixes.  (Half the record
        // more, not twice it: a usual record's buffer then stays within
        // malloc's per-thread cache, 1 KiB, and costs a few instructions.)
        if (strings && r.kind.v == MBT_KIND_TRACE)
            r.strings.reserve(size_t(rl) + rl / 2);
        // A hop takes 8 bytes or more: one allocation instead of a few.
        r.hops.reserve(std::min<size_t>(rl / 8, 1024));
        const bool trace = r.kind.v == MBT_KIND_TRACE;
        const uint8_t* const b = body.base();
        const size_t end = body.pos() + body.left();
        while (!body.done()) {
            const size_t at = body.pos();
            // The hops that fast_hop() reads whole; anything else goes
            // the careful way below.
            if (trace) {
                body.skip(fast_hops(b, at, end, tabs, r.hops) - at);
                if (body.done())
                    break;
            }
            body.ctx.tlv = -1;
            body.ctx.hop = -1;
            const uint8_t type = body.u8("tlv.type");
            body.ctx.tlv = type;
            if (type == MBT_T_HOP && r.kind.v == MBT_KIND_TRACE)
                body.ctx.hop = long(r.hops.size());
            const size_t vlen = body.length("length");
            Cursor v = body.sub(vlen, "value");
            if (r.kind.v == MBT_KIND_META)
                parse_meta_tlv(v, type, at, r);
            else
                parse_trace_tlv(v, type, at, r, tabs, strings);
            if (!v.done())
                v.fail(v.pos(), "",
                       std::to_string(v.left()) +
                           " bytes left over after the TLV's fields");
        }
        if (r.kind.v == MBT_KIND_TRACE && !r.trace_id.present)
            c.fail(MBT_HDR_LEN, "trace_id", "the record has no TRACE_ID");
    } catch (const DecodeFail& f) {
        res.error = f.err;
    }
    // The string tables leave the buffer as long as its storage (making it
    // longer again is a call); it ends where their text ends.
    if (r.strings.size() > tabs.text)
        r.strings.resize(tabs.text);
    carry_forward(r);
}

}  // namespace

DecodeResult decode_record(const uint8_t* data, size_t len)
{
    DecodeResult res;  // new: nothing to reset
    decode_v1(data, len, res, true);
    return res;
}

void decode_record(const uint8_t* data, size_t len, DecodeResult& res,
                   bool strings)
{
    reset(res.rec);
    res.error.reset();
    res.consumed = 0;
    decode_v1(data, len, res, strings);
}

DecodeResult decode_any(const uint8_t* data, size_t len)
{
    DecodeResult res;
    decode_any(data, len, res);
    return res;
}

void decode_any(const uint8_t* data, size_t len, DecodeResult& res,
                bool strings)
{
    // v1 by its magic without the legacy sniffer's walk and its frame (a
    // v1 record is what a reader mostly sees).
    if (has_v1_magic(data, len) || !decode_sniffed_legacy(data, len, res, strings))
        decode_record(data, len, res, strings);
}

namespace {

template <class T>
inline Num<T> num(const Field<T>& f)
{
    return Num<T>{f.v, f.present};
}
inline NumRef num(const StrRef& f)
{
    return NumRef{f.idx, f.present};
}

// One LEB128 value filling [pos, end) exactly, as vfield() reads it.
inline bool whole_varint(const uint8_t* b, size_t pos, size_t end,
                         uint64_t max, uint64_t& v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; pos < end && shift < 63; shift += 7) {
        const uint8_t c = b[pos++];
        x |= uint64_t(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            v = x;
            return pos == end && x <= max;
        }
    }
    return false;  // cut, 10 bytes or more: the full decoder says which
}

// A string table b[pos, end) checked as parse_strtab() checks it, counted,
// not kept (lim: the end of the buffer).  An entry is a prefix byte, its
// suffix and a NUL, so the table's NULs, found 16 bytes at a time, are the
// entries' ends, and the prefix bytes that are 0: a NUL where an entry
// starts.  (A memchr() call per entry cost tens of instructions.)
inline bool count_strtab(const uint8_t* b, size_t pos, size_t end, size_t lim,
                         size_t& n)
{
    size_t start = pos, prev_len = 0;
    const auto entries = [&](size_t blk, uint32_t m) {
        for (; m; m &= m - 1) {
            const size_t i = blk + size_t(__builtin_ctz(m));
            if (i == start)  // a prefix of 0
                continue;
            const size_t pfx = b[start];
            if (pfx > prev_len)
                return false;
            prev_len = pfx + (i - start - 1);
            start = i + 1;
            n++;
        }
        return true;
    };
    size_t blk = pos;
    for (; end - blk >= 16; blk += 16)
        if (!entries(blk, nul_bits(b + blk)))
            return false;
    if (blk < end) {
        // The last bytes: read 16 where the buffer has them, else from a
        // copy; NULs at or past end do not count.
        uint8_t t[16] = {};
        const uint8_t* p = b + blk;
        if (lim - blk < 16)
            p = static_cast<const uint8_t*>(std::memcpy(t, p, end - blk));
        if (!entries(blk, nul_bits(p) & ((1u << (end - blk)) - 1)))
            return false;
    }
    return start == end;  // else the last entry has no NUL
}

// The short path of decode_numbers(): a v1 trace record made of the TLVs
// the kernel writes, each hop one that fast_hop() takes.  False, with res
// in any state, for anything else (including every error): the full
// decoder then says what it is.
bool numbers_short(const uint8_t* b, size_t len, NumResult& res)
{
    NumRecord& r = res.rec;
    if (len < MBT_HDR_LEN || !has_v1_magic(b, len) ||
        b[4] != MBT_VERSION_MAJOR || b[6] != MBT_KIND_TRACE)
        return false;
    const uint32_t rl = uint32_t(b[12]) << 24 | uint32_t(b[13]) << 16 |
                        uint32_t(b[14]) << 8 | b[15];
    if (rl < MBT_HDR_LEN || rl > len)
        return false;
    r.major = Num<uint8_t>{b[4], true};
    r.minor = Num<uint8_t>{b[5], true};
    r.kind = Num<uint8_t>{b[6], true};
    r.flags = Num<uint16_t>{uint16_t(b[8] << 8 | b[9]), true};
    r.linktype = Num<uint16_t>{uint16_t(b[10] << 8 | b[11]), true};
    r.length = Num<uint32_t>{rl, true};
    r.at = Span{0, rl};
    if (r.hops.capacity() == 0)
        r.hops.reserve(std::min<size_t>(rl / 8, 1024));
    Counts tabs;
    uint64_t v = 0, w = 0;
    for (size_t pos = MBT_HDR_LEN; pos < rl;) {
        const uint8_t type = b[pos];
        size_t vlen, vs;
        if (pos + 1 < rl && b[pos + 1] < 0x80) {
            vlen = b[pos + 1];
            vs = pos + 2;
        } else if (pos + 2 < rl && b[pos + 2] < 0x80) {
            vlen = size_t(b[pos + 1] & 0x7f) | size_t(b[pos + 2]) << 7;
            vs = pos + 3;
        } else
            return false;
        if (vlen > rl - vs)
            return false;
        const size_t ve = vs + vlen;
        // An id TLV: one value, once in the record.
        const auto id = [&](Num<uint64_t>& f) {
            if (f || !whole_varint(b, vs, ve, UINT64_MAX, v))
                return false;
            f = Num<uint64_t>{v, true};
            return true;
        };
        switch (type) {
        case MBT_T_HOP: {
            NumHop& h = r.hops.emplace_back();
            h.index = uint32_t(r.hops.size() - 1);
            if (!fast_hop(b, vs, ve, tabs, h))
                return false;
            break;
        }
        case MBT_T_TRACE_ID:
            if (!id(r.trace_id))
                return false;
            break;
        case MBT_T_PARENT_ID:
            if (!id(r.parent_id))
                return false;
            break;
        case MBT_T_PACKET_ID:
            if (!id(r.packet_id))
                return false;
            break;
        case MBT_T_LOST: {
            // Two values: the first is as long as its bytes say.
            size_t p = vs;
            while (p < ve && (b[p] & 0x80))
                p++;
            if (p >= ve || r.hops_lost ||
                !whole_varint(b, vs, p + 1, UINT32_MAX, v) ||
                !whole_varint(b, p + 1, ve, UINT32_MAX, w))
                return false;
            r.hops_lost = Num<uint32_t>{uint32_t(v), true};
            r.alloc_fail = Num<uint32_t>{uint32_t(w), true};
            break;
        }
        case MBT_T_FILES:
            if (tabs.files || !r.hops.empty() ||
                !count_strtab(b, vs, ve, len, tabs.files))
                return false;
            break;
        case MBT_T_NAMES:
            if (tabs.names || !r.hops.empty() ||
                !count_strtab(b, vs, ve, len, tabs.names))
                return false;
            break;
        default:  // unknown TLVs: the full decoder
            return false;
        }
        pos = ve;
    }
    if (!r.trace_id)
        return false;
    r.files = tabs.files;
    r.names = tabs.names;
    res.consumed = rl;
    carry_forward(r);
    return true;
}

}  // namespace

void numbers_of(const DecodeResult& d, NumResult& res)
{
    const Record& s = d.rec;
    NumRecord& r = res.rec;
    r.format = s.format;
    r.at = s.at;
    r.major = num(s.major);
    r.minor = num(s.minor);
    r.kind = num(s.kind);
    r.flags = num(s.flags);
    r.linktype = num(s.linktype);
    r.length = num(s.length);
    r.trace_id = num(s.trace_id);
    r.parent_id = num(s.parent_id);
    r.packet_id = num(s.packet_id);
    r.hops_lost = num(s.hops_lost);
    r.alloc_fail = num(s.alloc_fail);
    r.files = s.files.size();
    r.names = s.names.size();
    r.legacy_ether = s.legacy_ether;
    r.hops.clear();
    for (const Hop& h : s.hops) {
        NumHop& n = r.hops.emplace_back();
        n.index = h.index;
        n.subsys = num(h.subsys);
        n.action = num(h.action);
        n.file = num(h.file);
        n.line = num(h.line);
        n.vnet = num(h.vnet);
        n.vnet_inherited = h.vnet_inherited;
        n.ruleset = num(h.ruleset);
        n.drop = num(h.drop);
        n.rule = num(h.rule);
        n.copy_id = num(h.copy_id);
    }
    res.error = d.error;
    res.consumed = d.consumed;
}

void decode_numbers(const uint8_t* data, size_t len, NumResult& res)
{
    NumRecord& r = res.rec;
    std::vector<NumHop> hops = std::move(r.hops);
    hops.clear();
    r = NumRecord{};
    r.hops = std::move(hops);
    res.error.reset();
    res.consumed = 0;
    res.in_full = false;
    if (numbers_short(data, len, res))
        return;
    res.in_full = true;
    if (!res.full)
        res.full = std::make_unique<DecodeResult>();
    // A legacy record's numbers (file, line, subsystem) come from its
    // strings; a v1 record's do not.
    decode_any(data, len, *res.full, !has_v1_magic(data, len));
    numbers_of(*res.full, res);
}

}  // namespace mbt
