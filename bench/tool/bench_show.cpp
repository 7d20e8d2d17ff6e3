// mbuftrace show throughput, measured side by side in one run, on a v1
// pcapng file of N copies of the 20-hop ping path (SPEC 10.2):
//   read     the file read and every record decoded, nothing printed (the
//            floor show cannot go under);
//   show     `mbuftrace show -o FILE`: the terminal text, without colours;
//   json     `mbuftrace show --json -o FILE`.
// Target (issue 16): show <= 40k instructions per 20-hop record.  Times are
// printed; with --instructions K the three also run over K records under
// callgrind and their instructions per record are printed side by side.
// Usage: bench_show [--records N] [--quick] [--dir DIR] [--instructions K]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "../common/instructions.hpp"
#include "commands.hpp"
#include "examples.hpp"
#include "input.hpp"
#include "mbuftrace/pcapng.hpp"

using Clock = std::chrono::steady_clock;
using namespace mbt;

namespace {

// A tap capture of n copies of the record, converted to v1 pcapng.
void write_input(const std::string& tap, const std::string& v1, uint64_t n)
{
    std::vector<uint8_t> p = encode(examples::ping_two_vnets());
    const DecodeResult d = decode_record(p.data(), p.size());
    if (d.rec.linktype.v == 1)  // packet bytes follow the record
        p.insert(p.end(), 64, 0xab);
    {
        pcapng::Writer w(tap);
        w.section({}, "FreeBSD", "tcpdump");
        const uint32_t id =
            w.interface(MBT_LINKTYPE_USER0, 262144, "mbuf_trace0", 6);
        for (uint64_t i = 0; i < n; i++)
            w.packet(id, 1700000000000000ull + i, p.data(), uint32_t(p.size()),
                     uint32_t(p.size()), nullptr, 0, std::nullopt);
        w.commit();
    }
    tool::cmd_convert({"-q", tap, v1});
    std::remove(tap.c_str());
}

class Reader : public tool::Sink {
public:
    void packet(const tool::Item& it) override { hops += it.d.rec.hops.size(); }
    uint64_t hops = 0;
};

const char* const kPhases[] = {"read and decode, no output", "show",
                               "show --json"};

void phase(int i, const std::string& v1, const std::string& out)
{
    switch (i) {
    case 0: {
        Reader r;
        tool::read_input(v1, r, tool::ReadOptions{});
        break;
    }
    case 1:
        tool::cmd_show({v1, "--color=never", "-o", out});
        break;
    case 2:
        tool::cmd_show({v1, "--json", "-o", out});
        break;
    }
}

}  // namespace

static int run(int argc, char** argv)
{
    uint64_t n = 200000, instr = 0, phases = 0;
    std::string dir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--quick"))
            n = 2000;
        else if (!std::strcmp(argv[i], "--records") && i + 1 < argc)
            n = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!std::strcmp(argv[i], "--instructions") && i + 1 < argc)
            instr = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--phases") && i + 1 < argc)
            phases = std::strtoull(argv[++i], nullptr, 10);  // the child
        else {
            std::fprintf(stderr, "usage: bench_show [--records N] [--quick] "
                                 "[--dir DIR] [--instructions K]\n");
            return 2;
        }
    }
    const std::string base = dir + "/mbt-bench-show-" + std::to_string(getpid());
    const std::string tap = base + "-tap.pcapng", v1 = base + "-v1.pcapng",
                      out = base + "-out.txt";
    if (phases) {  // the child under callgrind
        write_input(tap, v1, phases);
        for (int i = 0; i < 3; i++) {
            bench::Phase ph(kPhases[i]);
            phase(i, v1, out);
        }
        std::remove(v1.c_str());
        std::remove(out.c_str());
        return 0;
    }
    write_input(tap, v1, n);
    phase(0, v1, out);  // warm the page cache
    std::printf("input: %llu records of the 20-hop ping path (v1 pcapng)\n",
                (unsigned long long)n);
    std::printf("%-32s %14s\n", "operation", "records/s");
    for (int i = 0; i < 3; i++) {
        const auto t0 = Clock::now();
        phase(i, v1, out);
        const double s =
            std::chrono::duration<double>(Clock::now() - t0).count();
        std::printf("%-32s %14.0f\n", kPhases[i], double(n) / s);
    }
    std::remove(v1.c_str());
    std::remove(out.c_str());
    if (instr) {
        const auto ph = bench::count_phases(
            {"--phases", std::to_string(instr), "--dir", dir}, dir);
        std::printf("\ninstructions per 20-hop record (callgrind, %llu "
                    "records each)\n",
                    (unsigned long long)instr);
        std::printf("%-32s %12s %10s\n", "operation", "instr/rec", "x read");
        const double rd =
            double(bench::phase_count(ph, kPhases[0])) / double(instr);
        double sh = 0;
        for (int i = 0; i < 3; i++) {
            const double v =
                double(bench::phase_count(ph, kPhases[i])) / double(instr);
            if (i == 1)
                sh = v;
            std::printf("%-32s %12.0f %10.2f\n", kPhases[i], v,
                        rd > 0 ? v / rd : 0);
        }
        std::printf("target show <= 40000: %s\n",
                    sh <= 40000 ? "met" : "MISSED");
    }
    return 0;
}

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_show: %s\n", e.what());
        return 1;
    }
}
