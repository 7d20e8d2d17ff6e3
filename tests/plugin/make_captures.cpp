// Writes the plugin's test captures: mbt-plugin-captures <vectors dir> <out dir>
//
// Records come from the codec's encoder (mbt::encode/encode_meta) and the
// spec's examples; files are written by mbt::pcapng::Writer.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "examples.hpp"
#include "mbuftrace/encode.hpp"
#include "mbuftrace/pcapng.hpp"

using Bytes = std::vector<uint8_t>;
namespace pcapng = mbt::pcapng;

namespace {

uint16_t csum(const uint8_t* p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += uint32_t(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += uint32_t(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return uint16_t(~s);
}

// Ethernet / IPv4 / ICMP echo request from 10.0.<net>.1 to 10.0.<net>.2.
Bytes icmp_echo(uint8_t net, uint16_t seq)
{
    Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
    Bytes ip = {0x45, 0, 0, 36, 0x12, 0x34, 0, 0, 64, 1, 0, 0,
                10, 0, net, 1, 10, 0, net, 2};
    const uint16_t c = csum(ip.data(), ip.size());
    ip[10] = uint8_t(c >> 8);
    ip[11] = uint8_t(c);
    Bytes icmp = {8, 0, 0, 0, 0x42, 0x42, uint8_t(seq >> 8), uint8_t(seq),
                  'm', 'b', 'u', 'f', 't', 'r', 'a', 'c'};
    const uint16_t ic = csum(icmp.data(), icmp.size());
    icmp[2] = uint8_t(ic >> 8);
    icmp[3] = uint8_t(ic);
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), icmp.begin(), icmp.end());
    return f;
}

Bytes read_file(const std::string& p)
{
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)),
                 std::istreambuf_iterator<char>());
}

using mbt::examples::hop;

mbt::Meta meta()
{
    mbt::Meta m;
    auto s = [](mbt::Field<std::string>& f, const char* v) {
        f.v = v;
        f.present = true;
    };
    s(m.kernel_ident, "MBUFTRACE");
    s(m.kernel_version, "FreeBSD 15.1-RELEASE-p1 MBUFTRACE");
    s(m.source_rev, "307fbceb2");
    s(m.hostname, "vm1");
    s(m.producer, "mbt-plugin-captures");
    return m;
}

// pf blocks the packet in vnet 2: it dies at pf_test.
Bytes pf_block_record()
{
    mbt::RecordIn r;
    r.trace_id = 0x3001;
    r.packet_id = 3;
    r.linktype = 1;
    auto& v = r.hops;
    v.push_back(hop("sys/net/if_ethersubr.c", 552, "ether_input_internal",
                    MBT_SS_ETHER, 0));
    v.back().vnet = 2;
    v.back().cpu = 0;
    v.back().iface = mbt::HopIn::Iface{5, MBT_DIR_IN, "vtnet2"};
    v.push_back(hop("sys/netinet/ip_input.c", 474, "ip_input", MBT_SS_IP, 900));
    v.push_back(hop("sys/netpfil/pf/pf.c", 9091, "pf_test", MBT_SS_PF, 1500));
    v.back().rule = mbt::HopIn::Rule{"", 7, MBT_ACT_BLOCK};
    v.back().drop = "pf block";
    return mbt::encode(r);
}

// One EPB per record with an ICMP packet underneath.
void write_epb(pcapng::Writer& w, uint32_t ifid, uint64_t ts, const Bytes& pkt,
               const Bytes& rec, uint64_t pid)
{
    w.packet(ifid, ts, pkt.data(), uint32_t(pkt.size()), uint32_t(pkt.size()),
             rec.empty() ? nullptr : rec.data(), rec.size(), pid);
}

