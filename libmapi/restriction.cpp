// Restrictions (MS-OXCDATA 2.12) and sort orders (2.13): equality, wire
// codec, evaluation against a property accessor, and the value order used
// for table sorting.
#include "libmapi/restriction.h"
#include "libmapi/propcodec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace mg::mapi {

// ================================================================ equality
bool Restriction::operator==(const Restriction& o) const {
    if (type != o.type) return false;
    switch (type) {
    case And: case Or: case Not: return children == o.children;
    case Content: return fuzzy == o.fuzzy && tag == o.tag && value == o.value;
    case Property: return relop == o.relop && tag == o.tag && value == o.value;
    case CompareProps: return relop == o.relop && tag == o.tag && tag2 == o.tag2;
    case Bitmask: return bitmap_op == o.bitmap_op && tag == o.tag && mask == o.mask;
    case Size: return relop == o.relop && tag == o.tag && size == o.size;
    case Exist: return tag == o.tag;
    case SubRestriction: return tag == o.tag && children == o.children;
    case Comment: return comment_props == o.comment_props && children == o.children;
    case Count: return count == o.count && children == o.children;
    }
    return false;
}

// ================================================================ codec
namespace {

bool valid_relop(uint8_t op, bool property) {
    // 2.12.5.1 lists LT..NE and MEMBER_OF_DL for PropertyRestriction; RE is
    // the PR_ANR operator of [MS-NSPI]. CompareProps and Size take LT..NE.
    return op <= RELOP_NE || (property && (op == RELOP_RE || op == RELOP_MEMBER_OF_DL));
}

// Smallest restriction on the wire: an And/Or with no children (type + count).
constexpr size_t kMinRestrictionSize = 3;

class RPull {
public:
    RPull(ByteReader& r, const CodecOptions& o) : r_(r), o_(o) {}
    void u32(uint32_t& v) { v = r_.u32(); }
    void relop(RelOp& op, bool property) {
        uint8_t b = r_.u8();
        if (!valid_relop(b, property)) throw DecodeError("restriction: invalid RelOp " + std::to_string(b));
        op = RelOp(b);
    }
    void bitmap_op(BitmapOp& op) {
        uint8_t b = r_.u8();
        if (b > BMR_NEZ) throw DecodeError("BitMaskRestriction: invalid BitmapRelOp " + std::to_string(b));
        op = BitmapOp(b);
    }
    // FuzzyLevelLow (2 bytes) then FuzzyLevelHigh (2 bytes) = one LE u32.
    void fuzzy(uint32_t& f) {
        f = r_.u32();
        if ((f & 0xFFFF) > FL_PREFIX) throw DecodeError("ContentRestriction: invalid FuzzyLevelLow " + std::to_string(f & 0xFFFF));
    }
    void value(std::optional<PropValue>& v) { v = read_tagged_value(r_, o_); }
    void children(std::vector<Restriction>& c) {
        uint32_t n = o_.counts == CountWidth::Wide ? r_.u32() : r_.u16();  // RestrictCount (2.12.1.1)
        if (n > r_.remaining() / kMinRestrictionSize) throw DecodeError("restriction: RestrictCount exceeds the input");
        c.reserve(n);
        for (uint32_t i = 0; i < n; ++i) c.push_back(read_restriction(r_, o_));
    }
    void one_child(std::vector<Restriction>& c) { c.push_back(read_restriction(r_, o_)); }
    void optional_child(std::vector<Restriction>& c) {
        uint8_t present = r_.u8();  // RestrictionPresent (2.12.11.1)
        if (present > 1) throw DecodeError("CommentRestriction: invalid RestrictionPresent " + std::to_string(present));
        if (present) one_child(c);
    }
    void comment_values(PropList& props) {
        uint8_t n = r_.u8();  // TaggedValuesCount
        if (n > r_.remaining() / 4) throw DecodeError("CommentRestriction: TaggedValuesCount exceeds the input");
        for (uint8_t i = 0; i < n; ++i) {
            props.push_back(read_tagged_value(r_, o_));
            if (is_multi(prop_type(props.back().tag)))
                throw DecodeError("CommentRestriction: multivalued TaggedValue");
        }
    }

private:
    ByteReader& r_;
    const CodecOptions& o_;
};

class RPush {
public:
    RPush(ByteWriter& w, const CodecOptions& o) : w_(w), o_(o) {}
    void u32(uint32_t v) { w_.u32(v); }
    void relop(RelOp op, bool property) {
        if (!valid_relop(op, property)) throw EncodeError("restriction: invalid RelOp " + std::to_string(op));
        w_.u8(op);
    }
    void bitmap_op(BitmapOp op) {
        if (op > BMR_NEZ) throw EncodeError("BitMaskRestriction: invalid BitmapRelOp");
        w_.u8(op);
    }
    void fuzzy(uint32_t f) {
        if ((f & 0xFFFF) > FL_PREFIX) throw EncodeError("ContentRestriction: invalid FuzzyLevelLow");
        w_.u32(f);
    }
    void value(const std::optional<PropValue>& v) {
        if (!v) throw EncodeError("restriction without its TaggedValue");
        write_tagged_value(w_, *v, o_);
    }
    void children(const std::vector<Restriction>& c) {
        if (o_.counts == CountWidth::Wide) {
            w_.u32(uint32_t(c.size()));
        } else {
            if (c.size() > 0xFFFF) throw EncodeError("restriction: more than 65535 children");
            w_.u16(uint16_t(c.size()));
        }
        for (const auto& child : c) write_restriction(w_, child, o_);
    }
    void one_child(const std::vector<Restriction>& c) {
        if (c.size() != 1) throw EncodeError("restriction needs exactly one child, has " + std::to_string(c.size()));
        write_restriction(w_, c[0], o_);
    }
    void optional_child(const std::vector<Restriction>& c) {
        if (c.size() > 1) throw EncodeError("CommentRestriction has more than one child");
        w_.u8(uint8_t(c.size()));
        if (!c.empty()) write_restriction(w_, c[0], o_);
    }
    void comment_values(const PropList& props) {
        if (props.size() > 0xFF) throw EncodeError("CommentRestriction: more than 255 TaggedValues");
        w_.u8(uint8_t(props.size()));
        for (const auto& p : props) {
            if (is_multi(prop_type(p.tag))) throw EncodeError("CommentRestriction: multivalued TaggedValue");
            write_tagged_value(w_, p, o_);
        }
    }

private:
    ByteWriter& w_;
    const CodecOptions& o_;
};

// The layout of each restriction after its RestrictType byte (2.12.1-2.12.12),
// for both directions. R is Restriction (RPull) or const Restriction (RPush).
template <class IO, class R> void restriction_io(IO& io, R& res) {
    switch (res.type) {
    case Restriction::And: case Restriction::Or: return io.children(res.children);
    case Restriction::Not: return io.one_child(res.children);
    case Restriction::Content: io.fuzzy(res.fuzzy); io.u32(res.tag); return io.value(res.value);
    case Restriction::Property: io.relop(res.relop, true); io.u32(res.tag); return io.value(res.value);
    case Restriction::CompareProps: io.relop(res.relop, false); io.u32(res.tag); return io.u32(res.tag2);
    case Restriction::Bitmask: io.bitmap_op(res.bitmap_op); io.u32(res.tag); return io.u32(res.mask);
    case Restriction::Size: io.relop(res.relop, false); io.u32(res.tag); return io.u32(res.size);
    case Restriction::Exist: return io.u32(res.tag);
    case Restriction::SubRestriction: io.u32(res.tag); return io.one_child(res.children);
    case Restriction::Comment: io.comment_values(res.comment_props); return io.optional_child(res.children);
    case Restriction::Count: io.u32(res.count); return io.one_child(res.children);
    }
}

}  // namespace

