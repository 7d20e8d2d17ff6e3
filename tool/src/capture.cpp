// mbuftrace capture: reads the kernel's tap (mbuf_trace0, DLT_USER0: a v1
// record then the packet bytes) with libpcap and writes v1 pcapng.  The
// filter is compiled for Ethernet and handed to the kernel's selection
// (sysctl kern.mbuf_trace.filter), so only packets of interest get traced.
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>

#ifdef __FreeBSD__
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

#include "capture_util.hpp"
#include "commands.hpp"
#include "converter.hpp"

namespace mbt::tool {

namespace {

volatile std::sig_atomic_t g_stop = 0;
pcap_t* g_pcap = nullptr;

void on_signal(int)
{
    g_stop = 1;
    if (g_pcap)
        pcap_breakloop(g_pcap);
}

// Without SA_RESTART: a read blocked on a quiet FIFO returns, so that the
// loop sees g_stop.
void catch_stop_signals(void (*h)(int))
{
    struct sigaction sa {};
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaction(sig, &sa, nullptr);
}

// Bytes the FILE has read ahead (0 when not known): while there are some,
// the next record needs no read and no poll.
size_t read_ahead(std::FILE* f)
{
#if defined(__GLIBC__)
    return size_t(f->_IO_read_end - f->_IO_read_ptr);
#elif defined(__FreeBSD__)
    return f->_r > 0 ? size_t(f->_r) : 0;
#else
    (void)f;
    return 0;
#endif
}

uint64_t now_ns(clockid_t c = CLOCK_REALTIME)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// "out.pcapng", 3 -> "out-3.pcapng" (the rotation's file names).
std::string numbered(const std::string& out, uint64_t n)
{
    static const std::string ext = ".pcapng";
    if (out.size() > ext.size() &&
        out.compare(out.size() - ext.size(), ext.size(), ext) == 0)
        return out.substr(0, out.size() - ext.size()) + "-" +
               std::to_string(n) + ext;
    return out + "-" + std::to_string(n);
}

// The sink of capture: the current output file, which rotation replaces.
// Every file is a whole capture: SHB with the metadata, its IDBs, its
// packets, an ISB.
class Rotator : public Sink {
public:
    Rotator(std::string os, std::vector<uint8_t> meta)
        : os_(std::move(os)), meta_(std::move(meta))
    {
    }
    void open(const std::string& path)
    {
        cur_ = std::make_unique<Converter>(path, os_, V1Out::Mode::Stream);
        cur_->comments = comments;
        cur_->out_.meta(meta_.data(), meta_.size());
        cur_->out_.writer().flush();  // the SHB is on disk at once
        path_ = path;
        packets0_ = total_packets();
    }
    // The ISB (when the counters are known) and the file closed.
    void close(std::optional<uint64_t> recv, std::optional<uint64_t> ifdrop,
               std::optional<uint64_t> osdrop)
    {
        if (!cur_)
            return;
        const uint64_t now = now_ns();
        V1Out& o = cur_->out_;
        o.finish(now);
        const uint32_t ifid = o.any_iface() ? 0 : o.iface(kNoPacketLinktype);
        o.writer().stats(ifid, now, recv, ifdrop, osdrop);
        done_packets_ += o.packets();
        o.commit();
        cur_.reset();
    }
    void packet(const Item& it) override
    {
        cur_->packet(it);
        if (show) {
            // --show: each path as it arrives, as pwru and retis do.
            const std::string line = packet_comment(it.d.rec) + "\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
        }
    }
    void meta(const Item& it) override { cur_->meta(it); }
    void damaged(const Damaged& d) override { cur_->damaged(d); }
    bool keeps_damaged() const override { return true; }

    bool comments = true;  // packet comments (--no-comments)
    bool show = false;     // --show

