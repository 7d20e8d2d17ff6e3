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

namespace {

// The text of a finding's place as analyze() has always worded it.
std::string where_ref(const Record& r, const Hop& h)
{
    const std::string f(r.str(h.func));
    std::string s = "#" + std::to_string(h.index) + " " + (f.empty() ? "?" : f) +
                    "() " + std::string(r.file_of(h));
    if (h.line)
        s += ":" + std::to_string(h.line.v);
    return s;
}

}  // namespace

TEST_CASE("finding_mask() gives the kinds analyze() finds, also without strings")
{
    std::vector<examples::Example> all = examples::good();
    for (const examples::Example& ex : examples::bad())
        all.push_back(ex);
    // A long record (more hops than the checks keep on the stack) with a
    // loop and a routing step run twice.
    RecordIn big;
    big.trace_id = 9;
    for (int i = 0; i < 300; i++) {
        HopIn h;
        h.file = i % 3 ? "sys/net/if_loop.c" : "sys/netpfil/pf/pf.c";
        h.line = uint32_t(100 + i % 7);
        h.func = "f";
        h.subsys = MBT_SS_PF;
        if (i == 150 || i == 171)
            h.rule = HopIn::Rule{"", 0, MBT_ACT_ROUTETO};
        big.hops.push_back(h);
    }
    all.push_back({"big", encode(big)});
    size_t with_findings = 0;
    for (const examples::Example& ex : all) {
        CAPTURE(ex.name);
        const DecodeResult d = decode_record(ex.bytes.data(), ex.bytes.size());
        DecodeResult bare;
        decode_record(ex.bytes.data(), ex.bytes.size(), bare, false);
        for (unsigned t : {1u, 2u, 8u}) {
            AnalyzeOptions o;
            o.loop_threshold = t;
            const auto f = analyze(d.rec, o);
            CHECK(finding_mask(d.rec, o) == finding_mask(f));
            CHECK(finding_mask(bare.rec, o) == finding_mask(f));
            with_findings += !f.empty();
            std::vector<Finding> reused(3);
            analyze(d.rec, o, reused);
            REQUIRE(reused.size() == f.size());
            for (size_t i = 0; i < f.size(); i++) {
                CHECK(reused[i].kind == f[i].kind);
                CHECK(reused[i].hop == f[i].hop);
                CHECK(reused[i].text == f[i].text);
                const Hop* h = f[i].hop >= 0 ? &d.rec.hops[size_t(f[i].hop)]
                                             : nullptr;
                if (f[i].kind == FindingKind::Loop)
                    CHECK(f[i].text == "tracepoint " + where_ref(d.rec, *h) +
                                           " hit more than " +
                                           std::to_string(t) + " times: loop?");
                if (f[i].kind == FindingKind::VnetCrossing)
                    CHECK(f[i].text ==
                          "crossed from vnet " +
                              std::to_string(d.rec.hops[size_t(f[i].hop) - 1].vnet.v) +
                              " to vnet " + std::to_string(h->vnet.v) + " at " +
                              where_ref(d.rec, *h));
                if (f[i].kind == FindingKind::Dropped)
                    CHECK(f[i].text == "dropped at " + where_ref(d.rec, *h) +
                                           ": " + std::string(d.rec.str(h->drop)));
            }
        }
    }
    CHECK(with_findings > 10);
    const auto b = encode(big);
    const DecodeResult d = decode_record(b.data(), b.size());
    const auto f = analyze(d.rec);
    CHECK(count(f, FindingKind::Loop) == 14);  // 2 files x 7 lines
    REQUIRE(count(f, FindingKind::RoutedTwice) == 1);
    for (const Finding& x : f)
        if (x.kind == FindingKind::RoutedTwice)
            CHECK_THAT(x.text, Catch::EndsWith("ran again for the same packet "
                                               "(first at #150)"));
}