Restriction read_restriction(ByteReader& r, const CodecOptions& o) {
    CodecOptions inner = o.nested(true);
    Restriction res;
    uint8_t type = r.u8();
    if (type > Restriction::Count) throw DecodeError("restriction: invalid RestrictType " + std::to_string(type));
    res.type = Restriction::Type(type);
    RPull io(r, inner);
    restriction_io(io, res);
    return res;
}

void write_restriction(ByteWriter& w, const Restriction& res, const CodecOptions& o) {
    CodecOptions inner = o.nested(false);
    if (res.type > Restriction::Count) throw EncodeError("restriction: invalid RestrictType " + std::to_string(res.type));
    w.u8(res.type);
    RPush io(w, inner);
    restriction_io(io, res);
}

Restriction parse_restriction(ByteView data, const CodecOptions& o) {
    ByteReader r(data);
    Restriction res = read_restriction(r, o);
    if (!r.empty()) throw DecodeError("restriction: " + std::to_string(r.remaining()) + " trailing bytes");
    return res;
}

Bytes encode_restriction(const Restriction& res, const CodecOptions& o) {
    ByteWriter w;
    write_restriction(w, res, o);
    return w.take();
}

// ---------------------------------------------------------------- sort orders
namespace {

void check_sort_order_set(const SortOrderSet& s, bool decoding) {
    auto bad = [&](const std::string& m) {
        if (decoding) throw DecodeError("SortOrderSet: " + m);
        throw EncodeError("SortOrderSet: " + m);
    };
    if (s.categories > s.sorts.size()) bad("CategorizedCount exceeds SortOrderCount");
    if (s.expanded > s.categories) bad("ExpandedCount exceeds CategorizedCount");
    int multi = 0;
    for (const auto& so : s.sorts) {
        if (so.order != SortOrder::Ascending && so.order != SortOrder::Descending && so.order != SortOrder::MaxCategory)
            bad("invalid Order " + std::to_string(so.order));
        bool mv = prop_type(so.tag) & PT_MV_FLAG, inst = prop_type(so.tag) & PT_MV_INSTANCE;
        if (mv != inst) bad("MultivalueFlag and MultivalueInstance must be set together (2.13.1)");
        multi += mv;
    }
    if (multi > 1) bad("more than one multivalue column");
}

}  // namespace

