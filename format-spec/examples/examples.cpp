// The specification's worked examples (SPEC 10).  Changing one changes the
// checked-in vectors: regenerate them with `mbt-vectors format-spec/vectors`
// and say why in the commit.
#include "examples.hpp"

#include <cstring>

namespace mbt::examples {

namespace {

// Writes the header's u32 length for a hand-made record.
void set_len(std::vector<uint8_t>& b)
{
    const uint32_t n = uint32_t(b.size());
    b[12] = uint8_t(n >> 24);
    b[13] = uint8_t(n >> 16);
    b[14] = uint8_t(n >> 8);
    b[15] = uint8_t(n);
}

HopIn& iface(HopIn& h, uint32_t idx, uint8_t dir, const char* name)
{
    h.iface = HopIn::Iface{idx, dir, name};
    return h;
}

HopIn& rule(HopIn& h, const char* rs, uint32_t n, uint8_t act)
{
    h.rule = HopIn::Rule{rs, n, act};
    return h;
}

// An Ethernet/IPv4/ICMP echo request 10.0.0.1 -> 10.0.0.2 (42 bytes,
// checksums valid), used as a snapshot and as tap packet bytes.
std::vector<uint8_t> echo_request()
{
    return {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x0a, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00,
        0x40, 0x01, 0x66, 0xe1, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00,
        0x02, 0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
    };
}

}  // namespace

HopIn hop(const char* file, uint32_t line, const char* func, uint8_t ss,
          uint64_t t)
{
    HopIn h;
    h.file = file;
    h.line = line;
    h.func = func;
    h.subsys = ss;
    h.time_ns = t;
    return h;
}

RecordIn ping_two_vnets()
{
    // An ICMP echo request leaves vnet 0 through epair0a, enters vnet 1 on
    // epair0b, passes pf, is answered, and the reply leaves again.
    RecordIn r;
    r.trace_id = 0x1001;
    r.packet_id = 1;
    r.flags = MBT_RF_FREED;
    r.linktype = 1;
    std::vector<HopIn>& v = r.hops;
    const char* ep = "sys/net/if_epair.c";
    const char* eth = "sys/net/if_ethersubr.c";
    const char* pf = "sys/netpfil/pf/pf.c";
    v.push_back(hop(ep, 520, "epair_transmit", MBT_SS_EPAIR, 0));
    v.back().vnet = 0;
    v.back().cpu = 0;
    iface(v.back(), 3, MBT_DIR_OUT, "epair0a");
    v.push_back(hop(ep, 414, "epair_sintr", MBT_SS_EPAIR, 2310));
    v.back().vnet = 1;
    v.back().cpu = 1;
    v.push_back(hop(eth, 552, "ether_input_internal", MBT_SS_ETHER, 2650));
    iface(v.back(), 4, MBT_DIR_IN, "epair0b");
    v.push_back(hop(eth, 905, "ether_demux", MBT_SS_ETHER, 2790));
    v.push_back(hop("sys/net/netisr.c", 1130, "netisr_dispatch_src",
                    MBT_SS_NETISR, 2900));
    v.push_back(hop("sys/netinet/ip_input.c", 474, "ip_input", MBT_SS_IP,
                    3050));
    v.push_back(hop("sys/net/pfil.c", 185, "pfil_mbuf_in", MBT_SS_PFIL,
                    3190));
    v.push_back(hop(pf, 9091, "pf_test", MBT_SS_PF, 3300));
    v.back().kind = MBT_HK_ENTER;
    v.push_back(hop(pf, 5521, "pf_test_rule", MBT_SS_PF, 4100));
    v.back().depth = 1;
    rule(v.back(), "", 3, MBT_ACT_PASS);
    v.push_back(hop(pf, 9420, "pf_test", MBT_SS_PF, 4700));
    v.back().kind = MBT_HK_LEAVE;
    v.push_back(hop("sys/netinet/ip_input.c", 832, "ip_input", MBT_SS_IP,
                    4890));
    v.push_back(hop("sys/netinet/ip_icmp.c", 416, "icmp_input", MBT_SS_ICMP,
                    5100));
    v.push_back(hop("sys/netinet/ip_icmp.c", 761, "icmp_reflect",
                    MBT_SS_ICMP, 5600));
    v.push_back(hop("sys/netinet/ip_icmp.c", 1010, "icmp_send", MBT_SS_ICMP,
                    6100));
    v.push_back(hop("sys/netinet/ip_output.c", 330, "ip_output", MBT_SS_IP,
                    6400));
    v.push_back(hop("sys/net/pfil.c", 212, "pfil_mbuf_out", MBT_SS_PFIL,
                    6650));
    v.push_back(hop(pf, 9091, "pf_test", MBT_SS_PF, 6800));
    rule(v.back(), "", 3, MBT_ACT_PASS);
    v.push_back(hop("sys/netinet/ip_output.c", 790, "ip_output", MBT_SS_IP,
                    7300));
    v.push_back(hop(eth, 384, "ether_output", MBT_SS_ETHER, 7600));
    iface(v.back(), 4, MBT_DIR_OUT, "epair0b");
    v.push_back(hop(ep, 520, "epair_transmit", MBT_SS_EPAIR, 7900));
    iface(v.back(), 4, MBT_DIR_OUT, "epair0b");
    return r;
}

std::vector<uint8_t> ping_two_vnets_prototype(unsigned line_shift)
{
    // One string per hop, as the prototype's mbuf_trace_position() and
    // the interface argument made them, newest first.
    const RecordIn r = ping_two_vnets();
    std::vector<uint8_t> out;
    const auto be16 = [&](unsigned v) {
        out.push_back(uint8_t(v >> 8));
        out.push_back(uint8_t(v));
    };
    be16(unsigned(r.hops.size()));
    for (auto it = r.hops.rbegin(); it != r.hops.rend(); ++it) {
        std::string s = "/usr/src/" + it->file + ":" +
                        std::to_string(it->line + line_shift) + ": " +
                        it->func + "(" +
                        (it->iface ? it->iface->name : "") + ")";
        be16(unsigned(s.size() + 1));
        be16(MBT_LEGACY_ITEM_STRING);
        out.insert(out.end(), s.begin(), s.end());
        out.push_back(0);
    }
    return out;
}

std::vector<Example> good()
{
    std::vector<Example> out;

    {
        RecordIn r;
        r.trace_id = 1;
        r.hops.push_back(hop("sys/net/if_ethersubr.c", 552,
                             "ether_input_internal", MBT_SS_ETHER, 0));
        out.push_back({"01-minimal", encode(r)});
    }
    out.push_back({"02-ping-two-vnets", encode(ping_two_vnets())});
    {
        // pf dup-to as in freebsd-pf, November 2015: the duplicate (trace
        // 0x2002, a copy of 0x2001) goes through pf_test on the dup-to
        // interface, finds the state and is routed a second time.
        RecordIn r;
        r.trace_id = 0x2002;
        r.parent_id = 0x2001;
        r.packet_id = 7;
        r.flags = MBT_RF_FREED | MBT_RF_COPY;
        r.linktype = 1;
        const char* pf = "sys/netpfil/pf/pf.c";
        auto& v = r.hops;
        v.push_back(hop("sys/netinet/ip_output.c", 330, "ip_output",
                        MBT_SS_IP, 0));
        v.back().vnet = 0;
        v.push_back(hop(pf, 9091, "pf_test", MBT_SS_PF, 400));
        v.back().kind = MBT_HK_ENTER;
        iface(v.back(), 1, MBT_DIR_OUT, "vtnet0");
        v.push_back(hop(pf, 8412, "pf_route", MBT_SS_PF, 900));
        v.back().kind = MBT_HK_ENTER;
        v.back().depth = 1;
        rule(v.back(), "", 1, MBT_ACT_DUPTO);
        v.back().copy_id = 0x2002;
        v.push_back(hop(pf, 9091, "pf_test", MBT_SS_PF, 1500));
        v.back().kind = MBT_HK_ENTER;
        v.back().depth = 2;
        iface(v.back(), 2, MBT_DIR_OUT, "vtnet1");
        v.push_back(hop(pf, 8412, "pf_route", MBT_SS_PF, 2100));
        v.back().depth = 3;
        rule(v.back(), "", 1, MBT_ACT_DUPTO);
        v.back().copy_id = 0x2003;
        v.push_back(hop(pf, 9420, "pf_test", MBT_SS_PF, 2600));
        v.back().kind = MBT_HK_LEAVE;
        v.back().depth = 2;
        v.push_back(hop(pf, 8690, "pf_route", MBT_SS_PF, 2800));
        v.back().kind = MBT_HK_LEAVE;
        v.back().depth = 1;
        v.push_back(hop("sys/net/if_ethersubr.c", 384, "ether_output",
                        MBT_SS_ETHER, 3000));
        iface(v.back(), 2, MBT_DIR_OUT, "vtnet1");
        v.push_back(hop(pf, 9420, "pf_test", MBT_SS_PF, 3300));
        v.back().kind = MBT_HK_LEAVE;
        out.push_back({"03-dup-to-routed-twice", encode(r)});
    }
    {
        // ipfw denies the packet at rule 100; the trace ends there.
        RecordIn r;
        r.trace_id = 0x3001;
        r.packet_id = 12;
        r.flags = MBT_RF_FREED;
        auto& v = r.hops;
        v.push_back(hop("sys/net/if_ethersubr.c", 552, "ether_input_internal",
                        MBT_SS_ETHER, 0));
        v.back().vnet = 2;
        iface(v.back(), 5, MBT_DIR_IN, "epair1b");
        v.push_back(hop("sys/netinet/ip_input.c", 474, "ip_input", MBT_SS_IP,
                        300));
        v.push_back(hop("sys/netpfil/ipfw/ip_fw2.c", 3370, "ipfw_chk",
                        MBT_SS_IPFW, 700));
        rule(v.back(), "", 100, MBT_ACT_BLOCK);
        v.push_back(hop("sys/netpfil/ipfw/ip_fw_pfil.c", 172,
                        "ipfw_check_packet", MBT_SS_IPFW, 900));
        v.back().drop = "ipfw deny";
        out.push_back({"04-ipfw-deny", encode(r)});
    }
    {
        // Netgraph: ng_ether -> ng_bridge, with node and hook names.
        RecordIn r;
        r.trace_id = 0x4001;
        auto& v = r.hops;
        v.push_back(hop("sys/netgraph/ng_ether.c", 250, "ng_ether_input",
                        MBT_SS_NETGRAPH, 0));
        v.back().node = HopIn::Node{"em0", "lower"};
        v.push_back(hop("sys/netgraph/ng_base.c", 2440, "ng_snd_item",
                        MBT_SS_NETGRAPH, 500));
        v.back().node = HopIn::Node{"bridge0", "link0"};
        v.back().msg = "queued";
        out.push_back({"05-netgraph", encode(r)});
    }
    {
        // The trace filled up: 2 hops kept, 5 lost, 1 allocation failed.
        RecordIn r;
        r.trace_id = 0x5001;
        r.flags = MBT_RF_HOPS_LOST | MBT_RF_ALLOC_FAIL;
        r.hops_lost = 5;
        r.alloc_fail = 1;
        r.hops.push_back(hop("sys/net/if_loop.c", 290, "if_simloop",
                             MBT_SS_LOOP, 0));
        r.hops.push_back(hop("sys/net/if_loop.c", 290, "if_simloop",
                             MBT_SS_LOOP, 100));
        out.push_back({"06-overflow", encode(r)});
    }
    {
        // A hop carrying a snapshot of the packet.
        RecordIn r;
        r.trace_id = 0x6001;
        r.hops.push_back(hop("sys/net/if_bridge.c", 2270, "bridge_forward",
                             MBT_SS_BRIDGE, 0));
        r.hops.back().snap = HopIn::Snap{1, echo_request()};
        out.push_back({"07-snapshot", encode(r)});
    }
    {
        Meta m;
        m.kernel_ident = Field<std::string>{"MBUFTRACE", {}, true};
        m.kernel_version =
            Field<std::string>{"FreeBSD 15.1-RELEASE-p1 MBUFTRACE", {}, true};
        m.source_rev = Field<std::string>{"307fbceb2", {}, true};
        m.hostname = Field<std::string>{"vm1", {}, true};
        m.capture_start_ns = Field<uint64_t>{1795000000000000000ull, {}, true};
        m.producer = Field<std::string>{"mbuftrace 1.0.0", {}, true};
        CatalogueEntry e;
        e.id = 7;
        e.subsys = MBT_SS_PF;
        e.flags = MBT_TPF_ENABLED;
        e.line = 9091;
        e.file = "sys/netpfil/pf/pf.c";
        e.func = "pf_test";
        m.tracepoints.push_back(e);
        m.vnet_names.emplace_back(1, "a");
        out.push_back({"08-metadata", encode_meta(m)});
    }
    {
        // A newer minor version's TLVs a v1.1 reader skips: record TLV 0x30
        // and hop attribute 0x31, both without the must-understand bit.
        RecordIn r;
        r.trace_id = 9;
        r.hops.push_back(hop("a.c", 1, "f", MBT_SS_TEST, 0));
        std::vector<uint8_t> b = encode(r);
        b[MBT_HDR_OFF_MINOR] = MBT_VERSION_MINOR + 1;
        // Append an unknown attribute to the hop (the last TLV).
        const size_t hop_len_at = b.size() - 1 - 6;  // len byte of the hop
        b[hop_len_at] = uint8_t(b[hop_len_at] + 3);
        const uint8_t attr[] = {0x31, 0x01, 0xaa};
        b.insert(b.end(), attr, attr + 3);
        const uint8_t tlv[] = {0x30, 0x02, 0xbe, 0xef};
        b.insert(b.begin() + MBT_HDR_LEN, tlv, tlv + 4);
        set_len(b);
        out.push_back({"09-unknown-noncritical", b});
    }
    {
        // pf translates a TCP SYN (nat-to) and creates a state; the
        // verdict hop says so (v1.1: XLATE, STATE).
        RecordIn r;
        r.trace_id = 0x7001;
        const char* pf = "sys/netpfil/pf/pf.c";
        r.hops.push_back(hop(pf, 11360, "pf_test", MBT_SS_PF, 0));
        r.hops.back().vnet = 2;
        rule(r.hops.back(), "", 0, MBT_ACT_PASS);
        r.hops.back().state = Hop::State{0x6790f5c500000001ull, 0x2a,
                                         MBT_STATE_CREATED};
        r.hops.push_back(hop(pf, 11375, "pf_test", MBT_SS_PF, 800));
        rule(r.hops.back(), "", 1, MBT_ACT_NAT);
        r.hops.back().msg = "after translation";
        mbt_xlate x{};
        x.xl_proto = 6;
        const uint8_t in[4] = {10, 0, 0, 2}, out4[4] = {192, 0, 2, 1},
                      srv[4] = {198, 51, 100, 7};
        x.xl_before.xs_ver = x.xl_after.xs_ver = MBT_XLATE_IPV4;
        std::memcpy(x.xl_before.xs_src, in, 4);
        std::memcpy(x.xl_before.xs_dst, srv, 4);
        std::memcpy(x.xl_after.xs_src, out4, 4);
        std::memcpy(x.xl_after.xs_dst, srv, 4);
        x.xl_before.xs_sport = 40000;
        x.xl_after.xs_sport = 53000;
        x.xl_before.xs_dport = x.xl_after.xs_dport = 7777;
        r.hops.back().xlate = x;
        out.push_back({"10-pf-nat", encode(r)});
    }
    return out;
}

std::vector<Example> bad()
{
    std::vector<Example> out;
    const std::vector<uint8_t> ping = encode(ping_two_vnets());
    out.push_back({"bad-truncated",
                   std::vector<uint8_t>(ping.begin(), ping.begin() + 100)});
    {
        std::vector<uint8_t> b = ping;
        b[12] = 0x00;
        b[13] = 0x10;  // claims 1 MiB
        out.push_back({"bad-length-oversized", b});
    }
    {
        std::vector<uint8_t> b(ping.begin(), ping.begin() + 16);
        b[4] = 2;  // a future major version
        const uint8_t rest[] = {0x01, 0x01, 0x05};
        b.insert(b.end(), rest, rest + 3);
        set_len(b);
        out.push_back({"bad-major-2", b});
    }
    {
        std::vector<uint8_t> b = ping;
        b[0] = 'X';
        out.push_back({"bad-magic", b});
    }
    {
        // Unknown must-understand record TLV 0x90.
        std::vector<uint8_t> b(ping.begin(), ping.begin() + 16);
        const uint8_t rest[] = {0x01, 0x01, 0x05, 0x90, 0x01, 0x00};
        b.insert(b.end(), rest, rest + sizeof rest);
        set_len(b);
        out.push_back({"bad-critical-unknown", b});
    }
    {
        // A hop naming string 9 of a 1-entry NAMES table.
        RecordIn r;
        r.trace_id = 1;
        r.hops.push_back(hop("a.c", 1, "f", MBT_SS_TEST, 0));
        std::vector<uint8_t> b = encode(r);
        b[b.size() - 2] = 9;  // func index (core: kd ss file line func time)
        out.push_back({"bad-string-index", b});
    }
    {
        // An 11-byte varint trace id.
        std::vector<uint8_t> b(ping.begin(), ping.begin() + 16);
        const uint8_t rest[] = {0x01, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0x01};
        b.insert(b.end(), rest, rest + sizeof rest);
        set_len(b);
        out.push_back({"bad-varint-overlong", b});
    }
    {
        // A TLV whose length runs past the record.
        std::vector<uint8_t> b(ping.begin(), ping.begin() + 16);
        const uint8_t rest[] = {0x01, 0x01, 0x05, 0x04, 0x7f, 0x00, 0x61};
        b.insert(b.end(), rest, rest + sizeof rest);
        set_len(b);
        out.push_back({"bad-tlv-length", b});
    }
    return out;
}

std::vector<Example> legacy()
{
    std::vector<Example> out;
    out.push_back({"legacy-part3-ping", ping_two_vnets_prototype()});
    {
        // Part 3 with an Ethernet snapshot item (type 0), newest first.
        std::vector<uint8_t> b = {0x00, 0x03};
        const auto item = [&](uint16_t type, const std::vector<uint8_t>& d) {
            b.push_back(uint8_t(d.size() >> 8));
            b.push_back(uint8_t(d.size()));
            b.push_back(uint8_t(type >> 8));
            b.push_back(uint8_t(type));
            b.insert(b.end(), d.begin(), d.end());
        };
        const auto str = [&](const char* s) {
            std::vector<uint8_t> d(s, s + std::strlen(s) + 1);
            item(MBT_LEGACY_ITEM_STRING, d);
        };
        str("/usr/src/sys/net/if.c:4784: if_dequeue(vtnet0)");
        item(MBT_LEGACY_ITEM_ETHER, echo_request());
        str("/usr/src/sys/net/if_ethersubr.c:552: ether_input_internal(vtnet0)");
        out.push_back({"legacy-part3-snapshot", b});
    }
    {
        // Part 1: little-endian, "file:line" strings, then the Ethernet frame.
        std::vector<uint8_t> b = {0x02, 0x00};
        for (const char* s : {"/usr/src/sys/net/if.c:4784",
                              "/usr/src/sys/net/if.c:1230"}) {
            const size_t n = std::strlen(s) + 1;
            b.push_back(uint8_t(n));
            b.push_back(uint8_t(n >> 8));
            b.insert(b.end(), s, s + n);
        }
        const std::vector<uint8_t> e = echo_request();
        b.insert(b.end(), e.begin(), e.end());
        out.push_back({"legacy-part1", b});
    }
    return out;
}

}  // namespace mbt::examples
