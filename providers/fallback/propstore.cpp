#include "providers/fallback/propstore.h"

#include "libmapi/propcodec.h"

#include <bit>
#include <cmath>
#include <cwctype>
#include <locale.h>
#include <wctype.h>

namespace mg::store::fallback {

using namespace mapi;

// Lossless storage form of the wire codec: UTF-8 for 8-bit strings, 32-bit
// counts.
static CodecOptions storage_codec() {
    CodecOptions o;
    o.codepage = 65001;
    o.counts = CountWidth::Wide;
    return o;
}

// ---- sort keys (see the schema comment of fallback_props)

namespace {
enum KeyKind : uint8_t { KBool = 1, KNumber = 2, KTime = 3, KString = 4, KGuid = 5, KBinary = 6 };

void put_be64(Bytes& out, uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(uint8_t(v >> (8 * i)));
}
void put_int_key(Bytes& out, int64_t v) { put_be64(out, uint64_t(v) ^ 0x8000000000000000ULL); }
void put_double_key(Bytes& out, double d) {
    if (std::isnan(d)) {  // NaN after every number (compare_values)
        put_be64(out, ~uint64_t(0));
        return;
    }
    if (d == 0) d = 0;  // -0 == +0
    uint64_t bits = std::bit_cast<uint64_t>(d);
    put_be64(out, (bits & 0x8000000000000000ULL) ? ~bits : bits ^ 0x8000000000000000ULL);
}
void put_number(Bytes& out, double approx, int64_t exact) {
    out.push_back(KNumber);
    put_double_key(out, approx);
    put_int_key(out, exact);
}
int64_t saturate(double d) {
    if (std::isnan(d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return int64_t(d);
}
}  // namespace

std::optional<Bytes> sort_key_of(const PropValue& v) {
    Bytes k;
    switch (prop_type(v.tag)) {
    case PT_BOOLEAN: k = {KBool, uint8_t(std::get<bool>(v.value) ? 1 : 0)}; break;
    case PT_SHORT: put_number(k, std::get<int16_t>(v.value), std::get<int16_t>(v.value)); break;
    case PT_LONG: put_number(k, std::get<int32_t>(v.value), std::get<int32_t>(v.value)); break;
    case PT_I8: case PT_CURRENCY: {
        int64_t i = std::get<int64_t>(v.value);
        put_number(k, double(i), i);
        break;
    }
    case PT_FLOAT: put_number(k, std::get<float>(v.value), saturate(std::get<float>(v.value))); break;
    case PT_DOUBLE: case PT_APPTIME: put_number(k, std::get<double>(v.value), saturate(std::get<double>(v.value))); break;
    case PT_SYSTIME: k.push_back(KTime); put_int_key(k, std::get<int64_t>(v.value)); break;
    case PT_STRING8: case PT_UNICODE: {
        // Folded text, then the text itself as the tie-break.
        const std::string& s = std::get<std::string>(v.value);
        std::string f = fold_text(s);
        k.push_back(KString);
        k.insert(k.end(), f.begin(), f.end());
        k.push_back(0);
        k.insert(k.end(), s.begin(), s.end());
        break;
    }
    case PT_CLSID: {
        const Guid& g = std::get<Guid>(v.value);
        k.push_back(KGuid);
        k.insert(k.end(), g.b.begin(), g.b.end());
        break;
    }
    case PT_BINARY: case PT_SVREID: case PT_ACTIONS: {
        const Bytes& b = std::get<Bytes>(v.value);
        k.push_back(KBinary);
        k.insert(k.end(), b.begin(), b.end());
        break;
    }
    default: return std::nullopt;
    }
    if (k.size() > 255) k.resize(255);  // ties past 255 bytes fall back to the MID order
    return k;
}

// ---- value encoding

StoredValue encode_value(const PropValue& v) {
    uint16_t type = prop_type(v.tag);
    if (type == PT_UNSPECIFIED || type == PT_OBJECT || type == PT_ERROR || (type & PT_MV_INSTANCE) ||
        !is_known_type(type))
        throw StoreError(ec::NotSupported, std::string("cannot store a value of type ") + type_name(type));
    if (!v.well_formed()) throw StoreError(ec::BadValue, "value does not match its tag's type");
    StoredValue s;
    s.type = type;
    switch (type) {
    case PT_NULL: break;
    case PT_SHORT: s.v_int = std::get<int16_t>(v.value); break;
    case PT_LONG: s.v_int = std::get<int32_t>(v.value); break;
    case PT_BOOLEAN: s.v_int = std::get<bool>(v.value) ? 1 : 0; break;
    case PT_I8: case PT_CURRENCY: case PT_SYSTIME: s.v_int = std::get<int64_t>(v.value); break;
    case PT_FLOAT: case PT_DOUBLE: case PT_APPTIME: {
        double d = type == PT_FLOAT ? double(std::get<float>(v.value)) : std::get<double>(v.value);
        // MariaDB's DOUBLE has no NaN or infinities.
        if (!std::isfinite(d)) throw StoreError(ec::NotSupported, "non-finite floating value");
        s.v_double = d;
        break;
    }
    case PT_STRING8: case PT_UNICODE: {
        const std::string& t = std::get<std::string>(v.value);
        s.v_text = t;
        std::string f = fold_text(t);
        s.v_fold = Bytes(f.begin(), f.end());
        break;
    }
    case PT_CLSID: {
        const Guid& g = std::get<Guid>(v.value);
        s.v_blob = Bytes(g.b.begin(), g.b.end());
        break;
    }
    case PT_BINARY: case PT_SVREID: case PT_ACTIONS: s.v_blob = std::get<Bytes>(v.value); break;
    default: {
        // Multi-valued and restriction values: their MS-OXCDATA wire form.
        ByteWriter w;
        uint16_t wire_type = type == PT_MV_STRING8 ? uint16_t(PT_MV_UNICODE) : type;
        try {
            write_value(w, wire_type, v.value, storage_codec());
        } catch (const std::exception& e) {
            throw StoreError(ec::BadValue, std::string("cannot store value: ") + e.what());
        }
        s.v_blob = w.take();
        break;
    }
    }
    s.sort_key = sort_key_of(v);
    return s;
}

PropValue decode_value(uint16_t prop_id, const StoredValue& s) {
    PropTag tag = make_tag(prop_id, s.type);
    PropValue v{tag, std::monostate{}};
    int64_t i = s.v_int.value_or(0);
    double d = s.v_double.value_or(0);
    switch (s.type) {
    case PT_NULL: break;
    case PT_SHORT: v.value = int16_t(i); break;
    case PT_LONG: v.value = int32_t(i); break;
    case PT_BOOLEAN: v.value = i != 0; break;
    case PT_I8: case PT_CURRENCY: case PT_SYSTIME: v.value = i; break;
    case PT_FLOAT: v.value = float(d); break;
    case PT_DOUBLE: case PT_APPTIME: v.value = d; break;
    case PT_STRING8: case PT_UNICODE: v.value = s.v_text.value_or(std::string()); break;
    case PT_CLSID: {
        Guid g;
        if (s.v_blob && s.v_blob->size() == 16) std::copy(s.v_blob->begin(), s.v_blob->end(), g.b.begin());
        v.value = g;
        break;
    }
    case PT_BINARY: case PT_SVREID: case PT_ACTIONS: v.value = s.v_blob.value_or(Bytes()); break;
    default: {
        const Bytes empty;
        const Bytes& b = s.v_blob ? *s.v_blob : empty;
        ByteReader r(b);
        uint16_t wire_type = s.type == PT_MV_STRING8 ? uint16_t(PT_MV_UNICODE) : s.type;
        try {
            v.value = read_value(r, wire_type, storage_codec());
        } catch (const std::exception& e) {
            return PropValue::error(tag, ec::NotFound);  // damaged row: report, never crash
        }
        break;
    }
    }
    return v;
}

static bool is_string_type(uint16_t t) { return t == PT_STRING8 || t == PT_UNICODE; }
static bool is_mv_string_type(uint16_t t) { return t == PT_MV_STRING8 || t == PT_MV_UNICODE; }

PropValue as_requested(PropTag asked, PropValue stored) {
    uint16_t want = prop_type(asked), have = prop_type(stored.tag);
    if (stored.is_error() || want == PT_UNSPECIFIED || want == have) return stored;
    if ((is_string_type(want) && is_string_type(have)) || (is_mv_string_type(want) && is_mv_string_type(have))) {
        stored.tag = asked;
        return stored;
    }
    return PropValue::error(asked, ec::NotFound);
}

// ---- PropStore

const char* const kPropCols = "prop_id, prop_type, v_int, v_double, v_text, v_blob";

PropValue decode_row(const DbRow& r, size_t o) {
    StoredValue s;
    s.type = uint16_t(r.u64(o + 1));
    s.v_int = r.opt_i64(o + 2);
    if (!r.is_null(o + 3)) s.v_double = r.dbl(o + 3);
    if (!r.is_null(o + 4)) s.v_text = r.str(o + 4);
    if (!r.is_null(o + 5)) s.v_blob = r.blob(o + 5);
    return decode_value(uint16_t(r.u64(o)), s);
}

Params id_list(std::initializer_list<Param> head, std::span<const Id> ids) {
    Params p;
    p.reserve(head.size() + ids.size());
    for (auto& h : head) p.push_back(h);
    for (Id i : ids) p.emplace_back(i);
    return p;
}

PropList PropStore::get(Id obj, std::span<const PropTag> tags) {
    Id one[] = {obj};
    auto many = get_many(one, tags);
    auto it = many.find(obj);
    if (it != many.end()) return std::move(it->second);
    PropList out;
    for (PropTag t : tags) out.push_back(PropValue::error(t, ec::NotFound));
    return out;
}

std::map<Id, PropList> PropStore::get_many(std::span<const Id> objs, std::span<const PropTag> tags) {
    std::map<Id, std::map<uint16_t, PropValue>> found;
    if (!objs.empty() && !tags.empty()) {
        std::set<uint16_t> ids;
        for (PropTag t : tags) ids.insert(prop_id(t));
        Params p = id_list({mailbox_, unsigned(kind_)}, objs);
        for (uint16_t i : ids) p.emplace_back(unsigned(i));
        auto rows = db_.query(std::string("SELECT obj_id, ") + kPropCols +
                                  " FROM fallback_props WHERE mailbox_id = ? AND obj_kind = ? AND obj_id IN (" +
                                  sql_placeholders(objs.size()) + ") AND prop_id IN (" +
                                  sql_placeholders(ids.size()) + ")",
                              p);
        for (auto& r : rows) {
            PropValue v = decode_row(r, 1);
            found[r.u64(0)].emplace(prop_id(v.tag), std::move(v));
        }
    }
    std::map<Id, PropList> out;
    for (Id o : objs) {
        PropList& l = out[o];
        auto& have = found[o];
        for (PropTag t : tags) {
            auto it = have.find(prop_id(t));
            l.push_back(it == have.end() ? PropValue::error(t, ec::NotFound) : as_requested(t, it->second));
        }
    }
    return out;
}

PropList PropStore::get_all(Id obj) {
    Id one[] = {obj};
    return std::move(get_all_many(one)[obj]);
}

std::map<Id, PropList> PropStore::get_all_many(std::span<const Id> objs) {
    std::map<Id, PropList> out;
    if (objs.empty()) return out;
    for (auto& r : db_.query(std::string("SELECT obj_id, ") + kPropCols +
                                 " FROM fallback_props WHERE mailbox_id = ? AND obj_kind = ? AND obj_id IN (" +
                                 sql_placeholders(objs.size()) + ") ORDER BY obj_id, prop_id",
                             id_list({mailbox_, unsigned(kind_)}, objs)))
        out[r.u64(0)].push_back(decode_row(r, 1));
    return out;
}

std::vector<PropTag> PropStore::tags(Id obj) {
    std::vector<PropTag> out;
    for (auto& r : db_.query("SELECT prop_id, prop_type FROM fallback_props WHERE mailbox_id = ? AND obj_kind = ? "
                             "AND obj_id = ? ORDER BY prop_id",
                             {mailbox_, unsigned(kind_), obj}))
        out.push_back(make_tag(uint16_t(r.u64(0)), uint16_t(r.u64(1))));
    return out;
}

Problems PropStore::set(Id obj, const PropList& values) {
    Problems problems;
    for (size_t i = 0; i < values.size(); ++i) {
        const PropValue& v = values[i];
        StoredValue s;
        try {
            s = encode_value(v);
        } catch (const StoreError& e) {
            problems.push_back({uint16_t(i), v.tag, e.ec()});
            continue;
        }
        db_.exec("INSERT INTO fallback_props (mailbox_id, obj_kind, obj_id, prop_id, prop_type, v_int, v_double, "
                 "v_text, v_fold, v_blob, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON DUPLICATE KEY UPDATE prop_type = VALUES(prop_type), v_int = VALUES(v_int), "
                 "v_double = VALUES(v_double), v_text = VALUES(v_text), v_fold = VALUES(v_fold), "
                 "v_blob = VALUES(v_blob), sort_key = VALUES(sort_key)",
                 {mailbox_, unsigned(kind_), obj, unsigned(prop_id(v.tag)), unsigned(s.type), s.v_int, s.v_double,
                  s.v_text, s.v_fold, s.v_blob, s.sort_key});
    }
    return problems;
}

void PropStore::set_many(std::span<const std::pair<Id, PropValue>> values) {
    for (size_t i = 0; i < values.size(); i += 200) {
        auto chunk = values.subspan(i, std::min<size_t>(200, values.size() - i));
        Params p;
        std::string rows;
        for (const auto& [obj, v] : chunk) {
            StoredValue s = encode_value(v);
            rows += rows.empty() ? "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            for (Param x : {Param(mailbox_), Param(unsigned(kind_)), Param(obj), Param(unsigned(prop_id(v.tag))),
                            Param(unsigned(s.type)), Param(s.v_int), Param(s.v_double), Param(s.v_text),
                            Param(s.v_fold), Param(s.v_blob), Param(s.sort_key)})
                p.push_back(std::move(x));
        }
        db_.exec("INSERT INTO fallback_props (mailbox_id, obj_kind, obj_id, prop_id, prop_type, v_int, v_double, "
                 "v_text, v_fold, v_blob, sort_key) VALUES " + rows +
                     " ON DUPLICATE KEY UPDATE prop_type = VALUES(prop_type), v_int = VALUES(v_int), "
                     "v_double = VALUES(v_double), v_text = VALUES(v_text), v_fold = VALUES(v_fold), "
                     "v_blob = VALUES(v_blob), sort_key = VALUES(sort_key)",
                 p);
    }
}

void PropStore::remove(Id obj, std::span<const PropTag> tags) {
    if (tags.empty()) return;
    Params p{mailbox_, unsigned(kind_), obj};
    for (PropTag t : tags) p.emplace_back(unsigned(prop_id(t)));
    db_.exec("DELETE FROM fallback_props WHERE mailbox_id = ? AND obj_kind = ? AND obj_id = ? AND prop_id IN (" +
                 sql_placeholders(tags.size()) + ")",
             p);
}

void PropStore::remove_all(Id obj) {
    Id one[] = {obj};
    remove_all(one);
}

void PropStore::remove_all(std::span<const Id> objs) {
    for (size_t i = 0; i < objs.size(); i += 500) {
        auto chunk = objs.subspan(i, std::min<size_t>(500, objs.size() - i));
        db_.exec("DELETE FROM fallback_props WHERE mailbox_id = ? AND obj_kind = ? AND obj_id IN (" +
                     sql_placeholders(chunk.size()) + ")",
                 id_list({mailbox_, unsigned(kind_)}, chunk));
    }
}

}  // namespace mg::store::fallback
