// The subcommands; each takes its arguments after the subcommand name and
// returns the exit code.  Errors are thrown as ToolError.
#pragma once

#include <string>
#include <vector>

namespace mbt::tool {

using Args = std::vector<std::string>;

int cmd_capture(const Args& a);
int cmd_convert(const Args& a);
int cmd_show(const Args& a);
int cmd_stats(const Args& a);
int cmd_graph(const Args& a);
int cmd_fields(const Args& a);

// Exit status of convert (and capture) when the output was written but
// something in the input was damaged (mbuftrace(8) EXIT STATUS).
constexpr int kExitDamaged = 3;

extern const char* const kVersion;  // "1.0.0"
std::string producer();             // "mbuftrace 1.0.0"

}  // namespace mbt::tool
