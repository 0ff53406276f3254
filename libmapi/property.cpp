// Property types, GUIDs and property values (MS-OXCDATA 2.5.1, 2.11.1).
#include "libmapi/property.h"
#include "libmapi/restriction.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <sys/random.h>
#include <type_traits>

namespace mg::mapi {

namespace {

// Index of T among the alternatives of PropVariant.
template <class T, class V> struct AltIndex;
template <class T, class... Ts> struct AltIndex<T, std::variant<Ts...>> {
    static constexpr int value = [] {
        int i = 0, r = -1;
        ((std::is_same_v<T, Ts> ? (r = i, ++i) : ++i), ...);
        return r;
    }();
};
template <class T> constexpr int alt = AltIndex<T, PropVariant>::value;

struct TypeInfo {
    uint16_t type;
    const char* name;
    int alt;  // -1: no value of this type can be carried
};

// The one table of property types (MS-OXCDATA 2.11.1): name and in-memory
// alternative. The wire layout lives in propcodec.cpp.
constexpr TypeInfo kTypes[] = {
    {PT_UNSPECIFIED, "PT_UNSPECIFIED", -1},
    {PT_NULL, "PT_NULL", alt<std::monostate>},
    {PT_SHORT, "PT_SHORT", alt<int16_t>},
    {PT_LONG, "PT_LONG", alt<int32_t>},
    {PT_FLOAT, "PT_FLOAT", alt<float>},
    {PT_DOUBLE, "PT_DOUBLE", alt<double>},
    {PT_CURRENCY, "PT_CURRENCY", alt<int64_t>},
    {PT_APPTIME, "PT_APPTIME", alt<double>},
    {PT_ERROR, "PT_ERROR", alt<uint32_t>},
    {PT_BOOLEAN, "PT_BOOLEAN", alt<bool>},
    {PT_OBJECT, "PT_OBJECT", -1},
    {PT_I8, "PT_I8", alt<int64_t>},
    {PT_STRING8, "PT_STRING8", alt<std::string>},
    {PT_UNICODE, "PT_UNICODE", alt<std::string>},
    {PT_SYSTIME, "PT_SYSTIME", alt<int64_t>},
    {PT_CLSID, "PT_CLSID", alt<Guid>},
    {PT_SVREID, "PT_SVREID", alt<Bytes>},
    {PT_SRESTRICT, "PT_SRESTRICT", alt<std::shared_ptr<const Restriction>>},
    {PT_ACTIONS, "PT_ACTIONS", alt<Bytes>},
    {PT_BINARY, "PT_BINARY", alt<Bytes>},
    {PT_MV_SHORT, "PT_MV_SHORT", alt<std::vector<int16_t>>},
    {PT_MV_LONG, "PT_MV_LONG", alt<std::vector<int32_t>>},
    {PT_MV_FLOAT, "PT_MV_FLOAT", alt<std::vector<float>>},
    {PT_MV_DOUBLE, "PT_MV_DOUBLE", alt<std::vector<double>>},
    {PT_MV_CURRENCY, "PT_MV_CURRENCY", alt<std::vector<int64_t>>},
    {PT_MV_APPTIME, "PT_MV_APPTIME", alt<std::vector<double>>},
    {PT_MV_I8, "PT_MV_I8", alt<std::vector<int64_t>>},
    {PT_MV_STRING8, "PT_MV_STRING8", alt<std::vector<std::string>>},
    {PT_MV_UNICODE, "PT_MV_UNICODE", alt<std::vector<std::string>>},
    {PT_MV_SYSTIME, "PT_MV_SYSTIME", alt<std::vector<int64_t>>},
    {PT_MV_CLSID, "PT_MV_CLSID", alt<std::vector<Guid>>},
    {PT_MV_BINARY, "PT_MV_BINARY", alt<std::vector<Bytes>>},
};

const TypeInfo* find_type(uint16_t type) {
    for (const auto& t : kTypes)
        if (t.type == type) return &t;
    return nullptr;
}

[[noreturn]] void bad_tag(const char* ctor, PropTag t) {
    char buf[96];
    snprintf(buf, sizeof buf, "PropValue::%s: tag 0x%08X has type %s", ctor, unsigned(t), type_name(prop_type(t)));
    throw std::invalid_argument(buf);
}

PropValue make(const char* ctor, PropTag t, std::initializer_list<uint16_t> types, PropVariant v) {
    for (uint16_t ty : types)
        if (prop_type(t) == ty) return PropValue{t, std::move(v)};
    bad_tag(ctor, t);
}

// Bitwise equality for floating values, == for everything else.
template <class T> bool same(const T& a, const T& b) {
    if constexpr (std::is_floating_point_v<T>) {
        return std::memcmp(&a, &b, sizeof a) == 0;
    } else if constexpr (std::is_same_v<T, std::shared_ptr<const Restriction>>) {
        return a == b || (a && b && *a == *b);
    } else if constexpr (std::is_same_v<T, std::vector<float>> || std::is_same_v<T, std::vector<double>>) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (!same(a[i], b[i])) return false;
        return true;
    } else {
        return a == b;
    }
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Text positions of the 16 bytes of a GUID in wire order: Data1..Data3 are
// little-endian (MS-DTYP 2.3.4.2), Data4 is a byte array.
constexpr int kGuidTextPos[16] = {6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

bool is_known_type(uint16_t type) {
    const TypeInfo* t = find_type(type);
    return t && t->alt >= 0;
}

const char* type_name(uint16_t type) {
    const TypeInfo* t = find_type(value_type(type) == type ? type : uint16_t(type & ~PT_MV_INSTANCE));
    return t ? t->name : "PT_UNKNOWN";
}

int value_alternative(uint16_t type) {
    const TypeInfo* t = find_type(value_type(type));
    return t ? t->alt : -1;
}

// ---------------------------------------------------------------- Guid
Guid Guid::parse(const std::string& text) {
    std::string_view s = text;
    if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
    if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        throw std::invalid_argument("not a GUID: " + text);
    Guid g;
    for (int i = 0; i < 16; ++i) {
        int hi = hexval(s[kGuidTextPos[i]]), lo = hexval(s[kGuidTextPos[i] + 1]);
        if (hi < 0 || lo < 0) throw std::invalid_argument("not a GUID: " + text);
        g.b[i] = uint8_t(hi << 4 | lo);
    }
    return g;
}

std::string Guid::str() const {
    static const char hex[] = "0123456789abcdef";
    std::string s(36, '-');
    for (int i = 0; i < 16; ++i) {
        s[kGuidTextPos[i]] = hex[b[i] >> 4];
        s[kGuidTextPos[i] + 1] = hex[b[i] & 15];
    }
    return s;
}

Guid Guid::random() {
    Guid g;
    size_t got = 0;
    while (got < g.b.size()) {
        ssize_t n = getrandom(g.b.data() + got, g.b.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("getrandom: ") + strerror(errno));
        }
        got += size_t(n);
    }
    g.b[7] = uint8_t((g.b[7] & 0x0F) | 0x40);  // version 4 (high nibble of Data3)
    g.b[8] = uint8_t((g.b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return g;
}

// ---------------------------------------------------------------- PropValue
PropValue PropValue::i16(PropTag t, int16_t v) { return make("i16", t, {PT_SHORT}, v); }
PropValue PropValue::i32(PropTag t, int32_t v) { return make("i32", t, {PT_LONG}, v); }
PropValue PropValue::i64(PropTag t, int64_t v) { return make("i64", t, {PT_I8, PT_CURRENCY, PT_SYSTIME}, v); }
PropValue PropValue::boolean(PropTag t, bool v) { return make("boolean", t, {PT_BOOLEAN}, v); }
PropValue PropValue::str(PropTag t, std::string v) { return make("str", t, {PT_STRING8, PT_UNICODE}, std::move(v)); }
PropValue PropValue::bin(PropTag t, Bytes v) {
    return make("bin", t, {PT_BINARY, PT_SVREID, PT_ACTIONS}, std::move(v));
}
PropValue PropValue::guid(PropTag t, Guid v) { return make("guid", t, {PT_CLSID}, v); }
PropValue PropValue::error(PropTag t, uint32_t ec) { return PropValue{change_type(t, PT_ERROR), ec}; }
PropValue PropValue::null(PropTag t) { return PropValue{change_type(t, PT_NULL), std::monostate{}}; }

bool PropValue::well_formed() const {
    int a = value_alternative(prop_type(tag));
    if (a < 0 || int(value.index()) != a) return false;
    if (auto r = std::get_if<std::shared_ptr<const Restriction>>(&value)) return *r != nullptr;
    return true;
}

bool PropValue::operator==(const PropValue& o) const {
    if (tag != o.tag || value.index() != o.value.index()) return false;
    return std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            return same(a, std::get<T>(o.value));
        },
        value);
}

int32_t PropValue::as_i32() const { return std::get<int32_t>(value); }
int64_t PropValue::as_i64() const { return std::get<int64_t>(value); }
bool PropValue::as_bool() const { return std::get<bool>(value); }
const std::string& PropValue::as_str() const { return std::get<std::string>(value); }
const Bytes& PropValue::as_bin() const { return std::get<Bytes>(value); }

}  // namespace mg::mapi