    V1Out& out() { return cur_->out_; }
    const std::string& path() const { return path_; }
    uint64_t total_packets() const
    {
        return done_packets_ + (cur_ ? cur_->out_.packets() : 0);
    }
    uint64_t file_packets() const { return total_packets() - packets0_; }

private:
    std::string os_;
    std::vector<uint8_t> meta_;
    std::unique_ptr<Converter> cur_;
    std::string path_;
    uint64_t done_packets_ = 0, packets0_ = 0;
};

#ifdef __FreeBSD__
std::optional<std::string> sysctl_str(const char* name)
{
    size_t len = 0;
    if (sysctlbyname(name, nullptr, &len, nullptr, 0) != 0)
        return std::nullopt;
    std::string s(len, '\0');
    if (sysctlbyname(name, s.data(), &len, nullptr, 0) != 0)
        return std::nullopt;
    s.resize(len);
    while (!s.empty() && (s.back() == '\0' || s.back() == '\n'))
        s.pop_back();
    return s;
}

std::optional<uint64_t> sysctl_u64(const char* name)
{
    uint64_t v = 0;
    size_t len = sizeof v;
    if (sysctlbyname(name, &v, &len, nullptr, 0) != 0 || len != sizeof v)
        return std::nullopt;
    return v;
}

// Records the kernel could not hand to the tap.
std::optional<uint64_t> kernel_drops()
{
    const auto a = sysctl_u64("kern.mbuf_trace.stats.fail_emit");
    const auto b = sysctl_u64("kern.mbuf_trace.stats.encode_errors");
    if (!a && !b)
        return std::nullopt;
    return a.value_or(0) + b.value_or(0);
}

// Puts a filter into the kernel and restores the previous one on exit.
class KernelFilter {
public:
    void set(const std::string& text)
    {
        old_ = sysctl_str("kern.mbuf_trace.filter").value_or("");
        if (sysctlbyname("kern.mbuf_trace.filter", nullptr, nullptr,
                         text.c_str(), text.size() + 1) != 0)
            throw ToolError(std::string("capture: cannot set "
                                        "kern.mbuf_trace.filter: ") +
                            std::strerror(errno));
        set_ = true;
    }
    ~KernelFilter()
    {
        if (set_)
            sysctlbyname("kern.mbuf_trace.filter", nullptr, nullptr,
                         old_.c_str(), old_.size() + 1);
    }

private:
    std::string old_;
    bool set_ = false;
};
#endif

// What the capture says about the traced kernel.  From a saved tap
// (replay) nothing about this host is true of the kernel that made it: only
// the producer, the start and what the user states (--source-rev).
Meta capture_meta(const struct utsname& u, bool replay)
{
    Meta m;
    const auto put = [](Field<std::string>& f, std::string v) {
        if (!v.empty())
            f = Field<std::string>{std::move(v), {}, true};
    };
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m.capture_start_ns = Field<uint64_t>{
        uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec), {}, true};
    put(m.producer, producer());
    if (replay)
        return m;
    put(m.kernel_version, u.version);
    put(m.source_rev, source_rev_from_version(u.version));
#ifdef __FreeBSD__
    put(m.kernel_ident, sysctl_str("kern.ident").value_or(""));
    if (const auto v = sysctl_str("kern.version")) {
        const std::string rev = source_rev_from_version(*v);
        if (!rev.empty())
            put(m.source_rev, rev);
    }
    if (const auto tps = sysctl_str("kern.mbuf_trace.tracepoints"))
        m.tracepoints = parse_tracepoints(*tps);
    // Which jail each vnet id of the records is.
    if (const auto vn = sysctl_str("kern.mbuf_trace.vnets"))
        m.vnet_names = parse_vnet_names(*vn);
#endif
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) == 0)
        put(m.hostname, host);
    return m;
}

}  // namespace

