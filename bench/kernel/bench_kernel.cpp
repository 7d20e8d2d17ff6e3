// Cost per hop of mbuf_trace(9) (kernel/sys/kern/kern_mbuf_trace.c over the
// userspace stand-in) for traced packets, untraced packets and tracing off,
// side by side with the prototype's one-m_tag-per-hop design (proto.c), in
// one run.  Usage: bench_kernel [--quick]
//
// The stand-in's malloc(9) is glibc's malloc, whose thread cache makes the
// prototype's per-hop allocation far cheaper here than malloc(9)/UMA is in
// the kernel, and cpu_ticks() is the TSC as on amd64; both are printed so
// that the numbers can be read for what they are.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fake_stack.h"
#include "proto.h"

namespace {

using Clock = std::chrono::steady_clock;

int g_rounds = 15;

// Best of g_rounds: ns per hop of body(), which does `hops` hops.
double per_hop(const std::function<void()>& setup, const std::function<void()>& body,
               const std::function<void()>& teardown, int hops)
{
    double best = 1e30;
    for (int r = 0; r < g_rounds; r++) {
        setup();
        auto t0 = Clock::now();
        body();
        auto t1 = Clock::now();
        teardown();
        best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / hops);
    }
    return best;
}

std::vector<uint8_t> frame()
{
    std::vector<uint8_t> f(98, 0);
    f[12] = 8;
    f[14] = 0x45;
    f[23] = 1;
    return f;
}

}  // namespace

