// The kernel facility (kernel/sys/kern/kern_mbuf_trace.c, unchanged) over
// the userspace stand-in: what a FreeBSD user would see through
// kern.mbuf_trace.* and the mbuf_trace0 tap, decoded by mbt::decode_record.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <pcap/pcap.h>

#include <cstring>
#include <string>
#include <vector>

#include "fake_stack.h"
#include "mbuftrace/decode.hpp"
#include "mbuftrace/encode.hpp"

namespace {

const char* const kFile = "sys/net/fake_stack.c";

// Ethernet + IPv4 + ICMP echo or UDP, enough for a BPF filter to tell.
std::vector<uint8_t> frame(bool icmp, uint8_t last = 1)
{
    std::vector<uint8_t> f(14 + 20 + 8 + 16, 0);
    uint8_t dst[6] = {2, 0, 0, 0, 0, 0xb};
    uint8_t src[6] = {2, 0, 0, 0, 0, 0xa};
    memcpy(&f[0], dst, 6);
    memcpy(&f[6], src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t* ip = &f[14];
    ip[0] = 0x45;
    ip[3] = 20 + 8 + 16;
    ip[8] = 64;
    ip[9] = icmp ? 1 : 17;
    ip[12] = 10; ip[15] = 1;
    ip[16] = 10; ip[19] = last;
    if (icmp)
        ip[20] = 8;  // echo request
    for (size_t i = 42; i < f.size(); i++)
        f[i] = uint8_t(i);
    return f;
}

struct Fixture {
    struct ifnet* epair0a;
    struct ifnet* epair0b;
    long allocs0;

    Fixture()
    {
        standin_boot();
        standin_vnet_set(standin_vnet0());
        epair0a = ifnet("epair0a");
        epair0b = ifnet("epair0b");
        REQUIRE(standin_sysctl_int("kern.mbuf_trace.enable", 1) == 0);
        REQUIRE(standin_sysctl_int("kern.mbuf_trace.start_anywhere", 0) == 0);
        REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_hops", 32) == 0);
        REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 128) == 0);
        REQUIRE(standin_sysctl_str("kern.mbuf_trace.ifaces", "") == 0);
        REQUIRE(standin_sysctl_str("kern.mbuf_trace.filter", "") == 0);
        REQUIRE(standin_sysctl_int("kern.mbuf_trace.tp_enable", 0) == 0);
        standin_set_listener(1);
        standin_clear_captured();
        standin_fail_nowait(0);
        allocs0 = standin_live_allocs();
    }
    ~Fixture()
    {
        standin_fail_nowait(0);
        standin_clear_captured();
    }
    static struct ifnet* ifnet(const char* name)
    {
        static std::vector<std::pair<std::string, struct ifnet*>> made;
        for (auto& p : made)
            if (p.first == name)
                return p.second;
        struct ifnet* ifp = standin_ifnet(name);
        made.emplace_back(name, ifp);
        return ifp;
    }
};

std::vector<mbt::DecodeResult> decoded(std::vector<std::vector<uint8_t>>* raw = nullptr)
{
    std::vector<mbt::DecodeResult> out;
    for (size_t i = 0; i < standin_ncaptured(); i++) {
        size_t len = 0;
        const uint8_t* p = standin_captured(i, &len);
        out.push_back(mbt::decode_record(p, len));
        INFO("record " << i << ": " << (out.back().error ? out.back().error->message() : ""));
        REQUIRE(out.back().ok());
        if (raw)
            raw->emplace_back(p, p + len);
    }
    return out;
}

long long stat(const char* name)
{
    return standin_sysctl_get((std::string("kern.mbuf_trace.stats.") + name).c_str());
}

std::string tracepoints()
{
    size_t len = 0;
    REQUIRE(standin_sysctl("kern.mbuf_trace.tracepoints", nullptr, &len, nullptr, 0) == 0);
    std::string s(len, '\0');
    REQUIRE(standin_sysctl("kern.mbuf_trace.tracepoints", &s[0], &len, nullptr, 0) == 0);
    s.resize(strlen(s.c_str()));
    return s;
}

// The id the listing gives the tracepoint at fake_stack.c:line.
int tp_id_at(int line)
{
    std::string want = std::string(kFile) + ":" + std::to_string(line) + " ";
    std::string all = tracepoints();
    size_t at = all.find(want);
    REQUIRE(at != std::string::npos);
    size_t bol = all.rfind('\n', at);
    bol = bol == std::string::npos ? 0 : bol + 1;
    return std::stoi(all.substr(bol));
}

// "tcpdump -ddd" text of a filter compiled by libpcap for Ethernet.
std::string ddd(const char* expr)
{
    struct bpf_program prog;
    pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
    REQUIRE(p != nullptr);
    REQUIRE(pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0);
    pcap_close(p);
    std::string s = std::to_string(prog.bf_len) + "\n";
    for (u_int i = 0; i < prog.bf_len; i++) {
        const struct bpf_insn& in = prog.bf_insns[i];
        s += std::to_string(in.code) + " " + std::to_string(in.jt) + " " +
             std::to_string(in.jf) + " " + std::to_string(in.k) + "\n";
    }
    pcap_freecode(&prog);
    return s;
}

}  // namespace

TEST_CASE_METHOD(Fixture, "the tap is mbuf_trace0 on DLT_USER0", "[kernel]")
{
    CHECK(std::string(standin_tap_name()) == MBT_EXPECT_TAP);
    CHECK(standin_tap_dlt() == MBT_LINKTYPE_USER0);
}

