// The one vocabulary (vocab.hpp): the table, and lookups by id and name.
#include "mbuftrace/vocab.hpp"

namespace mbt {

namespace {

const Term kTerms[] = {
#define MBT_TERM_(id, name, scope, type, tool, meaning) \
    {TermId::id, name, TermScope::scope, TermType::type, tool != 0, meaning},
    MBT_VOCABULARY(MBT_TERM_)
#undef MBT_TERM_
};

constexpr std::string_view kPrefix = "mbuftrace.";

}  // namespace

const Term* vocabulary(size_t* n)
{
    *n = sizeof kTerms / sizeof kTerms[0];
    return kTerms;
}

const Term& term(TermId id)
{
    return kTerms[size_t(id)];
}

const Term* find_term(std::string_view name)
{
    for (const Term& t : kTerms) {
        const std::string_view full = t.name;
        if (name == full)
            return &t;
        if (full.rfind(kPrefix, 0) == 0 && name == full.substr(kPrefix.size()))
            return &t;
    }
    return nullptr;
}

const char* term_scope_name(TermScope s)
{
    switch (s) {
    case TermScope::Frame:
        return "frame";
    case TermScope::Record:
        return "record";
    case TermScope::Hop:
        return "hop";
    case TermScope::Expert:
        return "expert";
    case TermScope::Meta:
        return "meta";
    }
    return "?";
}

const char* term_type_name(TermType t)
{
    switch (t) {
    case TermType::None:
        return "none";
    case TermType::Bool:
        return "bool";
    case TermType::Number:
        return "number";
    case TermType::String:
        return "string";
    case TermType::Bytes:
        return "bytes";
    case TermType::Time:
        return "time";
    case TermType::Address:
        return "address";
    }
    return "?";
}

std::string_view expert_short_name(TermId id)
{
    constexpr std::string_view pre = "mbuftrace.expert.";
    std::string_view n = term(id).name;
    return n.rfind(pre, 0) == 0 ? n.substr(pre.size()) : n;
}

}  // namespace mbt
