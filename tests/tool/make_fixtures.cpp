// Writes the captures the tool tests run on, into DIR:
//   tap.pcap, tap.pcapng, tap-be.pcapng  the spec vectors as tap payloads
//                                        (what tcpdump -i mbuf_trace0 -w saves)
//   legacy1.pcap, legacy3.pcap           the prototype's two layouts
//   console.txt                          self-test console lines
//   writer.pcapng                        v1 pcapng written by the codec's
//                                        Writer from records built by encode
//   corrupt-one.pcap, console-bad.txt    good files with one bad record
//   plain-ether.pcapng                   Ethernet packets, no records at all
//   two-records.pcapng                   a packet carrying two records
// Usage: make_fixtures VECTORS_DIR DIR
#include <pcap/pcap.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mbuftrace/encode.hpp"
#include "mbuftrace/pcapng.hpp"

using Bytes = std::vector<uint8_t>;

namespace {

std::string vdir, odir;

Bytes load(const std::string& name)
{
    std::ifstream f(vdir + "/" + name, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "make_fixtures: cannot read %s/%s\n",
                     vdir.c_str(), name.c_str());
        std::exit(1);
    }
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

// An Ethernet/IPv4/ICMP echo request: the packet bytes after a record.
const Bytes kEcho = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00,
    0x40, 0x01, 0x66, 0xe1, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00,
    0x02, 0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
};

// A record as the tap carries it: packet bytes follow when it says so.
Bytes tap_payload(const Bytes& rec)
{
    Bytes p = rec;
    if (rec.size() >= 16 && rec[10] == 0 && rec[11] == 1)
        p.insert(p.end(), kEcho.begin(), kEcho.end());
    return p;
}