TEST_CASE_METHOD(Fixture, "hops are recorded in order and the freed record decodes to the expected one", "[kernel]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 20);
    int l_start, l_enter, l_rule, l_point, l_leave, l_msg, l_out;
    fake_ether_input(epair0a, m, &l_start);
    fake_enter(m, &l_enter);
    fake_rule(m, "anchor1", 7, MBT_ACT_PASS, &l_rule);
    fake_point(m, &l_point);
    fake_leave(m, &l_leave);
    fake_msg(m, &l_msg);
    fake_if_output(epair0b, m, &l_out);
    struct fake_trace_info ti{};
    REQUIRE(fake_trace_info(m, &ti));
    CHECK(ti.nhops == 7);
    CHECK(ti.depth == 0);
    REQUIRE(standin_ncaptured() == 0);
    m_freem(m);

    std::vector<std::vector<uint8_t>> raw;
    auto recs = decoded(&raw);
    REQUIRE(recs.size() == 1);
    const mbt::Record& r = recs[0].rec;
    CHECK(r.trace_id.v == ti.id);
    CHECK(r.flags.v == MBT_RF_FREED);
    REQUIRE(r.hops.size() == 7);
    for (size_t i = 1; i < r.hops.size(); i++)
        CHECK(r.hops[i].time_ns.v >= r.hops[i - 1].time_ns.v);

    // The expected record, built independently with the C++ encoder; only
    // the times are taken from the capture.
    mbt::RecordIn want;
    want.trace_id = ti.id;
    want.flags = MBT_RF_FREED;
    auto hop = [&](const char* func, int line, uint8_t ss, uint8_t kind, uint8_t depth) {
        mbt::HopIn h;
        h.file = kFile;
        h.func = func;
        h.line = uint32_t(line);
        h.subsys = ss;
        h.kind = kind;
        h.depth = depth;
        h.vnet = 0;
        h.cpu = 0;
        h.time_ns = r.hops[want.hops.size()].time_ns.v;
        return h;
    };
    mbt::HopIn h = hop("fake_ether_input", l_start, MBT_SS_ETHER, MBT_HK_POINT, 0);
    h.iface = mbt::HopIn::Iface{uint32_t(standin_if_index(epair0a)), MBT_DIR_IN, "epair0a"};
    // The start point shows the packet: the whole frame (under snaplen),
    // Ethernet, also as the bytes that follow the record.
    h.snap = mbt::HopIn::Snap{MBT_LINKTYPE_ETHERNET, f};
    want.linktype = MBT_LINKTYPE_ETHERNET;
    want.hops.push_back(h);
    want.hops.push_back(hop("fake_enter", l_enter, MBT_SS_PFIL, MBT_HK_ENTER, 0));
    h = hop("fake_rule", l_rule, MBT_SS_PF, MBT_HK_POINT, 1);
    h.rule = mbt::HopIn::Rule{"anchor1", 7, MBT_ACT_PASS};
    want.hops.push_back(h);
    want.hops.push_back(hop("fake_point", l_point, MBT_SS_IP, MBT_HK_POINT, 1));
    want.hops.push_back(hop("fake_leave", l_leave, MBT_SS_PFIL, MBT_HK_LEAVE, 0));
    h = hop("fake_msg", l_msg, MBT_SS_ICMP, MBT_HK_POINT, 0);
    h.msg = "echo reply";
    want.hops.push_back(h);
    h = hop("fake_if_output", l_out, MBT_SS_IF, MBT_HK_POINT, 0);
    h.iface = mbt::HopIn::Iface{uint32_t(standin_if_index(epair0b)), MBT_DIR_OUT, "epair0b"};
    want.hops.push_back(h);
    std::vector<uint8_t> enc = mbt::encode(want);
    enc.insert(enc.end(), f.begin(), f.end());
    CHECK(enc == raw[0]);
    CHECK(mbt::path_summary(r).find("fake_ether_input") == 0);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a subsystem name that is also a kernel option (NETGRAPH) keeps its id", "[kernel]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_netgraph(m, nullptr);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const auto& r = recs[0].rec;
    REQUIRE(r.hops.size() == 3);
    CHECK(r.hops[1].subsys.v == MBT_SS_NETGRAPH);
    // Node and hook names are copied, cut to 11 bytes; no hook is "".
    REQUIRE(r.hops[1].node);
    CHECK(std::string(r.str(r.hops[1].node)) == "ngeth0");
    CHECK(std::string(r.str(r.hops[1].hook)) == "ether");
    CHECK(std::string(r.str(r.hops[2].node)) == "a_long_node");
    CHECK(std::string(r.str(r.hops[2].hook)).empty());
}

TEST_CASE_METHOD(Fixture, "tracing off: no tag, no allocation, no record", "[kernel][selection]")
{
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.enable", 0) == 0);
    auto f = frame(true);
    long n0 = standin_nowait_count();
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_point(m, nullptr);
    CHECK(standin_ntags(m) == 0);
    m_freem(m);
    CHECK(standin_nowait_count() == n0);
    CHECK(standin_ncaptured() == 0);
}

TEST_CASE_METHOD(Fixture, "an untraced mbuf is not traced by plain tracepoints, even with other tags", "[kernel][selection]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    REQUIRE(standin_add_foreign_tag(m, 0) == 0);
    fake_point(m, nullptr);
    fake_msg(m, nullptr);
    CHECK(standin_ntags(m) == 1);
    // The same while another packet is traced (its tags are walked then).
    struct mbuf* t = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, t, nullptr);
    CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 1);
    fake_point(m, nullptr);
    CHECK(standin_ntags(m) == 1);
    m_freem(t);
    standin_run_tasks();
    CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 0);
    CHECK(standin_ncaptured() == 1);  // t's record only
    standin_clear_captured();
    m_freem(m);
    CHECK(standin_ncaptured() == 0);
}

TEST_CASE_METHOD(Fixture, "overflow keeps the first hops, counts and flags the rest", "[kernel]")
{
    long long lost0 = stat("hops_lost");
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_hops", 4) == 0);
    CHECK(standin_sysctl_int("kern.mbuf_trace.max_hops", 0) == EINVAL);
    CHECK(standin_sysctl_int("kern.mbuf_trace.max_hops", 5000) == EINVAL);
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    int l_start;
    fake_ether_input(epair0a, m, &l_start);
    for (int i = 0; i < 9; i++)
        fake_point(m, nullptr);
    struct fake_trace_info ti{};
    REQUIRE(fake_trace_info(m, &ti));
    CHECK(ti.cap == 4);
    CHECK(ti.nhops == 4);
    CHECK(ti.lost == 6);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const mbt::Record& r = recs[0].rec;
    CHECK(r.flags.v == (MBT_RF_FREED | MBT_RF_HOPS_LOST));
    CHECK(r.hops_lost.v == 6);
    REQUIRE(r.hops.size() == 4);
    CHECK(r.hops[0].line.v == uint32_t(l_start));
    CHECK(stat("hops_lost") == lost0 + 6);
}