void v1_capture(const std::string& path, bool be)
{
    pcapng::Writer w(path, be);
    w.section("", "FreeBSD 15.1", "mbt-plugin-captures");
    const uint32_t ifid = w.interface(1, 262144, "epair0a");
    const Bytes m = mbt::encode_meta(meta());
    w.custom_block(MBT_PEN, m.data(), m.size());
    const uint64_t t0 = 1795000000000000000ull;
    write_epb(w, ifid, t0, icmp_echo(0, 1),
              mbt::encode(mbt::examples::ping_two_vnets()), 1);
    write_epb(w, ifid, t0 + 1000000, icmp_echo(2, 2), pf_block_record(), 3);
    // A packet without a record: the plugin must stay silent.
    write_epb(w, ifid, t0 + 2000000, icmp_echo(9, 3), {}, 4);
    w.commit();
}

// Packets consumed without a snapshot, as `mbuftrace capture` and convert
// write them: no bytes on a LINKTYPE_USER0 interface, the record in the
// EPB option.  The record names the frame in the columns.
void nobytes_capture(const std::string& path)
{
    pcapng::Writer w(path);
    w.section("", "FreeBSD 15.1", "mbt-plugin-captures");
    const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuf_trace0");
    const Bytes m = mbt::encode_meta(meta());
    w.custom_block(MBT_PEN, m.data(), m.size());
    write_epb(w, ifid, 1, {}, mbt::encode(mbt::examples::ping_two_vnets()), 1);
    write_epb(w, ifid, 2, {}, pf_block_record(), 2);
    w.commit();
}

// SPEC 5.2 as capture and convert write it: the metadata in the SHB and in
// frame 1 (zero bytes on LINKTYPE_USER0, the first packet's time), then a
// packet with two records and one with nine (one is allowed).
void spec52_capture(const std::string& path)
{
    const Bytes m = mbt::encode_meta(meta());
    pcapng::Writer w(path);
    w.section("", "FreeBSD 15.1", "mbt-plugin-captures", m.data(), m.size());
    const uint32_t tap = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuf_trace0");
    const uint32_t eth = w.interface(1, 262144, "mbuf_trace0");
    const uint64_t t0 = 1795000000000000000ull;
    w.packet(tap, t0, nullptr, 0, 0, m.data(), m.size(), std::nullopt);
    const Bytes first = mbt::encode(mbt::examples::ping_two_vnets());
    const Bytes other = pf_block_record();
    for (unsigned n : {2u, 9u}) {
        std::vector<pcapng::Option> extra;
        for (unsigned i = 1; i < n; i++) {
            pcapng::Option o;
            o.code = MBT_PCAPNG_OPT_CUSTOM_BIN;
            o.value = {0xd9, 0x7e, 0, 0};  // MBT_PEN, little-endian
            o.value.insert(o.value.end(), other.begin(), other.end());
            extra.push_back(o);
        }
        const Bytes e = icmp_echo(1, uint16_t(n));
        w.packet(eth, t0 + n * 1000, e.data(), uint32_t(e.size()),
                 uint32_t(e.size()), first.data(), first.size(), n, &extra);
    }
    w.commit();
}

// Tap payloads on LINKTYPE_USER0: record, then the packet bytes.
void tap_capture(const std::string& path, const std::string& vectors)
{
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuftrace0");
    Bytes p = mbt::encode(mbt::examples::ping_two_vnets());
    const Bytes e = icmp_echo(1, 7);
    p.insert(p.end(), e.begin(), e.end());
    write_epb(w, ifid, 1, p, {}, 1);
    Bytes q = pf_block_record();
    const Bytes e2 = icmp_echo(2, 8);
    q.insert(q.end(), e2.begin(), e2.end());
    write_epb(w, ifid, 2, q, {}, 2);
    // A snapshot hop: the Ethernet copy decodes under the hop.
    write_epb(w, ifid, 3, read_file(vectors + "/07-snapshot.bin"), {}, 3);
    w.commit();
}

void legacy_capture(const std::string& path, const std::vector<Bytes>& pl)
{
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuftrace0");
    uint64_t t = 1;
    for (const Bytes& b : pl) {
        write_epb(w, ifid, t, b, {}, t);
        t++;
    }
    w.commit();
}

void dupto_capture(const std::string& path, const std::string& vectors)
{
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(1, 262144, "vtnet1");
    write_epb(w, ifid, 1, icmp_echo(3, 1),
              read_file(vectors + "/03-dup-to-routed-twice.bin"), 7);
    w.commit();
}