SortOrderSet read_sort_order_set(ByteReader& r) {
    SortOrderSet s;
    uint16_t n = r.u16();
    s.categories = r.u16();
    s.expanded = r.u16();
    if (n > r.remaining() / 5) throw DecodeError("SortOrderSet: SortOrderCount exceeds the input");
    s.sorts.resize(n);
    for (auto& so : s.sorts) {
        so.tag = r.u32();  // PropertyType then PropertyId: one LE tag
        so.order = SortOrder::Order(r.u8());
    }
    check_sort_order_set(s, true);
    return s;
}

void write_sort_order_set(ByteWriter& w, const SortOrderSet& s) {
    check_sort_order_set(s, false);
    if (s.sorts.size() > 0xFFFF) throw EncodeError("SortOrderSet: more than 65535 sort orders");
    w.u16(uint16_t(s.sorts.size()));
    w.u16(s.categories);
    w.u16(s.expanded);
    for (const auto& so : s.sorts) {
        w.u32(so.tag);
        w.u8(so.order);
    }
}

// ================================================================ values for comparison
namespace {

// Kinds of values, in their sort order.
enum class Kind : uint8_t { Missing, Bool, Number, Time, String, Guid, Binary, Multi, Restrict };

// One value (or one element of a multivalued one) seen for comparison.
struct Scalar {
    Kind kind = Kind::Missing;
    bool fp = false;    // Number: floating
    int64_t i = 0;      // Bool, Time, integral Number
    long double f = 0;  // floating Number (long double: exact for every int64 too)
    std::string_view s;
    ByteView b;  // Binary, Guid
    const Restriction* r = nullptr;
};

template <class T> Scalar scalar(uint16_t base_type, const T& x) {
    Scalar s;
    if constexpr (std::is_same_v<T, bool>) {
        s.kind = Kind::Bool;
        s.i = x;
    } else if constexpr (std::is_same_v<T, uint32_t> || std::is_same_v<T, std::monostate>) {
        s.kind = Kind::Missing;  // PT_ERROR / PT_NULL
    } else if constexpr (std::is_integral_v<T>) {
        s.kind = base_type == PT_SYSTIME ? Kind::Time : Kind::Number;
        s.i = int64_t(x);
    } else if constexpr (std::is_floating_point_v<T>) {
        s.kind = Kind::Number;
        s.fp = true;
        s.f = x;
    } else if constexpr (std::is_same_v<T, std::string>) {
        s.kind = Kind::String;
        s.s = x;
    } else if constexpr (std::is_same_v<T, Guid>) {
        s.kind = Kind::Guid;
        s.b = ByteView(x.b.data(), x.b.size());
    } else if constexpr (std::is_same_v<T, Bytes>) {
        s.kind = Kind::Binary;
        s.b = x;
    } else {
        static_assert(std::is_same_v<T, std::shared_ptr<const Restriction>>);
        s.kind = Kind::Restrict;
        s.r = x.get();
    }
    return s;
}

// The multivalued alternatives (Bytes is a vector too, but one binary value).
template <class T> struct IsVector : std::false_type {};
template <class T> struct IsVector<std::vector<T>> : std::true_type {};
template <> struct IsVector<Bytes> : std::false_type {};

bool is_mv(const PropValue& v) {
    return std::visit([](const auto& x) { return IsVector<std::decay_t<decltype(x)>>::value; }, v.value);
}

// Calls f(Scalar) for the value, or for each element of a multivalued one,
// until f returns true; returns whether it did.
template <class F> bool any_element(const PropValue& v, F&& f) {
    uint16_t base = uint16_t(value_type(prop_type(v.tag)) & ~PT_MV_FLAG);
    if (v.is_missing()) return f(Scalar{});
    return std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (IsVector<T>::value) {
                for (const auto& e : x)
                    if (f(scalar(base, e))) return true;
                return false;
            } else {
                return bool(f(scalar(base, x)));
            }
        },
        v.value);
}

