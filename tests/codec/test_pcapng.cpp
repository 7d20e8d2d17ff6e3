#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "examples.hpp"
#include "mbuftrace/pcapng.hpp"
#include "util.hpp"

using namespace mbt;
using namespace mbt::pcapng;

namespace {

std::string tmpname(const char* tag)
{
    return "/tmp/mbt-test-" + std::to_string(::getpid()) + "-" + tag +
           ".pcapng";
}

bool exists(const std::string& p)
{
    return std::ifstream(p).good();
}

// A capture with every block kind we write.
void write_sample(const std::string& path, bool be)
{
    const auto ping = encode(examples::ping_two_vnets());
    const auto meta = examples::good()[7].bytes;  // 08-metadata
    Writer w(path, be);
    w.section("qemu", "FreeBSD 15.1", "mbuftrace test");
    w.custom_block(MBT_PEN, meta.data(), meta.size());
    const uint32_t eth = w.interface(1, 65535, "mbuf_trace0");
    const uint8_t frame[] = {1, 2, 3, 4, 5};
    w.packet(eth, 1000000001ull, frame, sizeof frame, 60, ping.data(),
             ping.size(), 42);
    w.packet(eth, 1000000002ull, nullptr, 0, 0, ping.data(), ping.size(),
             std::nullopt);
    w.stats(eth, 1000000003ull, 2, 0, 5);
    w.commit();
}

}  // namespace

TEST_CASE("pcapng written in either byte order reads back identically")
{
    const auto ping = encode(examples::ping_two_vnets());
    for (bool be : {false, true}) {
        INFO("big endian " << be);
        const std::string p = tmpname(be ? "be" : "le");
        write_sample(p, be);
        Reader r(p);
        CHECK(r.next() == Reader::Kind::Other);  // SHB
        CHECK(r.big_endian() == be);
        REQUIRE(r.next() == Reader::Kind::Custom);
        CHECK(r.custom().pen == MBT_PEN);
        const DecodeResult m =
            decode_record(r.custom().data.data(), r.custom().data.size());
        REQUIRE(m.ok());
        CHECK(m.rec.meta.kernel_ident.v == "MBUFTRACE");
        CHECK(r.next() == Reader::Kind::Other);  // IDB
        REQUIRE(r.interfaces().size() == 1);
        CHECK(r.interfaces()[0].name == "mbuf_trace0");
        CHECK(r.interfaces()[0].tsresol == 9);
        REQUIRE(r.next() == Reader::Kind::Packet);
        CHECK(r.packet().caplen == 5);
        CHECK(r.packet().origlen == 60);
        CHECK(r.packet().ts == 1000000001ull);
        CHECK(r.packet().packet_id == std::optional<uint64_t>(42));
        REQUIRE(r.packet().records.size() == 1);
        CHECK(r.packet().records[0].bytes == ping);
        // The offset points at the record inside the file.
        const auto file = read_file(p);
        CHECK(std::equal(ping.begin(), ping.end(),
                         file.begin() + long(r.packet().records[0].offset)));
        REQUIRE(r.next() == Reader::Kind::Packet);
        CHECK(r.packet().caplen == 0);
        CHECK(!r.packet().packet_id);
        REQUIRE(r.next() == Reader::Kind::Stats);
        CHECK(r.stats().ifrecv == std::optional<uint64_t>(2));
        CHECK(r.stats().osdrop == std::optional<uint64_t>(5));
        CHECK(r.next() == Reader::Kind::End);
        std::remove(p.c_str());
    }
}

TEST_CASE("the writer leaves nothing behind unless committed")
{
    const std::string p = tmpname("nocommit");
    {
        Writer w(p);
        w.section();
    }
    CHECK_FALSE(exists(p));
    CHECK_THROWS_AS(Writer("/nonexistent-dir/x.pcapng"), FileError);
    // An output error names the output and the system error, with no
    // block or offset of an input.
    try {
        Writer w("/nonexistent-dir/x.pcapng");
    } catch (const FileError& e) {
        CHECK(std::string(e.what()) ==
              "/nonexistent-dir/x.pcapng: cannot create "
              "/nonexistent-dir/x.pcapng.tmp." +
                  std::to_string(::getpid()) + ": No such file or directory");
    }
}

TEST_CASE("the SHB carries the metadata record; the stream writer flushes")
{
    const std::string p = tmpname("shbmeta");
    const std::vector<uint8_t> meta = {'M', 'B', 'T', 'R', 1, 0, 2, 0,
                                       0, 0, 0xff, 0xff, 0, 0, 0, 16};
    Writer w(p, false, Writer::Mode::Stream);
    w.section({}, "FreeBSD", "test", meta.data(), meta.size());
    w.interface(1);
    w.flush();
    // In place: the file holds the blocks before commit().
    {
        Reader r(p);
        CHECK(r.next() == Reader::Kind::Other);
        CHECK(r.at_section());
        REQUIRE(r.section_records().size() == 1);
        CHECK(r.section_records()[0].bytes == meta);
        CHECK(r.next() == Reader::Kind::Other);  // IDB
        CHECK_FALSE(r.at_section());
        CHECK(r.next() == Reader::Kind::End);
        CHECK_FALSE(r.truncated());
    }
    w.commit();
    CHECK_FALSE(exists(p + ".tmp." + std::to_string(::getpid())));
}