TEST_CASE_METHOD(Fixture, "the trace survives m_tag_delete_nonpersistent and crosses vnets", "[kernel][vnet]")
{
    struct vnet* v0 = standin_vnet0();
    struct vnet* v1 = standin_vnet_create();
    struct vnet* v2 = standin_vnet_create();
    long long id1, id2;
    standin_vnet_set(v1);
    id1 = standin_sysctl_get("kern.mbuf_trace.vnet_id");
    standin_vnet_set(v2);
    id2 = standin_sysctl_get("kern.mbuf_trace.vnet_id");
    standin_vnet_set(v0);
    CHECK(standin_sysctl_get("kern.mbuf_trace.vnet_id") == 0);
    CHECK(id1 > 0);
    CHECK(id2 == id1 + 1);

    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    REQUIRE(standin_add_foreign_tag(m, 0) == 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_vnet(m, v1, nullptr);  // about to enter v1
    fake_epair_cross(m, v1);    // what epair_clear_mbuf() does
    CHECK(standin_ntags(m) == 1);  // the foreign one is gone
    fake_point(m, nullptr);
    fake_epair_cross(m, v2);
    fake_point(m, nullptr);
    standin_vnet_set(v0);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const auto& h = recs[0].rec.hops;
    REQUIRE(h.size() == 4);
    CHECK(h[0].vnet.v == 0);
    CHECK(h[1].vnet.v == uint32_t(id1));
    CHECK(h[2].vnet.v == uint32_t(id1));
    CHECK(h[2].vnet_inherited);
    CHECK(h[3].vnet.v == uint32_t(id2));
}

TEST_CASE_METHOD(Fixture, "a driver peeling stale tags keeps the trace; a whole-chain delete still emits it", "[kernel][tags]")
{
    // ng_eiface_start() drops every tag before the netgraph hop: patched,
    // it calls mbuf_trace_tag_delete_chain() and the trace goes on.
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    REQUIRE(standin_add_foreign_tag(m, 0) == 0);
    fake_ether_input(epair0a, m, nullptr);
    REQUIRE(standin_ntags(m) == 2);
    mbuf_trace_tag_delete_chain(m);
    CHECK(standin_ntags(m) == 1);
    fake_point(m, nullptr);
    CHECK(standin_ncaptured() == 0);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].rec.hops.size() == 2);
    CHECK((recs[0].rec.flags.v & MBT_RF_FREED) != 0);
    CHECK(standin_live_allocs() == allocs0);

    // Unpatched code deleting the whole chain: the record is emitted (not
    // freed, counted as cut) instead of vanishing, with its snapshot (the
    // trace owns it: it is not a tag of the packet).
    standin_clear_captured();
    long long cut0 = stat("cut");
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_snap(m, nullptr);
    m_tag_delete_chain(m, nullptr);
    CHECK(stat("cut") == cut0 + 1);
    REQUIRE(standin_ncaptured() == 1);
    fake_point(m, nullptr);  // untraced now: no new trace
    m_freem(m);
    recs = decoded();
    REQUIRE(recs.size() == 1);
    CHECK((recs[0].rec.flags.v & MBT_RF_FREED) == 0);
    REQUIRE(recs[0].rec.hops.size() == 2);
    REQUIRE(recs[0].rec.hops[0].has_snap);  // the start point's
    CHECK(recs[0].rec.hops[0].snap_linktype.v == MBT_LINKTYPE_ETHERNET);
    REQUIRE(recs[0].rec.hops[1].has_snap);
    CHECK(recs[0].rec.hops[1].snap.len == f.size());  // shorter than snaplen
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "m_dup and m_copypacket continue the trace as a child", "[kernel][copy]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 10);
    fake_ether_input(epair0a, m, nullptr);
    struct mbuf* d = m_dup(m, STANDIN_M_NOWAIT);
    REQUIRE(d != nullptr);
    struct mbuf* c = m_copypacket(m, STANDIN_M_NOWAIT);
    REQUIRE(c != nullptr);
    struct fake_trace_info tm{}, td{}, tc{};
    REQUIRE(fake_trace_info(m, &tm));
    REQUIRE(fake_trace_info(d, &td));
    REQUIRE(fake_trace_info(c, &tc));
    CHECK(td.id != tm.id);
    CHECK(tc.id != tm.id);
    CHECK(td.id != tc.id);
    CHECK(td.parent == tm.id);
    CHECK(tc.parent == tm.id);
    CHECK(td.flags == MBT_RF_COPY);
    CHECK(standin_packet_equals(d, f.data(), int(f.size())));
    fake_point(d, nullptr);
    m_freem(d);
    m_freem(c);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 3);
    const mbt::Record& rd = recs[0].rec;
    const mbt::Record& rm = recs[2].rec;
    CHECK(rd.parent_id.v == tm.id);
    CHECK(rd.flags.v == (MBT_RF_COPY | MBT_RF_FREED));
    REQUIRE(rd.hops.size() == 2);
    CHECK(rd.str(rd.hops[0].func) == rm.str(rm.hops[1].func));
    REQUIRE(rm.hops.size() == 3);
    CHECK(rm.hops[1].copy_id.v == td.id);
    CHECK(rm.hops[2].copy_id.v == tc.id);
    CHECK(recs[1].rec.parent_id.v == tm.id);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a copy point after m_dup (pf dup-to) notes the copy without a second trace", "[kernel][copy]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    long long copies = stat("copies");
    int l_dup;
    struct mbuf* d = fake_dup_to(m, &l_dup);
    REQUIRE(d != nullptr);
    CHECK(stat("copies") == copies + 1);  // one child trace, not two
    struct fake_trace_info tm{}, td{};
    REQUIRE(fake_trace_info(m, &tm));
    REQUIRE(fake_trace_info(d, &td));
    CHECK(td.parent == tm.id);
    CHECK(td.nhops == 2);  // m_dup's copy point, then pf's
    CHECK(tm.nhops == 3);
    CHECK(standin_ntags(d) == 1);
    m_freem(d);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 2);
    const mbt::Record& rm = recs[1].rec;
    REQUIRE(rm.hops.size() == 3);
    CHECK(rm.hops[1].copy_id.v == td.id);
    CHECK(rm.hops[2].copy_id.v == td.id);
    CHECK(rm.hops[2].line.v == uint32_t(l_dup));
    CHECK(rm.hops[2].subsys.v == MBT_SS_MBUF);
}