template <class F> void each_element(const PropValue& v, F&& f) {
    any_element(v, [&](const Scalar& s) { f(s); return false; });
}

// ---------------------------------------------------------------- text folding
// Simple case folding for Latin, Greek, Cyrillic, Armenian and fullwidth
// Latin (the scripts of Unicode's simple case pairs that Outlook users type);
// other characters fold to themselves.
char32_t fold_case(char32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c < 0x100) return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c == 0xB5 ? 0x3BC : c;
    if (c < 0x180) {
        if (c == 0x130) return 'i';
        if (c == 0x178) return 0xFF;
        if (c == 0x17F) return 's';
        if (c == 0x131 || c == 0x138 || c == 0x149) return c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x386 && c <= 0x3AB) {
        if (c >= 0x391 && c != 0x3A2) return c + 32;
        if (c == 0x386) return 0x3AC;
        if (c >= 0x388 && c <= 0x38A) return c + 37;
        if (c == 0x38C) return 0x3CC;
        if (c == 0x38E || c == 0x38F) return c + 63;
        return c;
    }
    if (c == 0x3C2) return 0x3C3;  // final sigma
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c : c + 1;
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c + 1 : c;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return (c & 1) ? c : c + 1;
    if (c == 0x1E9E) return 0xDF;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

bool is_nonspacing(char32_t c) {
    return (c >= 0x300 && c <= 0x36F) || (c >= 0x483 && c <= 0x489) || (c >= 0x591 && c <= 0x5BD) ||
           (c >= 0x610 && c <= 0x61A) || (c >= 0x64B && c <= 0x65F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

// Base letters of the precomposed letters of Latin-1 and Latin Extended-A
// ('.' = no decomposition to a base letter).
constexpr char kBaseC0[] = "AAAAAA.CEEEEIIII.NOOOOO..UUUUY..aaaaaa.ceeeeiiii.nooooo..uuuuy.y";
constexpr char kBase100[] =
    "AaAaAaCcCcCcCcDd..EeEeEeEeEeGgGgGgGgHh..IiIiIiIiI...JjKk.LlLlLl....NnNnNn...OoOoOo..RrRrRrSsSsSs"
    "SsTtTt..UuUuUuUuUuUuWwYyYZzZzZz.";
static_assert(sizeof kBaseC0 == 64 + 1 && sizeof kBase100 == 128 + 1);

char32_t base_letter(char32_t c) {
    char b = c >= 0xC0 && c < 0x100 ? kBaseC0[c - 0xC0] : c >= 0x100 && c < 0x180 ? kBase100[c - 0x100] : '.';
    return b == '.' ? c : char32_t(b);
}

// The comparison key of a string. Invalid UTF-8 bytes map to U+DC80..U+DCFF
// (never produced by valid UTF-8), so they stay distinct and ordered.
std::u32string text_key(std::string_view s, bool icase, bool nonspace) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        char32_t c;
        if (!utf8_next(s, i, c)) c = 0xDC00 | uint8_t(s[i++]);
        if (nonspace) {
            if (is_nonspacing(c)) continue;
            c = base_letter(c);
        }
        out += icase ? fold_case(c) : c;
    }
    return out;
}

