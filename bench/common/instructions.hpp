// Instruction counts of a benchmark's phases, measured by callgrind side by
// side in one run (wall times on a shared machine swing 2-3x; instruction
// counts do not).
//
// A benchmark brackets each phase with Phase{"name"}.  Outside valgrind this
// costs nothing.  Run under callgrind, the phase zeroes the counters when it
// starts and dumps them, labelled with its name, when it ends, so set-up work
// between phases is not counted.  count_phases() is the parent's side: it runs
// the benchmark again under `valgrind --tool=callgrind` and reads back the
// instruction total of every dump.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mbt::bench {

class Phase {
public:
    explicit Phase(const char* name) : name_(name)
    {
        if (RUNNING_ON_VALGRIND)
            CALLGRIND_ZERO_STATS;
    }
    ~Phase()
    {
        if (RUNNING_ON_VALGRIND)
            CALLGRIND_DUMP_STATS_AT(name_);
    }
    Phase(const Phase&) = delete;
    Phase& operator=(const Phase&) = delete;

private:
    const char* name_;
};

inline bool under_valgrind() { return RUNNING_ON_VALGRIND != 0; }

// Runs `valgrind --tool=callgrind args...` with its dumps named after out
// (callgrind's --callgrind-out-file); throws if it does not exit with 0.
inline void callgrind(const std::vector<std::string>& args,
                      const std::string& out)
{
    std::vector<std::string> argv = {"valgrind",
                                     "--tool=callgrind",
                                     "--callgrind-out-file=" + out,
                                     "--dump-instr=no",
                                     "-q"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (std::string& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::execvp("valgrind", cargv.data());
        std::fprintf(stderr, "cannot run valgrind (is it installed?)\n");
        std::_Exit(127);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        throw std::runtime_error("the callgrind run failed: valgrind " +
                                 args.front());
}

// One callgrind dump's instruction total and, for a phase's dump, its
// name; false if the file is missing or has no total.  The file is removed.
inline bool read_dump(const std::string& f, std::string& name, uint64_t& n)
{
    std::ifstream in(f);
    if (!in)
        return false;
    std::string line;
    bool got = false;
    const std::string trig = "desc: Trigger: Client Request: ";
    while (std::getline(in, line)) {
        if (line.rfind(trig, 0) == 0)
            name = line.substr(trig.size());
        else if (line.rfind("summary: ", 0) == 0) {
            n = std::strtoull(line.c_str() + 9, nullptr, 10);
            got = true;
        }
    }
    in.close();
    std::remove(f.c_str());
    return got;
}

// Runs this program again as `valgrind --tool=callgrind <self> args...` and
// returns (phase name, instructions) for every phase the child went through,
// in order.  The dumps go to dir and are removed.
inline std::vector<std::pair<std::string, uint64_t>> count_phases(
    const std::vector<std::string>& args, const std::string& dir)
{
    char exe[4096];
    const ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        throw std::runtime_error("cannot find this program (/proc/self/exe)");
    const std::string self(exe, size_t(len));
    const std::string out =
        dir + "/mbt-callgrind-" + std::to_string(::getpid());
    std::vector<std::string> argv = {self};
    argv.insert(argv.end(), args.begin(), args.end());
    callgrind(argv, out);
    // callgrind names the dumps <out>.1, <out>.2, ... and the final one
    // (program exit, not a phase) <out>.
    std::vector<std::pair<std::string, uint64_t>> res;
    for (int i = 1;; i++) {
        std::string name;
        uint64_t n = 0;
        const std::string f = out + "." + std::to_string(i);
        if (::access(f.c_str(), F_OK) != 0)
            break;
        if (read_dump(f, name, n))
            res.emplace_back(name, n);
    }
    std::remove(out.c_str());
    return res;
}

// The instructions another program takes from start to exit, under
// `valgrind --tool=callgrind args...` (dumps in dir, removed): for a tool
// measured beside a benchmark's phases.  Throws if it fails.
inline uint64_t count_program(const std::vector<std::string>& args,
                              const std::string& dir)
{
    const std::string out =
        dir + "/mbt-callgrind-prog-" + std::to_string(::getpid());
    callgrind(args, out);
    std::string name;
    uint64_t n = 0;
    if (!read_dump(out, name, n))
        throw std::runtime_error("callgrind wrote no total for " +
                                 args.front());
    return n;
}

// The count of the phase called name (0 if it did not run).
inline uint64_t phase_count(
    const std::vector<std::pair<std::string, uint64_t>>& ph,
    const std::string& name)
{
    for (const auto& [n, c] : ph)
        if (n == name)
            return c;
    return 0;
}

}  // namespace mbt::bench