TEST_CASE_METHOD(Fixture, "a long path grows the trace tag up to max_hops, keeping every hop", "[kernel]")
{
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_hops", 64) == 0);
    auto f = frame(true);
    auto path = [&](int points) {
        struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
        fake_ether_input(epair0a, m, nullptr);
        struct fake_trace_info ti{};
        REQUIRE(fake_trace_info(m, &ti));
        CHECK(ti.cap == 16);  // a new trace starts small
        for (int i = 0; i < points; i++)
            fake_point(m, nullptr);
        REQUIRE(fake_trace_info(m, &ti));
        CHECK(standin_ntags(m) == 1);  // the old tag went
        CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 1);
        m_freem(m);
        // Queued, not yet emitted: still a live trace until the task ran.
        CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 1);
        standin_run_tasks();
        CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 0);
        return ti;
    };
    auto ti = path(39);
    CHECK(ti.cap == 64);
    CHECK(ti.nhops == 40);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);  // the replaced tag emitted nothing
    REQUIRE(recs[0].rec.hops.size() == 40);
    CHECK(recs[0].rec.hops[0].subsys.v == MBT_SS_ETHER);
    CHECK((recs[0].rec.flags.v & (MBT_RF_HOPS_LOST | MBT_RF_ALLOC_FAIL)) == 0);
    CHECK(standin_live_allocs() == allocs0);

    // The first growth fails: that hop is lost and said so; the next one
    // grows the tag and the path goes on.
    standin_clear_captured();
    long long grow0 = stat("fail_grow");
    standin_fail_nowait(3);  // tag, start snapshot, first growth
    ti = path(39);
    standin_fail_nowait(0);
    CHECK(stat("fail_grow") == grow0 + 1);
    CHECK(ti.nhops == 39);
    CHECK(ti.lost == 1);
    recs = decoded();
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].rec.hops.size() == 39);
    CHECK(recs[0].rec.hops_lost.v == 1);
    CHECK(recs[0].rec.alloc_fail.v == 1);
    CHECK((recs[0].rec.flags.v & MBT_RF_ALLOC_FAIL) != 0);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "allocation failure at every site leaves the packet whole and is counted", "[kernel][alloc]")
{
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 32) == 0);
    auto f = frame(true);
    auto run = [&](long fail_nth, long* used) {
        long n0 = standin_nowait_count();
        standin_fail_nowait(fail_nth);
        struct mbuf* m = standin_packet(f.data(), int(f.size()), 16);
        fake_ether_input(epair0a, m, nullptr);  // trace tag
        fake_snap(m, nullptr);                   // snapshot tag
        struct mbuf* d = m_dup(m, STANDIN_M_NOWAIT);  // copy's tag
        REQUIRE(d != nullptr);  // our failure never fails the copy
        CHECK(standin_packet_equals(m, f.data(), int(f.size())));
        CHECK(standin_packet_equals(d, f.data(), int(f.size())));
        fake_point(m, nullptr);
        m_freem(d);  // queued: nothing is allocated on the free path
        m_freem(m);
        standin_fail_nowait(0);
        *used = standin_nowait_count() - n0;
    };
    long sites = 0;
    run(0, &sites);
    // The emission task allocates M_WAITOK (it holds no lock), so the
    // packet path has four M_NOWAIT sites: trace tag, the start point's
    // snapshot, a snapshot point's, the copy's tag.
    REQUIRE(sites == 4);
    REQUIRE(standin_ncaptured() == 2);
    standin_clear_captured();
    const char* counters[] = {"fail_tag", "fail_snap", "fail_snap", "fail_copy"};
    for (long nth = 1; nth <= sites; nth++) {
        INFO("failing allocation " << nth);
        long long before = stat(counters[nth - 1]);
        long used = 0;
        run(nth, &used);
        CHECK(stat(counters[nth - 1]) == before + 1);
        CHECK(standin_live_allocs() == allocs0);
        auto recs = decoded();
        if (nth == 1) {
            CHECK(recs.empty());  // nothing was traced
        } else {
            // The original's record says a copy or snapshot is missing.
            REQUIRE(!recs.empty());
            const mbt::Record& r = recs.back().rec;
            CHECK((r.flags.v & MBT_RF_ALLOC_FAIL) != 0);
            CHECK(r.alloc_fail.v == 1);
        }
        standin_clear_captured();
    }
}