template <class T> int sign(const T& a, const T& b) { return a < b ? -1 : b < a ? 1 : 0; }

int bytes_cmp(ByteView a, ByteView b) {
    size_t n = std::min(a.size(), b.size());
    if (int c = n ? std::memcmp(a.data(), b.data(), n) : 0) return c < 0 ? -1 : 1;
    return sign(a.size(), b.size());
}

// Comparison of two scalars of the same kind. `total`: the sort order (NaN
// after every number, strings tie-broken bytewise, restrictions all equal);
// otherwise the restriction semantics (NaN and unequal restrictions are
// unordered).
std::optional<int> compare_same_kind(const Scalar& a, const Scalar& b, bool total) {
    switch (a.kind) {
    case Kind::Missing: return 0;
    case Kind::Bool: case Kind::Time: return sign(a.i, b.i);
    case Kind::Number: {
        if (!a.fp && !b.fp) return sign(a.i, b.i);
        long double x = a.fp ? a.f : (long double)a.i, y = b.fp ? b.f : (long double)b.i;
        bool nx = std::isnan(x), ny = std::isnan(y);
        if (nx || ny) {
            if (!total) return std::nullopt;
            return sign(nx, ny);
        }
        return sign(x, y);
    }
    case Kind::String: {
        int c = sign(text_key(a.s, true, false), text_key(b.s, true, false));
        return c || !total ? c : sign(a.s, b.s);
    }
    case Kind::Guid: case Kind::Binary: return bytes_cmp(a.b, b.b);
    case Kind::Restrict:
        if (total || a.r == b.r || (a.r && b.r && *a.r == *b.r)) return 0;
        return std::nullopt;
    case Kind::Multi: break;
    }
    return std::nullopt;
}

int order(const Scalar& a, const Scalar& b) {
    if (a.kind != b.kind) return sign(a.kind, b.kind);
    return *compare_same_kind(a, b, true);
}

std::optional<int> relcmp(const Scalar& a, const Scalar& b) {
    if (a.kind != b.kind || a.kind == Kind::Missing) return std::nullopt;
    return compare_same_kind(a, b, false);
}

bool holds(RelOp op, std::optional<int> c) {
    if (!c) return false;
    switch (op) {
    case RELOP_LT: return *c < 0;
    case RELOP_LE: return *c <= 0;
    case RELOP_GT: return *c > 0;
    case RELOP_GE: return *c >= 0;
    case RELOP_EQ: return *c == 0;
    case RELOP_NE: return *c != 0;
    default: return false;
    }
}

// Whole-array comparison of two multivalued operands.
std::optional<int> relcmp_arrays(const PropValue& a, const PropValue& b) {
    std::vector<Scalar> xs, ys;
    each_element(a, [&](const Scalar& s) { xs.push_back(s); });
    each_element(b, [&](const Scalar& s) { ys.push_back(s); });
    for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
        auto c = relcmp(xs[i], ys[i]);
        if (!c || *c) return c;
    }
    return sign(xs.size(), ys.size());
}

// RELOP_RE: a case-insensitive prefix match (what ANR does with names).
bool prefix_match(const Scalar& value, const Scalar& pattern) {
    if (value.kind != Kind::String || pattern.kind != Kind::String) return false;
    auto v = text_key(value.s, true, false), p = text_key(pattern.s, true, false);
    return v.compare(0, p.size(), p) == 0;
}

