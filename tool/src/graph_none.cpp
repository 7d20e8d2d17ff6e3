// mbuftrace graph in a build without Graphviz (MBT_TOOL_GRAPHVIZ=OFF, e.g.
// the static FreeBSD binary of kernel/vm/freebsd-tool.sh): the command
// exists but only says so; draw the graph with a full build elsewhere.
#include "commands.hpp"
#include "util.hpp"

namespace mbt::tool {

int cmd_graph(const Args&)
{
    throw ToolError("graph: this mbuftrace was built without Graphviz "
                    "(MBT_TOOL_GRAPHVIZ=OFF); use a build with libgvc");
}

}  // namespace mbt::tool
