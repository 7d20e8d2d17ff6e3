// mbuftrace capture: reads the kernel's tap (mbuf_trace0, DLT_USER0: a v1
// record then the packet bytes) with libpcap and writes v1 pcapng.  The
// filter is compiled for Ethernet and handed to the kernel's selection
// (sysctl kern.mbuf_trace.filter), so only packets of interest get traced.
#include <pcap/pcap.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>

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

Meta capture_meta(const struct utsname& u)
{
    Meta m;
    const auto put = [](Field<std::string>& f, std::string v) {
        if (!v.empty())
            f = Field<std::string>{std::move(v), {}, true};
    };
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
#endif
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) == 0)
        put(m.hostname, host);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m.capture_start_ns = Field<uint64_t>{
        uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec), {}, true};
    put(m.producer, producer());
    return m;
}

}  // namespace

int cmd_capture(const Args& a)
{
    std::string iface = "mbuf_trace0", out = "mbuftrace.pcapng", replay;
    uint64_t count = 0;
    ReadOptions ro;
    std::string filter, rev;
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
        } else if (s == "--strict")
            ro.strict = true;
        else if (s == "--source-rev")
            rev = val();
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("capture: unknown option " + s);
        else
            filter += (filter.empty() ? "" : " ") + s;
    }

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

    Converter conv(out, std::string(u.sysname) + " " + u.release);
    Meta m = capture_meta(u);
    // A kernel built outside git has no revision in kern.version.
    if (!rev.empty())
        m.source_rev = Field<std::string>{rev, {}, true};
    const auto meta = encode_meta(m);
    conv.out_.meta(meta.data(), meta.size());
#ifdef __FreeBSD__
    const auto kdrop0 = kernel_drops();
#endif

    g_pcap = p;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    TapReader tap(replay.empty() ? iface : replay, conv, ro);
    uint64_t got = 0;
    const bool tty = stderr_is_tty() && replay.empty();
    while (!g_stop && (!count || got < count)) {
        struct pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(p, &h, &data);
        if (rc == 0)
            continue;  // timeout: look at g_stop
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc < 0)
            throw ToolError((replay.empty() ? iface : replay) + ": " +
                            pcap_geterr(p));
        got++;
        tap.payload(uint64_t(h->ts.tv_sec) * 1000000000u +
                        uint64_t(h->ts.tv_usec),
                    data, h->caplen, h->len);
        if (tty && (got & 0xff) == 0)
            std::fprintf(stderr, "\r%llu records", (unsigned long long)got);
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (tty)
        std::fprintf(stderr, "\r\033[K");

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
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const uint32_t ifid =
        conv.out_.any_iface() ? 0 : conv.out_.iface(kNoPacketLinktype);
    conv.out_.writer().stats(
        ifid, uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec),
        recv, ifdrop, osdrop);
    conv.out_.commit();
    const ReadSummary& s = tap.summary();
    report_corrupt(replay.empty() ? iface : replay, s);
    std::fprintf(stderr, "mbuftrace: %llu records written to %s",
                 (unsigned long long)conv.out_.packets(), out.c_str());
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