TEST_CASE_METHOD(Fixture, "selection: interfaces, BPF filter, start anywhere", "[kernel][selection]")
{
    auto icmp = frame(true), udp = frame(false);
    auto traced = [&](struct ifnet* ifp, const std::vector<uint8_t>& f) {
        struct mbuf* m = standin_packet(f.data(), int(f.size()), 7);
        fake_ether_input(ifp, m, nullptr);
        struct fake_trace_info ti{};
        bool t = fake_trace_info(m, &ti) != 0;
        m_freem(m);
        return t;
    };
    // Everything, when nothing narrows it.
    CHECK(traced(epair0a, icmp));
    CHECK(traced(epair0b, udp));

    REQUIRE(standin_sysctl_str("kern.mbuf_trace.ifaces", "vtnet0, epair0a") == 0);
    char buf[128];
    size_t len = sizeof(buf);
    REQUIRE(standin_sysctl("kern.mbuf_trace.ifaces", buf, &len, nullptr, 0) == 0);
    CHECK(std::string(buf) == "vtnet0,epair0a");
    CHECK(traced(epair0a, icmp));
    CHECK_FALSE(traced(epair0b, icmp));
    CHECK(standin_sysctl_str("kern.mbuf_trace.ifaces", "a_name_longer_than_ifnamsiz") == EINVAL);
    REQUIRE(standin_sysctl_str("kern.mbuf_trace.ifaces", "") == 0);

    long long rej = stat("rejected");
    std::string prog = ddd("icmp and dst host 10.0.0.1");
    REQUIRE(standin_sysctl_str("kern.mbuf_trace.filter", prog.c_str()) == 0);
    std::vector<char> back(16384);
    len = back.size();
    REQUIRE(standin_sysctl("kern.mbuf_trace.filter", back.data(), &len, nullptr, 0) == 0);
    CHECK(std::string(back.data()) == prog);
    CHECK(traced(epair0b, icmp));
    CHECK_FALSE(traced(epair0b, udp));
    CHECK_FALSE(traced(epair0b, frame(true, 2)));
    CHECK(stat("rejected") == rej + 2);
    // The same Ethernet program at a start point without a link header.
    auto traced_l3 = [&](const std::vector<uint8_t>& fr) {
        struct mbuf* m = standin_packet(fr.data() + 14, int(fr.size()) - 14, 9);
        fake_ip_output(m, nullptr);
        struct fake_trace_info ti{};
        bool t = fake_trace_info(m, &ti) != 0;
        m_freem(m);
        return t;
    };
    CHECK(traced_l3(icmp));
    CHECK_FALSE(traced_l3(udp));
    CHECK_FALSE(traced_l3(frame(true, 2)));
    // Bad programs are refused and the old one stays.
    CHECK(standin_sysctl_str("kern.mbuf_trace.filter", "1\n6 0 0") == EINVAL);
    CHECK(standin_sysctl_str("kern.mbuf_trace.filter", "2\n21 5 0 2048\n6 0 0 65535") == EINVAL);  // jump out of range
    CHECK(standin_sysctl_str("kern.mbuf_trace.filter", "1\n6 0 0 65535 junk") == EINVAL);
    CHECK_FALSE(traced(epair0b, udp));
    REQUIRE(standin_sysctl_str("kern.mbuf_trace.filter", "") == 0);
    CHECK(traced(epair0b, udp));

    // Without a start point nothing starts, unless start_anywhere is set.
    struct mbuf* m = standin_packet(icmp.data(), int(icmp.size()), 0);
    fake_point(m, nullptr);
    CHECK(standin_ntags(m) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.start_anywhere", 1) == 0);
    fake_point(m, nullptr);
    struct fake_trace_info ti{};
    CHECK(fake_trace_info(m, &ti));
    CHECK(ti.nhops == 1);
    m_freem(m);
}

TEST_CASE_METHOD(Fixture, "a single tracepoint can be listed, disabled and enabled", "[kernel][tracepoints]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    int l_point;
    fake_ether_input(epair0a, m, nullptr);
    fake_point(m, &l_point);
    int id = tp_id_at(l_point);
    CHECK(fake_hop_tp_id(m, 1) == id);
    std::string all = tracepoints();
    CHECK(all.find(std::to_string(id) + " 1 point 5 " + kFile + ":" + std::to_string(l_point) + " fake_point\n") != std::string::npos);
    CHECK(all.find(" start 1 ") != std::string::npos);
    CHECK(all.find(" fake_drop blocked by rule\n") != std::string::npos);

    REQUIRE(standin_sysctl_int("kern.mbuf_trace.tp_disable", id) == 0);
    CHECK(tracepoints().find(std::to_string(id) + " 0 point") != std::string::npos);
    fake_point(m, nullptr);
    fake_msg(m, nullptr);  // another tracepoint still records
    struct fake_trace_info ti{};
    REQUIRE(fake_trace_info(m, &ti));
    CHECK(ti.nhops == 3);
    CHECK(fake_hop_tp_id(m, 2) != id);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.tp_enable", id) == 0);
    fake_point(m, nullptr);
    REQUIRE(fake_trace_info(m, &ti));
    CHECK(ti.nhops == 4);
    CHECK(standin_sysctl_int("kern.mbuf_trace.tp_enable", 60000) == ENOENT);
    m_freem(m);
}

TEST_CASE_METHOD(Fixture, "no listener: nothing is encoded; drop, snapshot and explicit emission", "[kernel][emit]")
{
    auto f = frame(true);
    long long nol = stat("no_listener"), traces0 = stat("traces");
    standin_set_listener(0);
    long n0 = standin_nowait_count();
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    // Nobody listens: no trace is started, nothing is allocated.
    CHECK(standin_ntags(m) == 0);
    CHECK(standin_nowait_count() == n0);
    m_freem(m);
    CHECK(standin_ncaptured() == 0);
    CHECK(stat("no_listener") == nol + 1);
    CHECK(stat("traces") == traces0);
    standin_set_listener(1);

    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 20) == 0);
    m = standin_packet(f.data(), int(f.size()), 5);
    int l_emit, l_drop;
    fake_ether_input(epair0a, m, nullptr);
    fake_snap(m, nullptr);
    fake_emit(m, &l_emit);
    fake_point(m, nullptr);
    fake_drop(m, &l_drop);  // frees it
    auto recs = decoded();
    REQUIRE(recs.size() == 2);
    const mbt::Record& a = recs[0].rec;
    const mbt::Record& b = recs[1].rec;
    CHECK(a.trace_id.v == b.trace_id.v);
    CHECK(a.flags.v == 0);
    CHECK(b.flags.v == MBT_RF_FREED);
    REQUIRE(a.hops.size() == 3);
    CHECK(a.hops[2].line.v == uint32_t(l_emit));
    REQUIRE(a.hops[1].has_snap);
    CHECK(a.hops[1].snap_linktype.v == 1);
    size_t len = 0;
    const uint8_t* raw = standin_captured(0, &len);
    REQUIRE(a.hops[1].snap.len == 20);
    CHECK(memcmp(raw + a.hops[1].snap.off, f.data(), 20) == 0);
    // The first snapshot also follows the record, as its packet bytes.
    CHECK(a.linktype.v == 1);
    REQUIRE(len == recs[0].consumed + 20);
    CHECK(memcmp(raw + recs[0].consumed, f.data(), 20) == 0);
    CHECK(b.linktype.v == MBT_LINKTYPE_NONE);
    REQUIRE(b.hops.size() == 2);
    CHECK(b.hops[1].line.v == uint32_t(l_drop));
    CHECK(b.str(b.hops[1].drop) == "blocked by rule");
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "pf's state and translation hops carry STATE, XLATE, the rule and the packet after it", "[kernel][pf]")
{
    auto f = frame(true);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 24) == 0);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 5);
    mbt_xlate xl{};
    xl.xl_proto = 6;
    xl.xl_before.xs_ver = xl.xl_after.xs_ver = MBT_XLATE_IPV4;
    const uint8_t in[4] = {10, 0, 0, 2}, out[4] = {192, 0, 2, 1};
    memcpy(xl.xl_before.xs_src, in, 4);
    memcpy(xl.xl_after.xs_src, out, 4);
    xl.xl_before.xs_sport = 40000;
    xl.xl_after.xs_sport = 53000;
    int l_nat;
    fake_ether_input(epair0a, m, nullptr);
    fake_pf_nat(m, &xl, &l_nat);
    // The caller's struct is copied: changing it now changes nothing.
    xl.xl_after.xs_sport = 1;
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const mbt::Record& r = recs[0].rec;
    REQUIRE(r.hops.size() == 3);
    const mbt::Hop& v = r.hops[1];
    REQUIRE(r.state_of(v));
    CHECK(r.state_of(v).v.id == 0x6790f5c500000001ULL);
    CHECK(r.state_of(v).v.creator == 0x2a);
    CHECK(r.state_of(v).v.how == MBT_STATE_CREATED);
    CHECK(v.rule.v == 2);
    CHECK(r.str(v.msg) == "created a state");
    const mbt::Hop& n = r.hops[2];
    CHECK(n.line.v == uint32_t(l_nat));
    REQUIRE(r.xlate_of(n));
    CHECK(mbt::xlate_text(r.xlate_of(n).v) ==
          "10.0.0.2:40000 > 0.0.0.0 => 192.0.2.1:53000 > 0.0.0.0");
    CHECK(n.rule.v == 1);
    CHECK(n.action.v == MBT_ACT_NAT);
    CHECK(r.str(n.ruleset) == "nat");
    CHECK(r.str(n.msg) == "after translation");
    REQUIRE(n.has_snap);
    CHECK(n.snap_linktype.v == MBT_LINKTYPE_IPV4);
    CHECK(n.snap.len == 24);
    CHECK(!r.state_of(r.hops[0]));
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a translation hop whose allocation fails keeps the packet and says so", "[kernel][pf][alloc]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 5);
    mbt_xlate xl{};
    xl.xl_before.xs_ver = xl.xl_after.xs_ver = MBT_XLATE_IPV4;
    fake_ether_input(epair0a, m, nullptr);
    long long fs = stat("fail_snap");
    standin_fail_point_nth(1);  // the translation hop's buffer
    fake_pf_nat(m, &xl, nullptr);
    standin_fail_point_nth(0);
    CHECK(stat("fail_snap") == fs + 1);
    CHECK(standin_packet_equals(m, f.data(), int(f.size())));
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const mbt::Record& r = recs[0].rec;
    CHECK((r.flags.v & MBT_RF_ALLOC_FAIL) != 0);
    REQUIRE(r.hops.size() == 3);
    CHECK(!r.xlate_of(r.hops[2]));
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a module with tracepoints cannot be unloaded while tracing is on", "[kernel][kld]")
{
    // The fixture has enabled tracing: the module's tracepoints may record.
    CHECK(standin_kld_unload_try(3) == EBUSY);
    CHECK(standin_kld_unload_try(0) == 0);   // empty set
    CHECK(standin_kld_unload_try(-1) == 0);  // no set
}

