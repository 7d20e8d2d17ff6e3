// Writes the spec's examples as test vectors: NAME.bin (the bytes) and
// NAME.txt (their decoding, mbt::to_text).  Usage: mbt-vectors DIR
#include <cstdio>
#include <fstream>
#include <iostream>

#include "examples.hpp"

namespace {

bool write(const std::string& path, const void* p, size_t n)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(static_cast<const char*>(p), std::streamsize(n));
    return bool(f);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: mbt-vectors DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    int n = 0;
    for (const auto& set : {mbt::examples::good(), mbt::examples::bad(),
                            mbt::examples::legacy()}) {
        for (const auto& ex : set) {
            const std::string text =
                mbt::to_text(mbt::decode_any(ex.bytes.data(), ex.bytes.size()));
            if (!write(dir + "/" + ex.name + ".bin", ex.bytes.data(),
                       ex.bytes.size()) ||
                !write(dir + "/" + ex.name + ".txt", text.data(), text.size())) {
                std::cerr << "mbt-vectors: cannot write " << dir << "/"
                          << ex.name << "\n";
                return 1;
            }
            n++;
        }
    }
    std::cout << "wrote " << n << " vectors to " << dir << "\n";
    return 0;
}