void write_pcap(const std::string& name, const std::vector<Bytes>& payloads)
{
    pcap_t* dead = pcap_open_dead_with_tstamp_precision(
        DLT_USER0, 262144, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_dumper_t* d = pcap_dump_open(dead, (odir + "/" + name).c_str());
    if (!d) {
        std::fprintf(stderr, "make_fixtures: %s\n", pcap_geterr(dead));
        std::exit(1);
    }
    for (size_t i = 0; i < payloads.size(); i++) {
        struct pcap_pkthdr h {};
        h.ts.tv_sec = 1700000000 + long(i);
        h.ts.tv_usec = long(i) * 1000;
        h.caplen = h.len = uint32_t(payloads[i].size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, payloads[i].data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

void write_tap_pcapng(const std::string& name, bool be,
                      const std::vector<Bytes>& payloads)
{
    mbt::pcapng::Writer w(odir + "/" + name, be);
    w.section({}, "FreeBSD", "tcpdump");
    const uint32_t id = w.interface(147, 262144, "mbuf_trace0", 6);
    for (size_t i = 0; i < payloads.size(); i++)
        w.packet(id, 1700000000000000ull + i * 1000, payloads[i].data(),
                 uint32_t(payloads[i].size()), uint32_t(payloads[i].size()),
                 nullptr, 0, std::nullopt);
    w.commit();
}

void write_text(const std::string& name, const std::string& s)
{
    std::ofstream f(odir + "/" + name, std::ios::binary);
    f << s;
}

std::string hex(const Bytes& b)
{
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

// Records as the kernel would build them: varied paths, VNETs, drops,
// nesting, snapshots and strings that need escaping.
mbt::RecordIn synth(unsigned i)
{
    struct Tp {
        const char* file;
        uint32_t line;
        const char* func;
        uint8_t ss;
    };
    static const Tp tps[] = {
        {"sys/net/if_ethersubr.c", 552, "ether_input_internal", MBT_SS_ETHER},
        {"sys/net/netisr.c", 1130, "netisr_dispatch_src", MBT_SS_NETISR},
        {"sys/netinet/ip_input.c", 474, "ip_input", MBT_SS_IP},
        {"sys/netpfil/pf/pf.c", 9091, "pf_test", MBT_SS_PF},
        {"sys/netinet/ip_output.c", 330, "ip_output", MBT_SS_IP},
        {"sys/net/if_bridge.c", 2270, "bridge_forward", MBT_SS_BRIDGE},
        {"sys/netinet/udp_usrreq.c", 560, "udp_input", MBT_SS_UDP},
    };
    mbt::RecordIn r;
    r.trace_id = 1000 + i;
    r.packet_id = i + 1;
    r.flags = MBT_RF_FREED;
    r.linktype = 1;
    const unsigned n = 3 + i % 9;
    for (unsigned k = 0; k < n; k++) {
        const Tp& t = tps[(i + k) % 7];
        mbt::HopIn h;
        h.file = t.file;
        h.line = t.line;
        h.func = t.func;
        h.subsys = t.ss;
        h.time_ns = k * 150;
        if (k == 0 || k == n / 2)
            h.vnet = k == 0 ? 0 : i % 3;
        if (k == 0)
            h.cpu = i % 4;
        if (t.ss == MBT_SS_PF) {
            h.kind = MBT_HK_POINT;
            h.rule = mbt::HopIn::Rule{i % 2 ? "" : "anchor/x", 3 + i % 2,
                                      uint8_t(i % 5 ? MBT_ACT_PASS
                                                    : MBT_ACT_BLOCK)};
        }
        if (k == 0)
            h.iface = mbt::HopIn::Iface{2, MBT_DIR_IN, "em0"};
        if (k == 1 && i % 4 == 0)
            h.msg = std::string("quote \" backslash \\ tab\t newline\n caf\xc3\xa9");
        if (k == 2 && i % 5 == 0) {
            h.snap = mbt::HopIn::Snap{1, kEcho};
        }
        r.hops.push_back(h);
    }
    if (i % 7 == 3)
        r.hops.back().drop = "pf block";
    return r;
}

void write_writer_pcapng()
{
    mbt::pcapng::Writer w(odir + "/writer.pcapng");
    w.section({}, "FreeBSD 15.0-CURRENT", "mbuftrace fixtures");
    mbt::Meta m;
    m.hostname = {"fixture-host", {}, true};
    m.kernel_ident = {"MBUFTRACE", {}, true};
    m.producer = {"make_fixtures", {}, true};
    m.vnet_names = {{1, "jail-a"}, {2, "jail-b"}};
    const Bytes meta = mbt::encode_meta(m);
    w.custom_block(MBT_PEN, meta.data(), meta.size());
    const uint32_t eth = w.interface(1, 262144, "mbuf_trace0", 9);
    for (unsigned i = 0; i < 40; i++) {
        const Bytes rec = mbt::encode(synth(i));
        w.packet(eth, 1700000000000000000ull + i * 1000000ull, kEcho.data(),
                 uint32_t(kEcho.size()), uint32_t(kEcho.size()), rec.data(),
                 rec.size(), i + 1);
    }
    w.stats(eth, 1700000001000000000ull, 40, 0, 0);
    w.commit();
}

// Three Ethernet packets, no mbuftrace record: what convert must keep.
void write_plain_ether()
{
    mbt::pcapng::Writer w(odir + "/plain-ether.pcapng");
    w.section({}, "Linux", "plain");
    const uint32_t eth = w.interface(1, 262144, "eth0", 9);
    for (unsigned i = 0; i < 3; i++)
        w.packet(eth, 1700000000000000000ull + i, kEcho.data(),
                 uint32_t(kEcho.size()), uint32_t(kEcho.size()), nullptr, 0,
                 std::nullopt);
    w.commit();
}

// Packet 2 of 3 carries two records (SPEC 5.2 allows one).
void write_two_records()
{
    mbt::pcapng::Writer w(odir + "/two-records.pcapng");
    w.section({}, "FreeBSD 15.0-CURRENT", "mbuftrace fixtures");
    const uint32_t eth = w.interface(1, 262144, "mbuf_trace0", 9);
    for (unsigned i = 0; i < 3; i++) {
        const Bytes rec = mbt::encode(synth(i));
        std::vector<mbt::pcapng::Option> extra;
        if (i == 1) {
            mbt::pcapng::Option o;
            o.code = MBT_PCAPNG_OPT_CUSTOM_BIN;
            const Bytes second = mbt::encode(synth(7));
            o.value = {0xd9, 0x7e, 0, 0};  // MBT_PEN, little-endian
            o.value.insert(o.value.end(), second.begin(), second.end());
            extra.push_back(o);
        }
        w.packet(eth, 1700000000000000000ull + i * 1000000ull, kEcho.data(),
                 uint32_t(kEcho.size()), uint32_t(kEcho.size()), rec.data(),
                 rec.size(), i + 1, &extra);
    }
    w.commit();
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_fixtures VECTORS_DIR DIR\n");
        return 2;
    }
    vdir = argv[1];
    odir = argv[2];
    std::filesystem::create_directories(odir);
    static const char* good[] = {
        "01-minimal.bin",          "02-ping-two-vnets.bin",
        "03-dup-to-routed-twice.bin", "04-ipfw-deny.bin",
        "05-netgraph.bin",         "06-overflow.bin",
        "07-snapshot.bin",         "08-metadata.bin",
        "09-unknown-noncritical.bin",
    };
    std::vector<Bytes> tap;
    for (const char* g : good)
        tap.push_back(tap_payload(load(g)));
    write_pcap("tap.pcap", tap);
    write_tap_pcapng("tap.pcapng", false, tap);
    write_tap_pcapng("tap-be.pcapng", true, tap);
    write_pcap("legacy1.pcap", {load("legacy-part1.bin")});
    write_pcap("legacy3.pcap", {load("legacy-part3-ping.bin"),
                                load("legacy-part3-snapshot.bin")});
    std::string con = "mbuf_trace: self-test start\n"
                      "random other console line\n";
    for (const Bytes& p : tap)
        con += "[ 12.345678] mbuf_trace: " + hex(p) + "\n";
    con += "mbuf_trace: self-test passed\n";
    write_text("console.txt", con);
    // The same with one record corrupt in the middle.
    std::vector<Bytes> bad = tap;
    bad[2] = load("bad-string-index.bin");
    write_pcap("corrupt-one.pcap", bad);
    std::string conbad = "mbuf_trace: " + hex(tap[0]) + "\n" +
                         "mbuf_trace: " + hex(tap[1]).substr(0, 40) + "zz" +
                         "\n" + "mbuf_trace: " + hex(tap[2]) + "\n";
    write_text("console-bad.txt", conbad);
    write_writer_pcapng();
    write_plain_ether();
    write_two_records();
    std::printf("fixtures written to %s\n", odir.c_str());
    return 0;
}