int main(int argc, char** argv)
{
    bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int N = quick ? 1000 : 1000;       // hops per timed block (<= max_hops)
    const int P = quick ? 200 : 20000;       // packets per timed block
    const int H = 16;                        // hops of a typical packet
    if (quick)
        g_rounds = 2;

    standin_boot();
    standin_vnet_set(standin_vnet0());
    struct ifnet* ifp = standin_ifnet("vtnet0");
    auto f = frame();
    standin_sysctl_int("kern.mbuf_trace.max_hops", 1024);
    standin_sysctl_str("kern.mbuf_trace.ifaces", "");
    standin_sysctl_str("kern.mbuf_trace.filter", "");
    standin_sysctl_int("kern.mbuf_trace.start_anywhere", 0);
    standin_set_listener(0);

    struct mbuf* m = nullptr;
    auto fresh = [&] { m = standin_packet(f.data(), int(f.size()), 0); };
    // Freeing a traced packet queues its trace; the emission task runs
    // outside the timed part (standin_clear_captured() runs it).
    auto drop = [&] { m_freem(m); m = nullptr; standin_clear_captured(); };
    const int REP = quick ? 10 : 2000;  // blocks of N hops
    auto loop = [&](void (*fn)(struct mbuf*, int)) {
        return [&, fn] { for (int i = 0; i < REP; i++) fn(m, N); };
    };

    // The loop alone (the code between tracepoints), subtracted below.
    double empty = per_hop(fresh, loop(fake_hops_empty), drop, REP * N);

    standin_sysctl_int("kern.mbuf_trace.enable", 0);
    double off = per_hop(fresh, loop(fake_hops), drop, REP * N);

    standin_sysctl_int("kern.mbuf_trace.enable", 1);
    // A listener: no trace starts without one.
    standin_set_listener(1);
    double untraced = per_hop(fresh, loop(fake_hops), drop, REP * N);
    double foreign = per_hop([&] { fresh(); standin_add_foreign_tag(m, 0); },
                             loop(fake_hops), drop, REP * N);
    // The same while some other packet is traced: its tags are walked.
    struct mbuf* other = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(ifp, other, nullptr);
    double foreign_live = per_hop([&] { fresh(); standin_add_foreign_tag(m, 0); },
                                  loop(fake_hops), drop, REP * N);
    m_freem(other);

    // Traced, steady state: N hops into a started trace whose tag has
    // already grown to hold them (the explicit emission queues the first
    // segment; the next starts small and grows while the trace goes on).
    // Growth is in the whole-packet lines below.
    auto grown = [&] {
        fresh();
        fake_ether_input(ifp, m, nullptr);
        fake_hops(m, N - 1);
        fake_emit(m, nullptr);
    };
    double traced = 1e30;
    for (int r = 0; r < (quick ? 2 : 200); r++) {
        g_rounds = 1;
        traced = std::min(traced, per_hop(grown, [&] { fake_hops(m, N - 1); }, drop, N - 1));
    }
    g_rounds = quick ? 2 : 15;

    // The same hop with a free clock, and the clock alone: where it goes.
    static uint64_t fake_clock;
    standin_set_ticker([]() -> uint64_t { return ++fake_clock; });
    double noclock = 1e30;
    for (int r = 0; r < (quick ? 2 : 200); r++) {
        g_rounds = 1;
        noclock = std::min(noclock, per_hop(grown, [&] { fake_hops(m, N - 1); }, drop, N - 1));
    }
    g_rounds = quick ? 2 : 15;
    standin_set_ticker(nullptr);
    volatile uint64_t sink = 0;
    double clock_ns = per_hop([] {}, [&] { for (int i = 0; i < REP * N; i++) sink = sink + standin_cpu_ticks(); },
                              [] {}, REP * N);

    standin_sysctl_int("kern.mbuf_trace.max_hops", 32);  // the default
    // Whole packets of H hops: start, hops, free (which queues the trace),
    // and apart from it, the emission task that encodes and taps them.
    std::vector<struct mbuf*> pk(P);
    auto make_all = [&] {
        for (auto& p : pk)
            p = standin_packet(f.data(), int(f.size()), 0);
    };
    // Timed in blocks of 256 packets, the emission task run (and timed
    // apart) between blocks, as the kernel's task runs beside the stack.
    auto packets = [&](int hops, double* task_ns) {
        double best = 1e30, best_task = 1e30;
        for (int r = 0; r < g_rounds; r++) {
            make_all();
            double path = 0, task = 0;
            for (int b = 0; b < P; b += 256) {
                auto t0 = Clock::now();
                for (int i = b; i < std::min(P, b + 256); i++) {
                    fake_ether_input(ifp, pk[i], nullptr);
                    fake_hops(pk[i], hops - 1);
                    m_freem(pk[i]);
                }
                auto t1 = Clock::now();
                standin_run_tasks();
                auto t2 = Clock::now();
                standin_clear_captured();
                path += std::chrono::duration<double, std::nano>(t1 - t0).count();
                task += std::chrono::duration<double, std::nano>(t2 - t1).count();
            }
            best = std::min(best, path / (double(P) * hops));
            best_task = std::min(best_task, task / (double(P) * hops));
        }
        if (task_ns)
            *task_ns = best_task;
        return best;
    };
    double pkt_emit = 0;
    double pkt = packets(H, &pkt_emit);
    // A longer path: 40 hops, the tag grows 16 -> 32 -> 64.
    standin_sysctl_int("kern.mbuf_trace.max_hops", 64);
    double pkt40 = packets(40, nullptr);
    standin_sysctl_int("kern.mbuf_trace.max_hops", 32);
    standin_set_listener(0);
    standin_sysctl_int("kern.mbuf_trace.enable", 0);

    // The prototype: an m_tag per hop, freed with the packet.
    double proto = per_hop(fresh, [&] { proto_hops_static(m, N); },
                           [&] { proto_release(m); drop(); }, N);
    auto proto_packets = [&](void (*fn)(struct mbuf*, int)) {
        return [&, fn] {
            for (auto& p : pk) {
                fn(p, H);
                m_freem(p);
            }
        };
    };
    double proto_pkt = per_hop(make_all, proto_packets(proto_hops_static), [] {}, P * H);
    double proto_pf = per_hop(make_all, proto_packets(proto_hops_printf), [] {}, P * H);

    auto net = [&](double v) { return std::max(v - empty, 0.0); };
    std::printf("mbuf_trace(9) cost per hop, ns (best of %d; loop overhead %.2f ns subtracted)\n",
                g_rounds, empty);
    std::printf("  %-44s %8.2f\n", "tracing off (kern.mbuf_trace.enable=0)", net(off));
    std::printf("  %-44s %8.2f\n", "untraced packet, no tags", net(untraced));
    std::printf("  %-44s %8.2f\n", "untraced packet, another subsystem's tag", net(foreign));
    std::printf("  %-44s %8.2f\n", "  same, while another packet is traced", net(foreign_live));
    std::printf("  %-44s %8.2f\n", "traced packet, hop incl. timestamp", net(traced));
    std::printf("  %-44s %8.2f\n", "  of which not the clock (clock stubbed)", net(noclock));
    std::printf("  %-44s %8.2f\n", "  cpu_ticks() alone (TSC), back to back", clock_ns);
    std::printf("  %-44s %8.2f\n", "traced 16-hop packet: start+hops+free(queue)", net(pkt));
    std::printf("  %-44s %8.2f\n", "  emission task: encode + tap, per hop", pkt_emit);
    std::printf("  %-44s %8.2f\n", "traced 40-hop packet (tag grows twice)", net(pkt40));
    std::printf("  %-44s %8.2f\n", "prototype: m_tag per hop (static string)", net(proto));
    std::printf("  %-44s %8.2f\n", "prototype 16-hop packet, static strings", net(proto_pkt));
    std::printf("  %-44s %8.2f\n", "prototype 16-hop packet, printf strings", net(proto_pf));
    double r_hop = net(proto) / std::max(net(traced), 0.01);
    double r_pkt = net(proto_pkt) / std::max(net(pkt), 0.01);
    std::printf("ratios\n");
    std::printf("  prototype / traced hop               %6.1fx  (target >= 10x: %s)\n", r_hop,
                r_hop >= 10 ? "met" : "NOT met");
    std::printf("  prototype / traced, whole packets    %6.1fx\n", r_pkt);
    double r_pf = net(proto_pf) / std::max(net(pkt), 0.01);
    std::printf("  prototype printf / traced, packets   %6.1fx\n", r_pf);
    std::printf("  traced hop                           %6.2f ns (target <= 10: %s)\n", net(traced),
                net(traced) <= 10 ? "met" : "NOT met");
    std::printf("  untraced                             %6.2f ns (target <= 2: %s)\n", net(untraced),
                net(untraced) <= 2 ? "met" : "NOT met");
    return 0;
}
