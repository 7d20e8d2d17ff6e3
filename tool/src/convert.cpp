// mbuftrace convert IN OUT.pcapng: tap captures (pcap/pcapng), legacy
// prototype captures and self-test console text to v1 pcapng.  v1 records
// are copied byte for byte (unknown TLVs of newer minors survive); legacy
// records are re-encoded with the codec, which keeps every string.
#include "capture_util.hpp"
#include "commands.hpp"
#include "converter.hpp"
#include "input.hpp"
#include "util.hpp"

namespace mbt::tool {

int cmd_convert(const Args& a)
{
    ReadOptions ro;
    ro.progress = stderr_is_tty();
    std::vector<std::string> pos;
    Meta base;
    bool comments = true;
    const auto set = [&](Field<std::string>& f, size_t& i) {
        if (i + 1 >= a.size())
            throw ToolError("convert: " + a[i] + " needs a value");
        f = Field<std::string>{a[++i], {}, true};
    };
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& s = a[i];
        if (s == "--kernel-ident")
            set(base.kernel_ident, i);
        else if (s == "--kernel-version")
            set(base.kernel_version, i);
        else if (s == "--source-rev")
            set(base.source_rev, i);
        else if (s == "--hostname")
            set(base.hostname, i);
        else if (s == "--vnet-name") {
            if (i + 1 >= a.size())
                throw ToolError("convert: --vnet-name needs a value");
            base.vnet_names.push_back(parse_vnet_name_arg(a[++i]));
        }
        else if (s == "--strict")
            ro.strict = true;
        else if (s == "--no-comments")
            comments = false;
        else if (s == "-q" || s == "--quiet")
            ro.progress = false;
        else if (s.size() > 1 && s[0] == '-')
            throw ToolError("convert: unknown option " + s);
        else
            pos.push_back(s);
    }
    if (pos.size() != 2)
        throw ToolError("usage: mbuftrace convert [-q] [--strict] [--no-comments] "
                        "[--kernel-ident S] "
                        "[--kernel-version S] [--source-rev S] [--hostname S] "
                        "[--vnet-name ID=NAME]... IN OUT.pcapng");
    if (pos[0] == pos[1])
        throw ToolError("convert: input and output are the same file");
    catch_signals_for_tmp();
    Converter c(pos[1]);
    track_tmp(c.out_.writer().tmp_path());
    c.base = base;
    c.comments = comments;
    // The comments need the strings; without them records are only
    // checked and copied.
    ro.strings = comments;
    // Without comments a v1 record's numbers are all the writer reads.
    ro.numbers = !comments;
    const ReadSummary s = read_input(pos[0], c, ro);
    c.out_.commit();
    untrack_tmp(c.out_.writer().tmp_path());
    report_corrupt(pos[0], s);
    if (ro.progress || s.damage()) {
        std::fprintf(stderr,
                     "mbuftrace: %s: %llu packets from %s written to %s",
                     pos[0].c_str(), (unsigned long long)c.out_.packets(),
                     input_kind_name(s.kind), pos[1].c_str());
        if (c.damaged_count())
            std::fprintf(stderr, ", %llu of them flagged as damaged",
                         (unsigned long long)c.damaged_count());
        std::fprintf(stderr, "\n");
    }
    // 0 clean, 3 converted with damage (flagged packets, a cut input).
    return s.damage() ? kExitDamaged : 0;
}

}  // namespace mbt::tool
