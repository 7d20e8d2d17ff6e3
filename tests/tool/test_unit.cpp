// Unit tests of the tool's pieces that do not need files: the -Y filter
// language, JSON escaping, kernel version parsing, the kernel filter text.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "capture_util.hpp"
#include "filter.hpp"
#include "mbuftrace/encode.hpp"
#include "util.hpp"

using namespace mbt;
using namespace mbt::tool;

namespace {

Record rec()
{
    RecordIn in;
    in.trace_id = 7;
    in.packet_id = 3;
    HopIn a;
    a.file = "sys/net/route/route_ctl.c";
    a.line = 100;
    a.func = "rib_route";
    a.subsys = MBT_SS_ROUTE;
    a.vnet = 0;
    HopIn b;
    b.file = "sys/netpfil/pf/pf.c";
    b.line = 9091;
    b.func = "pf_test";
    b.subsys = MBT_SS_PF;
    b.vnet = 1;
    b.rule = HopIn::Rule{"", 4, MBT_ACT_BLOCK};
    b.drop = "blocked";
    b.iface = HopIn::Iface{3, MBT_DIR_IN, "epair0b"};
    in.hops = {a, b};
    static std::vector<uint8_t> bytes;
    bytes = encode(in);
    const DecodeResult d = decode_record(bytes.data(), bytes.size());
    REQUIRE(d.ok());
    return d.rec;
}

bool m(const std::string& f)
{
    static const Record r = rec();
    return Filter(f).match(r);
}

}  // namespace

TEST_CASE("filter: record fields")
{
    CHECK(m("trace_id == 7"));
    CHECK_FALSE(m("trace_id == 8"));
    CHECK(m("mbuftrace.trace_id == 7"));
    CHECK(m("hops > 1"));
    CHECK_FALSE(m("hops > 2"));
    CHECK(m("hops >= 2 && hops <= 2"));
    CHECK(m("packet_id == 0x3"));
    CHECK_FALSE(m("parent_id"));
    CHECK(m("!parent_id"));
    CHECK(m("path == \"rib_route>pf_test\""));
    // truncated is Wireshark's: present only on a malformed record.
    CHECK(m("!truncated"));
    CHECK_FALSE(m("truncated == false"));
    CHECK(m("mbuftrace.flags.copy == 0 && !(flags.hops_lost == 1)"));
    CHECK(m("format == \"v1\" && version == 1"));
}

TEST_CASE("filter: the plugin's names as written in Wireshark")
{
    static const Record r = rec();
    const auto at = [&](const std::string& f, uint64_t frame) {
        return Filter(f).match(FilterInput{r, frame});
    };
    CHECK(at("frame.number == 7", 7));
    CHECK_FALSE(at("frame.number == 7", 8));
    CHECK(at("mbuftrace.hop == 1 && mbuftrace.hop.kind == point", 1));
    CHECK(at("mbuftrace.expert.dropped", 1));
    CHECK_FALSE(at("mbuftrace.expert.routed_twice", 1));
    CHECK(at("mbuftrace.hop.action == \"block\"", 1));
    CHECK_THROWS_WITH(Filter("hop.index == 1"),
                      Catch::Contains("unknown field 'hop.index'"));
    CHECK_THROWS_WITH(Filter("mbuftrace.expert.dropped == 1"),
                      Catch::Contains("tested alone"));
    CHECK_THROWS_WITH(Filter("flags.copy == maybe"),
                      Catch::Contains("0/1 or true/false"));
}

TEST_CASE("filter: hop fields match if any hop matches")
{
    CHECK(m("hop.subsys == \"pf\" && hop.vnet == 1"));
    CHECK(m("hop.subsys == pf"));
    CHECK(m("hop.subsys == 11"));  // registry id
    CHECK(m("hop.func contains \"route\""));
    CHECK(m("mbuftrace.hop.func contains \"route\""));
    CHECK_FALSE(m("hop.func contains \"tcp\""));
    CHECK(m("hop.drop"));
    CHECK(m("hop.drop == \"blocked\""));
    CHECK(m("hop.rule == 4 and hop.action == block"));
    CHECK(m("hop.ifname == \"epair0b\" && hop.dir == in"));
    CHECK(m("hop.location == \"sys/netpfil/pf/pf.c:9091\""));
    CHECK(m("hop.file matches \"^sys/net(pfil)?/\""));
    // != is "no hop equal", as in Wireshark 4
    CHECK_FALSE(m("hop.vnet != 1"));
    CHECK(m("hop.vnet != 5"));
    CHECK(m("(hop.vnet == 5 || hop.vnet == 0) && !(trace_id == 1)"));
    CHECK(m("not hop.msg"));
    CHECK_FALSE(m("hop.copy_id || hop.arg || hop.text || hops_lost > 0"));
}

