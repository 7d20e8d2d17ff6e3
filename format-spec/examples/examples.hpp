// The specification's worked examples as encoder input (SPEC 10).  The test
// vectors in format-spec/vectors/ are these, encoded; tests check that the
// encoder reproduces them byte for byte.
#pragma once

#include <string>
#include <vector>

#include "mbuftrace/encode.hpp"

namespace mbt::examples {

struct Example {
    std::string name;           // vector file stem
    std::vector<uint8_t> bytes; // the encoded record (or raw payload)
};

// Good v1 trace and metadata records, in SPEC order.
std::vector<Example> good();
// Malformed inputs; each must decode with an error.
std::vector<Example> bad();
// Legacy prototype payloads (part 1 and part 3).
std::vector<Example> legacy();

// A hop with the core fields set; the examples and test generators build
// their paths from it.
HopIn hop(const char* file, uint32_t line, const char* func, uint8_t subsys,
          uint64_t t);

// The 20-hop ping across two VNETs (SPEC 10.2), also used by the benchmark.
RecordIn ping_two_vnets();
// The same path in the prototype's part-3 layout: one string per hop.
// line_shift added to every line: a record whose texts are all new.
std::vector<uint8_t> ping_two_vnets_prototype(unsigned line_shift = 0);

}  // namespace mbt::examples
