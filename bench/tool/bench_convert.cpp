// mbuftrace convert throughput, measured side by side in one run:
//   copy     read every block of a pcapng file with the codec's Reader and
//            write it again with the Writer, without decoding any record;
//   convert  `mbuftrace convert` of the same file: split and decode every
//            tap payload, check it, write v1 pcapng.
// The input is a tap capture as tcpdump -i mbuf_trace0 -w saves it (pcapng,
// LINKTYPE_USER0: record then packet bytes), cycling through the spec's
// example records.  Target: convert >= 1M records/s.
// Usage: bench_convert [--records N] [--quick] [--dir DIR]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"
#include "examples.hpp"
#include "mbuftrace/pcapng.hpp"

using Clock = std::chrono::steady_clock;
using namespace mbt;

namespace {

double seconds(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

uint64_t write_input(const std::string& path, uint64_t n, double& hops_avg,
                     double& bytes_avg)
{
    std::vector<std::vector<uint8_t>> payloads;
    uint64_t hops = 0;
    for (const auto& ex : examples::good()) {
        const DecodeResult d = decode_record(ex.bytes.data(), ex.bytes.size());
        if (!d.ok() || d.rec.kind.v != MBT_KIND_TRACE)
            continue;
        std::vector<uint8_t> p = ex.bytes;
        if (d.rec.linktype.v == 1)  // packet bytes follow the record
            p.insert(p.end(), 64, 0xab);
        payloads.push_back(std::move(p));
        hops += d.rec.hops.size();
    }
    hops_avg = double(hops) / double(payloads.size());
    pcapng::Writer w(path);
    w.section({}, "FreeBSD", "tcpdump");
    const uint32_t id = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuf_trace0", 6);
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < n; i++) {
        const auto& p = payloads[i % payloads.size()];
        w.packet(id, 1700000000000000ull + i, p.data(), uint32_t(p.size()),
                 uint32_t(p.size()), nullptr, 0, std::nullopt);
        bytes += p.size();
    }
    w.commit();
    bytes_avg = double(bytes) / double(n);
    return n;
}

// The baseline: every block read and written, nothing decoded.
uint64_t plain_copy(const std::string& in, const std::string& out)
{
    pcapng::Reader r(in);
    pcapng::Writer w(out);
    w.section({}, "FreeBSD", "copy");
    size_t ifs = 0;
    uint64_t n = 0;
    for (;;) {
        const auto k = r.next();
        if (k == pcapng::Reader::Kind::End)
            break;
        while (ifs < r.interfaces().size()) {
            const auto& i = r.interfaces()[ifs++];
            w.interface(i.linktype, i.snaplen, i.name, i.tsresol);
        }
        if (k == pcapng::Reader::Kind::Packet) {
            const pcapng::Packet& p = r.packet();
            const auto* rec = p.records.empty() ? nullptr : &p.records[0];
            w.packet(p.interface_id, p.ts, p.data.data(), p.caplen, p.origlen,
                     rec ? rec->bytes.data() : nullptr,
                     rec ? rec->bytes.size() : 0, p.packet_id);
            // Frame 1 of a v1 file is the metadata (SPEC 5.2), not a record.
            if (!(rec && rec->bytes.size() > 6 && rec->bytes[6] == MBT_KIND_META))
                n++;
        } else if (k == pcapng::Reader::Kind::Custom) {
            const auto& c = r.custom();
            w.custom_block(c.pen, c.data.data(), c.data.size(), c.copyable);
        }
    }
    w.commit();
    return n;
}

}  // namespace

static int run(int argc, char** argv)
{
    uint64_t n = 1000000;
    std::string dir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--quick"))
            n = 20000;
        else if (!std::strcmp(argv[i], "--records") && i + 1 < argc)
            n = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: bench_convert [--records N] [--quick] "
                         "[--dir DIR]\n");
            return 2;
        }
    }
    const std::string base = dir + "/mbt-bench-" + std::to_string(getpid());
    const std::string in = base + "-tap.pcapng", copy = base + "-copy.pcapng",
                      v1 = base + "-v1.pcapng", v1copy = base + "-v1copy.pcapng",
                      v1conv = base + "-v1conv.pcapng";
    double hops_avg = 0, bytes_avg = 0;
    write_input(in, n, hops_avg, bytes_avg);
    std::printf("input: %llu tap records (spec example mix: %.1f hops, %.0f "
                "bytes per payload)\n",
                (unsigned long long)n, hops_avg, bytes_avg);

    int rc = 0;
    const auto measure = [&](const char* what, auto&& f) {
        const auto t0 = Clock::now();
        const uint64_t got = f();
        const double s = seconds(t0);
        if (got != n) {
            std::fprintf(stderr, "%s: %llu records, expected %llu\n", what,
                         (unsigned long long)got, (unsigned long long)n);
            rc = 1;
        }
        return double(n) / s;
    };
    // Warm the page cache so that neither side pays for the first read.
    plain_copy(in, copy);
    const double r_copy = measure("copy", [&] { return plain_copy(in, copy); });
    const double r_conv = measure("convert", [&] {
        mbt::tool::cmd_convert({"-q", in, v1});
        return n;
    });
    // The same on the converted file: v1 pcapng in, v1 pcapng out.
    const double r_copy1 = measure("copy v1", [&] { return plain_copy(v1, v1copy); });
    const double r_conv1 = measure("convert v1", [&] {
        mbt::tool::cmd_convert({"-q", v1, v1conv});
        return n;
    });
    std::printf("%-40s %14s\n", "operation", "records/s");
    std::printf("%-40s %14.0f\n", "plain pcapng copy (tap file)", r_copy);
    std::printf("%-40s %14.0f\n", "mbuftrace convert (tap file)", r_conv);
    std::printf("%-40s %14.0f\n", "plain pcapng copy (v1 file)", r_copy1);
    std::printf("%-40s %14.0f\n", "mbuftrace convert (v1 file)", r_conv1);
    std::printf("convert / copy: tap %.2f, v1 %.2f\n", r_conv / r_copy,
                r_conv1 / r_copy1);
    std::printf("target >= 1000000 records/s: tap %s, v1 %s\n",
                r_conv >= 1e6 ? "met" : "MISSED",
                r_conv1 >= 1e6 ? "met" : "MISSED");
    if (std::getenv("MBT_BENCH_KEEP"))  // for a profiler: keep the files
        std::printf("kept %s and the others\n", in.c_str());
    else
        for (const auto& p : {in, copy, v1, v1copy, v1conv})
            std::remove(p.c_str());
    return rc;
}

int main(int argc, char** argv)
{
    // A bad --dir or a full disk: say what and where, no abort.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_convert: %s\n", e.what());
        return 1;
    }
}
