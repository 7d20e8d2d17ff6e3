// Small helpers shared by the subcommands: errors, atomic output files,
// progress bar, colours and JSON string escaping.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mbt::tool {

// A complete, user-facing error message; main() prints it and exits 1.
struct ToolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mbt::tool

#include "mbuftrace/decode.hpp"
#include "textout.hpp"

namespace mbt::tool {

// The one-line path of a traced packet, written as its pcapng packet
// comment by capture and convert and printed by capture --show:
// "mbuftrace trace 2 (copy of 1), 16 hops, vnet 1>2:
// m_dup>pf_route>...; routed_twice at #5 pf_route".  Names as in
// vocab.hpp, so `frame.comment contains "routed_twice"` works in stock
// Wireshark.
std::string packet_comment(const Record& r);
// The same into o, which is overwritten (its storage is reused).
void packet_comment(const Record& r, Text& o);

// A positive decimal number given to opt ("show: -p"), or a ToolError
// "opt wants what, not 'v'".
uint64_t number_arg(const std::string& opt, const std::string& v,
                    const char* what);

// Writes "<path>.tmp.<pid>" and renames it to path on commit(), so that a
// failed run never leaves a half-written output.  "-" is stdout; a path
// that is not a regular file (a device, a FIFO, /dev/stdout) is written in
// place, never renamed over.  Errors name the output and the system error.
class OutFile {
public:
    explicit OutFile(const std::string& path);
    ~OutFile();
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;
    std::FILE* get() const { return f_; }
    const std::string& tmp_path() const { return tmp_; }
    void write(std::string_view s);
    void commit();

private:
    std::string path_, tmp_;
    std::FILE* f_ = nullptr;
    bool committed_ = false;
};

// "[#####     ] 52%" on stderr when it is a terminal; quiet otherwise.
class Progress {
public:
    Progress(std::string label, uint64_t total, bool enabled);
    ~Progress();
    void update(uint64_t done)
    {
        if (on_ && (++tick_ & 0x3ff) == 0)
            draw(done);
    }
    void finish();

private:
    void draw(uint64_t done);
    std::string label_;
    uint64_t total_;
    bool on_;
    unsigned tick_ = 0;
    int last_ = -1;
};

bool stderr_is_tty();

// A temporary output file that SIGINT, SIGTERM or SIGHUP must not leave
// behind: the handler removes it and the signal then ends the program as it
// would have.  catch_signals_for_tmp() installs the handlers.
void track_tmp(const std::string& path);
void untrack_tmp(const std::string& path);
void catch_signals_for_tmp();

// ANSI colours, empty strings when disabled.
struct Colors {
    bool on = false;
    const char* c(const char* code) const { return on ? code : ""; }
    const char* reset() const { return c("\033[0m"); }
    const char* bold() const { return c("\033[1m"); }
    const char* dim() const { return c("\033[2m"); }
    const char* red() const { return c("\033[1;31m"); }
    const char* green() const { return c("\033[32m"); }
    const char* yellow() const { return c("\033[1;33m"); }
    const char* blue() const { return c("\033[34m"); }
    const char* magenta() const { return c("\033[35m"); }
    const char* cyan() const { return c("\033[36m"); }
};

void json_string(std::string& out, std::string_view s);

std::string hex_bytes(const uint8_t* p, size_t n, size_t max);

}  // namespace mbt::tool