TEST_CASE_METHOD(Fixture, "a start point without an interface records no interface", "[kernel]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data() + 14, int(f.size()) - 14, 0);
    int l_out;
    fake_ip_output(m, &l_out);
    fake_if_output(epair0a, m, nullptr);
    m_freem(m);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const auto& h = recs[0].rec.hops;
    REQUIRE(h.size() == 2);
    CHECK(h[0].line.v == uint32_t(l_out));
    CHECK_FALSE(h[0].ifname.present);
    CHECK_FALSE(h[0].ifindex.present);
    CHECK(recs[0].rec.str(h[1].ifname) == "epair0a");
}

TEST_CASE_METHOD(Fixture, "records are sized exactly and bounded by max_record", "[kernel][emit]")
{
    std::vector<uint8_t> big(3000);
    for (size_t i = 0; i < big.size(); i++)
        big[i] = uint8_t(i * 7);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 2048) == 0);
    auto run = [&](int points) {
        struct mbuf* m = standin_packet(big.data(), int(big.size()), 1000);
        fake_ether_input(epair0a, m, nullptr);
        fake_snap(m, nullptr);
        fake_snap(m, nullptr);
        fake_hops(m, points);
        m_freem(m);
    };
    run(0);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    REQUIRE(recs[0].rec.hops.size() == 3);
    CHECK(recs[0].rec.hops[2].snap.len == 2048);
    CHECK((recs[0].rec.flags.v & MBT_RF_ALLOC_FAIL) == 0);
    standin_clear_captured();

    // Over max_record: the record goes without its snapshots, flagged.
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_record", 2048) == 0);
    run(0);
    recs = decoded();
    REQUIRE(recs.size() == 1);
    REQUIRE(recs[0].rec.hops.size() == 3);
    CHECK_FALSE(recs[0].rec.hops[1].has_snap);
    CHECK_FALSE(recs[0].rec.hops[2].has_snap);
    CHECK((recs[0].rec.flags.v & MBT_RF_ALLOC_FAIL) != 0);
    CHECK(recs[0].rec.linktype.v == MBT_LINKTYPE_NONE);
    size_t len = 0;
    standin_captured(0, &len);
    CHECK(len <= 2048);
    standin_clear_captured();

    // Still over it without snapshots: counted, not tapped, not leaked.
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_record", 1024) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_hops", 200) == 0);
    long long tb = stat("too_big");
    run(150);
    CHECK(standin_ncaptured() == 0);
    CHECK(stat("too_big") == tb + 1);
    CHECK(standin_live_allocs() == allocs0);
    CHECK(standin_sysctl_int("kern.mbuf_trace.max_record", 100) == EINVAL);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.max_record", 65536) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 128) == 0);
}

