#include "filter.hpp"

#include <regex.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "mbuftrace/analyze.hpp"
#include "commands.hpp"
#include "util.hpp"

namespace mbt::tool {

namespace {

using F = TermId;

// A term `mbuftrace show -Y` knows (vocab.hpp), or nullptr.
const Term* tool_term(std::string_view name)
{
    const Term* t = find_term(name);
    return t && t->tool ? t : nullptr;
}

enum class Op { Exists, Eq, Ne, Gt, Ge, Lt, Le, Contains, Matches };

// A field's value: a number or a string (or both: subsys/action names have
// registry ids too); absent when the record or hop lacks the field.
struct Val {
    bool present = false;
    bool has_num = false;
    uint64_t num = 0;
    std::string str;
};

Val num(bool present, uint64_t v)
{
    Val x;
    x.present = present;
    x.has_num = true;
    x.num = v;
    x.str = std::to_string(v);
    return x;
}

Val str(bool present, std::string_view s)
{
    Val x;
    x.present = present;
    x.str = s;
    return x;
}

Val flag(const Record& r, uint16_t bit)
{
    return num(r.flags.present, r.flags && (r.flags.v & bit) ? 1 : 0);
}

Val record_value(const FilterInput& in, F f)
{
    const Record& r = in.rec;
    switch (f) {
    case F::FrameNumber:
        return num(in.frame != 0, in.frame);
    case F::Record:
        return num(true, 1);
    case F::Format:
        return str(true, format_name(r.format));
    case F::Version:
        return num(r.major.present, r.major.v);
    case F::VersionMinor:
        return num(r.minor.present, r.minor.v);
    case F::Hops:
        return num(true, r.hops.size());
    case F::Path:
        return str(true, path_summary(r));
    case F::TraceId:
        return num(r.trace_id.present, r.trace_id.v);
    case F::ParentId:
        return num(r.parent_id.present, r.parent_id.v);
    case F::PacketId:
        return num(r.packet_id.present, r.packet_id.v);
    case F::Truncated:
        // As in Wireshark: the record could not be decoded to its end.
        return num(in.malformed, 1);
    case F::Flags:
        return num(r.flags.present, r.flags.v);
    case F::FlagHopsLost:
        return flag(r, MBT_RF_HOPS_LOST);
    case F::FlagAllocFail:
        return flag(r, MBT_RF_ALLOC_FAIL);
    case F::FlagFreed:
        return flag(r, MBT_RF_FREED);
    case F::FlagCopy:
        return flag(r, MBT_RF_COPY);
    case F::Linktype:
        return num(r.linktype.present, r.linktype.v);
    case F::HopsLost:
        return num(r.hops_lost.present, r.hops_lost.v);
    case F::AllocFail:
        return num(r.alloc_fail.present, r.alloc_fail.v);
    default:
        return Val{};
    }
}

Val hop_value(const Record& r, const Hop& h, F f)
{
    switch (f) {
    case F::HopFile:
        return str(h.file.present, r.file_of(h));
    case F::HopLine:
        return num(h.line.present, h.line.v);
    case F::HopFunc:
        return str(h.func.present, r.str(h.func));
    case F::HopLocation:
        return str(h.file.present,
                   std::string(r.file_of(h)) + ":" +
                       std::to_string(h.line.v));
    case F::HopSubsys: {
        Val v = str(h.subsys.present, subsys_name(h.subsys.v));
        v.has_num = true;
        v.num = h.subsys.v;
        return v;
    }
    case F::HopVnet:
        return num(h.vnet.present, h.vnet.v);
    case F::HopRule:
        return num(h.rule.present, h.rule.v);
    case F::HopRuleset:
        return str(h.rule.present, r.str(h.ruleset));
    case F::HopAction: {
        Val v = str(h.action.present, action_name(h.action.v));
        v.has_num = true;
        v.num = h.action.v;
        return v;
    }
    case F::HopIfname:
        return str(h.ifname.present, r.str(h.ifname));
    case F::HopIfindex:
        return num(h.ifname.present, h.ifindex.v);
    case F::HopDir:
        return str(h.ifname.present && h.dir.v, dir_name(h.dir.v));
    case F::HopTs:
        return num(h.time_ns.present, h.time_ns.v);
    case F::HopMsg:
        return str(h.msg.present, r.str(h.msg));
    case F::HopDrop:
        return str(h.drop.present, r.str(h.drop));
    case F::HopCpu:
        return num(h.cpu.present, h.cpu.v);
    case F::HopNode:
        return str(h.node.present, r.str(h.node));
    case F::HopHook:
        return str(h.node.present, r.str(h.hook));
    case F::HopKind: {
        Val v = str(true, kind_name(h.kind.v));
        v.has_num = true;
        v.num = h.kind.v;
        return v;
    }
    case F::HopDepth:
        return num(true, h.depth.v);
    case F::Hop:
        return num(true, h.index);
    case F::HopCopyId:
        return num(h.copy_id.present, h.copy_id.v);
    case F::HopArg:
        return str(h.arg.present, r.str(h.arg));
    case F::HopText:
        return str(h.text.present, r.str(h.text));
    case F::HopXlate: {
        const Field<mbt_xlate>& x = r.xlate_of(h);
        return str(x.present, x.present ? xlate_text(x.v) : std::string());
    }
    case F::HopState: {
        const Field<Hop::State>& st = r.state_of(h);
        return num(st.present, st.v.id);
    }
    case F::HopStateHow: {
        const Field<Hop::State>& st = r.state_of(h);
        return str(st.present, state_how_name(st.v.how));
    }
    case F::HopXlateBeforeSrc:
    case F::HopXlateBeforeDst:
    case F::HopXlateAfterSrc:
    case F::HopXlateAfterDst:
    case F::HopXlateBeforeSrc6:
    case F::HopXlateBeforeDst6:
    case F::HopXlateAfterSrc6:
    case F::HopXlateAfterDst6: {
        const Field<mbt_xlate>& x = r.xlate_of(h);
        if (!x.present)
            return Val{};
        // As in Wireshark: .src/.dst for IPv4, .src6/.dst6 for IPv6.
        const bool before =
            f == F::HopXlateBeforeSrc || f == F::HopXlateBeforeDst ||
            f == F::HopXlateBeforeSrc6 || f == F::HopXlateBeforeDst6;
        const bool src = f == F::HopXlateBeforeSrc ||
                         f == F::HopXlateAfterSrc ||
                         f == F::HopXlateBeforeSrc6 ||
                         f == F::HopXlateAfterSrc6;
        const bool v6 = f == F::HopXlateBeforeSrc6 ||
                        f == F::HopXlateBeforeDst6 ||
                        f == F::HopXlateAfterSrc6 || f == F::HopXlateAfterDst6;
        mbt_xlate_side xs = before ? x.v.xl_before : x.v.xl_after;
        if ((xs.xs_ver == MBT_XLATE_IPV6) != v6)
            return Val{};
        xs.xs_sport = xs.xs_dport = 0;  // the address alone
        return str(true, xlate_addr(xs, src));
    }
    case F::HopSnapLinktype:
        return num(h.has_snap, h.snap_linktype.v);
    default:
        return Val{};
    }
}

}  // namespace

struct FilterNode {
    enum Kind { Or, And, Not, Test } kind = Test;
    std::unique_ptr<FilterNode> a, b;
    // Test
    F field = F::Hops;
    TermScope scope = TermScope::Record;
    Op op = Op::Exists;
    std::string lit;
    bool lit_is_num = false;
    uint64_t lit_num = 0;
    std::shared_ptr<regex_t> re;

