// The -Y expression language of `mbuftrace show` and `stats`: a small subset
// of Wireshark's display filters over the plugin's mbuftrace.* fields and
// frame.number, named as in Wireshark (vocab.hpp; the "mbuftrace." prefix
// may be left out).
//
//   expr    := or
//   or      := and { ("||" | "or") and }
//   and     := not { ("&&" | "and") not }
//   not     := ("!" | "not") not | "(" expr ")" | test
//   test    := FIELD [ OP VALUE ]      OP: == != > >= < <= contains matches
//   VALUE   := number | "string" | bare-word
//
// A hop field (mbuftrace.hop.*) matches if any hop matches; "!=" is the
// negation of "==" (no hop equal), as in Wireshark 4.  A field alone tests
// that it is present.
#pragma once

#include <memory>
#include <string>

#include <vector>

#include "mbuftrace/analyze.hpp"
#include "mbuftrace/decode.hpp"

namespace mbt::tool {

struct FilterNode;

// What a filter looks at: the record, and what Wireshark knows around it.
struct FilterInput {
    const Record& rec;
    uint64_t frame = 0;      // frame.number; 0: unknown
    bool malformed = false;  // mbuftrace.truncated
    // analyze(rec) if the caller has it; else computed when a
    // mbuftrace.expert.* name asks.
    const std::vector<Finding>* findings = nullptr;
};

class Filter {
public:
    // Throws ToolError "filter: column N: what" on a syntax error.
    explicit Filter(const std::string& text);
    ~Filter();
    Filter(Filter&&) noexcept;
    bool match(const FilterInput& in) const;
    bool match(const Record& r) const;

private:
    std::unique_ptr<FilterNode> root_;
};

// Every field name the filter knows (the vocabulary's tool terms), for
// error messages.
const char* filter_field_list();

}  // namespace mbt::tool
