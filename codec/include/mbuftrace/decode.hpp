// mbuftrace record decoder (format-spec/SPEC.md): v1 records, capture
// metadata records and the two legacy prototype layouts.
//
// The decoder never trusts a length.  Every decoded value carries the byte
// offset and length it came from (relative to the start of the buffer handed
// to the decoder), so that a viewer can highlight bytes without parsing again.
// On bad input it keeps what it decoded so far and reports one Error that
// names the field and its offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

extern "C" {
#include <sys/mbuf_trace_enc.h>  // struct mbt_xlate
#include <sys/mbuf_trace_wire.h>
}

namespace mbt {

// Where a value sits in the decoded buffer.
struct Span {
    uint32_t off = 0;
    uint32_t len = 0;
};

// A decoded value, where it came from, and whether the record has it.
// (present beside the value: a one- or two-byte value and its flag then
// share a word, and a hop, which has many such fields, is smaller.)
template <class T>
struct Field {
    T v{};
    bool present = false;
    Span at;
    Field() = default;
    Field(T value, Span where, bool is_present)
        : v(std::move(value)), present(is_present), at(where)
    {
    }
    explicit operator bool() const { return present; }
};

// A reference into one of the record's string tables.
struct StrRef {
    uint32_t idx = 0;  // index into Record::files or Record::names
    bool present = false;
    Span at;           // the reference itself (varint)
    explicit operator bool() const { return present; }
};

// One entry of a string table.  Its text (front coding undone) lives in
// the owning Record's `strings` buffer: read it with Record::text().
struct StrEntry {
    uint32_t off = 0;  // where its text starts in Record::strings
    uint32_t len = 0;  // its length (a NUL follows it there)
    Span at;           // the entry's bytes: prefix length, suffix, NUL
};

namespace detail {
#if defined(__SSE2__)
template <size_t... I>
inline void zero16(char* d, std::index_sequence<I...>) noexcept
{
    const __m128i z = _mm_setzero_si128();
    (_mm_storeu_si128(reinterpret_cast<__m128i*>(d + 16 * I), z), ...);
}
#endif

// Makes a T of all-zero bytes at p (a trivially copyable T whose value-
// initialised form is all zeros, such as Hop).  The compiler zeroes a
// value-initialised 400-byte Hop with `rep stos`, one step per 8 bytes;
// here it is one 16-byte store per 16 bytes, unrolled.  The memmove() of
// the bytes onto themselves, which the compiler drops, is what starts the
// object's life (C++23's std::start_lifetime_as() in C++17 terms:
// memmove() implicitly creates objects in its destination).
template <class T>
inline T* zero_object(void* p) noexcept
{
    static_assert(std::is_trivially_copyable_v<T> &&
                  std::is_trivially_destructible_v<T>);
#if defined(__SSE2__)
    if constexpr (sizeof(T) % 16 == 0)
        zero16(static_cast<char*>(p), std::make_index_sequence<sizeof(T) / 16>{});
    else
#endif
        std::memset(p, 0, sizeof(T));
    return std::launder(static_cast<T*>(std::memmove(p, p, sizeof(T))));
}
}  // namespace detail

// std::allocator with its own construct() without arguments, what a
// vector's resize() and emplace_back() call:
// - NoFill<T> leaves the new element uninitialised (a char stays as it
//   is): for a buffer that is sized ahead and then written whole
//   (std::vector<char>'s resize() fills the new bytes first, a memset of a
//   few hundred bytes for each string table of each record);
// - ZeroFill<T> makes a T of zero bytes with detail::zero_object(): for a
//   vector of Hop, where that is a Hop{} (its test checks) at half the
//   instructions.
template <class T, bool Zero>
struct LeanAlloc : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = LeanAlloc<U, Zero>;
    };
    LeanAlloc() = default;
    template <class U>
    LeanAlloc(const LeanAlloc<U, Zero>&) noexcept
    {
    }
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>)
    {
        if constexpr (Zero && std::is_same_v<U, T>)
            detail::zero_object<T>(p);
        else if constexpr (Zero)
            ::new (static_cast<void*>(p)) U();
        else
            ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... A>
    void construct(U* p, A&&... a)
    {
        ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
};
template <class T>
using NoFill = LeanAlloc<T, false>;
template <class T>
using ZeroFill = LeanAlloc<T, true>;
using TextBuf = std::vector<char, NoFill<char>>;

struct Tlv {
    uint8_t type = 0;
    Span at;     // whole TLV
    Span value;  // its value
};

enum class Format : uint8_t {
    V1,          // SPEC 2-4
    LegacyPart1, // SPEC 7.1: LE u16 count, LE u16 length + string
    LegacyPart3, // SPEC 7.2: BE u16 count, BE length + type + data
};

// The name of a format as the tool, the text dump and the plugin's
// mbuftrace.format field give it.
constexpr const char* format_name(Format f)
{
    switch (f) {
    case Format::LegacyPart1:
        return "legacy-part1";
    case Format::LegacyPart3:
        return "legacy-part3";
    case Format::V1:
        break;
    }
    return "v1";
}

struct Hop {
    uint32_t index = 0;  // position in time order
    Span at;             // the whole hop (TLV or legacy item)
    Field<uint8_t> kind;   // MBT_HK_*
    Field<uint8_t> depth;  // nesting level
    Field<uint8_t> subsys; // MBT_SS_*
    StrRef file;           // Record::files
    Field<uint32_t> line;
    StrRef func;           // Record::names
    Field<uint64_t> time_ns;  // since the first hop
    Field<uint32_t> vnet;  // effective: carried forward (vnet_inherited
    Field<uint32_t> cpu;   // and cpu_inherited below)
    Field<uint32_t> ifindex;
    Field<uint8_t> dir;    // MBT_DIR_*
    StrRef ifname;
    StrRef ruleset;
    Field<uint32_t> rule;
    Field<uint8_t> action; // MBT_ACT_*
    StrRef msg;
    StrRef drop;           // reason; the packet died here
    StrRef node;
    StrRef hook;
    Field<uint64_t> copy_id;
    struct State {
        uint64_t id = 0;
        uint32_t creator = 0;
        uint8_t how = 0;  // MBT_STATE_*
    };
    // XLATE (SPEC 4.4.1: what a translation rewrote) and STATE are rare
    // and large, so they are kept beside the hops: each is 1 + its index
    // in Record::xlates or Record::states, 0 if the hop has none.  Read
    // them with Record::xlate_of() and Record::state_of().
    uint32_t xlate_no = 0;
    uint32_t state_no = 0;
    Field<uint16_t> snap_linktype;
    Span snap;             // packet snapshot bytes (has_snap below)
    // Legacy only: the original text and what follows "func(" ... ")".
    StrRef text;
    StrRef arg;
    // Skipped non-critical attributes: Record::hop_unknown[off, off + len),
    // read with Record::unknown_of().  (Keeping them out of the Hop keeps
    // it trivially copyable.)
    Span unknown;
    // The flags, together (apart, each would take a word of its own).
    bool vnet_inherited = false;  // vnet and cpu came from an earlier hop
    bool cpu_inherited = false;
    bool has_snap = false;        // a SNAPSHOT: snap_linktype and snap
};

// A run of TLVs in a Record (see Record::unknown_of()).
struct TlvRange {
    const Tlv* b = nullptr;
    const Tlv* e = nullptr;
    const Tlv* begin() const { return b; }
    const Tlv* end() const { return e; }
    bool empty() const { return b == e; }
    size_t size() const { return size_t(e - b); }
};

// One tracepoint of the capture-wide catalogue (metadata record).
struct CatalogueEntry {
    Span at;
    uint32_t id = 0;
    uint8_t subsys = 0;
    uint8_t flags = 0;  // MBT_TPF_*
    uint32_t line = 0;
    std::string file;
    std::string func;
};

struct Meta {
    Field<std::string> kernel_ident;
    Field<std::string> kernel_version;
    Field<std::string> source_rev;
    Field<std::string> hostname;
    Field<uint64_t> capture_start_ns;
    Field<std::string> source_url;
    Field<std::string> producer;
    std::vector<CatalogueEntry> tracepoints;
    std::vector<std::pair<uint32_t, std::string>> vnet_names;
};

struct Record {
    Format format = Format::V1;
    Span at;  // the record (without the packet bytes after it)
    Field<uint8_t> major;
    Field<uint8_t> minor;
    Field<uint8_t> kind;       // MBT_KIND_*
    Field<uint16_t> flags;     // MBT_RF_*
    Field<uint16_t> linktype;  // of the bytes after the record
    Field<uint32_t> length;
    Field<uint64_t> trace_id;
    Field<uint64_t> parent_id;
    Field<uint64_t> packet_id;
    Field<uint32_t> hops_lost;
    Field<uint32_t> alloc_fail;
    std::vector<StrEntry> files;
    std::vector<StrEntry> names;
    // The text of every table entry, each followed by a NUL; entries hold
    // offsets into it, so a Record copies and moves safely and its strings
    // do not depend on the decoded buffer staying alive.  (Bytes past the
    // last entry's NUL may be left over from the decoder's work.)
    TextBuf strings;
    std::vector<Hop, ZeroFill<Hop>> hops;  // in time order
    std::vector<Tlv> unknown;  // skipped non-critical record TLVs
    std::vector<Tlv> hop_unknown;  // the hops' (Hop::unknown)
    std::vector<Field<mbt_xlate>> xlates;   // the hops' (Hop::xlate_no)
    std::vector<Field<Hop::State>> states;  // the hops' (Hop::state_no)
    Meta meta;                 // kind == MBT_KIND_META
    Span legacy_ether;         // part-1: Ethernet bytes after the strings

    // An entry's text; views stay valid as long as the Record is neither
    // changed nor destroyed (decoding into it again changes it).  Every
    // view is followed by a NUL, which the c_str() forms rely on.
    std::string_view text(const StrEntry& e) const
    {
        // An entry without text (decoded without strings, or empty) is a
        // static "", not a view into the buffer, which may then have no
        // storage or hold an earlier record's bytes: its c_str() is a C
        // string all the same.
        return e.len ? std::string_view(strings.data() + e.off, e.len)
                     : std::string_view("", 0);
    }
    std::string_view str(const StrRef& r) const  // names table
    {
        return r.present && r.idx < names.size() ? text(names[r.idx])
                                                 : std::string_view("", 0);
    }
    std::string_view file_of(const Hop& h) const  // files table
    {
        return h.file.present && h.file.idx < files.size()
                   ? text(files[h.file.idx])
                   : std::string_view("", 0);
    }
    // A hop's skipped non-critical attributes.
    TlvRange unknown_of(const Hop& h) const
    {
        const Tlv* p = hop_unknown.data() + h.unknown.off;
        return TlvRange{p, p + h.unknown.len};
    }
    // A hop's XLATE and STATE (not present if it has none).
    const Field<mbt_xlate>& xlate_of(const Hop& h) const
    {
        static const Field<mbt_xlate> none;
        return h.xlate_no ? xlates[h.xlate_no - 1] : none;
    }
    const Field<Hop::State>& state_of(const Hop& h) const
    {
        static const Field<Hop::State> none;
        return h.state_no ? states[h.state_no - 1] : none;
    }
    // The same NUL-terminated (for C interfaces such as Wireshark's).
    const char* c_str(const StrRef& r) const { return str(r).data(); }
    const char* file_c_str(const Hop& h) const { return file_of(h).data(); }
};

struct Error {
    uint32_t offset = 0;  // where in the buffer
    std::string field;    // e.g. "hop[3].line", "header.length"
    std::string what;     // e.g. "varint runs past the end of the hop"
    std::string message() const;  // "hop[3].line at offset 57: ..."
};

struct DecodeResult {
    Record rec;
    std::optional<Error> error;
    // Bytes the record occupies (header length for v1); the packet bytes
    // that follow start here.  0 if even the header was unusable.
    size_t consumed = 0;
    bool ok() const { return !error; }
};

// A v1 record (trace or metadata) at data[0, len).  len may include packet
// bytes after the record.
DecodeResult decode_record(const uint8_t* data, size_t len);

// The same into res, which is overwritten: reusing one DecodeResult for a
// stream of records keeps its storage, so that decoding does not allocate
// once it has seen its largest record.  The result equals a fresh decode;
// with strings false, the string tables are checked and counted but their
// entries' text is left empty (for a reader that only checks and copies
// records, such as `mbuftrace convert`).
void decode_record(const uint8_t* data, size_t len, DecodeResult& res,
                   bool strings = true);

// A legacy prototype payload; fmt picks the layout.  The second form
// reuses res's storage, as decode_record() does; with strings false the
// items are walked and checked (same errors, hop count and snapshots) but
// their strings are not parsed: hops carry no text, file, line, function
// or subsystem (for a reader that shows no tree, e.g. a packet list).
DecodeResult decode_legacy(const uint8_t* data, size_t len, Format fmt);
void decode_legacy(const uint8_t* data, size_t len, Format fmt,
                   DecodeResult& res, bool strings = true);

// A value of decode_numbers(): what a Field holds, without its offset.
template <class T>
struct Num {
    T v{};
    bool present = false;
    explicit operator bool() const { return present; }
};
struct NumRef {  // a string table index, without the string
    uint32_t idx = 0;
    bool present = false;
    explicit operator bool() const { return present; }
};

// An attribute decode_numbers() checks as the full decoder checks it and
// does not keep.  It has no value and no truth, so reading it does not
// compile: a reader that needs it decodes in full.
struct Unkept {};

// A hop as decode_numbers() gives it: the numbers the path checks
// (analyze.hpp), the plugin's verdict and its frame links read, under the
// Hop's names, so that the same templates read either; no offsets and no
// strings.  Its other attributes are checked, not kept: a NumHop is 88
// bytes against a Hop's 400, and a record's hops are made in a few stores
// each.
struct NumHop {
    uint32_t index = 0;
    Num<uint8_t> subsys, action;
    NumRef file;
    Num<uint32_t> line;
    Num<uint32_t> vnet;  // effective: carried forward, as Hop::vnet
    bool vnet_inherited = false;
    Unkept kind, depth, func, time_ns, cpu, ifindex, dir, ifname, msg, node,
        hook, snap_linktype;
    NumRef ruleset, drop;
    Num<uint32_t> rule;
    Num<uint64_t> copy_id;
};

// A record as decode_numbers() gives it.
struct NumRecord {
    Format format = Format::V1;
    Span at;  // the record (without the packet bytes after it)
    Num<uint8_t> major, minor, kind;
    Num<uint16_t> flags, linktype;
    Num<uint32_t> length;
    Num<uint64_t> trace_id, parent_id, packet_id;
    Num<uint32_t> hops_lost, alloc_fail;
    size_t files = 0;  // entries in the string tables
    size_t names = 0;
    std::vector<NumHop> hops;  // in time order
    Span legacy_ether;         // part-1: Ethernet bytes after the strings
};

struct NumResult {
    NumRecord rec;
    std::optional<Error> error;
    size_t consumed = 0;  // as DecodeResult::consumed
    bool ok() const { return !error; }
    // Where a record the short path does not take is decoded in full;
    // in_full says that this record was (full then holds its decode).
    std::unique_ptr<DecodeResult> full;
    bool in_full = false;
};

// The numbers of a record (v1 or legacy, as decode_any() reads it) into
// res, which is overwritten and keeps its storage: the same values, error
// and `consumed` as decode_any() gives, for a reader that
// needs no offsets and no strings (the plugin's packet list, convert
// without comments).  Common v1 records take a short path that fills
// only numbers; anything else is decoded in full and copied.
void decode_numbers(const uint8_t* data, size_t len, NumResult& res);
// A full decode's numbers, as decode_numbers() gives them.
void numbers_of(const DecodeResult& d, NumResult& res);

// Whether a hop's RULE is pf's default rule (no rule matched, SPEC 4.4).
template <class H>
inline bool is_pf_default_rule(const H& h)
{
    return h.rule && h.rule.v == MBT_RULE_PF_DEFAULT && h.subsys &&
           h.subsys.v == MBT_SS_PF;
}

// A hop's rule and verdict as every reader words it: "rule 100 deny",
// "rule anchor/5 pass", "default rule pass" (pf's default rule).
std::string rule_text(const Record& r, const Hop& h);

// Whether data starts with the v1 magic (SPEC 3).
inline bool has_v1_magic(const uint8_t* data, size_t len)
{
    return len >= 4 && data[0] == MBT_MAGIC0 && data[1] == MBT_MAGIC1 &&
           data[2] == MBT_MAGIC2 && data[3] == MBT_MAGIC3;
}

// Which layout a BPF tap payload is in: V1 by its magic, else the legacy
// layout that parses cleanly (part 3 preferred), else nullopt.
std::optional<Format> sniff(const uint8_t* data, size_t len);

// sniff() + decode: what a reader of the DLT_USER tap calls.
DecodeResult decode_any(const uint8_t* data, size_t len);
void decode_any(const uint8_t* data, size_t len, DecodeResult& res,
                bool strings = true);

// Splits a legacy string "/usr/src/sys/net/if.c:4784: if_dequeue(vtnet0)"
// into its parts; false if it does not have that shape.
struct LegacyText {
    std::string_view file, func, arg;
    std::string_view line_text;  // the line's digits as written ("0042")
    uint32_t line = 0;
};
bool parse_legacy_text(std::string_view s, LegacyText& out);

// A source path as FILES holds it (SPEC 4.2): relative to the top of the
// source tree.  An absolute kernel build path loses its build prefix up to
// "sys/" ("/usr/src/sys/net/if.c" -> "sys/net/if.c"); anything else is
// returned as it is.  The legacy decoder applies it to every file.
std::string_view source_path(std::string_view file);

// Registry names (SPEC 6); "subsys#N" / "action#N" for unknown ids.
std::string subsys_name(uint8_t id);
std::string action_name(uint8_t id);
const char* subsys_known(uint8_t id);     // the registry's name, or nullptr
const char* action_known(uint8_t id);
const char* dir_name(uint8_t dir);        // "", "in", "out"
const char* kind_name(uint8_t kind);      // "point", "enter", "leave"
const char* state_how_name(uint8_t how);  // "created", "matched", ""
// One side of a translation: "10.0.0.2:1234", "[2001:db8::1]:80", "10.0.0.2".
std::string xlate_addr(const mbt_xlate_side& s, bool src);
// "10.0.0.2:1234 > 10.0.1.2:7 => 192.0.2.1:5678 > 10.0.1.2:7"
std::string xlate_text(const mbt_xlate& x);
std::optional<uint8_t> subsys_by_name(std::string_view s);
std::optional<uint8_t> action_by_name(std::string_view s);

// The canonical text dump used by the test vectors and `mbuftrace show
// --raw`: one line per header field and per hop, stable across versions.
std::string to_text(const Record& r);
// The same, followed by "error: <message>" when decoding failed.
std::string to_text(const DecodeResult& d);

// The same for decode_numbers(): every number it keeps, one line per hop,
// and the error (what the tests compare with numbers_of() a full decode).
std::string to_text(const NumResult& d);

// One-line path summary, e.g. "ether_input>ip_input>pf_test>ip_output".
std::string path_summary(const Record& r);

}  // namespace mbt
