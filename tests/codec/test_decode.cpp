#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

#include "examples.hpp"
#include "util.hpp"

using namespace mbt;

namespace {

uint64_t read_varint(const std::vector<uint8_t>& b, Span s)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < s.len; i++)
        v |= uint64_t(b[s.off + i] & 0x7f) << (7 * i);
    return v;
}

void within(const Record& r, Span s)
{
    CHECK(s.off + s.len <= r.length.v);
}

}  // namespace

TEST_CASE("every field's span points at the bytes it was decoded from")
{
    const std::vector<uint8_t> b = encode(examples::ping_two_vnets());
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.ok());
    const Record& r = d.rec;
    REQUIRE(r.hops.size() == 20);
    CHECK(read_varint(b, r.trace_id.at) == 0x1001);
    CHECK(b[r.flags.at.off + 1] == MBT_RF_FREED);
    for (const StrEntry& e : r.files) {
        within(r, e.at);
        // The entry ends in the NUL after the suffix.
        CHECK(b[e.at.off + e.at.len - 1] == 0);
    }
    for (const Hop& h : r.hops) {
        INFO("hop " << h.index);
        within(r, h.at);
        CHECK(b[h.at.off] == MBT_T_HOP);
        CHECK(read_varint(b, h.line.at) == h.line.v);
        CHECK(read_varint(b, h.time_ns.at) == h.time_ns.v);
        CHECK(read_varint(b, h.func.at) == h.func.idx);
        CHECK(b[h.subsys.at.off] == h.subsys.v);
        // Every span lies inside its hop, except inherited values.
        for (Span s : {h.line.at, h.func.at, h.file.at, h.time_ns.at}) {
            CHECK(s.off >= h.at.off);
            CHECK(s.off + s.len <= h.at.off + h.at.len);
        }
        if (h.ifname) {
            CHECK(read_varint(b, h.ifindex.at) == h.ifindex.v);
            CHECK(b[h.dir.at.off] == h.dir.v);
        }
    }
    // hop 2 inherits vnet 1 from hop 1; its span is hop 1's attribute.
    CHECK(r.hops[2].vnet.v == 1);
    CHECK(r.hops[2].vnet_inherited);
    CHECK(r.hops[2].vnet.at.off == r.hops[1].vnet.at.off);
    CHECK(r.str(r.hops[7].func) == "pf_test");
    CHECK(r.hops[8].rule.v == 3);
    CHECK(action_name(r.hops[8].action.v) == "pass");
    CHECK(path_summary(r) ==
          "epair_transmit>epair_sintr>ether_input_internal>ether_demux>"
          "netisr_dispatch_src>ip_input>pfil_mbuf_in>pf_test>pf_test_rule>"
          "ip_input>icmp_input>icmp_reflect>icmp_send>ip_output>"
          "pfil_mbuf_out>pf_test>ip_output>ether_output>epair_transmit");
}

TEST_CASE("every truncation of every vector fails cleanly and keeps a prefix")
{
    for (const auto& ex : examples::good()) {
        INFO("vector " << ex.name);
        for (size_t n = 0; n < ex.bytes.size(); n++) {
            // A copy of exactly n bytes, so ASan sees any overread.
            std::vector<uint8_t> cut(ex.bytes.begin(), ex.bytes.begin() + n);
            const DecodeResult d = decode_record(cut.data(), cut.size());
            REQUIRE(d.error);
            CHECK(d.error->offset <= n);
            CHECK(!d.error->message().empty());
        }
    }
}

TEST_CASE("a truncated record whose header length was fixed up keeps hops")
{
    std::vector<uint8_t> b = encode(examples::ping_two_vnets());
    const DecodeResult full = decode_record(b.data(), b.size());
    // Cut in the middle of hop 10 and make the header agree.
    const Span h10 = full.rec.hops[10].at;
    b.resize(h10.off + h10.len / 2);
    const uint32_t n = uint32_t(b.size());
    b[12] = uint8_t(n >> 24);
    b[13] = uint8_t(n >> 16);
    b[14] = uint8_t(n >> 8);
    b[15] = uint8_t(n);
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.error);
    INFO(d.error->message());
    CHECK(d.error->field.rfind("hop[10]", 0) == 0);
    CHECK(d.rec.hops.size() >= 10);
    CHECK(d.rec.str(d.rec.hops[9].func) == "pf_test");
}

