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
    // The line's digits as written: its span covers leading zeros too.
    REQUIRE(parse_legacy_text("sys/net/if.c:0042: f()", t));
    CHECK(t.line == 42);
    CHECK(t.line_text == "0042");
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

// The legacy examples and the first one cut short (an error in an item).
static std::vector<examples::Example> legacy_and_cut()
{
    std::vector<examples::Example> all = examples::legacy();
    auto cut = all[0];
    cut.name += " cut";
    cut.bytes.resize(cut.bytes.size() - 10);
    all.push_back(cut);
    return all;
}

TEST_CASE("a reused DecodeResult decodes legacy and v1 payloads as fresh ones")
{
    std::vector<examples::Example> all = legacy_and_cut();
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

TEST_CASE("a legacy decode without strings keeps hops, snapshots and errors")
{
    std::vector<examples::Example> all = legacy_and_cut();
    DecodeResult lean;
    for (const auto& ex : all) {
        INFO(ex.name);
        const DecodeResult full = decode_any(ex.bytes.data(), ex.bytes.size());
        decode_any(ex.bytes.data(), ex.bytes.size(), lean, false);
        CHECK(lean.rec.format == full.rec.format);
        CHECK(lean.consumed == full.consumed);
        REQUIRE(bool(lean.error) == bool(full.error));
        if (full.error)
            CHECK(lean.error->message() == full.error->message());
        CHECK(lean.rec.legacy_ether.off == full.rec.legacy_ether.off);
        CHECK(lean.rec.legacy_ether.len == full.rec.legacy_ether.len);
        REQUIRE(lean.rec.hops.size() == full.rec.hops.size());
        for (size_t i = 0; i < full.rec.hops.size(); i++) {
            const Hop& a = lean.rec.hops[i];
            const Hop& b = full.rec.hops[i];
            CHECK(a.at.off == b.at.off);
            CHECK(a.has_snap == b.has_snap);
            CHECK(a.snap.off == b.snap.off);
            CHECK(a.snap.len == b.snap.len);
            CHECK_FALSE(a.text);
            CHECK_FALSE(a.file);
        }
        CHECK(lean.rec.names.empty());
        // The next full decode into the same result has the strings again.
        decode_any(ex.bytes.data(), ex.bytes.size(), lean);
        CHECK(to_text(lean) == to_text(full));
    }
}

// Appends a part-3 string item holding t (and its NUL) to b.
static void put_string_item(std::vector<uint8_t>& b, const std::string& t)
{
    const size_t len = t.size() + 1;
    b.push_back(uint8_t(len >> 8));
    b.push_back(uint8_t(len));
    b.push_back(0);
    b.push_back(MBT_LEGACY_ITEM_STRING);
    b.insert(b.end(), t.begin(), t.end());
    b.push_back(0);
}

TEST_CASE("a legacy hop's line spans its digits as written")
{
    // Part 3, one string item: a line with leading zeros.
    std::vector<uint8_t> b{0, 1};
    put_string_item(b, "/usr/src/sys/net/if.c:0042: f(x)");
    const DecodeResult d = decode_legacy(b.data(), b.size(), Format::LegacyPart3);
    REQUIRE(d.ok());
    REQUIRE(d.rec.hops.size() == 1);
    const Hop& h = d.rec.hops[0];
    CHECK(h.line.v == 42);
    const std::string_view at(reinterpret_cast<const char*>(b.data()) + h.line.at.off,
                              h.line.at.len);
    CHECK(at == "0042");
}

TEST_CASE("legacy strings are interned once, in first-seen order")
{
    // 300 distinct strings (the index grows past its first size) and one
    // repeated file: the table holds each once, hops point at the right one.
    std::vector<uint8_t> b{0, 0};
    const int n = 300;
    std::vector<std::string> texts;
    for (int i = 0; i < n; i++)
        texts.push_back("/usr/src/sys/net/if.c:" + std::to_string(100 + i) +
                        ": f" + std::to_string(i) + "()");
    // Stored newest first.
    for (int i = n - 1; i >= 0; i--)
        put_string_item(b, texts[size_t(i)]);
    b[0] = uint8_t(n >> 8);
    b[1] = uint8_t(n);
    const DecodeResult d = decode_legacy(b.data(), b.size(), Format::LegacyPart3);
    REQUIRE(d.ok());
    REQUIRE(d.rec.hops.size() == size_t(n));
    CHECK(d.rec.files.size() == 1);
    for (int i = 0; i < n; i++) {
        const Hop& h = d.rec.hops[size_t(i)];
        CHECK(d.rec.str(h.func) == "f" + std::to_string(i));
        CHECK(d.rec.str(h.text) == texts[size_t(i)]);
        CHECK(d.rec.file_of(h) == "sys/net/if.c");
        CHECK(h.line.v == uint32_t(100 + i));
    }
}