int cmd_capture(const Args& a)
{
    std::string iface = "mbuf_trace0", out = "mbuftrace.pcapng", replay;
    uint64_t count = 0;
    uint64_t rot_bytes = 0, rot_files = 0, rot_secs = 0;
    const auto positive = [](const std::string& opt, const std::string& v,
                             const char* what) {
        char* end = nullptr;
        const uint64_t n = std::strtoull(v.c_str(), &end, 10);
        if (v.empty() || *end || n == 0 || v[0] == '-')
            throw ToolError("capture: " + opt + " wants " + what + ", not '" +
                            v + "'");
        return n;
    };
    ReadOptions ro;
    std::string filter, rev;
    bool comments = true, show = false;
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& s = a[i];
        const auto val = [&]() -> const std::string& {
            if (i + 1 >= a.size())
                throw ToolError("capture: " + s + " needs a value");
            return a[++i];
        };
        if (s == "-i")
            iface = val();
        else if (s == "-w")
            out = val();
        else if (s == "-r")
            replay = val();
        else if (s == "-c") {
            const std::string& v = val();
            char* end = nullptr;
            count = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end || count == 0)
                throw ToolError("capture: -c wants a positive count, not '" +
                                v + "'");
        } else if (s == "-C")
            rot_bytes = positive(s, val(), "a size in millions of bytes") *
                        1000000u;
        else if (s == "-W")
            rot_files = positive(s, val(), "a number of files");
        else if (s == "-G")
            rot_secs = positive(s, val(), "a number of seconds");
        else if (s == "--strict")
            ro.strict = true;
        else if (s == "--source-rev")
            rev = val();
        else if (s == "--no-comments")
            comments = false;
        else if (s == "--show")
            show = true;
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("capture: unknown option " + s);
        else
            filter += (filter.empty() ? "" : " ") + s;
    }

    if (rot_files && !rot_bytes && !rot_secs)
        throw ToolError("capture: -W needs -C or -G");
    const bool rotate = rot_bytes || rot_secs;

    // The filter runs on the packet as the start point sees it: Ethernet.
    std::string kfilter;
    if (!filter.empty())
        kfilter = compile_kernel_filter(filter);

    struct utsname u {};
    uname(&u);
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t* p = nullptr;
#ifdef __FreeBSD__
    KernelFilter kf;