TEST_CASE("flipping any byte never crashes and errors name a field")
{
    const std::vector<uint8_t> orig = encode(examples::ping_two_vnets());
    for (size_t i = 0; i < orig.size(); i++) {
        for (uint8_t x : {0x00, 0xff, 0x80, 0x7f}) {
            std::vector<uint8_t> b = orig;
            b[i] = x;
            const DecodeResult d = decode_any(b.data(), b.size());
            if (d.error)
                CHECK(!d.error->field.empty());
            (void)to_text(d);
        }
    }
}

TEST_CASE("the consumed length tells where the packet bytes start")
{
    std::vector<uint8_t> b = encode(examples::ping_two_vnets());
    const size_t rl = b.size();
    b.insert(b.end(), {1, 2, 3, 4});
    const DecodeResult d = decode_any(b.data(), b.size());
    REQUIRE(d.ok());
    CHECK(d.consumed == rl);
}

TEST_CASE("encode rejects values the format cannot hold")
{
    RecordIn r;
    r.hops.resize(1);
    r.hops[0].depth = 64;
    CHECK_THROWS_WITH(encode(r), Catch::Contains("hop[0].depth"));
    r.hops[0].depth = 0;
    r.hops[0].func = std::string("a\0b", 3);
    CHECK_THROWS_WITH(encode(r), Catch::Contains("NUL"));
}

TEST_CASE("long strings and many hops widen TLV lengths correctly")
{
    RecordIn r;
    r.trace_id = 1ull << 62;
    for (int i = 0; i < 200; i++) {
        HopIn h;
        h.file = "sys/" + std::string(300, char('a' + i % 26)) + ".c";
        h.func = "f" + std::to_string(i);
        h.line = uint32_t(i * 1000);
        h.time_ns = uint64_t(i) << 40;
        h.vnet = uint32_t(i / 50);
        h.msg = std::string(i, 'x');
        r.hops.push_back(h);
    }
    const std::vector<uint8_t> b = encode(r);
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.ok());
    REQUIRE(d.rec.hops.size() == 200);
    CHECK(d.rec.trace_id.v == 1ull << 62);
    CHECK(d.rec.file_of(d.rec.hops[199]) == r.hops[199].file);
    CHECK(d.rec.str(d.rec.hops[150].msg) == std::string(150, 'x'));
    CHECK(d.rec.hops[199].time_ns.v == uint64_t(199) << 40);
    CHECK(d.rec.hops[199].vnet.v == 3);
    CHECK(encode(to_input(d.rec, b.data())) == b);
}

TEST_CASE("a table of long shared prefixes grows the text buffer and keeps every name")
{
    // Each name shares 250 bytes with the one before: the table is a few
    // bytes an entry, its texts 250 and more, so the decoder's buffer (sized
    // from the record's length) must grow, more than once, mid-table.
    RecordIn r;
    r.trace_id = 7;
    for (int i = 0; i < 300; i++) {
        HopIn h;
        h.file = "sys/net/" + std::string(250, 'd') + std::to_string(i % 7) + ".c";
        h.func = std::string(250, 'f') + std::to_string(i);
        h.line = uint32_t(i);
        h.time_ns = uint64_t(i);
        r.hops.push_back(h);
    }
    const std::vector<uint8_t> b = encode(r);
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.ok());
    REQUIRE(d.rec.hops.size() == 300);
    for (int i = 0; i < 300; i++) {
        INFO("hop " << i);
        CHECK(d.rec.str(d.rec.hops[size_t(i)].func) == r.hops[size_t(i)].func);
        CHECK(d.rec.file_of(d.rec.hops[size_t(i)]) == r.hops[size_t(i)].file);
    }
    CHECK(encode(to_input(d.rec, b.data())) == b);
    // The same into a result that held a small record first.
    DecodeResult reused;
    const auto small = examples::good().front().bytes;
    decode_record(small.data(), small.size(), reused);
    decode_record(b.data(), b.size(), reused);
    CHECK(to_text(reused) == to_text(d));
}