    bool cmp(const Val& v) const
    {
        if (!v.present)
            return false;
        switch (op) {
        case Op::Exists:
            return true;
        case Op::Contains:
            return v.str.find(lit) != std::string::npos;
        case Op::Matches:
            return regexec(re.get(), v.str.c_str(), 0, nullptr, 0) == 0;
        default:
            break;
        }
        int c;
        if (lit_is_num && v.has_num)
            c = v.num < lit_num ? -1 : v.num > lit_num ? 1 : 0;
        else
            c = v.str.compare(lit) < 0 ? -1 : v.str.compare(lit) > 0 ? 1 : 0;
        switch (op) {
        case Op::Eq:
        case Op::Ne:  // evaluated as !(any ==)
            return c == 0;
        case Op::Gt:
            return c > 0;
        case Op::Ge:
            return c >= 0;
        case Op::Lt:
            return c < 0;
        case Op::Le:
            return c <= 0;
        default:
            return false;
        }
    }

    bool eval(const FilterInput& in, const std::vector<Finding>*& fs,
              std::vector<Finding>& own) const
    {
        switch (kind) {
        case Or:
            return a->eval(in, fs, own) || b->eval(in, fs, own);
        case And:
            return a->eval(in, fs, own) && b->eval(in, fs, own);
        case Not:
            return !a->eval(in, fs, own);
        case Test:
            break;
        }
        bool any = false;
        if (scope == TermScope::Hop) {
            for (const Hop& h : in.rec.hops)
                if (cmp(hop_value(in.rec, h, field))) {
                    any = true;
                    break;
                }
        } else if (scope == TermScope::Expert) {
            if (!fs) {
                own = analyze(in.rec);
                fs = &own;
            }
            for (const Finding& f : *fs)
                if (finding_term(f.kind) == field) {
                    any = true;
                    break;
                }
        } else
            any = cmp(record_value(in, field));
        return op == Op::Ne ? !any : any;
    }
};

namespace {

class Parser {
public:
    explicit Parser(const std::string& s) : s_(s) {}

