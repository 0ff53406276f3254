// FUZZ_SOURCES: libmapi/property.cpp libmapi/propcodec.cpp libmapi/restriction.cpp libmapi/proptags.cpp
//
// Decodes MS-OXCDATA structures from untrusted bytes: typed and tagged
// property values, property rows, restrictions, sort order sets, property
// names, typed strings, tag and problem arrays. The first byte picks the
// structure (low 3 bits), the code page (bits 4-5) and the COUNT width
// (bit 6); the rest is the input. Whatever decodes must encode without
// error, and its canonical encoding must decode to an equal value and encode
// to the same bytes again. Decoded restrictions are also evaluated, and
// decoded values ordered, to exercise evaluate() and compare_values().
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/restriction.h"

#include <cstdlib>

using namespace mg;
using namespace mg::mapi;

namespace {

CodecOptions options(uint8_t sel) {
    static const uint32_t kCodepages[] = {1252, 65001, 932, 1251};
    CodecOptions o;
    o.codepage = kCodepages[(sel >> 4) & 3];
    o.counts = (sel & 0x40) ? CountWidth::Wide : CountWidth::Rop;
    return o;
}

// decode -> encode -> decode -> encode: equal values, identical bytes.
template <class T, class Read, class Write> bool round_trip(ByteView in, Read read, Write write, T* out = nullptr) {
    T v;
    try {
        ByteReader r(in);
        v = read(r);
    } catch (const DecodeError&) {
        return false;
    }
    ByteWriter w;
    write(w, v);  // must not throw: decoding enforces what encoding requires
    Bytes canonical = w.take();
    ByteReader r2(canonical);
    T again = read(r2);
    if (!(again == v) || !r2.empty()) abort();
    ByteWriter w2;
    write(w2, again);
    if (w2.bytes() != canonical) abort();
    if (out) *out = std::move(v);
    return true;
}

// A message to evaluate restrictions against.
const PropList& sample_object() {
    static const PropList props{
        PropValue::str(PidTagSubject, "Re: Caf\xc3\xa9"),
        PropValue::i32(PidTagImportance, 2),
        PropValue::i32(PidTagMessageFlags, 9),
        PropValue::i64(PidTagMessageDeliveryTime, 130000000000000000),
        PropValue::bin(PidTagEntryId, Bytes{0, 1, 2, 3}),
        PropValue{make_tag(0x8001, PT_MV_LONG), std::vector<int32_t>{1, 2, 3}},
        PropValue{make_tag(0x8002, PT_MV_UNICODE), std::vector<std::string>{"a", "B"}},
        PropValue{make_tag(0x8003, PT_DOUBLE), 0.5},
        PropValue::error(PidTagBody, ec::NotFound),
    };
    return props;
}

void exercise(const Restriction& res) {
    const PropList& props = sample_object();
    PropGetter get = [&](PropTag t) -> std::optional<PropValue> {
        for (const auto& p : props)
            if (prop_id(p.tag) == prop_id(t)) return p;
        return std::nullopt;
    };
    SubObjectFn sub = [&](PropTag, const Restriction& r) { return evaluate(r, get); };
    evaluate(res, get, &sub);
    RestrictionEvaluator ev(res, sub);
    for (int i = 0; i < 3; ++i) ev.match(get);
}

void order(const PropList& values) {
    for (const auto& a : values) {
        if (compare_values(a, a) != 0) abort();
        for (const auto& b : values)
            if (compare_values(a, b) != -compare_values(b, a)) abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t sel = data[0];
    const CodecOptions o = options(sel);
    ByteView in(data + 1, size - 1);
    switch (sel & 7) {
    case 0: {  // TaggedPropertyValue
        PropValue v;
        if (round_trip<PropValue>(
                in, [&](ByteReader& r) { return read_tagged_value(r, o); },
                [&](ByteWriter& w, const PropValue& x) { write_tagged_value(w, x, o); }, &v))
            order({v, PropValue::i32(PidTagImportance, 1), PropValue::str(PidTagSubject, "x")});
        break;
    }
    case 1:  // TypedPropertyValue
        round_trip<PropValue>(
            in, [&](ByteReader& r) { return read_typed_value(r, 0x8000, o); },
            [&](ByteWriter& w, const PropValue& x) { write_typed_value(w, x, o); });
        break;
    case 2: {  // PropertyRow: a u8 column count and the columns come first
        if (in.empty()) break;
        size_t n = std::min<size_t>(in[0] % 9, (in.size() - 1) / 4);
        ByteReader cr(in.subspan(1));
        std::vector<PropTag> cols = read_tags(cr, n);
        round_trip<PropList>(
            in.subspan(1 + 4 * n), [&](ByteReader& r) { return read_property_row(r, cols, o); },
            [&](ByteWriter& w, const PropList& row) { write_property_row(w, cols, row, o); });
        break;
    }
    case 3: {  // Restriction
        Restriction res;
        if (round_trip<Restriction>(
                in, [&](ByteReader& r) { return read_restriction(r, o); },
                [&](ByteWriter& w, const Restriction& x) { write_restriction(w, x, o); }, &res))
            exercise(res);
        break;
    }
    case 4:  // SortOrderSet
        round_trip<SortOrderSet>(
            in, [](ByteReader& r) { return read_sort_order_set(r); },
            [](ByteWriter& w, const SortOrderSet& s) { write_sort_order_set(w, s); });
        break;
    case 5:  // PropertyName array
        round_trip<std::vector<PropertyName>>(
            in, [](ByteReader& r) { return read_property_names(r); },
            [](ByteWriter& w, const std::vector<PropertyName>& v) { write_property_names(w, v); });
        break;
    case 6:  // TypedString, PropertyTagArray, PropertyProblemArray
        round_trip<std::optional<std::string>>(
            in, [&](ByteReader& r) { return read_typed_string(r, o); },
            [](ByteWriter& w, const std::optional<std::string>& s) { write_typed_string(w, s); });
        round_trip<std::vector<PropTag>>(
            in, [](ByteReader& r) { return read_tag_array(r); },
            [](ByteWriter& w, const std::vector<PropTag>& t) { write_tag_array(w, t); });
        round_trip<std::vector<PropertyProblem>>(
            in, [](ByteReader& r) { return read_problem_array(r); },
            [](ByteWriter& w, const std::vector<PropertyProblem>& p) { write_problem_array(w, p); });
        break;
    case 7: {  // u16-counted TaggedPropertyValues, then ordered pairwise
        PropList values;
        if (round_trip<PropList>(
                in, [&](ByteReader& r) { return read_tagged_values(r, o); },
                [&](ByteWriter& w, const PropList& v) { write_tagged_values(w, v, o); }, &values)) {
            if (values.size() <= 64) order(values);
            for (const auto& v : values) tag_str(v.tag);
        }
        break;
    }
    }
    return 0;
}