TEST_CASE("a reused DecodeResult decodes exactly as a fresh one, good or bad")
{
    std::vector<examples::Example> all = examples::good();
    for (const auto& b : examples::bad())
        all.push_back(b);
    DecodeResult reused;
    // Every record after every other, so that long tables, many hops and
    // errors are followed by short, few and none.
    for (const auto& a : all) {
        for (const auto& b : all) {
            INFO(a.name << " then " << b.name);
            decode_record(a.bytes.data(), a.bytes.size(), reused);
            decode_record(b.bytes.data(), b.bytes.size(), reused);
            const DecodeResult fresh = decode_record(b.bytes.data(), b.bytes.size());
            REQUIRE(to_text(reused) == to_text(fresh));
            CHECK(reused.consumed == fresh.consumed);
            CHECK(reused.rec.hops.size() == fresh.rec.hops.size());
            CHECK(bool(reused.error) == bool(fresh.error));
        }
    }
}

// Every field of a hop, as text: two hops print the same only if every
// value, presence flag and offset is the same.
static std::string hop_fields(const Hop& h)
{
    // A field added to Hop changes its size: add it here too.
    static_assert(sizeof(Hop) == 400, "a new Hop field: add it to hop_fields()");
    std::ostringstream o;
    const auto span = [&](const Span& s) { o << s.off << '+' << s.len << ' '; };
    const auto field = [&](const auto& f) {
        o << uint64_t(f.v) << '/' << f.present << '@';
        span(f.at);
    };
    const auto ref = [&](const StrRef& r) {
        o << r.idx << '/' << r.present << '@';
        span(r.at);
    };
    o << h.index << ' ';
    span(h.at);
    field(h.kind), field(h.depth), field(h.subsys), ref(h.file);
    field(h.line), ref(h.func), field(h.time_ns), field(h.vnet), field(h.cpu);
    field(h.ifindex), field(h.dir), ref(h.ifname), ref(h.ruleset);
    field(h.rule), field(h.action), ref(h.msg), ref(h.drop), ref(h.node);
    ref(h.hook), field(h.copy_id), field(h.snap_linktype), ref(h.text);
    ref(h.arg);
    o << h.xlate_no << ' ' << h.state_no << ' ';
    span(h.snap), span(h.unknown);
    o << h.vnet_inherited << h.cpu_inherited << h.has_snap;
    return o.str();
}

TEST_CASE("a record's new hop is a Hop{}, also where an earlier hop was")
{
    // Record::hops makes its hops without the compiler's value
    // initialisation (ZeroFill): the same zeros, field by field, in new
    // storage and over a hop whose every byte was set.
    decltype(Record::hops) hops;
    hops.reserve(2);
    // Every byte 1: every number non-zero, every flag true (a bool may
    // only hold 0 or 1).
    Hop junk;
    std::memset(static_cast<void*>(&junk), 1, sizeof junk);
    hops.push_back(junk);
    CHECK(hop_fields(hops[0]) != hop_fields(Hop{}));
    hops.clear();
    const Hop* const at = hops.data();
    hops.emplace_back();
    REQUIRE(hops.data() == at);  // the same storage, not a new one
    CHECK(hop_fields(hops[0]) == hop_fields(Hop{}));
    hops.emplace_back();
    CHECK(hop_fields(hops[1]) == hop_fields(Hop{}));
    // And in a decode that reuses the storage of a record with more hops.
    DecodeResult d;
    const auto big = examples::ping_two_vnets();
    const auto small = examples::good().front();
    const std::vector<uint8_t> bytes = encode(big);
    decode_record(bytes.data(), bytes.size(), d);
    decode_record(small.bytes.data(), small.bytes.size(), d);
    const DecodeResult fresh =
        decode_record(small.bytes.data(), small.bytes.size());
    REQUIRE(d.rec.hops.size() == fresh.rec.hops.size());
    for (size_t i = 0; i < d.rec.hops.size(); i++)
        CHECK(hop_fields(d.rec.hops[i]) == hop_fields(fresh.rec.hops[i]));
}