TEST_CASE("corrupt pcapng files fail with file, block and offset")
{
    const std::string p = tmpname("corrupt");
    write_sample(p, false);
    const auto good = read_file(p);
    const auto read_all = [&](const std::vector<uint8_t>& bytes) {
        {
            std::ofstream f(p, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(bytes.data()),
                    std::streamsize(bytes.size()));
        }
        Reader r(p);
        while (r.next() != Reader::Kind::End) {
        }
    };
    // Cut inside the SHB: an error.
    for (size_t n : {size_t(0), size_t(5), size_t(30)}) {
        INFO("cut at " << n);
        CHECK_THROWS_AS(read_all(std::vector<uint8_t>(good.begin(),
                                                      good.begin() + long(n))),
                        FileError);
    }
    // Cut after it (a capture killed mid-write): the blocks before the cut
    // are read, then End, and truncated() says where; never a silent short
    // read.
    for (size_t n : {good.size() / 2, good.size() - 1, good.size() - 13}) {
        INFO("cut at " << n);
        {
            std::ofstream f(p, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(good.data()),
                    std::streamsize(n));
        }
        Reader r(p);
        uint64_t last_end = 0;
        for (;;) {
            const auto k = r.next();
            if (k == Reader::Kind::End)
                break;
            last_end = r.position();
        }
        REQUIRE(r.truncated());
        CHECK(r.truncated()->offset >= last_end);
        CHECK(r.truncated()->offset <= n);
        CHECK(std::string(r.truncated()->what()).find("the file ends") !=
              std::string::npos);
        CHECK(last_end > 0);
    }
    {
        auto b = good;
        b[0] = 0x01;  // not an SHB
        CHECK_THROWS_WITH(read_all(b), Catch::Contains(p) &&
                                           Catch::Contains("block 0 at offset 0") &&
                                           Catch::Contains("Section Header"));
    }
    {
        // The first EPB is after SHB (28+opts), CB and IDB; find it by type.
        auto b = good;
        size_t off = 0;
        for (;;) {
            const uint32_t type = uint32_t(b[off]) | uint32_t(b[off + 1]) << 8;
            const uint32_t len = uint32_t(b[off + 4]) | uint32_t(b[off + 5]) << 8;
            if (type == BT_EPB)
                break;
            off += len;
        }
        b[off + 20] = 0xff;  // caplen: 255 + ... bytes
        b[off + 21] = 0xff;
        CHECK_THROWS_WITH(read_all(b),
                          Catch::Contains("block 3") &&
                              Catch::Contains("captured length"));
    }
    std::remove(p.c_str());
}

TEST_CASE("a file larger than the writer's chunk reads back block for block")
{
    // More than two 4 MiB chunks, written from the writer's thread.
    const std::string p = tmpname("big");
    const auto ping = encode(examples::ping_two_vnets());
    std::vector<uint8_t> frame(1400);
    for (size_t i = 0; i < frame.size(); i++)
        frame[i] = uint8_t(i * 7);
    const uint64_t n = 8000;
    {
        Writer w(p);
        w.section();
        const uint32_t id = w.interface(1);
        for (uint64_t i = 0; i < n; i++)
            w.packet(id, i, frame.data(), uint32_t(frame.size()), 1500,
                     ping.data(), ping.size(), i);
        w.commit();
    }
    Reader r(p);
    uint64_t got = 0;
    for (;;) {
        const auto k = r.next();
        if (k == Reader::Kind::End)
            break;
        if (k != Reader::Kind::Packet)
            continue;
        const Packet& pk = r.packet();
        REQUIRE(pk.packet_id == got);
        REQUIRE(pk.ts == got);
        REQUIRE(pk.data == frame);
        REQUIRE(pk.records.size() == 1);
        REQUIRE(pk.records[0].bytes == ping);
        got++;
    }
    CHECK(got == n);
    CHECK(r.file_size() > 8u << 20);
    std::remove(p.c_str());
}

TEST_CASE("a write error from the writer's thread fails commit and leaves no file")
{
    // /dev/full: every write fails with ENOSPC.
    if (!exists("/dev/full"))
        return;
    const std::string dir = "/tmp/mbt-test-full-" + std::to_string(::getpid());
    // The temporary file is path + ".tmp.<pid>": point it at /dev/full.
    const std::string p = dir + ".pcapng";
    const std::string tmp = p + ".tmp." + std::to_string(::getpid());
    REQUIRE(::symlink("/dev/full", tmp.c_str()) == 0);
    const auto ping = encode(examples::ping_two_vnets());
    std::vector<uint8_t> frame(1400, 0x5a);
    bool threw = false;
    try {
        Writer w(p);
        w.section();
        const uint32_t id = w.interface(1);
        for (int i = 0; i < 8000; i++)
            w.packet(id, uint64_t(i), frame.data(), uint32_t(frame.size()), 1500,
                     ping.data(), ping.size(), std::nullopt);
        w.commit();
    } catch (const FileError& e) {
        threw = true;
        CHECK(std::string(e.what()).find(p) != std::string::npos);
        CHECK(std::string(e.what()).find("write failed") != std::string::npos);
    }
    CHECK(threw);
    CHECK_FALSE(exists(p));
    ::unlink(tmp.c_str());
}
