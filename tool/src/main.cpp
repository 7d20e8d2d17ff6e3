// mbuftrace: capture, convert, show, count and draw packet paths.
#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "mbuftrace/pcapng.hpp"
#include "util.hpp"

namespace {

const char kUsage[] =
    "usage: mbuftrace capture [-i mbuf_trace0] [-w out.pcapng] [-c count] "
    "[-r tapfile]\n"
    "                         [-C MB] [-W files] [-G seconds] [--strict] "
    "[--show]\n"
    "                         [--no-comments] [--source-rev S] [filter]\n"
    "       mbuftrace convert [-q] [--strict] [--no-comments] [--kernel-ident S]\n"
    "                         [--kernel-version S] [--source-rev S] [--hostname S]\n"
    "                         [--vnet-name ID=NAME]... IN OUT.pcapng\n"
    "       mbuftrace show FILE|- [-Y expr] [-p frame] [--family trace] "
    "[--json|--raw]\n"
    "                         [--color=auto|always|never] [-o OUT] [--strict]\n"
    "       mbuftrace stats FILE|- [-Y expr] [--json] [--strict]\n"
    "       mbuftrace graph FILE|- [-p frame] -o OUT.svg|.dot|.png|- "
    "[-T svg|dot|png] [--strict]\n"
    "       mbuftrace fields\n"
    "       mbuftrace --version\n"
    "See mbuftrace(8).\n";

}  // namespace

int main(int argc, char** argv)
{
    using namespace mbt::tool;
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    const Args args(argv + 2, argv + argc);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    for (const std::string& x : args)
        if (x == "-h" || x == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    if (cmd == "--version" || cmd == "-V") {
        std::printf("%s\n", producer().c_str());
        return 0;
    }
    try {
        if (cmd == "capture")
            return cmd_capture(args);
        if (cmd == "convert")
            return cmd_convert(args);
        if (cmd == "show")
            return cmd_show(args);
        if (cmd == "stats")
            return cmd_stats(args);
        if (cmd == "graph")
            return cmd_graph(args);
        if (cmd == "fields")
            return cmd_fields(args);
        std::fprintf(stderr, "mbuftrace: unknown command '%s'\n%s",
                     cmd.c_str(), kUsage);
        return 2;
    } catch (const mbt::pcapng::FileError& e) {
        std::fprintf(stderr, "mbuftrace: %s\n", e.what());
    } catch (const ToolError& e) {
        std::fprintf(stderr, "mbuftrace: %s\n", e.what());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "mbuftrace: out of memory\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mbuftrace: %s\n", e.what());
    }
    return 1;
}