#endif
    if (!replay.empty()) {
        p = pcap_open_offline_with_tstamp_precision(
            replay.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
        if (!p)
            throw ToolError(replay + ": " + err);
    } else {
#ifndef __FreeBSD__
        throw ToolError(
            "capture: the mbuf_trace tap needs a FreeBSD kernel built with "
            "'options MBUF_TRACE'; this system runs " +
            std::string(u.sysname) +
            ". Copy a capture (tcpdump -i mbuf_trace0 -w FILE) and use "
            "'mbuftrace convert' or 'mbuftrace show' here.");
#else
        if (!sysctl_str("kern.mbuf_trace.enable"))
            throw ToolError("capture: this kernel has no kern.mbuf_trace: "
                            "build it with 'options MBUF_TRACE'");
        if (!kfilter.empty())
            kf.set(kfilter);
        p = pcap_create(iface.c_str(), err);
        if (!p)
            throw ToolError("capture: " + iface + ": " + err);
        pcap_set_snaplen(p, 262144);
        pcap_set_timeout(p, 100);
        pcap_set_buffer_size(p, 16 << 20);
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
        const int rc = pcap_activate(p);
        if (rc < 0) {
            const std::string e = pcap_geterr(p);
            pcap_close(p);
            throw ToolError("capture: " + iface + ": " + e);
        }
        if (sysctl_u64("kern.mbuf_trace.enable").value_or(1) == 0)
            std::fprintf(stderr, "mbuftrace: kern.mbuf_trace.enable is 0: "
                                 "no packets will be traced\n");
#endif
    }
    struct Closer {
        pcap_t* p;
        ~Closer()
        {
            g_pcap = nullptr;
            pcap_close(p);
        }
    } closer{p};
    const int lt = pcap_datalink(p);
    if (lt < 147 || lt > 162)
        throw ToolError((replay.empty() ? iface : replay) + ": link type " +
                        std::to_string(lt) +
                        " is not an mbuftrace tap (LINKTYPE_USER0..15)");

    Meta m = capture_meta(u, !replay.empty());
    // A kernel built outside git has no revision in kern.version.
    if (!rev.empty())
        m.source_rev = Field<std::string>{rev, {}, true};
    // Written to the final file as blocks arrive (SPEC 5.2), flushed at
    // least every second, when the input goes quiet and when a signal ends
    // the capture: a capture killed any way keeps what it had flushed.
    Rotator conv(std::string(u.sysname) + " " + u.release, encode_meta(m));
    conv.comments = comments;
    conv.show = show;
    uint64_t file_no = 0;
    const auto file_name = [&]() {
        if (!rotate)
            return out;
        return numbered(out, rot_files ? file_no % rot_files : file_no);
    };
    conv.open(file_name());
#ifdef __FreeBSD__
    const auto kdrop0 = kernel_drops();
#endif

    g_pcap = p;
    catch_stop_signals(on_signal);
    TapReader tap(replay.empty() ? iface : replay, conv, ro);
    uint64_t got = 0;
    const bool tty = stderr_is_tty() && replay.empty();
    // pcap_fileno() is -1 for a savefile: its FILE's descriptor instead.
    const int fd = replay.empty() || !pcap_file(p) ? -1 : fileno(pcap_file(p));
    uint64_t last_flush = now_ns(CLOCK_MONOTONIC), file_start = last_flush;
    uint64_t flushed_size = conv.out().writer().size();
    const auto flush = [&]() {
        conv.out().writer().flush();
        flushed_size = conv.out().writer().size();
        last_flush = now_ns(CLOCK_MONOTONIC);
    };
    const auto counters = [&]() {
        std::optional<uint64_t> recv = got, osdrop, ifdrop;
        struct pcap_stat ps {};
        if (replay.empty() && pcap_stats(p, &ps) == 0) {
            recv = ps.ps_recv;
            osdrop = ps.ps_drop;
        }
#ifdef __FreeBSD__
        if (const auto k = kernel_drops(); k && kdrop0)
            ifdrop = *k - *kdrop0;
#endif
        return std::make_tuple(recv, ifdrop, osdrop);
    };
    while (!g_stop && (!count || got < count)) {
        const uint64_t mono = now_ns(CLOCK_MONOTONIC);
        const bool dirty = conv.out().writer().size() != flushed_size;
        if (dirty && mono - last_flush >= 1000000000u)
            flush();
        else if (dirty && fd >= 0 && read_ahead(pcap_file(p)) == 0) {
            // Nothing more to read right now: flush before blocking.
            struct pollfd pf {fd, POLLIN, 0};
            if (::poll(&pf, 1, 0) == 0)
                flush();
        }
        if (rotate && conv.file_packets() &&
            ((rot_bytes && conv.out().writer().size() >= rot_bytes) ||
             (rot_secs && mono - file_start >= rot_secs * 1000000000u))) {
            const auto [recv, ifdrop, osdrop] = counters();
            conv.close(recv, ifdrop, osdrop);
            file_no++;
            conv.open(file_name());
            flushed_size = conv.out().writer().size();
            file_start = mono;
        }
        struct pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(p, &h, &data);
        if (rc == 0) {
            if (conv.out().writer().size() != flushed_size)
                flush();  // timeout: the tap is quiet
            continue;
        }
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc < 0) {
            if (g_stop)  // the signal interrupted a read: an orderly end
                break;
            throw ToolError((replay.empty() ? iface : replay) + ": " +
                            pcap_geterr(p));
        }
        got++;
        tap.payload(uint64_t(h->ts.tv_sec) * 1000000000u +
                        uint64_t(h->ts.tv_usec),
                    data, h->caplen, h->len);
        if (tty && (got & 0xff) == 0)
            std::fprintf(stderr, "\r%llu records", (unsigned long long)got);
    }
    catch_stop_signals(SIG_DFL);
    if (tty)
        std::fprintf(stderr, "\r\033[K");

    const auto [recv, ifdrop, osdrop] = counters();
    const std::string last = conv.path();
    conv.close(recv, ifdrop, osdrop);
    const ReadSummary& s = tap.summary();
    report_corrupt(replay.empty() ? iface : replay, s);
    std::fprintf(stderr, "mbuftrace: %llu records written to %s",
                 (unsigned long long)conv.total_packets(),
                 rotate ? (std::to_string(file_no + 1) + " files, the last " +
                           last).c_str()
                        : out.c_str());
    if (osdrop)
        std::fprintf(stderr, ", %llu dropped by bpf",
                     (unsigned long long)*osdrop);
    if (ifdrop)
        std::fprintf(stderr, ", %llu dropped by the kernel",
                     (unsigned long long)*ifdrop);
    std::fprintf(stderr, "\n");
    return 0;
}

}  // namespace mbt::tool
