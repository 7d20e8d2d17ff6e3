#include "util.hpp"

#include "mbuftrace/analyze.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <algorithm>
#include <array>
#include <cstring>

#include "commands.hpp"

namespace mbt::tool {

const char* const kVersion = MBT_TOOL_VERSION;

std::string producer()
{
    return std::string("mbuftrace ") + kVersion;
}

namespace {

// Signal-safe: fixed slots, written before the handlers can see them.
constexpr int kTmpSlots = 4;
char g_tmp[kTmpSlots][4096];
volatile std::sig_atomic_t g_tmp_used[kTmpSlots];

extern "C" void remove_tmp_and_die(int sig)
{
    for (int i = 0; i < kTmpSlots; i++)
        if (g_tmp_used[i])
            ::unlink(g_tmp[i]);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

}  // namespace

void track_tmp(const std::string& path)
{
    if (path.empty() || path.size() >= sizeof g_tmp[0])
        return;
    for (int i = 0; i < kTmpSlots; i++)
        if (!g_tmp_used[i]) {
            std::memcpy(g_tmp[i], path.c_str(), path.size() + 1);
            g_tmp_used[i] = 1;
            return;
        }
}

void untrack_tmp(const std::string& path)
{
    for (int i = 0; i < kTmpSlots; i++)
        if (g_tmp_used[i] && path == g_tmp[i])
            g_tmp_used[i] = 0;
}

void catch_signals_for_tmp()
{
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        std::signal(sig, remove_tmp_and_die);
}

namespace {

// finding_name(k), its length known: looked up once, not per finding.
std::string_view finding_sv(FindingKind k)
{
    static const auto names = [] {
        std::array<std::string_view, size_t(FindingKind::UnknownMajor) + 1> a;
        for (size_t i = 0; i < a.size(); i++)
            a[i] = finding_name(FindingKind(i));
        return a;
    }();
    return size_t(k) < names.size() ? names[size_t(k)]
                                    : std::string_view(finding_name(k));
}

}  // namespace

void packet_comment(const Record& r, Text& o)
{
    o.clear();
    o.add("mbuftrace");
    if (r.trace_id) {
        o.add(" trace ");
        o.num(r.trace_id.v);
    }
    if (r.parent_id) {
        o.add(" (copy of ");
        o.num(r.parent_id.v);
        o.add(')');
    }
    if (r.trace_id)
        o.add(", ");
    else
        o.add(' ');
    o.num(r.hops.size());
    if (r.hops.size() == 1)
        o.add(" hop");
    else
        o.add(" hops");
    // vnet_sequence(r), without its vector.
    bool vnet = false;
    uint32_t last = 0;
    for (const Hop& h : r.hops)
        if (h.vnet && (!vnet || last != h.vnet.v)) {
            if (vnet)
                o.add('>');
            else
                o.add(", vnet ");
            o.num(h.vnet.v);
            last = h.vnet.v;
            vnet = true;
        }
    o.add(": ");
    // Up to here: our own ASCII; from here on the record's strings.
    const size_t names = o.size();
    bool first = true;
    for_each_path_name(r, [&](std::string_view f) {
        if (!first)
            o.add('>');
        o.add(f);
        first = false;
    });
    // Kinds and hops only: the findings' texts are not written here.
    thread_local std::vector<Finding> found;
    analyze_places(r, {}, found);
    for (const Finding& f : found) {
        if (f.kind == FindingKind::VnetCrossing)
            continue;
        o.add("; ");
        o.add(finding_sv(f.kind));
        if (f.hop >= 0 && size_t(f.hop) < r.hops.size()) {
            const std::string_view fn = r.str(r.hops[size_t(f.hop)].func);
            o.add(" at #");
            o.num(uint64_t(f.hop));
            if (!fn.empty()) {
                o.add(' ');
                o.add(fn);
            }
        }
    }
    // Control characters have no place in a comment line (our own ASCII
    // before `names` has none).
    char* const from = o.data() + names;
    char* const end = o.data() + o.size();
    if (!Text::clean_run(from, size_t(end - from)))
        for (char* q = from; q < end; q++)
            if (Text::bad(static_cast<unsigned char>(*q)))
                *q = '?';
}

std::string packet_comment(const Record& r)
{
    Text o;
    packet_comment(r, o);
    return o.str();
}

uint64_t number_arg(const std::string& opt, const std::string& v,
                    const char* what)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || !std::isdigit((unsigned char)v[0]) || *end || errno ||
        n == 0)
        throw ToolError(opt + " wants " + what + " (1, 2, ...), not '" + v +
                        "'");
    return n;
}