TEST_CASE("decoding without strings checks the same and keeps the table sizes")
{
    std::vector<examples::Example> all = examples::good();
    for (const auto& b : examples::bad())
        all.push_back(b);
    DecodeResult d;
    for (const auto& ex : all) {
        INFO(ex.name);
        const DecodeResult full = decode_record(ex.bytes.data(), ex.bytes.size());
        decode_record(ex.bytes.data(), ex.bytes.size(), d, false);
        CHECK(bool(d.error) == bool(full.error));
        if (full.error)
            CHECK(d.error->message() == full.error->message());
        CHECK(d.consumed == full.consumed);
        CHECK(d.rec.files.size() == full.rec.files.size());
        CHECK(d.rec.names.size() == full.rec.names.size());
        REQUIRE(d.rec.hops.size() == full.rec.hops.size());
        for (size_t i = 0; i < d.rec.hops.size(); i++) {
            CHECK(d.rec.hops[i].func.idx == full.rec.hops[i].func.idx);
            CHECK(d.rec.hops[i].line.v == full.rec.hops[i].line.v);
        }
        for (const auto& e : d.rec.names)
            CHECK(d.rec.text(e).empty());
        // Empty, and still C strings (readers such as the plugin pass them
        // to C interfaces): in a result that held strings before and in a
        // new one, whose text buffer has no storage at all.
        DecodeResult fresh;
        decode_record(ex.bytes.data(), ex.bytes.size(), fresh, false);
        for (const DecodeResult* x : {&d, &fresh})
            for (const Hop& h : x->rec.hops) {
                const char* f = x->rec.file_c_str(h);
                const char* n = x->rec.c_str(h.func);
                REQUIRE(f != nullptr);
                REQUIRE(n != nullptr);
                CHECK(*f == '\0');
                CHECK(*n == '\0');
            }
        // And the next decode with strings has them again.
        decode_record(ex.bytes.data(), ex.bytes.size(), d);
        CHECK(to_text(d) == to_text(full));
    }
}

TEST_CASE("a translation (XLATE) and a state (STATE) round-trip and print")
{
    RecordIn r;
    r.trace_id = 5;
    r.hops.push_back(examples::hop("sys/netpfil/pf/pf.c", 1, "pf_test",
                                   MBT_SS_PF, 0));
    mbt_xlate x{};
    x.xl_proto = 17;
    x.xl_before.xs_ver = MBT_XLATE_IPV6;
    x.xl_after.xs_ver = MBT_XLATE_IPV6;
    x.xl_before.xs_src[0] = 0x20;
    x.xl_before.xs_src[1] = 0x01;
    x.xl_before.xs_src[15] = 1;
    x.xl_after.xs_src[0] = 0x20;
    x.xl_after.xs_src[1] = 0x01;
    x.xl_after.xs_src[15] = 9;
    x.xl_before.xs_sport = 5353;
    x.xl_after.xs_sport = 6000;
    r.hops.back().xlate = x;
    r.hops.back().state = Hop::State{0x1234, 7, MBT_STATE_MATCHED};
    const std::vector<uint8_t> b = encode(r);
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.ok());
    const Hop& h = d.rec.hops.at(0);
    const Field<mbt_xlate>& xf = d.rec.xlate_of(h);
    REQUIRE(xf);
    CHECK(xlate_text(xf.v) == "[2001::1]:5353 > :: => [2001::9]:6000 > ::");
    const Field<Hop::State>& st = d.rec.state_of(h);
    REQUIRE(st);
    CHECK(st.v.id == 0x1234);
    CHECK(st.v.creator == 7);
    CHECK(std::string(state_how_name(st.v.how)) == "matched");
    // The XLATE value: proto, then two sides of 1 + 16 + 16 + 2 + 2 bytes.
    CHECK(xf.at.len == 1 + 2 * 37);
    CHECK(b[xf.at.off] == 17);
    // And back through the encoder's input unchanged.
    const RecordIn again = to_input(d.rec, b.data());
    CHECK(encode(again) == b);
}

