#include "providers/fallback/sql.h"

#include "libmapi/proptags.h"
#include "providers/fallback/propstore.h"

#include <cmath>

namespace mg::store::fallback {

using namespace mapi;

// Message columns the provider computes instead of storing.
const std::vector<PropTag>& computed_message_columns() {
    static const std::vector<PropTag> cols = {
        PidTagMid, PidTagFolderId, PidTagAssociated, PidTagInstID, PidTagInstanceNum, PidTagEntryId,
        PidTagParentEntryId, PidTagRecordKey, PidTagInstanceKey, PidTagMessageSize, PidTagParentFolderId,
        PidTagRowType, PidTagDepth};
    return cols;
}

bool is_computed(PropTag tag) {
    for (PropTag c : computed_message_columns())
        if (prop_id(c) == prop_id(tag)) return true;
    return false;
}

static bool is_string(uint16_t t) { return t == PT_STRING8 || t == PT_UNICODE; }

std::string type_condition(const std::string& alias, PropTag tag, Params& params) {
    uint16_t t = prop_type(tag);
    if (is_string(t)) return alias + ".prop_type IN (30, 31)";
    params.emplace_back(unsigned(t));
    return alias + ".prop_type = ?";
}

namespace {

const char* relop_sql(RelOp op) {
    switch (op) {
    case RELOP_LT: return "<";
    case RELOP_LE: return "<=";
    case RELOP_GT: return ">";
    case RELOP_GE: return ">=";
    case RELOP_EQ: return "=";
    case RELOP_NE: return "<>";
    default: return nullptr;
    }
}

// EXISTS over the message's property row of `tag` with extra `cond`.
SqlFragment exists_prop(PropTag tag, const std::string& cond, Params cond_params) {
    SqlFragment f;
    f.params.emplace_back(unsigned(prop_id(tag)));
    std::string tc = type_condition("p", tag, f.params);
    f.sql = "EXISTS (SELECT 1 FROM fallback_props p WHERE p.mailbox_id = m.mailbox_id AND p.obj_kind = 2 "
            "AND p.obj_id = m.mid AND p.prop_id = ? AND " + tc + (cond.empty() ? "" : " AND " + cond) + ")";
    for (auto& p : cond_params) f.params.push_back(std::move(p));
    return f;
}

bool comparable_tag(PropTag tag) {
    uint16_t t = prop_type(tag);
    return !is_multi(t) && !(t & PT_MV_INSTANCE) && !is_computed(tag) && t != PT_ERROR && t != PT_NULL &&
           t != PT_UNSPECIFIED && t != PT_SRESTRICT && t != PT_OBJECT;
}

std::optional<SqlFragment> property(const Restriction& r) {
    const char* op = relop_sql(r.relop);
    if (!op || !r.value || !comparable_tag(r.tag)) return std::nullopt;
    const PropValue& v = *r.value;
    uint16_t t = prop_type(r.tag), vt = prop_type(v.tag);
    if (!(vt == t || (is_string(vt) && is_string(t))) || !v.well_formed()) return std::nullopt;
    Params p;
    std::string col;
    switch (t) {
    case PT_SHORT: col = "p.v_int"; p.emplace_back(int64_t(std::get<int16_t>(v.value))); break;
    case PT_LONG: col = "p.v_int"; p.emplace_back(int64_t(std::get<int32_t>(v.value))); break;
    case PT_I8: case PT_CURRENCY: case PT_SYSTIME: col = "p.v_int"; p.emplace_back(std::get<int64_t>(v.value)); break;
    case PT_BOOLEAN: col = "p.v_int"; p.emplace_back(int64_t(std::get<bool>(v.value) ? 1 : 0)); break;
    case PT_FLOAT: case PT_DOUBLE: case PT_APPTIME: {
        double d = t == PT_FLOAT ? double(std::get<float>(v.value)) : std::get<double>(v.value);
        if (!std::isfinite(d)) return std::nullopt;
        col = "p.v_double";
        p.emplace_back(d);
        break;
    }
    case PT_STRING8: case PT_UNICODE: {
        std::string f = fold_text(std::get<std::string>(v.value));
        col = "p.v_fold";
        p.emplace_back(Bytes(f.begin(), f.end()));
        break;
    }
    case PT_CLSID: {
        const Guid& g = std::get<Guid>(v.value);
        col = "p.v_blob";
        p.emplace_back(Bytes(g.b.begin(), g.b.end()));
        break;
    }
    case PT_BINARY: case PT_SVREID: case PT_ACTIONS: col = "p.v_blob"; p.emplace_back(std::get<Bytes>(v.value)); break;
    default: return std::nullopt;
    }
    return exists_prop(r.tag, col + " " + op + " ?", std::move(p));
}

std::optional<SqlFragment> content(const Restriction& r) {
    if (!r.value || !comparable_tag(r.tag)) return std::nullopt;
    uint16_t t = prop_type(r.tag), vt = prop_type(r.value->tag);
    uint16_t low = uint16_t(r.fuzzy & 0xFFFF), high = uint16_t(r.fuzzy >> 16);
    if (high & (FL_IGNORENONSPACE | FL_LOOSE)) return std::nullopt;
    bool icase = (high & FL_IGNORECASE) != 0;
    Bytes needle;
    std::string col;
    if (is_string(t) && is_string(vt)) {
        const std::string& s = std::get<std::string>(r.value->value);
        std::string n = icase ? fold_text(s) : s;
        needle.assign(n.begin(), n.end());
        col = icase ? "p.v_fold" : "CAST(p.v_text AS BINARY)";
    } else if (t == PT_BINARY && vt == PT_BINARY && !icase) {
        needle = std::get<Bytes>(r.value->value);
        col = "p.v_blob";
    } else {
        return std::nullopt;
    }
    Params p;
    std::string cond;
    switch (low) {
    case FL_FULLSTRING: cond = col + " = ?"; break;
    case FL_SUBSTRING: cond = "LOCATE(?, " + col + ") > 0"; break;
    case FL_PREFIX: cond = "LOCATE(?, " + col + ") = 1"; break;
    default: return std::nullopt;
    }
    p.emplace_back(std::move(needle));
    return exists_prop(r.tag, cond, std::move(p));
}

std::optional<SqlFragment> bitmask(const Restriction& r) {
    uint16_t t = prop_type(r.tag);
    if ((t != PT_SHORT && t != PT_LONG && t != PT_I8) || is_computed(r.tag)) return std::nullopt;
    Params p;
    p.emplace_back(int64_t(r.mask));
    return exists_prop(r.tag, std::string("(p.v_int & ?) ") + (r.bitmap_op == BMR_EQZ ? "= 0" : "<> 0"),
                       std::move(p));
}

}  // namespace

std::optional<SqlFragment> translate_restriction(const Restriction& r) {
    switch (r.type) {
    case Restriction::And:
    case Restriction::Or: {
        if (r.children.empty()) return SqlFragment{r.type == Restriction::And ? "TRUE" : "FALSE", {}};
        SqlFragment out;
        const char* glue = r.type == Restriction::And ? " AND " : " OR ";
        for (size_t i = 0; i < r.children.size(); ++i) {
            auto c = translate_restriction(r.children[i]);
            if (!c) return std::nullopt;
            out.sql += (i ? glue : "") + ("(" + c->sql + ")");
            for (auto& p : c->params) out.params.push_back(std::move(p));
        }
        return out;
    }
    case Restriction::Not: {
        if (r.children.size() != 1) return std::nullopt;
        auto c = translate_restriction(r.children[0]);
        if (!c) return std::nullopt;
        c->sql = "NOT (" + c->sql + ")";
        return c;
    }
    case Restriction::Comment:
        if (r.children.empty()) return SqlFragment{"TRUE", {}};
        return translate_restriction(r.children[0]);
    case Restriction::Exist:
        if (!comparable_tag(r.tag) && !(is_multi(prop_type(r.tag)) && !is_computed(r.tag))) return std::nullopt;
        return exists_prop(r.tag, "", {});
    case Restriction::Property: return property(r);
    case Restriction::Content: return content(r);
    case Restriction::Bitmask: return bitmask(r);
    default: return std::nullopt;
    }
}

}  // namespace mg::store::fallback