// Corrupt records in EPB options, each over a good ICMP packet, then one
// good record: dissection must go on.
void corrupt_capture(const std::string& path, const std::string& vectors)
{
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(1, 262144, "em0");
    const char* bad[] = {"bad-truncated", "bad-length-oversized",
                         "bad-major-2", "bad-tlv-length"};
    uint64_t t = 1;
    uint16_t seq = 1;
    for (const char* b : bad) {
        write_epb(w, ifid, t, icmp_echo(4, seq++),
                  read_file(vectors + "/" + b + ".bin"), t);
        t++;
    }
    const Bytes garbage = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};
    write_epb(w, ifid, t, icmp_echo(4, seq++), garbage, t);
    t++;
    write_epb(w, ifid, t, icmp_echo(4, seq++),
              mbt::encode(mbt::examples::ping_two_vnets()), t);
    w.commit();
}

// Corrupt tap payloads: the packet after a damaged (but delimited) record
// still decodes; garbage shows as data.
void corrupt_tap_capture(const std::string& path)
{
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0, 262144, "mbuftrace0");
    Bytes r = mbt::encode(mbt::examples::ping_two_vnets());
    // Damage the first TLV's length (byte 17) so it runs past the record.
    r[17] = 0x7f;
    const Bytes e = icmp_echo(5, 1);
    r.insert(r.end(), e.begin(), e.end());
    write_epb(w, ifid, 1, r, {}, 1);
    const Bytes garbage = {0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x42};
    write_epb(w, ifid, 2, garbage, {}, 2);
    // A record claiming its packet bytes are USER0 again, nested: shown
    // once, the rest as data (no recursion).
    mbt::RecordIn in = mbt::examples::ping_two_vnets();
    in.linktype = MBT_LINKTYPE_USER0;
    const Bytes one = mbt::encode(in);
    Bytes nest;
    for (int i = 0; i < 64; i++)
        nest.insert(nest.end(), one.begin(), one.end());
    write_epb(w, ifid, 3, nest, {}, 3);
    w.commit();
}

// Every spec vector as a tap payload, one frame each; names in <path>.list.
void vectors_capture(const std::string& path, const std::string& vectors)
{
    std::vector<std::string> names;
    if (DIR* d = opendir(vectors.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 4 && n.compare(n.size() - 4, 4, ".bin") == 0)
                names.push_back(n.substr(0, n.size() - 4));
        }
        closedir(d);
    }
    std::sort(names.begin(), names.end());
    pcapng::Writer w(path);
    w.section();
    const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0, 262144, "vectors");
    std::ofstream list(path + ".list");
    uint64_t t = 1;
    for (const std::string& n : names) {
        const Bytes b = read_file(vectors + "/" + n + ".bin");
        write_epb(w, ifid, t, b, {}, t);
        t++;
        list << n << "\n";
    }
    w.commit();
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " <vectors dir> <out dir>\n";
        return 2;
    }
    const std::string vec = argv[1], out = argv[2];
    try {
        std::filesystem::create_directories(out);
        v1_capture(out + "/v1-le.pcapng", false);
        v1_capture(out + "/v1-be.pcapng", true);
        tap_capture(out + "/tap.pcapng", vec);
        nobytes_capture(out + "/nobytes.pcapng");
        spec52_capture(out + "/spec52.pcapng");
        legacy_capture(out + "/legacy3.pcapng",
                       {mbt::examples::ping_two_vnets_prototype(),
                        read_file(vec + "/legacy-part3-snapshot.bin")});
        legacy_capture(out + "/legacy1.pcapng",
                       {read_file(vec + "/legacy-part1.bin")});
        dupto_capture(out + "/dupto.pcapng", vec);
        corrupt_capture(out + "/corrupt.pcapng", vec);
        corrupt_tap_capture(out + "/corrupt-tap.pcapng");
        vectors_capture(out + "/vectors.pcapng", vec);
    } catch (const std::exception& e) {
        std::cerr << "mbt-plugin-captures: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
