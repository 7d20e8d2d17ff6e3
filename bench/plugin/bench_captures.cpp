// Writes the plugin benchmark's captures: bench-plugin-captures <out dir> <frames>
//   legacy3.pcapng  part-3 tap payloads of trace strings only (20 per frame)
//   v1.pcapng       Ethernet/IPv4/ICMP EPBs carrying a 20-hop v1 record in
//                   the custom option, after a metadata Custom Block
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "examples.hpp"
#include "mbuftrace/encode.hpp"
#include "mbuftrace/pcapng.hpp"

namespace {

// IP/ICMP checksums left zero: tshark does not check them by default.
std::vector<uint8_t> icmp_echo(uint16_t seq)
{
    std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
                              0x08, 0x00, 0x45, 0, 0, 36, 0x12, 0x34, 0, 0,
                              64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                              8, 0, 0, 0, 0x42, 0x42, uint8_t(seq >> 8),
                              uint8_t(seq), 'm', 'b', 'u', 'f', 't', 'r',
                              'a', 'c'};
    return f;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " <out dir> <frames>\n";
        return 2;
    }
    const std::string out = argv[1];
    const unsigned n = unsigned(std::strtoul(argv[2], nullptr, 10));
    try {
        std::filesystem::create_directories(out);
        {
            mbt::pcapng::Writer w(out + "/legacy3.pcapng");
            w.section();
            const uint32_t ifid = w.interface(MBT_LINKTYPE_USER0);
            const std::vector<uint8_t> p =
                mbt::examples::ping_two_vnets_prototype();
            for (unsigned i = 0; i < n; i++)
                w.packet(ifid, 1000ull * i, p.data(), uint32_t(p.size()),
                         uint32_t(p.size()), nullptr, 0, std::nullopt);
            w.commit();
        }
        {
            mbt::pcapng::Writer w(out + "/v1.pcapng");
            w.section();
            const uint32_t ifid = w.interface(1);
            mbt::Meta m;
            m.kernel_ident.v = "MBUFTRACE";
            m.kernel_ident.present = true;
            const std::vector<uint8_t> mb = mbt::encode_meta(m);
            w.custom_block(MBT_PEN, mb.data(), mb.size());
            mbt::RecordIn r = mbt::examples::ping_two_vnets();
            for (unsigned i = 0; i < n; i++) {
                r.trace_id = 0x1000 + i;
                r.packet_id = i;
                const std::vector<uint8_t> rec = mbt::encode(r);
                const std::vector<uint8_t> pkt = icmp_echo(uint16_t(i));
                w.packet(ifid, 1000ull * i, pkt.data(), uint32_t(pkt.size()),
                         uint32_t(pkt.size()), rec.data(), rec.size(), i);
            }
            w.commit();
        }
    } catch (const std::exception& e) {
        std::cerr << "bench-plugin-captures: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