TEST_CASE("an XLATE side with an IP version other than 4 or 6 is malformed")
{
    RecordIn r;
    r.trace_id = 6;
    r.hops.push_back(examples::hop("a.c", 1, "f", MBT_SS_PF, 0));
    mbt_xlate x{};
    x.xl_before.xs_ver = x.xl_after.xs_ver = MBT_XLATE_IPV4;
    r.hops.back().xlate = x;
    std::vector<uint8_t> b = encode(r);
    // The before side's version byte follows the proto byte, 26 bytes
    // before the end of the value (1 + 4 + 4 + 2 + 2 + 13 after it).
    const size_t ver_at = b.size() - 2 * 13;
    REQUIRE(b[ver_at] == MBT_XLATE_IPV4);
    b[ver_at] = 5;
    const DecodeResult d = decode_record(b.data(), b.size());
    REQUIRE(d.error);
    CHECK(d.error->offset == ver_at);
    CHECK(d.error->field == "hop[0].attr 0x0a.xlate.before");
    CHECK(d.error->what == "IP version 5 is neither 4 nor 6");
    // The encoder refuses it too, naming the field.
    x.xl_after.xs_ver = 5;
    r.hops.back().xlate = x;
    CHECK_THROWS_WITH(encode(r), "hop[0].xlate: IP version must be 4 or 6");
}

namespace {

// decode_numbers() against the numbers of a full decode of the same bytes.
void check_numbers(const std::vector<uint8_t>& b, NumResult& reused)
{
    const DecodeResult full = decode_any(b.data(), b.size());
    NumResult want;
    numbers_of(full, want);
    decode_numbers(b.data(), b.size(), reused);
    REQUIRE(to_text(reused) == to_text(want));
}

}  // namespace

TEST_CASE("decode_numbers gives a full decode's numbers, errors and length")
{
    std::vector<std::vector<uint8_t>> inputs;
    for (const auto& ex : examples::good())
        inputs.push_back(ex.bytes);
    inputs.push_back(encode(examples::ping_two_vnets()));
    inputs.push_back(examples::ping_two_vnets_prototype());
    for (const char* name :
         {"bad-critical-unknown", "bad-length-oversized", "bad-magic",
          "bad-major-2", "bad-string-index", "bad-tlv-length", "bad-truncated",
          "bad-varint-overlong", "legacy-part1", "legacy-part3-ping",
          "legacy-part3-snapshot", "09-unknown-noncritical", "10-pf-nat",
          "07-snapshot", "06-overflow"})
        inputs.push_back(
            read_file(std::string(MBT_VECTORS) + "/" + name + ".bin"));
    NumResult reused;  // one result for all, as the plugin keeps one
    size_t n = 0;
    for (const auto& in : inputs) {
        REQUIRE(!in.empty());
        // As it is, with packet bytes after it, and every cut.
        check_numbers(in, reused);
        std::vector<uint8_t> more = in;
        more.insert(more.end(), 20, 0x45);
        check_numbers(more, reused);
        for (size_t k = 0; k < in.size(); k++) {
            check_numbers(std::vector<uint8_t>(in.begin(), in.begin() + k),
                          reused);
            // The same cut with the header's length made to agree.
            if (k >= 16 && has_v1_magic(in.data(), in.size())) {
                std::vector<uint8_t> c(in.begin(), in.begin() + k);
                c[12] = uint8_t(k >> 24);
                c[13] = uint8_t(k >> 16);
                c[14] = uint8_t(k >> 8);
                c[15] = uint8_t(k);
                check_numbers(c, reused);
            }
            for (uint8_t x : {0x00, 0xff, 0x80, 0x7f, 0x01}) {
                std::vector<uint8_t> f = in;
                f[k] = x;
                check_numbers(f, reused);
            }
            n++;
        }
    }
    CHECK(n > 1000);
    // The short path took the common records: no full decode for them.
    const std::vector<uint8_t> ping = encode(examples::ping_two_vnets());
    NumResult fresh;
    decode_numbers(ping.data(), ping.size(), fresh);
    CHECK(!fresh.full);
    CHECK(fresh.rec.hops.size() == 20);
}
