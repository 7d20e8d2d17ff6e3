// Format size and codec speed, measured side by side in one run:
//  - bytes of the 20-hop ping path (8 source files) in v1 and in the
//    prototype's one-string-per-hop layout, and their ratio (target <= 0.5);
//  - records per second: v1 decode vs the prototype layout's decode, each
//    fresh and into a reused DecodeResult (what the plugin and the tool
//    do), v1 without assembling strings (convert), and the C encoder.
#include <chrono>
#include <cstdio>
#include <cstring>

#include "examples.hpp"

using namespace mbt;
using Clock = std::chrono::steady_clock;

namespace {

template <class F>
double rate(size_t n, F&& f)
{
    const auto t0 = Clock::now();
    for (size_t i = 0; i < n; i++)
        f();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return double(n) / s;
}

}  // namespace

int main(int argc, char** argv)
{
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const size_t n = quick ? 2000 : 400000;
    const RecordIn in = examples::ping_two_vnets();
    const std::vector<uint8_t> v1 = encode(in);
    const std::vector<uint8_t> proto = examples::ping_two_vnets_prototype();
    const size_t hops = in.hops.size();

    std::printf("path: %zu hops over 8 source files (SPEC 10.2)\n", hops);
    std::printf("%-28s %8s %12s\n", "encoding", "bytes", "bytes/hop");
    std::printf("%-28s %8zu %12.1f\n", "prototype (part-3 strings)",
                proto.size(), double(proto.size()) / double(hops));
    std::printf("%-28s %8zu %12.1f\n", "v1", v1.size(),
                double(v1.size()) / double(hops));
    const double ratio = double(v1.size()) / double(proto.size());
    std::printf("size ratio v1/prototype: %.3f (target <= 0.5: %s)\n\n", ratio,
                ratio <= 0.5 ? "met" : "MISSED");

    size_t sink = 0;
    const double dec_v1 = rate(n, [&] {
        sink += decode_record(v1.data(), v1.size()).rec.hops.size();
    });
    const double dec_proto = rate(n, [&] {
        sink += decode_any(proto.data(), proto.size()).rec.hops.size();
    });
    DecodeResult reused;
    const double dec_v1_reused = rate(n, [&] {
        decode_record(v1.data(), v1.size(), reused);
        sink += reused.rec.hops.size();
    });
    const double dec_v1_nostr = rate(n, [&] {
        decode_record(v1.data(), v1.size(), reused, false);
        sink += reused.rec.hops.size();
    });
    const double dec_proto_reused = rate(n, [&] {
        decode_any(proto.data(), proto.size(), reused);
        sink += reused.rec.hops.size();
    });
    const double enc = rate(n / 4, [&] { sink += encode(in).size(); });
    std::printf("%-34s %14s\n", "operation (20-hop record)", "records/s");
    std::printf("%-34s %14.0f\n", "decode v1", dec_v1);
    std::printf("%-34s %14.0f\n", "decode prototype layout", dec_proto);
    std::printf("%-34s %14.0f\n", "decode v1, reused result", dec_v1_reused);
    std::printf("%-34s %14.0f\n", "decode v1, reused, no strings",
                dec_v1_nostr);
    std::printf("%-34s %14.0f\n", "decode prototype, reused result",
                dec_proto_reused);
    std::printf("%-34s %14.0f\n", "encode v1 (C encoder via C++)", enc);
    std::printf("decode v1 / decode prototype: %.2fx fresh, %.2fx reused\n",
                dec_v1 / dec_proto, dec_v1_reused / dec_proto_reused);
    std::printf("(checksum %zu)\n", sink);
    return 0;
}
