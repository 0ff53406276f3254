// The NDR descriptions of the MS-OXNSPI 2.2 data types and of the NSPI / RFR
// messages (included by libmapi/oxnspi.h; not a header of its own).
//
// Every function is a template over the codec (ndr::Pull / ndr::Push) and the
// described value (T when decoding, const T when encoding). `scalars` and
// `buffers` split a type with embedded pointers as [C706] 14.3.12.3 does.
#pragma once

#include "libmapi/oxnspi.h"

#include <type_traits>

namespace mg::oxnspi::wire {

// UTF-16 <-> UTF-8 for [string] wchar_t* values (oxnspi.cpp).
std::string utf16_to_utf8(const std::u16string& s);
std::u16string utf8_to_utf16(const std::string& s);
// Throws DecodeError: a union discriminant no arm of PROP_VAL_UNION has.
[[noreturn]] void bad_prop_type(uint32_t type);
[[noreturn]] void bad_restriction(uint32_t rt, const char* why);

template <class IO> constexpr bool decoding = IO::kDecoding;

// Integers of another signedness / width than the wire's.
template <class IO, class I>
void u32_as(IO& io, I& v, const char* name) {
    if constexpr (decoding<IO>) { uint32_t w; io.u32(w, name); v = I(w); }
    else io.u32(uint32_t(v), name);
}
template <class IO, class I>
void u16_as(IO& io, I& v, const char* name) {
    if constexpr (decoding<IO>) { uint16_t w; io.u16(w, name); v = I(w); }
    else io.u16(uint16_t(v), name);
}

// The count of a conformant array / a counted struct member: decoded and
// range-checked, or taken from the container when encoding; then `resize`d
// (after checking that the stub holds `min_each` bytes per element).
template <class IO, class V>
uint32_t count_of(IO& io, V& vec, uint32_t max, size_t min_each, const char* name) {
    uint32_t n;
    if constexpr (decoding<IO>) {
        io.conformance(n, max, name);
        io.need_elements(n, min_each, name);
        vec.resize(n);
    } else {
        n = uint32_t(vec.size());
        io.conformance(n, max, name);
    }
    return n;
}
// A count that must repeat one read before (e.g. cValues after max_count).
template <class IO>
void same_count(IO& io, uint32_t n, const char* name) {
    uint32_t v = n;
    io.u32(v, name);
    if constexpr (decoding<IO>)
        if (v != n) io.fail(name, "count " + std::to_string(v) + " differs from the array's " + std::to_string(n));
}

// Pointee of an engaged optional (deferred part of a pointer).
template <class Opt, class F>
void deferred(Opt& p, F&& f) {
    if (p) f(*p);
}

template <class IO, class G>
void guid(IO& io, G& g, const char* name) { io.byte_array(g.b, name); }

// [string] char* / wchar_t* as UTF-8.
template <class IO, class Str>
void string8(IO& io, Str& s, const char* name) { io.string(s, kMaxString, name); }
template <class IO, class Str>
void wstring(IO& io, Str& s, const char* name) {
    if constexpr (decoding<IO>) {
        std::u16string w;
        io.wstring(w, kMaxString, name);
        s = utf16_to_utf8(w);
    } else {
        io.wstring(utf8_to_utf16(s), kMaxString, name);
    }
}

// 2.2.8 STAT
template <class IO, class S>
void stat(IO& io, S& s) {
    io.u32(s.SortType, "SortType");
    io.u32(s.ContainerID, "ContainerID");
    io.u32(s.CurrentRec, "CurrentRec");
    io.i32(s.Delta, "Delta");
    io.u32(s.NumPos, "NumPos");
    io.u32(s.TotalRecs, "TotalRecs");
    io.u32(s.CodePage, "CodePage");
    io.u32(s.TemplateLocale, "TemplateLocale");
    io.u32(s.SortLocale, "SortLocale");
}

// 2.2.2.1 PropertyTagArray_r: { DWORD cValues; [size_is(cValues+1),
// length_is(cValues)] DWORD aulPropTag[]; } — a conformant varying struct:
// max_count (cValues + 1) first, then cValues, offset, actual_count.
template <class IO, class A>
void tag_array(IO& io, A& a) {
    uint32_t max, n, actual;
    if constexpr (decoding<IO>) {
        io.conformance(max, kMaxCount + 1, "PropertyTagArray_r max_count");
        io.u32(n, "cValues");
        io.variance(actual, max, "aulPropTag");
        // Canonically max_count = cValues + 1 and actual_count = cValues;
        // impacket sends cValues = actual_count + 1. What travels is actual_count.
        if (n != actual && n != actual + 1) io.fail("cValues", "differs from the array's actual_count");
        n = actual;
        io.need_elements(n, 4, "aulPropTag");
        a.values.resize(n);
    } else {
        n = uint32_t(a.values.size());
        io.conformance(n + 1, kMaxCount + 1, "PropertyTagArray_r max_count");
        io.conformance(n, kMaxCount, "cValues");
        io.variance(n, n + 1, "aulPropTag");
    }
    for (auto& t : a.values) io.u32(t, "aulPropTag");
}

// [size_is(n)] DWORD* (lpETable of NspiQueryRows).
template <class IO, class V>
void dword_array(IO& io, V& v, const char* name) {
    count_of(io, v, kMaxCount, 4, name);
    for (auto& x : v) io.u32(x, name);
}

// ------------------------------------------------------------ 2.2.2.2 / 2.2.2.3 arrays
// The scalars of a counted-array member: { [range] DWORD cValues; [size_is] T* lp; }
// (and of Binary_r, whose range is kMaxBinary). Decoding records the count
// (Pull::defer_count); the container is sized when its elements follow.
// Empty arrays are sent NULL.
template <class IO, class V>
void counted_scalars(IO& io, V& v, const char* name, uint32_t max = kMaxCount) {
    uint32_t n;
    if constexpr (decoding<IO>) {
        io.u32_range(n, 0, max, name);
        v.clear();
        uint32_t id;
        io.u32(id, name);
        if (id == 0 && n != 0) io.fail(name, "NULL array with a nonzero count");
        if (id != 0) io.defer_count(&v, n);
    } else {
        n = uint32_t(v.size());
        io.u32_range(n, 0, max, name);
        io.pointer(n ? std::optional<int>(1) : std::nullopt, name);
    }
}
// The deferred array's conformance (it repeats cValues), then the container
// is sized: each element takes at least `min_each` bytes of what follows.
// Returns false for a NULL pointer (no pointee).
template <class IO, class V>
bool counted_conformance(IO& io, V& v, size_t min_each, const char* name) {
    uint32_t n;
    if constexpr (decoding<IO>) {
        if (!io.take_count(&v, n)) return false;
        uint32_t m;
        io.conformance(m, kMaxCount, name);
        if (m != n) io.fail(name, "conformance differs from cValues");
        io.need_elements(n, min_each, name);
        v.resize(n);
    } else {
        if (v.empty()) return false;
        io.conformance(uint32_t(v.size()), kMaxCount, name);
    }
    return true;
}

// Binary_r: { [range(0,2097152)] DWORD cb; [size_is(cb)] BYTE* lpb; }
template <class IO, class B>
void binary_scalars(IO& io, B& b, const char* name) { counted_scalars(io, b, name, kMaxBinary); }
template <class IO, class B>
void binary_buffers(IO& io, B& b, const char* name) {
    if constexpr (decoding<IO>) {
        uint32_t cb;
        if (!io.take_count(&b, cb)) return;
        io.conformant_bytes(b, kMaxBinary, name);  // checks the bytes are there before copying
        if (b.size() != cb) io.fail(name, "conformance differs from cb");
    } else {
        if (b.empty()) return;
        io.conformant_bytes(b, kMaxBinary, name);
    }
}

// BinaryArray_r (top-level [in] BinaryArray_r*: scalars then buffers).
template <class IO, class V>
void binary_array(IO& io, V& v, const char* name) {
    counted_scalars(io, v, name);
    counted_conformance(io, v, 8, name);
    for (auto& b : v) binary_scalars(io, b, name);
    for (auto& b : v) binary_buffers(io, b, name);
}

// An array of [string] pointers whose elements may not be NULL inside a
// property value (StringArray_r / WStringArray_r): NULL decodes as "".
template <class IO, class V>
void string_array_buffers(IO& io, V& v, bool wide, const char* name) {
    counted_conformance(io, v, 4, name);
    if constexpr (decoding<IO>) {
        std::vector<uint8_t> present(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
            std::optional<int> p;
            io.pointer(p, name);
            present[i] = p.has_value();
        }
        for (size_t i = 0; i < v.size(); ++i) {
            if (!present[i]) continue;
            if (wide) wstring(io, v[i], name); else string8(io, v[i], name);
        }
    } else {
        for (size_t i = 0; i < v.size(); ++i) io.pointer(std::optional<int>(1), name);
        for (auto& s : v) {
            if (wide) wstring(io, s, name); else string8(io, s, name);
        }
    }
}

// ------------------------------------------------------------ 2.2.2.9 PropertyValue_r
template <class T, class IO, class V>
auto& alt(V& pv) {
    if constexpr (decoding<IO>) {
        if (!std::holds_alternative<T>(pv.value)) pv.value.template emplace<T>();
    }
    return std::get<T>(pv.value);
}

// { DWORD ulPropTag; DWORD ulReserved; [switch_is(ulPropTag & 0xFFFF)] PROP_VAL_UNION Value; }
// The non-encapsulated union travels as its discriminant (a long) then the arm.
template <class IO, class V>
void prop_value_scalars(IO& io, V& v) {
    using namespace mg::mapi;
    io.u32(v.tag, "ulPropTag");
    uint32_t reserved = 0;
    io.u32(reserved, "ulReserved");
    uint32_t type = prop_type(v.tag);
    uint32_t disc = type;
    io.u32(disc, "PROP_VAL_UNION discriminant");
    if constexpr (decoding<IO>)
        if (disc != type) io.fail("PROP_VAL_UNION discriminant", "differs from the property type");
    switch (type) {
    case PT_SHORT: u16_as(io, alt<int16_t, IO>(v), "i"); break;
    case PT_LONG: io.i32(alt<int32_t, IO>(v), "l"); break;
    case PT_BOOLEAN: u16_as(io, alt<bool, IO>(v), "b"); break;
    case PT_ERROR: io.u32(alt<uint32_t, IO>(v), "err"); break;
    case PT_STRING8:
    case PT_UNICODE:
    case PT_CLSID: {
        std::optional<int> p;
        if constexpr (!decoding<IO>) p = 1;
        io.pointer(p, "lpsz");
        if constexpr (decoding<IO>) {
            // NULL decodes as an empty string / zero GUID; otherwise monostate
            // marks "the pointee follows in the buffers part".
            if (!p) v.value = type == PT_CLSID ? PropVariant(Guid{}) : PropVariant(std::string());
            else v.value = PropVariant(std::monostate{});
        }
        break;
    }
    case PT_BINARY: binary_scalars(io, alt<Bytes, IO>(v), "bin"); break;
    case PT_SYSTIME: {
        auto& t = alt<int64_t, IO>(v);
        uint32_t lo = uint32_t(uint64_t(t)), hi = uint32_t(uint64_t(t) >> 32);
        io.u32(lo, "ft.dwLowDateTime");
        io.u32(hi, "ft.dwHighDateTime");
        if constexpr (decoding<IO>) t = int64_t(uint64_t(hi) << 32 | lo);
        break;
    }
    case PT_MV_SHORT: counted_scalars(io, alt<std::vector<int16_t>, IO>(v), "MVi"); break;
    case PT_MV_LONG: counted_scalars(io, alt<std::vector<int32_t>, IO>(v), "MVl"); break;
    case PT_MV_STRING8:
    case PT_MV_UNICODE: counted_scalars(io, alt<std::vector<std::string>, IO>(v), "MVsz"); break;
    case PT_MV_BINARY: counted_scalars(io, alt<std::vector<Bytes>, IO>(v), "MVbin"); break;
    case PT_MV_CLSID: counted_scalars(io, alt<std::vector<Guid>, IO>(v), "MVguid"); break;
    case PT_MV_SYSTIME: counted_scalars(io, alt<std::vector<int64_t>, IO>(v), "MVft"); break;
    case PT_NULL:
    case PT_OBJECT:
    case PT_UNSPECIFIED: {
        uint32_t r = 0;
        io.u32(r, "lReserved");
        if constexpr (decoding<IO>) v.value = std::monostate{};
        break;
    }
    default:
        if constexpr (decoding<IO>) bad_prop_type(type);
        else io.fail("ulPropTag", "type " + std::to_string(type) + " has no PROP_VAL_UNION arm");
    }
}

template <class IO, class V>
void prop_value_buffers(IO& io, V& v) {
    using namespace mg::mapi;
    uint32_t type = prop_type(v.tag);
    switch (type) {
    case PT_STRING8:
    case PT_UNICODE:
        if constexpr (decoding<IO>) {
            if (!std::holds_alternative<std::monostate>(v.value)) return;  // was NULL
            std::string s;
            if (type == PT_UNICODE) wstring(io, s, "lpszW"); else string8(io, s, "lpszA");
            v.value = std::move(s);
        } else {
            if (type == PT_UNICODE) wstring(io, std::get<std::string>(v.value), "lpszW");
            else string8(io, std::get<std::string>(v.value), "lpszA");
        }
        break;
    case PT_CLSID:
        if constexpr (decoding<IO>) {
            if (!std::holds_alternative<std::monostate>(v.value)) return;
            Guid g;
            guid(io, g, "lpguid");
            v.value = g;
        } else {
            guid(io, std::get<Guid>(v.value), "lpguid");
        }
        break;
    case PT_BINARY: binary_buffers(io, alt<Bytes, IO>(v), "bin"); break;
    case PT_MV_SHORT: {
        auto& a = alt<std::vector<int16_t>, IO>(v);
        counted_conformance(io, a, 2, "MVi");
        for (auto& x : a) u16_as(io, x, "MVi");
        break;
    }
    case PT_MV_LONG: {
        auto& a = alt<std::vector<int32_t>, IO>(v);
        counted_conformance(io, a, 4, "MVl");
        for (auto& x : a) io.i32(x, "MVl");
        break;
    }
    case PT_MV_STRING8:
    case PT_MV_UNICODE:
        string_array_buffers(io, alt<std::vector<std::string>, IO>(v), type == PT_MV_UNICODE, "MVsz");
        break;
    case PT_MV_BINARY: {
        auto& a = alt<std::vector<Bytes>, IO>(v);
        counted_conformance(io, a, 8, "MVbin");
        for (auto& b : a) binary_scalars(io, b, "MVbin");
        for (auto& b : a) binary_buffers(io, b, "MVbin");
        break;
    }
    case PT_MV_CLSID: {  // FlatUID_r** : pointers, then the GUIDs
        auto& a = alt<std::vector<Guid>, IO>(v);
        counted_conformance(io, a, 4, "MVguid");
        std::vector<uint8_t> present(a.size(), 1);
        for (size_t i = 0; i < a.size(); ++i) {
            std::optional<int> p;
            if constexpr (!decoding<IO>) p = 1;
            io.pointer(p, "MVguid");
            present[i] = p.has_value();
        }
        for (size_t i = 0; i < a.size(); ++i)
            if (present[i]) guid(io, a[i], "MVguid");
        break;
    }
    case PT_MV_SYSTIME: {
        auto& a = alt<std::vector<int64_t>, IO>(v);
        counted_conformance(io, a, 8, "MVft");
        for (auto& t : a) {
            uint32_t lo = uint32_t(uint64_t(t)), hi = uint32_t(uint64_t(t) >> 32);
            io.u32(lo, "MVft");
            io.u32(hi, "MVft");
            if constexpr (decoding<IO>) t = int64_t(uint64_t(hi) << 32 | lo);
        }
        break;
    }
    default: break;
    }
}

template <class IO, class V>
void prop_value(IO& io, V& v) {
    prop_value_scalars(io, v);
    prop_value_buffers(io, v);
}

// 2.2.3 PropertyRow_r: { DWORD Reserved; [range] DWORD cValues; [size_is(cValues)] PropertyValue_r* lpProps; }
template <class IO, class R>
void row_scalars(IO& io, R& r) {
    io.u32(r.Reserved, "Reserved");
    counted_scalars(io, r.props, "lpProps");
}
template <class IO, class R>
void row_buffers(IO& io, R& r) {
    counted_conformance(io, r.props, 12, "lpProps");
    for (auto& p : r.props) prop_value_scalars(io, p);
    for (auto& p : r.props) prop_value_buffers(io, p);
}
template <class IO, class R>
void row(IO& io, R& r) {
    row_scalars(io, r);
    row_buffers(io, r);
}

// 2.2.4 PropertyRowSet_r: { [range] DWORD cRows; [size_is(cRows)] PropertyRow_r aRow[]; }
// (a conformant struct: max_count leads).
template <class IO, class R>
void row_set(IO& io, R& rs) {
    uint32_t n = count_of(io, rs.rows, kMaxCount, 12, "PropertyRowSet_r max_count");
    same_count(io, n, "cRows");
    for (auto& r : rs.rows) row_scalars(io, r);
    for (auto& r : rs.rows) row_buffers(io, r);
}

// 2.2.7 PropertyName_r: { FlatUID_r* lpguid; DWORD ulReserved; long lID; }
template <class IO, class N>
void prop_name(IO& io, N& n) {
    io.pointer(n.guid, "lpguid");
    io.u32(n.Reserved, "ulReserved");
    io.i32(n.id, "lID");
    deferred(n.guid, [&](auto& g) { guid(io, g, "lpguid"); });
}

// 2.2.7.1 PropertyNameSet_r: { [range] DWORD cNames; [size_is(cNames)] PropertyName_r aNames[]; }
template <class IO, class V>
void prop_name_set(IO& io, V& v) {
    uint32_t n = count_of(io, v, kMaxCount, 12, "PropertyNameSet_r max_count");
    same_count(io, n, "cNames");
    for (auto& x : v) {
        io.pointer(x.guid, "lpguid");
        io.u32(x.Reserved, "ulReserved");
        io.i32(x.id, "lID");
    }
    for (auto& x : v) deferred(x.guid, [&](auto& g) { guid(io, g, "lpguid"); });
}

// 2.2.6.1 / 2.2.6.2 StringsArray_r, WStringsArray_r:
// { [range] DWORD Count; [size_is(Count)] [string] char* Strings[]; } (conformant struct).
template <class IO, class V>
void strings_array(IO& io, V& v, bool wide) {
    uint32_t n = count_of(io, v, kMaxCount, 4, "StringsArray max_count");
    same_count(io, n, "Count");
    for (auto& s : v) io.pointer(s, "Strings");
    for (auto& s : v)
        deferred(s, [&](auto& str) { if (wide) wstring(io, str, "Strings"); else string8(io, str, "Strings"); });
}

// ------------------------------------------------------------ 2.2.5 Restriction_r
// { DWORD rt; [switch_is(rt)] RestrictionUnion_r res; }
template <class IO, class R> void restriction_scalars(IO& io, R& r, int depth);
template <class IO, class R> void restriction_buffers(IO& io, R& r, int depth);

template <class IO, class R>
void restriction(IO& io, R& r, int depth) {
    restriction_scalars(io, r, depth);
    restriction_buffers(io, r, depth);
}

template <class IO, class R>
void restriction_scalars(IO& io, R& r, int depth) {
    using Res = mapi::Restriction;
    if (depth > kMaxRestrictionDepth) {
        if constexpr (decoding<IO>) bad_restriction(0, "nested too deeply");
        else io.fail("Restriction_r", "nested too deeply");
    }
    uint32_t rt = r.type;
    io.u32(rt, "rt");
    uint32_t disc = rt;
    io.u32(disc, "RestrictionUnion_r discriminant");
    if constexpr (decoding<IO>) {
        if (disc != rt) io.fail("RestrictionUnion_r discriminant", "differs from rt");
        if (rt > Res::SubRestriction) bad_restriction(rt, "unknown restriction type");
        r.type = Res::Type(rt);
    }
    switch (rt) {
    case Res::And:
    case Res::Or: counted_scalars(io, r.children, "lpRes"); break;
    case Res::Not: {
        std::optional<int> p;
        if constexpr (!decoding<IO>) p = 1;
        io.pointer(p, "lpRes");
        if constexpr (decoding<IO>) {
            if (!p) bad_restriction(rt, "NULL lpRes");
            r.children.resize(1);
        } else if (r.children.size() != 1) {
            io.fail("lpRes", "a Not restriction has one child");
        }
        break;
    }
    case Res::Content:
    case Res::Property: {
        if (rt == Res::Content) io.u32(r.fuzzy, "ulFuzzyLevel");
        else u32_as(io, r.relop, "relop");
        io.u32(r.tag, "ulPropTag");
        io.pointer(r.value, "lpProp");
        break;
    }
    case Res::CompareProps:
        u32_as(io, r.relop, "relop");
        io.u32(r.tag, "ulPropTag1");
        io.u32(r.tag2, "ulPropTag2");
        break;
    case Res::Bitmask:
        u32_as(io, r.bitmap_op, "relBMR");
        io.u32(r.tag, "ulPropTag");
        io.u32(r.mask, "ulMask");
        break;
    case Res::Size:
        u32_as(io, r.relop, "relop");
        io.u32(r.tag, "ulPropTag");
        io.u32(r.size, "cb");
        break;
    case Res::Exist: {
        uint32_t reserved = 0;
        io.u32(reserved, "ulReserved1");
        io.u32(r.tag, "ulPropTag");
        io.u32(reserved, "ulReserved2");
        break;
    }
    case Res::SubRestriction: {
        io.u32(r.tag, "ulSubObject");
        std::optional<int> p;
        if constexpr (!decoding<IO>) p = 1;
        io.pointer(p, "lpRes");
        if constexpr (decoding<IO>) {
            if (!p) bad_restriction(rt, "NULL lpRes");
            r.children.resize(1);
        }
        break;
    }
    default:
        io.fail("rt", "restriction type " + std::to_string(rt) + " has no Restriction_r arm");
    }
}

template <class IO, class R>
void restriction_buffers(IO& io, R& r, int depth) {
    using Res = mapi::Restriction;
    switch (r.type) {
    case Res::And:
    case Res::Or:
        counted_conformance(io, r.children, 12, "lpRes");
        for (auto& c : r.children) restriction_scalars(io, c, depth + 1);
        for (auto& c : r.children) restriction_buffers(io, c, depth + 1);
        break;
    case Res::Not:
    case Res::SubRestriction:
        restriction(io, r.children.at(0), depth + 1);
        break;
    case Res::Content:
    case Res::Property:
        deferred(r.value, [&](auto& v) { prop_value(io, v); });
        break;
    default: break;
    }
}

}  // namespace mg::oxnspi::wire

