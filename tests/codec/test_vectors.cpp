// The spec's examples encode to the checked-in vectors byte for byte, and
// every vector decodes to its checked-in text.
#include <catch2/catch.hpp>

#include "examples.hpp"
#include "util.hpp"

using namespace mbt;

namespace {

void check_set(const std::vector<examples::Example>& set, bool want_error)
{
    REQUIRE(!set.empty());
    for (const auto& ex : set) {
        INFO("vector " << ex.name);
        const std::string base = std::string(MBT_VECTORS) + "/" + ex.name;
        const std::vector<uint8_t> bin = read_file(base + ".bin");
        REQUIRE(!bin.empty());
        CHECK(ex.bytes == bin);
        const DecodeResult d = decode_any(bin.data(), bin.size());
        CHECK(to_text(d) == read_text(base + ".txt"));
        CHECK(bool(d.error) == want_error);
    }
}

}  // namespace

TEST_CASE("good examples encode to the vectors and decode to their text")
{
    check_set(examples::good(), false);
}

TEST_CASE("bad vectors fail with the expected error")
{
    check_set(examples::bad(), true);
}

TEST_CASE("legacy vectors decode to their text")
{
    check_set(examples::legacy(), false);
}

TEST_CASE("decode -> to_input -> encode reproduces every v1 vector")
{
    for (const auto& ex : examples::good()) {
        const DecodeResult d = decode_record(ex.bytes.data(), ex.bytes.size());
        REQUIRE(d.ok());
        if (d.rec.kind.v != MBT_KIND_TRACE || !d.rec.unknown.empty() ||
            (d.rec.minor.v != MBT_VERSION_MINOR))
            continue;
        INFO("vector " << ex.name);
        CHECK(encode(to_input(d.rec, ex.bytes.data())) == ex.bytes);
    }
}

TEST_CASE("v1 is at most half the prototype's bytes for the 20-hop ping")
{
    const std::vector<uint8_t> v1 = encode(examples::ping_two_vnets());
    const std::vector<uint8_t> proto = examples::ping_two_vnets_prototype();
    CHECK(examples::ping_two_vnets().hops.size() == 20);
    CHECK(v1.size() * 2 <= proto.size());
}