    std::unique_ptr<FilterNode> parse()
    {
        auto n = parse_or();
        skip();
        if (i_ < s_.size())
            fail("unexpected '" + s_.substr(i_, 10) + "'");
        return n;
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw ToolError("filter: column " + std::to_string(i_ + 1) + ": " +
                        what + "\n  " + s_ + "\n  " + std::string(i_, ' ') +
                        "^");
    }
    void skip()
    {
        while (i_ < s_.size() && std::isspace((unsigned char)s_[i_]))
            i_++;
    }
    bool eat(const char* tok, bool word = false)
    {
        skip();
        const size_t n = std::strlen(tok);
        if (s_.compare(i_, n, tok) != 0)
            return false;
        if (word && i_ + n < s_.size() &&
            (std::isalnum((unsigned char)s_[i_ + n]) || s_[i_ + n] == '_'))
            return false;
        i_ += n;
        return true;
    }
    static std::unique_ptr<FilterNode> bin(FilterNode::Kind k,
                                           std::unique_ptr<FilterNode> a,
                                           std::unique_ptr<FilterNode> b)
    {
        auto n = std::make_unique<FilterNode>();
        n->kind = k;
        n->a = std::move(a);
        n->b = std::move(b);
        return n;
    }
    std::unique_ptr<FilterNode> parse_or()
    {
        auto n = parse_and();
        while (eat("||") || eat("or", true))
            n = bin(FilterNode::Or, std::move(n), parse_and());
        return n;
    }
    std::unique_ptr<FilterNode> parse_and()
    {
        auto n = parse_not();
        while (eat("&&") || eat("and", true))
            n = bin(FilterNode::And, std::move(n), parse_not());
        return n;
    }
    std::unique_ptr<FilterNode> parse_not()
    {
        skip();
        if ((s_.compare(i_, 1, "!") == 0 && s_.compare(i_, 2, "!=") != 0 &&
             eat("!")) ||
            eat("not", true))
            return bin(FilterNode::Not, parse_not(), nullptr);
        if (eat("(")) {
            auto n = parse_or();
            if (!eat(")"))
                fail("missing ')'");
            return n;
        }
        return parse_test();
    }
    std::string word()
    {
        skip();
        const size_t b = i_;
        while (i_ < s_.size() &&
               (std::isalnum((unsigned char)s_[i_]) || s_[i_] == '_' ||
                s_[i_] == '.' || s_[i_] == '-' || s_[i_] == '/' ||
                s_[i_] == ':'))
            i_++;
        return s_.substr(b, i_ - b);
    }
    std::unique_ptr<FilterNode> parse_test()
    {
        skip();
        const size_t at = i_;
        std::string name = word();
        if (name.empty())
            fail("expected a field name");
        auto n = std::make_unique<FilterNode>();
        const Term* t = tool_term(name);
        if (!t) {
            i_ = at;
            fail("unknown field '" + name + "' (known: " +
                 filter_field_list() + ")");
        }
        n->field = t->id;
        n->scope = t->scope;
        static const struct {
            const char* tok;
            Op op;
            bool word;
        } ops[] = {
            {"==", Op::Eq, false}, {"!=", Op::Ne, false},
            {">=", Op::Ge, false}, {"<=", Op::Le, false},
            {">", Op::Gt, false},  {"<", Op::Lt, false},
            {"eq", Op::Eq, true},  {"ne", Op::Ne, true},
            {"gt", Op::Gt, true},  {"ge", Op::Ge, true},
            {"lt", Op::Lt, true},  {"le", Op::Le, true},
            {"contains", Op::Contains, true}, {"matches", Op::Matches, true},
            {"~", Op::Matches, false},
        };
        for (const auto& o : ops)
            if (eat(o.tok, o.word)) {
                n->op = o.op;
                break;
            }
        if (n->op == Op::Exists)
            return n;
        if (t->type == TermType::None) {
            i_ = at;
            fail("'" + name + "' is tested alone, not compared");
        }
        skip();
        bool quoted = false;
        if (i_ < s_.size() && s_[i_] == '"') {
            quoted = true;
            i_++;
            std::string v;
            while (i_ < s_.size() && s_[i_] != '"') {
                if (s_[i_] == '\\' && i_ + 1 < s_.size())
                    i_++;
                v += s_[i_++];
            }
            if (i_ >= s_.size())
                fail("unterminated string");
            i_++;
            n->lit = v;
        } else {
            n->lit = word();
            if (n->lit.empty())
                fail("expected a value");
        }
        if (!quoted && !n->lit.empty()) {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(n->lit.c_str(), &end, 0);
            if (end && *end == 0 && errno == 0 &&
                std::isdigit((unsigned char)n->lit[0])) {
                n->lit_is_num = true;
                n->lit_num = v;
            }
        }
        const bool is_bool = t->type == TermType::Bool;
        if (is_bool && !n->lit_is_num) {
            if (n->lit == "true" || n->lit == "True")
                n->lit_is_num = true, n->lit_num = 1;
            else if (n->lit == "false" || n->lit == "False")
                n->lit_is_num = true, n->lit_num = 0;
            else
                fail("'" + name + "' is 0/1 or true/false");
        }
        if (t->type == TermType::Number && !n->lit_is_num &&
            t->id != TermId::HopKind && n->op != Op::Contains &&
            n->op != Op::Matches)
            fail("'" + name + "' is a number, '" + n->lit + "' is not");
        if (n->op == Op::Matches) {
            auto* re = new regex_t;
            if (regcomp(re, n->lit.c_str(), REG_EXTENDED | REG_NOSUB)) {
                delete re;
                fail("bad regular expression '" + n->lit + "'");
            }
            n->re = std::shared_ptr<regex_t>(re, [](regex_t* r) {
                regfree(r);
                delete r;
            });
        }
        return n;
    }