TEST_CASE_METHOD(Fixture, "freeing a traced packet only queues it; the task encodes and taps", "[kernel][emit]")
{
    auto f = frame(true);
    long long q0 = stat("queued"), e0 = stat("emitted");
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_point(m, nullptr);
    long n0 = standin_nowait_count();
    m_freem(m);
    // Nothing allocated, encoded or tapped where the packet was freed.
    CHECK(standin_nowait_count() == n0);
    CHECK(stat("queued") == q0 + 1);
    CHECK(stat("emitted") == e0);
    CHECK(standin_tasks_pending() == 1);
    CHECK(standin_run_tasks() == 1);
    CHECK(stat("emitted") == e0 + 1);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].rec.hops.size() == 2);

    // Records of several CPUs come out in the order they were queued.
    standin_clear_captured();
    uint64_t ids[3];
    for (int i = 0; i < 3; i++) {
        standin_set_cpu(2 - i);
        m = standin_packet(f.data(), int(f.size()), 0);
        fake_ether_input(epair0a, m, nullptr);
        struct fake_trace_info ti{};
        REQUIRE(fake_trace_info(m, &ti));
        ids[i] = ti.id;
        m_freem(m);
    }
    standin_set_cpu(0);
    recs = decoded();
    REQUIRE(recs.size() == 3);
    for (int i = 0; i < 3; i++)
        CHECK(recs[i].rec.trace_id.v == ids[i]);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "m_defrag moves the trace to the new chain instead of ending it", "[kernel][tags]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 10);
    int l_move;
    fake_ether_input(epair0a, m, nullptr);
    struct mbuf* n = fake_defrag(m, &l_move);
    // The old chain was freed, but the packet lives on: no record yet.
    CHECK(standin_ncaptured() == 0);
    fake_point(n, nullptr);
    m_freem(n);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    const auto& r = recs[0].rec;
    REQUIRE(r.hops.size() == 3);
    CHECK(r.hops[1].line.v == uint32_t(l_move));
    CHECK(r.str(r.hops[1].msg) == "moved to a new chain");
    CHECK((r.flags.v & MBT_RF_FREED) != 0);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a module can unload once tracing is off and every trace is out", "[kernel][kld]")
{
    auto f = frame(true);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.enable", 0) == 0);
    standin_run_tasks();
    // Tracing is off, but m still carries a trace that may reach the
    // module's descriptors.
    CHECK(standin_kld_unload_try(3) == EBUSY);
    m_freem(m);
    CHECK(standin_kld_unload_try(3) == EBUSY);  // queued, not yet out
    standin_run_tasks();
    CHECK(standin_kld_unload_try(3) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.enable", 1) == 0);
    CHECK(standin_kld_unload_try(3) == EBUSY);
}

TEST_CASE_METHOD(Fixture, "each vnet has its own tap, which carries only paths wholly inside it", "[kernel][vnet]")
{
    if (std::string(MBT_EXPECT_TAP) != "mbuf_trace0") {
        WARN("main/16's bpf_attach() tap is one, global: no per-vnet taps");
        return;
    }
    struct vnet* vnet0 = standin_vnet0();
    struct vnet* jail = standin_vnet_create();
    // Every vnet has an mbuf_trace0, so the host's cannot be moved into a
    // jail (if_vmove_loan() refuses a name the jail already has).
    CHECK(std::string(standin_vnet_tap_name(jail)) == "mbuf_trace0");
    CHECK(std::string(standin_tap_name()) == "mbuf_trace0");
    standin_vnet_listener(jail, 1);
    auto f = frame(true);
    size_t host0 = standin_vnet_ncaptured(vnet0), jail0 = standin_vnet_ncaptured(jail);

    // Wholly inside the jail: the host's tap and the jail's see it.
    standin_vnet_set(jail);
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0b, m, nullptr);
    fake_point(m, nullptr);
    m_freem(m);
    standin_vnet_set(vnet0);
    CHECK(standin_vnet_ncaptured(vnet0) == host0 + 1);
    CHECK(standin_vnet_ncaptured(jail) == jail0 + 1);

    // From the host into the jail: the host's tap only.
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_epair_cross(m, jail);
    fake_point(m, nullptr);
    m_freem(m);
    standin_vnet_set(vnet0);
    CHECK(standin_vnet_ncaptured(vnet0) == host0 + 2);
    CHECK(standin_vnet_ncaptured(jail) == jail0 + 1);

    // Only the jail listens: the host starts no trace, the jail does.
    standin_set_listener(0);
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    CHECK(standin_ntags(m) == 0);
    m_freem(m);
    standin_vnet_set(jail);
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0b, m, nullptr);
    CHECK(standin_ntags(m) == 1);
    m_freem(m);
    standin_vnet_set(vnet0);
    CHECK(standin_vnet_ncaptured(jail) == jail0 + 2);
    CHECK(standin_vnet_ncaptured(vnet0) == host0 + 2);
    standin_vnet_listener(jail, 0);
    standin_set_listener(1);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "the mbuf_trace_alloc fail point fails the facility's allocations", "[kernel][alloc]")
{
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 32) == 0);
    auto f = frame(true);
    long long ft = stat("fail_tag"), fs = stat("fail_snap");
    standin_fail_point_nth(1);  // the trace tag
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    CHECK(standin_ntags(m) == 0);
    CHECK(stat("fail_tag") == ft + 1);
    m_freem(m);
    standin_fail_point_nth(3);  // the snapshot (after tag, start snapshot)
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_snap(m, nullptr);
    CHECK(standin_packet_equals(m, f.data(), int(f.size())));
    m_freem(m);
    standin_fail_point_nth(0);
    CHECK(stat("fail_snap") == fs + 1);
    auto recs = decoded();
    REQUIRE(recs.size() == 1);
    CHECK((recs[0].rec.flags.v & MBT_RF_ALLOC_FAIL) != 0);
    CHECK_FALSE(recs[0].rec.hops[1].has_snap);
    CHECK(standin_live_allocs() == allocs0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.snaplen", 128) == 0);
}

