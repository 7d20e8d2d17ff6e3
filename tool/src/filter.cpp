#include "filter.hpp"

#include <regex.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "util.hpp"

namespace mbt::tool {

namespace {

enum class F {
    Hops, Path, TraceId, ParentId, PacketId, Truncated, Flags, Linktype,
    HopsLost, AllocFail,
    HFile, HLine, HFunc, HLocation, HSubsys, HVnet, HRule, HRuleset,
    HAction, HIfname, HIfindex, HDir, HTs, HMsg, HDrop, HCpu, HNode, HHook,
    HKind, HDepth, HIndex, HCopyId, HArg, HText, HXlate, HState, HStateHow,
    HXBSrc, HXBDst, HXASrc, HXADst,
};

struct FieldDef {
    const char* name;
    F f;
    bool str;  // compares as a string
};

const FieldDef kFields[] = {
    {"hops", F::Hops, false},          {"path", F::Path, true},
    {"trace_id", F::TraceId, false},   {"parent_id", F::ParentId, false},
    {"packet_id", F::PacketId, false}, {"truncated", F::Truncated, false},
    {"flags", F::Flags, false},        {"linktype", F::Linktype, false},
    {"hop.file", F::HFile, true},      {"hop.line", F::HLine, false},
    {"hop.func", F::HFunc, true},      {"hop.location", F::HLocation, true},
    {"hop.subsys", F::HSubsys, true},  {"hop.vnet", F::HVnet, false},
    {"hop.rule", F::HRule, false},     {"hop.ruleset", F::HRuleset, true},
    {"hop.action", F::HAction, true},  {"hop.ifname", F::HIfname, true},
    {"hop.ifindex", F::HIfindex, false}, {"hop.dir", F::HDir, true},
    {"hop.ts", F::HTs, false},         {"hop.msg", F::HMsg, true},
    {"hop.drop", F::HDrop, true},      {"hop.cpu", F::HCpu, false},
    {"hop.node", F::HNode, true},      {"hop.hook", F::HHook, true},
    {"hop.kind", F::HKind, true},      {"hop.depth", F::HDepth, false},
    {"hop.index", F::HIndex, false},   {"hop.copy_id", F::HCopyId, false},
    {"hop.arg", F::HArg, true},        {"hop.text", F::HText, true},
    {"hop.xlate", F::HXlate, true},    {"hop.state", F::HState, false},
    {"hop.state.how", F::HStateHow, true},
    {"hop.xlate.before.src", F::HXBSrc, true},
    {"hop.xlate.before.dst", F::HXBDst, true},
    {"hop.xlate.after.src", F::HXASrc, true},
    {"hop.xlate.after.dst", F::HXADst, true},
    {"hops_lost", F::HopsLost, false}, {"alloc_fail", F::AllocFail, false},
};

bool is_hop(F f)
{
    return f >= F::HFile;
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

Val str(bool present, std::string s)
{
    Val x;
    x.present = present;
    x.str = std::move(s);
    return x;
}

Val record_value(const Record& r, F f)
{
    switch (f) {
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
    case F::Truncated: {
        const bool t = (r.flags && (r.flags.v & MBT_RF_HOPS_LOST)) ||
                       (r.hops_lost && r.hops_lost.v);
        return num(true, t ? 1 : 0);
    }
    case F::Flags:
        return num(r.flags.present, r.flags.v);
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
    case F::HFile:
        return str(h.file.present, r.file_of(h));
    case F::HLine:
        return num(h.line.present, h.line.v);
    case F::HFunc:
        return str(h.func.present, r.str(h.func));
    case F::HLocation:
        return str(h.file.present,
                   r.file_of(h) + ":" + std::to_string(h.line.v));
    case F::HSubsys: {
        Val v = str(h.subsys.present, subsys_name(h.subsys.v));
        v.has_num = true;
        v.num = h.subsys.v;
        return v;
    }
    case F::HVnet:
        return num(h.vnet.present, h.vnet.v);
    case F::HRule:
        return num(h.rule.present, h.rule.v);
    case F::HRuleset:
        return str(h.rule.present, r.str(h.ruleset));
    case F::HAction: {
        Val v = str(h.action.present, action_name(h.action.v));
        v.has_num = true;
        v.num = h.action.v;
        return v;
    }
    case F::HIfname:
        return str(h.ifname.present, r.str(h.ifname));
    case F::HIfindex:
        return num(h.ifname.present, h.ifindex.v);
    case F::HDir:
        return str(h.ifname.present && h.dir.v, dir_name(h.dir.v));
    case F::HTs:
        return num(h.time_ns.present, h.time_ns.v);
    case F::HMsg:
        return str(h.msg.present, r.str(h.msg));
    case F::HDrop:
        return str(h.drop.present, r.str(h.drop));
    case F::HCpu:
        return num(h.cpu.present, h.cpu.v);
    case F::HNode:
        return str(h.node.present, r.str(h.node));
    case F::HHook:
        return str(h.node.present, r.str(h.hook));
    case F::HKind:
        return str(true, kind_name(h.kind.v));
    case F::HDepth:
        return num(true, h.depth.v);
    case F::HIndex:
        return num(true, h.index);
    case F::HCopyId:
        return num(h.copy_id.present, h.copy_id.v);
    case F::HArg:
        return str(h.arg.present, r.str(h.arg));
    case F::HText:
        return str(h.text.present, r.str(h.text));
    case F::HXlate:
        return str(h.xlate.present,
                   h.xlate.present ? xlate_text(h.xlate.v) : std::string());
    case F::HState:
        return num(h.state.present, h.state.v.id);
    case F::HStateHow:
        return str(h.state.present, state_how_name(h.state.v.how));
    case F::HXBSrc:
    case F::HXBDst:
    case F::HXASrc:
    case F::HXADst: {
        if (!h.xlate.present)
            return Val{};
        mbt_xlate_side xs = (f == F::HXBSrc || f == F::HXBDst)
                                ? h.xlate.v.xl_before
                                : h.xlate.v.xl_after;
        xs.xs_sport = xs.xs_dport = 0;  // the address alone
        return str(true, xlate_addr(xs, f == F::HXBSrc || f == F::HXASrc));
    }
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
    bool field_str = false;
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

    bool eval(const Record& r) const
    {
        switch (kind) {
        case Or:
            return a->eval(r) || b->eval(r);
        case And:
            return a->eval(r) && b->eval(r);
        case Not:
            return !a->eval(r);
        case Test:
            break;
        }
        bool any = false;
        if (is_hop(field)) {
            for (const Hop& h : r.hops)
                if (cmp(hop_value(r, h, field))) {
                    any = true;
                    break;
                }
        } else
            any = cmp(record_value(r, field));
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
        if (name.rfind("mbuftrace.", 0) == 0)
            name = name.substr(10);
        auto n = std::make_unique<FilterNode>();
        bool found = false;
        for (const FieldDef& d : kFields)
            if (name == d.name) {
                n->field = d.f;
                n->field_str = d.str;
                found = true;
            }
        if (!found) {
            i_ = at;
            fail("unknown field '" + name + "' (known: " +
                 filter_field_list() + ")");
        }
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
        if (!n->field_str && !n->lit_is_num && n->op != Op::Contains &&
            n->op != Op::Matches && name != "truncated")
            fail("'" + name + "' is a number, '" + n->lit + "' is not");
        if (name == "truncated" && !n->lit_is_num) {
            if (n->lit == "true" || n->lit == "True")
                n->lit_is_num = true, n->lit_num = 1;
            else if (n->lit == "false" || n->lit == "False")
                n->lit_is_num = true, n->lit_num = 0;
            else
                fail("truncated is 0/1 or true/false");
        }
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

bool Filter::match(const Record& r) const
{
    return root_->eval(r);
}

const char* filter_field_list()
{
    return "hops path trace_id parent_id packet_id truncated flags linktype "
           "hops_lost alloc_fail "
           "hop.file hop.line hop.func hop.location hop.subsys hop.vnet "
           "hop.rule hop.ruleset hop.action hop.ifname hop.ifindex hop.dir "
           "hop.ts hop.msg hop.drop hop.cpu hop.node hop.hook hop.kind "
           "hop.depth hop.index hop.copy_id hop.arg hop.text hop.xlate "
           "hop.xlate.before.src hop.xlate.before.dst hop.xlate.after.src "
           "hop.xlate.after.dst hop.state hop.state.how";
}

}  // namespace mbt::tool