TEST_CASE("filter: syntax errors name the column")
{
    CHECK_THROWS_WITH(Filter("hop.bogus == 1"),
                      Catch::Contains("column 1") &&
                          Catch::Contains("unknown field 'hop.bogus'"));
    CHECK_THROWS_WITH(Filter("hops == "), Catch::Contains("expected a value"));
    CHECK_THROWS_WITH(Filter("(hops == 1"), Catch::Contains("missing ')'"));
    CHECK_THROWS_WITH(Filter("hop.vnet == pf"),
                      Catch::Contains("is a number"));
    CHECK_THROWS_WITH(Filter("hop.func == \"x"),
                      Catch::Contains("unterminated string"));
    CHECK_THROWS_WITH(Filter("hops == 1 junk"), Catch::Contains("column 11"));
}

TEST_CASE("json strings are escaped and stay valid UTF-8")
{
    std::string o;
    json_string(o, std::string("a\"b\\c\n\t\x01 caf\xc3\xa9 \xff", 16));
    CHECK(o == "\"a\\\"b\\\\c\\n\\t\\u0001 caf\xc3\xa9 \\u00ff\"");
}

TEST_CASE("source revision from kern.version")
{
    CHECK(source_rev_from_version(
              "FreeBSD 15.0-CURRENT #0 main-n271234-0123456789ab: Thu Nov  "
              "5 10:00:00 UTC 2026\n    root@x:/usr/obj/usr/src/amd64.amd64/"
              "sys/MBUFTRACE\n") == "0123456789ab");
    CHECK(source_rev_from_version("FreeBSD 14.1-RELEASE releng/14.1-n267679-"
                                  "10e31f0946d8 GENERIC") == "");
    CHECK(source_rev_from_version("FreeBSD 14.1 #3 r12345: Mon") == "r12345");
    CHECK(source_rev_from_version("#1 SMP PREEMPT_DYNAMIC Debian") == "");
}