// Property/CompareProps: lhs (the object's value) `op` rhs, with the
// multivalue rules of evaluate().
bool relop_match(RelOp op, const PropValue& lhs, const PropValue& rhs) {
    if (lhs.is_missing() || rhs.is_missing()) return false;
    bool ml = is_mv(lhs), mr = is_mv(rhs);
    if (ml && mr) return op != RELOP_RE && holds(op, relcmp_arrays(lhs, rhs));
    if (mr) return false;
    Scalar want;
    each_element(rhs, [&](const Scalar& s) { want = s; });
    return any_element(lhs, [&](const Scalar& s) {
        return op == RELOP_RE ? prefix_match(s, want) : holds(op, relcmp(s, want));
    });
}

bool content_match(uint32_t fuzzy, const Scalar& value, const Scalar& pattern) {
    if (value.kind != pattern.kind) return false;
    uint16_t low = fuzzy & 0xFFFF, high = uint16_t(fuzzy >> 16);
    auto match = [low](const auto& v, const auto& p) {
        switch (low) {
        case FL_FULLSTRING: return v.size() == p.size() && std::equal(p.begin(), p.end(), v.begin());
        case FL_PREFIX: return v.size() >= p.size() && std::equal(p.begin(), p.end(), v.begin());
        case FL_SUBSTRING: return std::search(v.begin(), v.end(), p.begin(), p.end()) != v.end();
        default: return false;
        }
    };
    if (value.kind == Kind::Binary) return match(value.b, pattern.b);
    if (value.kind != Kind::String) return false;
    bool icase = high & (FL_IGNORECASE | FL_LOOSE), nonspace = high & (FL_IGNORENONSPACE | FL_LOOSE);
    return match(text_key(value.s, icase, nonspace), text_key(pattern.s, icase, nonspace));
}

// Size restriction (2.12.8.1): the value's size in bytes, see evaluate().
std::optional<uint64_t> value_size(uint16_t base_type, const Scalar& s) {
    switch (base_type) {
    case PT_SHORT: return 2;
    case PT_LONG: case PT_FLOAT: return 4;
    case PT_DOUBLE: case PT_CURRENCY: case PT_APPTIME: case PT_I8: case PT_SYSTIME: return 8;
    case PT_BOOLEAN: return 1;
    case PT_CLSID: return 16;
    case PT_STRING8: return s.s.size() + 1;
    case PT_UNICODE: {
        uint64_t units = 0;
        for (size_t i = 0; i < s.s.size();) {
            char32_t c;
            if (!utf8_next(s.s, i, c)) ++i;
            units += c >= 0x10000 ? 2 : 1;
        }
        return units * 2 + 2;
    }
    case PT_BINARY: case PT_SVREID: case PT_ACTIONS: return s.b.size();
    case PT_SRESTRICT:
        if (!s.r) return std::nullopt;
        try {
            return encode_restriction(*s.r).size();
        } catch (const EncodeError&) {
            return std::nullopt;
        }
    default: return std::nullopt;
    }
}

struct Eval {
    const PropGetter& get;
    const SubObjectFn* sub;
    std::vector<std::pair<const Restriction*, uint32_t>>* counts;  // null: stateless

    std::optional<PropValue> fetch(PropTag tag) const {
        auto v = get(tag);
        if (v && v->is_missing()) v.reset();
        return v;
    }

    bool child(const Restriction& r) { return !r.children.empty() && run(r.children.front()); }