    const std::string& s_;
    size_t i_ = 0;
};

}  // namespace

Filter::Filter(const std::string& text) : root_(Parser(text).parse()) {}
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;

bool Filter::match(const FilterInput& in) const
{
    const std::vector<Finding>* fs = in.findings;
    std::vector<Finding> own;
    return root_->eval(in, fs, own);
}

bool Filter::match(const Record& r) const
{
    return match(FilterInput{r});
}

const char* filter_field_list()
{
    static const std::string list = [] {
        std::string o;
        size_t n = 0;
        const Term* v = vocabulary(&n);
        for (size_t i = 0; i < n; i++)
            if (v[i].tool) {
                if (!o.empty())
                    o += ' ';
                o += v[i].name;
            }
        return o;
    }();
    return list.c_str();
}

}  // namespace mbt::tool

namespace mbt::tool {

// mbuftrace fields: the vocabulary, one name a line, as `tshark -G fields`
// lists Wireshark's: name, scope, type, whether -Y knows it, meaning.
int cmd_fields(const Args& a)
{
    if (!a.empty())
        throw ToolError("usage: mbuftrace fields");
    size_t n = 0;
    const Term* v = vocabulary(&n);
    std::string o;
    for (size_t i = 0; i < n; i++) {
        o += v[i].name;
        o += '\t';
        o += term_scope_name(v[i].scope);
        o += '\t';
        o += term_type_name(v[i].type);
        o += v[i].tool ? "\t-Y\t" : "\t-\t";
        o += v[i].meaning;
        o += '\n';
    }
    std::fwrite(o.data(), 1, o.size(), stdout);
    return 0;
}

}  // namespace mbt::tool