TEST_CASE_METHOD(Fixture, "every queued trace is emitted or counted: the stats add up", "[kernel][emit]")
{
    const char* out[] = {"emitted", "unheard", "empty", "too_big", "encode_errors"};
    auto outcomes = [&] {
        long long n = 0;
        for (const char* c : out)
            n += stat(c);
        return n;
    };
    long long q0 = stat("queued"), o0 = outcomes(), t0 = stat("traces");
    auto f = frame(true);
    // A plain path; a path cut in two by an emission point with nothing
    // after it; a copy; one whose listener goes before the task runs.
    struct mbuf* m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    m_freem(m);
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    fake_emit(m, nullptr);
    m_freem(m);
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    struct mbuf* d = fake_dup_to(m, nullptr);
    m_freem(d);
    m_freem(m);
    m = standin_packet(f.data(), int(f.size()), 0);
    fake_ether_input(epair0a, m, nullptr);
    m_freem(m);
    standin_set_listener(0);
    standin_run_tasks();
    standin_set_listener(1);
    CHECK(stat("traces") == t0 + 5);        // 4 packets and the copy
    CHECK(stat("queued") == q0 + 6);        // and the emitted segment
    CHECK(stat("empty") >= 1);
    CHECK(stat("unheard") >= 1);
    CHECK(outcomes() - o0 == stat("queued") - q0);
    CHECK(standin_sysctl_get("kern.mbuf_trace.live") == 0);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "a loaded module's tracepoints are listed and switched until it unloads", "[kernel][kld]")
{
    std::string before = tracepoints();
    CHECK(before.find("fake_mod.c") == std::string::npos);
    void* mod = standin_kld_load(2);
    std::string all = tracepoints();
    // Numbered after the kernel's, with their file relative to sys/.
    size_t at = all.find("sys/net/fake_mod.c:100 fake_mod_input");
    REQUIRE(at != std::string::npos);
    size_t bol = all.rfind('\n', at) + 1;
    int id = std::stoi(all.substr(bol));
    CHECK(all.substr(bol, all.find(' ', bol) - bol) == std::to_string(id));
    CHECK(all.find("sys/net/fake_mod.c:101 fake_mod_input") != std::string::npos);
    CHECK(all.substr(bol).rfind(std::to_string(id) + " 1 point", 0) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.tp_disable", id) == 0);
    all = tracepoints();
    bol = all.rfind('\n', all.find("fake_mod.c:100")) + 1;
    CHECK(all.substr(bol).rfind(std::to_string(id) + " 0 point", 0) == 0);
    REQUIRE(standin_sysctl_int("kern.mbuf_trace.tp_enable", id) == 0);
    // Unloaded: gone from the list, its id no longer switches anything.
    standin_kld_unload(mod);
    CHECK(tracepoints() == before);
    CHECK(standin_sysctl_int("kern.mbuf_trace.tp_enable", id) == ENOENT);
    CHECK(standin_live_allocs() == allocs0);
}

TEST_CASE_METHOD(Fixture, "kern.mbuf_trace.vnets names the vnet jails a reader can see", "[kernel][vnet]")
{
    auto vnets = [] {
        size_t len = 0;
        REQUIRE(standin_sysctl("kern.mbuf_trace.vnets", nullptr, &len, nullptr, 0) == 0);
        std::string s(len, '\0');
        REQUIRE(standin_sysctl("kern.mbuf_trace.vnets", &s[0], &len, nullptr, 0) == 0);
        s.resize(strlen(s.c_str()));
        return s;
    };
    auto id_of = [](struct vnet* v) {
        standin_vnet_set(v);
        long long id = standin_sysctl_get("kern.mbuf_trace.vnet_id");
        standin_vnet_set(standin_vnet0());
        return std::to_string(id);
    };
    struct vnet* vr = standin_vnet_create();
    struct vnet* vm = standin_vnet_create();
    void* r = standin_jail_create("r", vr, nullptr);
    void* m = standin_jail_create("m", vm, r);      // a child of r
    void* plain = standin_jail_create("nonet", nullptr, nullptr);
    std::string all = vnets();
    CHECK(all.find(id_of(vr) + " r\n") != std::string::npos);
    CHECK(all.find(id_of(vm) + " m\n") != std::string::npos);
    CHECK(all.find("nonet") == std::string::npos);  // no vnet of its own
    // Inside r: itself and its child, never the host's other jails.
    void* other = standin_jail_create("other", standin_vnet_create(), nullptr);
    standin_jail_attach(r);
    std::string inr = vnets();
    standin_jail_attach(nullptr);
    CHECK(inr.find(" r\n") != std::string::npos);
    CHECK(inr.find(" m\n") != std::string::npos);
    CHECK(inr.find("other") == std::string::npos);
    standin_jail_remove(m);
    CHECK(vnets().find(" m\n") == std::string::npos);
    standin_jail_remove(r);
    standin_jail_remove(plain);
    standin_jail_remove(other);
}