    bool run(const Restriction& r) {
        switch (r.type) {
        case Restriction::And:
            return std::all_of(r.children.begin(), r.children.end(), [&](const Restriction& c) { return run(c); });
        case Restriction::Or:
            return std::any_of(r.children.begin(), r.children.end(), [&](const Restriction& c) { return run(c); });
        case Restriction::Not: return !r.children.empty() && !run(r.children.front());
        case Restriction::Content: {
            auto v = fetch(r.tag);
            if (!v || !r.value || is_mv(*r.value)) return false;
            Scalar want;
            each_element(*r.value, [&](const Scalar& s) { want = s; });
            return any_element(*v, [&](const Scalar& s) { return content_match(r.fuzzy, s, want); });
        }
        case Restriction::Property: {
            auto v = fetch(r.tag);
            return v && r.value && relop_match(r.relop, *v, *r.value);
        }
        case Restriction::CompareProps: {
            auto a = fetch(r.tag), b = fetch(r.tag2);
            return a && b && relop_match(r.relop, *a, *b);
        }
        case Restriction::Bitmask: {
            auto v = fetch(r.tag);
            return v && any_element(*v, [&](const Scalar& s) {
                if (s.kind != Kind::Number || s.fp) return false;
                bool zero = (uint32_t(s.i) & r.mask) == 0;
                return r.bitmap_op == BMR_EQZ ? zero : !zero;
            });
        }
        case Restriction::Size: {
            auto v = fetch(r.tag);
            uint16_t base = uint16_t(value_type(prop_type(v ? v->tag : 0)) & ~PT_MV_FLAG);
            return v && any_element(*v, [&](const Scalar& s) {
                auto n = value_size(base, s);
                return n && holds(r.relop, sign<uint64_t>(*n, r.size));
            });
        }
        case Restriction::Exist: return fetch(r.tag).has_value();
        case Restriction::SubRestriction: return sub && *sub && !r.children.empty() && (*sub)(r.tag, r.children.front());
        case Restriction::Comment: return r.children.empty() || run(r.children.front());
        case Restriction::Count: {
            if (!counts) return r.count > 0 && child(r);
            auto it = std::find_if(counts->begin(), counts->end(), [&](const auto& e) { return e.first == &r; });
            if (it == counts->end()) it = counts->insert(counts->end(), {&r, 0u});
            if (it->second >= r.count) return false;
            // Evaluate the child before counting: a nested Count may grow `counts`.
            size_t at = size_t(it - counts->begin());
            bool m = child(r);
            if (m) ++(*counts)[at].second;
            return m;
        }
        }
        return false;
    }
};

}  // namespace

// ================================================================ evaluation
bool evaluate(const Restriction& res, const PropGetter& get, const SubObjectFn* sub) {
    Eval e{get, sub, nullptr};
    return e.run(res);
}

RestrictionEvaluator::RestrictionEvaluator(const Restriction& res, SubObjectFn sub) : res_(res), sub_(std::move(sub)) {}

bool RestrictionEvaluator::match(const PropGetter& get) {
    Eval e{get, sub_ ? &sub_ : nullptr, &counts_};
    return e.run(res_);
}

void RestrictionEvaluator::reset() { counts_.clear(); }

// ================================================================ sorting
int compare_values(const PropValue& a, const PropValue& b) {
    auto top = [](const PropValue& v) {
        if (v.is_missing()) return Kind::Missing;
        if (is_mv(v)) return Kind::Multi;
        Kind k{};
        each_element(v, [&](const Scalar& s) { k = s.kind; });
        return k;
    };
    Kind ka = top(a), kb = top(b);
    if (ka != kb) return sign(ka, kb);
    if (ka == Kind::Missing) return 0;
    std::vector<Scalar> xs, ys;
    each_element(a, [&](const Scalar& s) { xs.push_back(s); });
    each_element(b, [&](const Scalar& s) { ys.push_back(s); });
    for (size_t i = 0; i < xs.size() && i < ys.size(); ++i)
        if (int c = order(xs[i], ys[i])) return c;
    return sign(xs.size(), ys.size());
}

int compare_values(const PropValue* a, const PropValue* b) {
    bool ma = !a || a->is_missing(), mb = !b || b->is_missing();
    if (ma || mb) return sign(!ma, !mb);
    return compare_values(*a, *b);
}

int compare_rows(const SortOrderSet& sort, const PropGetter& a, const PropGetter& b) {
    for (const auto& so : sort.sorts) {
        auto x = a(so.tag), y = b(so.tag);
        int c = compare_values(x ? &*x : nullptr, y ? &*y : nullptr);
        if (c) return so.order == SortOrder::Descending ? -c : c;
    }
    return 0;
}

std::string fold_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        char32_t c;
        if (!utf8_next(s, i, c)) {  // not UTF-8: keep the byte
            out += s[i++];
            continue;
        }
        utf8_append(out, fold_case(c));
    }
    return out;
}

}  // namespace mg::mapi