namespace mg::oxnspi {

// ------------------------------------------------------------ messages
template <class S, class IO> void BindRequest::ndr(S& s, IO& io) {
    io.u32(s.dwFlags, "dwFlags");
    wire::stat(io, s.stat);
    io.unique(s.serverGuid, "pServerGuid", [&](auto& g) { wire::guid(io, g, "pServerGuid"); });
}
template <class S, class IO> void BindResponse::ndr(S& s, IO& io) {
    io.unique(s.serverGuid, "pServerGuid", [&](auto& g) { wire::guid(io, g, "pServerGuid"); });
    io.context_handle(s.handle, "contextHandle");
    io.u32(s.result, "return value");
}
template <class S, class IO> void UnbindRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "contextHandle");
    io.u32(s.Reserved, "Reserved");
}
template <class S, class IO> void UnbindResponse::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "contextHandle");
    io.u32(s.result, "return value");
}
template <class S, class IO> void UpdateStatRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    io.unique(s.delta, "plDelta", [&](auto& d) { io.i32(d, "plDelta"); });
}
template <class S, class IO> void UpdateStatResponse::ndr(S& s, IO& io) {
    wire::stat(io, s.stat);
    io.unique(s.delta, "plDelta", [&](auto& d) { io.i32(d, "plDelta"); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void QueryRowsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    wire::stat(io, s.stat);
    io.u32_range(s.dwETableCount, 0, kMaxCount, "dwETableCount");
    io.unique(s.eTable, "lpETable", [&](auto& t) { wire::dword_array(io, t, "lpETable"); });
    if constexpr (IO::kDecoding)
        if (s.eTable && s.eTable->size() != s.dwETableCount) io.fail("lpETable", "size differs from dwETableCount");
    io.u32(s.Count, "Count");
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void QueryRowsResponse::ndr(S& s, IO& io) {
    wire::stat(io, s.stat);
    io.unique(s.rows, "ppRows", [&](auto& r) { wire::row_set(io, r); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void SeekEntriesRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    wire::prop_value(io, s.target);
    io.unique(s.eTable, "lpETable", [&](auto& t) { wire::tag_array(io, t); });
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void GetMatchesRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved1, "Reserved1");
    wire::stat(io, s.stat);
    io.unique(s.reserved, "pReserved", [&](auto& t) { wire::tag_array(io, t); });
    io.u32(s.Reserved2, "Reserved2");
    io.unique(s.filter, "Filter", [&](auto& r) { wire::restriction(io, r, 0); });
    io.unique(s.propName, "lpPropName", [&](auto& n) { wire::prop_name(io, n); });
    io.u32(s.ulRequested, "ulRequested");
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void GetMatchesResponse::ndr(S& s, IO& io) {
    wire::stat(io, s.stat);
    io.unique(s.outMIds, "ppOutMIds", [&](auto& t) { wire::tag_array(io, t); });
    io.unique(s.rows, "ppRows", [&](auto& r) { wire::row_set(io, r); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void ResortRestrictionRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    wire::tag_array(io, s.inMIds);
    io.unique(s.outMIds, "ppOutMIds", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void ResortRestrictionResponse::ndr(S& s, IO& io) {
    wire::stat(io, s.stat);
    io.unique(s.outMIds, "ppOutMIds", [&](auto& t) { wire::tag_array(io, t); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void DNToMIdRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::strings_array(io, s.names, false);
}
template <class S, class IO> void TagArrayResponse::ndr(S& s, IO& io) {
    io.unique(s.tags, "ppPropTags", [&](auto& t) { wire::tag_array(io, t); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void GetPropListRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    io.u32(s.dwMId, "dwMId");
    io.u32(s.CodePage, "CodePage");
}
template <class S, class IO> void GetPropsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    wire::stat(io, s.stat);
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void RowResponse::ndr(S& s, IO& io) {
    io.unique(s.row, "ppRows", [&](auto& r) { wire::row(io, r); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void CompareMIdsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    io.u32(s.MId1, "MId1");
    io.u32(s.MId2, "MId2");
}
template <class S, class IO> void CompareMIdsResponse::ndr(S& s, IO& io) {
    io.i32(s.lResult, "plResult");
    io.u32(s.result, "return value");
}
template <class S, class IO> void ModPropsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
    wire::row(io, s.row);
}
template <class S, class IO> void GetSpecialTableRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    wire::stat(io, s.stat);
    io.u32(s.version, "lpVersion");
}
template <class S, class IO> void GetSpecialTableResponse::ndr(S& s, IO& io) {
    io.u32(s.version, "lpVersion");
    io.unique(s.rows, "ppRows", [&](auto& r) { wire::row_set(io, r); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void GetTemplateInfoRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    io.u32(s.ulType, "ulType");
    io.unique_string(s.dn, kMaxString, "pDN");
    io.u32(s.dwCodePage, "dwCodePage");
    io.u32(s.dwLocaleID, "dwLocaleID");
}
template <class S, class IO> void ModLinkAttRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.dwFlags, "dwFlags");
    io.u32(s.ulPropTag, "ulPropTag");
    io.u32(s.dwMId, "dwMId");
    wire::binary_array(io, s.entryIds, "lpEntryIds");
}
template <class S, class IO> void DeleteEntriesRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved1, "Reserved1");
    io.u32(s.Reserved2, "Reserved2");
    wire::binary_array(io, s.entryIds, "lpEntryIds");
}
template <class S, class IO> void QueryColumnsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    io.u32(s.dwFlags, "dwFlags");
}
template <class S, class IO> void GetNamesFromIDsRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    io.unique(s.guid, "lpguid", [&](auto& g) { wire::guid(io, g, "lpguid"); });
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
}
template <class S, class IO> void GetNamesFromIDsResponse::ndr(S& s, IO& io) {
    io.unique(s.returnedTags, "ppReturnedPropTags", [&](auto& t) { wire::tag_array(io, t); });
    io.unique(s.names, "ppNames", [&](auto& n) { wire::prop_name_set(io, n); });
    io.u32(s.result, "return value");
}
template <class S, class IO> void GetIDsFromNamesRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    io.u32(s.dwFlags, "dwFlags");
    uint32_t n = uint32_t(s.names.size());
    io.u32_range(n, 0, kMaxCount, "cPropNames");
    // [size_is(cPropNames)] PropertyName_r**: a conformant array of pointers.
    uint32_t m = wire::count_of(io, s.names, kMaxCount, 4, "pNames");
    if constexpr (IO::kDecoding)
        if (m != n) io.fail("pNames", "conformance differs from cPropNames");
    for (auto& p : s.names) io.pointer(p, "pNames");
    for (auto& p : s.names) wire::deferred(p, [&](auto& name) { wire::prop_name(io, name); });
}
template <class S, class IO> void ResolveNamesRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
    wire::strings_array(io, s.strings, false);
}
template <class S, class IO> void ResolveNamesWRequest::ndr(S& s, IO& io) {
    io.context_handle(s.handle, "hRpc");
    io.u32(s.Reserved, "Reserved");
    wire::stat(io, s.stat);
    io.unique(s.propTags, "pPropTags", [&](auto& t) { wire::tag_array(io, t); });
    wire::strings_array(io, s.strings, true);
}
template <class S, class IO> void ResolveNamesResponse::ndr(S& s, IO& io) {
    io.unique(s.mids, "ppMIds", [&](auto& t) { wire::tag_array(io, t); });
    io.unique(s.rows, "ppRows", [&](auto& r) { wire::row_set(io, r); });
    io.u32(s.result, "return value");
}

}  // namespace mg::oxnspi

namespace mg::oxabref {

inline constexpr uint32_t kMaxDN = 1024;

template <class IO, class P>
void unique_unique_string(IO& io, P& p, const char* name) {
    io.unique(p, name, [&](auto& inner) { io.unique_string(inner, oxnspi::kMaxString, name); });
}

template <class S, class IO> void GetNewDSARequest::ndr(S& s, IO& io) {
    io.u32(s.ulFlags, "ulFlags");
    io.string(s.userDN, oxnspi::kMaxString, "pUserDN");
    unique_unique_string(io, s.unused, "ppszUnused");
    unique_unique_string(io, s.server, "ppszServer");
}
template <class S, class IO> void GetNewDSAResponse::ndr(S& s, IO& io) {
    unique_unique_string(io, s.unused, "ppszUnused");
    unique_unique_string(io, s.server, "ppszServer");
    io.u32(s.result, "return value");
}
template <class S, class IO> void GetFQDNFromServerDNRequest::ndr(S& s, IO& io) {
    io.u32(s.ulFlags, "ulFlags");
    io.u32_range(s.cbMailboxServerDN, 10, kMaxDN, "cbMailboxServerDN");
    // [string, size_is(cbMailboxServerDN)]: the conformance is cbMailboxServerDN.
    io.string(s.serverDN, s.cbMailboxServerDN, "szMailboxServerDN");
}
template <class S, class IO> void GetFQDNFromServerDNResponse::ndr(S& s, IO& io) {
    io.unique_string(s.fqdn, oxnspi::kMaxString, "ppszServerFQDN");
    io.u32(s.result, "return value");
}

}  // namespace mg::oxabref