TEST_CASE("tracepoint catalogue from kern.mbuf_trace.tracepoints")
{
    const auto v = parse_tracepoints(
        "1 1 start 1 sys/net/if_ethersubr.c:552 ether_input_internal\n"
        "2 0 point 11 sys/netpfil/pf/pf.c:9091 pf_test rule matched\n"
        "garbage\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0].flags == (MBT_TPF_ENABLED | MBT_TPF_START));
    CHECK(v[0].line == 552);
    CHECK(v[1].subsys == MBT_SS_PF);
    CHECK(v[1].flags == 0);
    CHECK(v[1].file == "sys/netpfil/pf/pf.c");
    CHECK(v[1].func == "pf_test");
}

TEST_CASE("jail names from kern.mbuf_trace.vnets and --vnet-name")
{
    const auto v = parse_vnet_names("1 r\n2 m\nbad line\n3\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0] == std::make_pair(uint32_t(1), std::string("r")));
    CHECK(v[1] == std::make_pair(uint32_t(2), std::string("m")));
    CHECK(parse_vnet_name_arg("7=web") ==
          std::make_pair(uint32_t(7), std::string("web")));
    CHECK_THROWS_AS(parse_vnet_name_arg("7"), ToolError);
    CHECK_THROWS_AS(parse_vnet_name_arg("x=web"), ToolError);
    CHECK_THROWS_AS(parse_vnet_name_arg("7="), ToolError);
    CHECK_THROWS_AS(parse_vnet_name_arg("99999999999=a"), ToolError);
}

TEST_CASE("kernel filter text is tcpdump -ddd")
{
    const std::string s = compile_kernel_filter("icmp");
    // count line, then one "code jt jf k" per instruction
    const size_t nl = s.find('\n');
    const unsigned n = unsigned(std::stoul(s.substr(0, nl)));
    CHECK(n > 2);
    CHECK(size_t(std::count(s.begin(), s.end(), '\n')) == n + 1);
    CHECK(s.find("40 0 0 12\n") != std::string::npos);  // ldh [12]
    CHECK_THROWS_WITH(compile_kernel_filter("port nosuchport"),
                      Catch::Contains("filter 'port nosuchport'"));
}

namespace {

// packet_comment() as plainly as it can be written: what the fast one in
// util.cpp must match byte for byte.
std::string plain_comment(const Record& r)
{
    std::string o = "mbuftrace";
    if (r.trace_id)
        o += " trace " + std::to_string(r.trace_id.v);
    if (r.parent_id)
        o += " (copy of " + std::to_string(r.parent_id.v) + ")";
    o += r.trace_id ? ", " : " ";
    o += std::to_string(r.hops.size()) + (r.hops.size() == 1 ? " hop" : " hops");
    const auto vs = vnet_sequence(r);
    for (size_t i = 0; i < vs.size(); i++)
        o += (i ? ">" : ", vnet ") + std::to_string(vs[i]);
    o += ": ";
    std::string tail;
    append_path_summary(tail, r);
    for (const Finding& f : analyze(r)) {
        if (f.kind == FindingKind::VnetCrossing)
            continue;
        tail += "; ";
        tail += finding_name(f.kind);
        if (f.hop >= 0 && size_t(f.hop) < r.hops.size()) {
            tail += " at #" + std::to_string(f.hop);
            const std::string_view fn = r.str(r.hops[size_t(f.hop)].func);
            if (!fn.empty())
                tail += " " + std::string(fn);
        }
    }
    for (char& c : tail)
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = '?';
    return o + tail;
}

}  // namespace

TEST_CASE("packet comment: numbers, names, control characters, findings")
{
    // Names of every length around the 8- and 16-byte steps, some with
    // control characters at either end or inside.
    const std::vector<std::string> names = {
        "f", "ip_input", "pf_test", "ether_input_internal", "a\x01",
        "\x1f" "bcdefghijklmnopq", "tab\there", "del\x7f", "x\ny",
        "netisr_dispatch_src_long_name_here", "exactly8", "sixteen_bytes_16",
        "\x7f", "m\x02"};
    const std::vector<uint64_t> ids = {0, 1, 9, 10, 99, 100, 4097, 65535,
                                       1234567890123ull, ~0ull};
    uint64_t seed = 1;
    const auto rnd = [&](uint64_t n) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return (seed >> 33) % n;
    };
    Text reused;
    for (int k = 0; k < 3000; k++) {
        RecordIn in;
        in.trace_id = ids[rnd(ids.size())];
        if (rnd(4) == 0)
            in.parent_id = ids[rnd(ids.size())];
        if (rnd(8) == 0)
            in.hops_lost = uint32_t(rnd(3));
        if (rnd(8) == 0)
            in.flags |= MBT_RF_ALLOC_FAIL;
        const size_t nh = rnd(4) == 0 ? rnd(40) : rnd(6);
        for (size_t i = 0; i < nh; i++) {
            HopIn h;
            h.func = names[rnd(names.size())];
            h.file = rnd(2) ? "sys/netpfil/pf/pf.c" : "sys/net/if.c";
            h.line = uint32_t(1 + rnd(3));
            if (rnd(3))
                h.vnet = uint32_t(rnd(3) == 0 ? rnd(200000) : rnd(3));
            if (rnd(10) == 0)
                h.drop = "no route";
            if (rnd(6) == 0)
                h.rule = HopIn::Rule{
                    "", 1, uint8_t(rnd(2) ? MBT_ACT_DUPTO : MBT_ACT_ROUTETO)};
            if (rnd(12) == 0)
                h.kind = MBT_HK_LEAVE;
            in.hops.push_back(h);
        }
        std::vector<uint8_t> bytes;
        try {
            bytes = encode(in);
        } catch (const std::invalid_argument&) {
            continue;
        }
        const DecodeResult d = decode_record(bytes.data(), bytes.size());
        REQUIRE(d.ok());
        const std::string want = plain_comment(d.rec);
        CHECK(packet_comment(d.rec) == want);
        packet_comment(d.rec, reused);
        CHECK(reused.view() == want);
    }
}
