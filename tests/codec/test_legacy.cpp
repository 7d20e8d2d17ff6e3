#include <catch2/catch.hpp>

#include "examples.hpp"

using namespace mbt;

TEST_CASE("legacy strings split into file, line, function and argument")
{
    LegacyText t;
    REQUIRE(parse_legacy_text("/usr/src/sys/net/if.c:4784: if_dequeue(vtnet0)", t));
    CHECK(t.file == "/usr/src/sys/net/if.c");
    CHECK(t.line == 4784);
    CHECK(t.func == "if_dequeue");
    CHECK(t.arg == "vtnet0");
    REQUIRE(parse_legacy_text("/usr/src/sys/net/if.c:1230", t));
    CHECK(t.line == 1230);
    CHECK(t.func.empty());
    REQUIRE(parse_legacy_text("C:/x/y.c:12: f()", t));
    CHECK(t.file == "C:/x/y.c");
    CHECK(t.func == "f");
    CHECK_FALSE(parse_legacy_text("just a message", t));
    CHECK_FALSE(parse_legacy_text("a:b:c", t));
}

TEST_CASE("sniff tells v1, part 3 and part 1 apart")
{
    for (const auto& ex : examples::legacy()) {
        INFO(ex.name);
        const auto f = sniff(ex.bytes.data(), ex.bytes.size());
        REQUIRE(f);
        CHECK(*f == (ex.name.find("part1") != std::string::npos
                         ? Format::LegacyPart1
                         : Format::LegacyPart3));
    }
    const auto v1 = examples::good()[0].bytes;
    CHECK(*sniff(v1.data(), v1.size()) == Format::V1);
    const uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef, 0x00};
    CHECK_FALSE(sniff(junk, sizeof junk));
}

TEST_CASE("part 3 items come out oldest first, with snapshots")
{
    const auto ex = examples::legacy()[1];
    const DecodeResult d = decode_any(ex.bytes.data(), ex.bytes.size());
    REQUIRE(d.ok());
    REQUIRE(d.rec.hops.size() == 3);
    CHECK(d.rec.str(d.rec.hops[0].func) == "ether_input_internal");
    CHECK(d.rec.hops[1].has_snap);
    CHECK(d.rec.hops[1].snap.len == 42);
    CHECK(d.rec.str(d.rec.hops[2].func) == "if_dequeue");
    CHECK(subsys_name(d.rec.hops[0].subsys.v) == "ether");
}

TEST_CASE("part 1 keeps the Ethernet frame after the strings")
{
    const auto ex = examples::legacy()[2];
    const DecodeResult d = decode_any(ex.bytes.data(), ex.bytes.size());
    REQUIRE(d.ok());
    CHECK(d.rec.legacy_ether.len == 42);
    CHECK(d.rec.hops[0].line.v == 1230);
}

TEST_CASE("legacy converts to v1 without losing a string or snapshot")
{
    for (const auto& ex : examples::legacy()) {
        INFO(ex.name);
        const DecodeResult d = decode_any(ex.bytes.data(), ex.bytes.size());
        REQUIRE(d.ok());
        const std::vector<uint8_t> v1 = encode(to_input(d.rec, ex.bytes.data()));
        const DecodeResult e = decode_record(v1.data(), v1.size());
        REQUIRE(e.ok());
        REQUIRE(e.rec.hops.size() == d.rec.hops.size());
        for (size_t i = 0; i < d.rec.hops.size(); i++) {
            const Hop& a = d.rec.hops[i];
            const Hop& b = e.rec.hops[i];
            CHECK(d.rec.file_of(a) == e.rec.file_of(b));
            CHECK(d.rec.str(a.func) == e.rec.str(b.func));
            CHECK(a.line.v == b.line.v);
            if (a.arg)
                CHECK(e.rec.str(b.msg) == d.rec.str(a.arg));
            if (a.has_snap)
                CHECK(std::equal(ex.bytes.begin() + a.snap.off,
                                 ex.bytes.begin() + a.snap.off + a.snap.len,
                                 v1.begin() + b.snap.off));
        }
    }
}

TEST_CASE("a truncated part 3 payload keeps the items that fit")
{
    auto b = examples::legacy()[0].bytes;
    b.resize(b.size() - 10);
    const DecodeResult d = decode_legacy(b.data(), b.size(), Format::LegacyPart3);
    REQUIRE(d.error);
    CHECK(d.error->field.rfind("item[19]", 0) == 0);
    CHECK(d.rec.hops.size() == 19);
}

TEST_CASE("a reused DecodeResult decodes legacy and v1 payloads as fresh ones")
{
    std::vector<examples::Example> all = examples::legacy();
    auto cut = all[0];
    cut.name += " cut";
    cut.bytes.resize(cut.bytes.size() - 10);
    all.push_back(cut);
    all.push_back(examples::good()[0]);
    DecodeResult reused;
    for (const auto& a : all) {
        for (const auto& b : all) {
            INFO(a.name << " then " << b.name);
            decode_any(a.bytes.data(), a.bytes.size(), reused);
            decode_any(b.bytes.data(), b.bytes.size(), reused);
            const DecodeResult fresh = decode_any(b.bytes.data(), b.bytes.size());
            REQUIRE(to_text(reused) == to_text(fresh));
            CHECK(reused.rec.format == fresh.rec.format);
            CHECK(reused.consumed == fresh.consumed);
            CHECK(reused.rec.names.size() == fresh.rec.names.size());
            CHECK(bool(reused.error) == bool(fresh.error));
        }
    }
}