OutFile::OutFile(const std::string& path) : path_(path)
{
    if (path == "-") {
        f_ = stdout;
        return;
    }
    // Not a regular file (a device, a FIFO, a symbolic link such as
    // /dev/stdout): written in place, never renamed over.
    struct stat st;
    const bool special =
        ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
    if (!special)
        tmp_ = path + ".tmp." + std::to_string(::getpid());
    f_ = std::fopen(special ? path.c_str() : tmp_.c_str(), "wb");
    if (!f_)
        throw ToolError(path + ": cannot create" +
                        (special ? std::string() : " " + tmp_) + ": " +
                        std::strerror(errno));
    if (!tmp_.empty()) {
        track_tmp(tmp_);
        catch_signals_for_tmp();
    }
}

OutFile::~OutFile()
{
    if (f_ && f_ != stdout)
        std::fclose(f_);
    if (!committed_ && !tmp_.empty())
        std::remove(tmp_.c_str());
    untrack_tmp(tmp_);
}

void OutFile::write(std::string_view s)
{
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), f_) != s.size())
        throw ToolError(path_ + ": write failed at offset " +
                        std::to_string(std::ftell(f_)) + ": " +
                        std::strerror(errno));
}

void OutFile::commit()
{
    if (std::fflush(f_) != 0 || std::ferror(f_))
        throw ToolError(path_ + ": write failed: " + std::strerror(errno));
    if (f_ == stdout) {
        committed_ = true;
        return;
    }
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0)
        throw ToolError(path_ + ": close failed: " + std::strerror(errno));
    if (tmp_.empty()) {  // written in place
        committed_ = true;
        return;
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
        throw ToolError(path_ + ": cannot rename " + tmp_ + ": " +
                        std::strerror(errno));
    committed_ = true;
}

bool stderr_is_tty()
{
    return ::isatty(2) == 1;
}

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), on_(enabled && total > 0)
{
}

Progress::~Progress()
{
    finish();
}

void Progress::draw(uint64_t done)
{
    const int pct = int(done >= total_ ? 100 : done * 100 / total_);
    if (pct == last_)
        return;
    last_ = pct;
    char bar[41];
    const int fill = pct * 40 / 100;
    for (int i = 0; i < 40; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[40] = 0;
    std::fprintf(stderr, "\r%s [%s] %3d%%", label_.c_str(), bar, pct);
    std::fflush(stderr);
}

void Progress::finish()
{
    if (on_ && last_ >= 0)
        std::fprintf(stderr, "\r\033[K");
    on_ = false;
}

// Length of the valid UTF-8 sequence at s[i], 0 if invalid.
static size_t utf8_len(std::string_view s, size_t i)
{
    const auto b = [&](size_t k) { return (unsigned char)s[k]; };
    const unsigned char c = b(i);
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (c >= 0xf5 || n == 0 || i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((b(i + k) & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) >= 0xa0) ||
        (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))
        return 0;
    return n;
}

// Bytes that are not UTF-8 become \u00XX, so the output stays valid JSON.
void json_string(std::string& o, std::string_view s)
{
    o += '"';
    for (size_t i = 0; i < s.size(); i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80) {
            const size_t n = utf8_len(s, i);
            if (n) {
                o.append(s.data() + i, n);
                i += n - 1;
            } else {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", ch);
                o += b;
            }
            continue;
        }
        switch (ch) {
        case '"':
            o += "\\\"";
            break;
        case '\\':
            o += "\\\\";
            break;
        case '\n':
            o += "\\n";
            break;
        case '\r':
            o += "\\r";
            break;
        case '\t':
            o += "\\t";
            break;
        default:
            if (ch < 0x20 || ch == 0x7f) {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", ch);
                o += b;
            } else
                o += char(ch);
        }
    }
    o += '"';
}

std::string hex_bytes(const uint8_t* p, size_t n, size_t max)
{
    std::string s;
    char b[4];
    for (size_t i = 0; i < n && i < max; i++) {
        std::snprintf(b, sizeof b, "%02x", p[i]);
        if (i)
            s += ' ';
        s += b;
    }
    if (n > max)
        s += " ...";
    return s;
}

}  // namespace mbt::tool
