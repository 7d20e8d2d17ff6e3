#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<uint8_t> read_file(const std::string& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                                std::istreambuf_iterator<char>());
}

inline std::string read_text(const std::string& p)
{
    const std::vector<uint8_t> b = read_file(p);
    return std::string(b.begin(), b.end());
}
