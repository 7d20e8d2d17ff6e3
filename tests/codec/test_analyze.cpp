#include <catch2/catch.hpp>

#include "examples.hpp"
#include "mbuftrace/analyze.hpp"

using namespace mbt;

namespace {

std::vector<Finding> findings(const std::string& name)
{
    for (const auto& ex : examples::good())
        if (ex.name == name) {
            const DecodeResult d = decode_record(ex.bytes.data(), ex.bytes.size());
            REQUIRE(d.ok());
            return analyze(d.rec);
        }
    FAIL("no example " << name);
    return {};
}

size_t count(const std::vector<Finding>& f, FindingKind k)
{
    return size_t(std::count_if(f.begin(), f.end(),
                                [&](const Finding& x) { return x.kind == k; }));
}

}  // namespace

TEST_CASE("dup-to routing the duplicate again is flagged once, at the repeat")
{
    const auto f = findings("03-dup-to-routed-twice");
    REQUIRE(count(f, FindingKind::RoutedTwice) == 1);
    for (const Finding& x : f)
        if (x.kind == FindingKind::RoutedTwice) {
            CHECK(x.hop == 4);
            CHECK_THAT(x.text, Catch::Contains("dup-to") &&
                                   Catch::Contains("pf_route()") &&
                                   Catch::Contains("first at #2"));
        }
}

TEST_CASE("the ping crosses from vnet 0 to vnet 1 once, and is not dropped")
{
    const auto f = findings("02-ping-two-vnets");
    CHECK(count(f, FindingKind::VnetCrossing) == 1);
    CHECK(count(f, FindingKind::Dropped) == 0);
    CHECK(count(f, FindingKind::RoutedTwice) == 0);
}

TEST_CASE("ipfw deny is a drop with its reason; overflow is reported")
{
    const auto f = findings("04-ipfw-deny");
    REQUIRE(count(f, FindingKind::Dropped) == 1);
    CHECK_THAT(f[0].text, Catch::Contains("ipfw deny"));
    const auto o = findings("06-overflow");
    CHECK(count(o, FindingKind::HopsLost) == 1);
    CHECK(count(o, FindingKind::AllocFail) == 1);
}

TEST_CASE("a tracepoint hit more often than the threshold is a loop")
{
    RecordIn r;
    r.trace_id = 1;
    for (int i = 0; i < 12; i++) {
        HopIn h;
        h.file = "sys/net/if_loop.c";
        h.line = 290;
        h.func = "if_simloop";
        r.hops.push_back(h);
    }
    const auto b = encode(r);
    const DecodeResult d = decode_record(b.data(), b.size());
    AnalyzeOptions o;
    o.loop_threshold = 8;
    CHECK(count(analyze(d.rec, o), FindingKind::Loop) == 1);
    o.loop_threshold = 12;
    CHECK(count(analyze(d.rec, o), FindingKind::Loop) == 0);
}

TEST_CASE("a dup-to copy that is routed again is flagged in its own record")
{
    RecordIn r;
    r.trace_id = 2;
    r.parent_id = 1;
    HopIn h;
    h.file = "sys/netpfil/pf/pf.c";
    h.line = 9095;
    h.func = "pf_route";
    h.subsys = MBT_SS_PF;
    h.rule = HopIn::Rule{"", 0, MBT_ACT_DUPTO};
    r.hops.push_back(h);
    auto b = encode(r);
    DecodeResult d = decode_record(b.data(), b.size());
    CHECK(count(analyze(d.rec), FindingKind::RoutedTwice) == 1);
    // The same hop in an original (no parent) is one routing: no finding.
    r.parent_id.reset();
    b = encode(r);
    d = decode_record(b.data(), b.size());
    CHECK(count(analyze(d.rec), FindingKind::RoutedTwice) == 0);
}
