// The -Y expression language of `mbuftrace show`: a small subset of
// Wireshark's display filters over the plugin's mbuftrace.* fields.
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

#include "mbuftrace/decode.hpp"

namespace mbt::tool {

struct FilterNode;

class Filter {
public:
    // Throws ToolError "filter: column N: what" on a syntax error.
    explicit Filter(const std::string& text);
    ~Filter();
    Filter(Filter&&) noexcept;
    bool match(const Record& r) const;

private:
    std::unique_ptr<FilterNode> root_;
};

// Every field name the filter knows, for the man page and error messages.
const char* filter_field_list();

}  // namespace mbt::tool
