// Property values, tags and their wire codecs (libmapi/property.h,
// libmapi/propcodec.h, libmapi/proptags.h).
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

using namespace mg;
using namespace mg::mapi;

namespace {

using mg::test::hex;

template <class F> Bytes encode(F&& f) {
    ByteWriter w;
    f(w);
    return w.take();
}

using mg::test::expect_throw;

// Every strict prefix of a valid encoding must be rejected as truncated.
void expect_prefixes_rejected(const Bytes& full, const std::function<void(ByteReader&)>& read) {
    for (size_t n = 0; n < full.size(); ++n) {
        ByteReader r(full.data(), n);
        try {
            read(r);
        } catch (const DecodeError&) {
            continue;
        }
        FAIL(("a prefix of " + std::to_string(n) + " bytes decoded").c_str());
    }
}

constexpr PropTag tag(uint16_t id, uint16_t type) { return make_tag(id, type); }

// One sample value of every type the codec carries. PtypRuleAction bytes
// carry their own framing, whose widths follow the buffer's.
PropList samples(CountWidth width = CountWidth::Rop) {
    Bytes actions = width == CountWidth::Rop ? hex("0100 0900 0b 00000000 00000000")
                                             : hex("01000000 09000000 0b 00000000 00000000");
    auto r = std::make_shared<Restriction>();
    r->type = Restriction::Exist;
    r->tag = PidTagSubject;
    return {
        PropValue{tag(0x6000, PT_NULL), std::monostate{}},
        PropValue::i16(tag(0x6001, PT_SHORT), -2),
        PropValue::i32(tag(0x6002, PT_LONG), -123456),
        PropValue{tag(0x6003, PT_FLOAT), 1.5f},
        PropValue{tag(0x6004, PT_DOUBLE), -2.25},
        PropValue::i64(tag(0x6005, PT_CURRENCY), 123456789012345),
        PropValue{tag(0x6006, PT_APPTIME), 40000.5},
        PropValue::error(tag(0x6007, PT_LONG), ec::NotFound),
        PropValue::boolean(tag(0x6008, PT_BOOLEAN), true),
        PropValue::i64(tag(0x6009, PT_I8), -1),
        PropValue::str(tag(0x600A, PT_STRING8), "caf\xc3\xa9 \xe2\x82\xac"),
        PropValue::str(tag(0x600B, PT_UNICODE), "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
        PropValue::i64(tag(0x600C, PT_SYSTIME), 0x01D0000000000000),
        PropValue::guid(tag(0x600D, PT_CLSID), Guid::parse("00020329-0000-0000-C000-000000000046")),
        PropValue::bin(tag(0x600E, PT_SVREID), hex("01 0102030405060708 1112131415161718 00000000")),
        PropValue{tag(0x600F, PT_SRESTRICT), std::shared_ptr<const Restriction>(r)},
        PropValue::bin(tag(0x6010, PT_ACTIONS), actions),
        PropValue::bin(tag(0x6011, PT_BINARY), hex("00 01 02 ff")),
        PropValue{tag(0x6012, PT_MV_SHORT), std::vector<int16_t>{1, -1}},
        PropValue{tag(0x6013, PT_MV_LONG), std::vector<int32_t>{7, 8, 9}},
        PropValue{tag(0x6014, PT_MV_FLOAT), std::vector<float>{0.5f}},
        PropValue{tag(0x6015, PT_MV_DOUBLE), std::vector<double>{1e300, -0.0}},
        PropValue{tag(0x6016, PT_MV_CURRENCY), std::vector<int64_t>{5}},
        PropValue{tag(0x6017, PT_MV_APPTIME), std::vector<double>{}},
        PropValue{tag(0x6018, PT_MV_I8), std::vector<int64_t>{INT64_MIN, INT64_MAX}},
        PropValue{tag(0x6019, PT_MV_STRING8), std::vector<std::string>{"a", "", "b"}},
        PropValue{tag(0x601A, PT_MV_UNICODE), std::vector<std::string>{"x\xc3\xbf", "\xe2\x82\xac"}},
        PropValue{tag(0x601B, PT_MV_SYSTIME), std::vector<int64_t>{1, 2}},
        PropValue{tag(0x601C, PT_MV_CLSID), std::vector<Guid>{Guid{}, Guid::parse("00062008-0000-0000-c000-000000000046")}},
        PropValue{tag(0x601D, PT_MV_BINARY), std::vector<Bytes>{{}, hex("abcd")}},
    };
}

}  // namespace

// ================================================================ types and values
TEST_GROUP(PropertyTypes) {};

TEST(PropertyTypes, NamesAndAlternatives) {
    STRCMP_EQUAL("PT_LONG", type_name(PT_LONG));
    STRCMP_EQUAL("PT_MV_UNICODE", type_name(PT_MV_UNICODE));
    STRCMP_EQUAL("PT_MV_LONG", type_name(PT_MV_LONG | PT_MV_INSTANCE));
    STRCMP_EQUAL("PT_UNKNOWN", type_name(0x0099));
    CHECK(is_known_type(PT_SRESTRICT));
    CHECK(!is_known_type(PT_OBJECT));
    CHECK(!is_known_type(PT_UNSPECIFIED));
    CHECK(!is_known_type(PT_MV_LONG | PT_MV_INSTANCE));
    UNSIGNED_LONGS_EQUAL(PT_LONG, value_type(PT_MV_LONG | PT_MV_INSTANCE));
    UNSIGNED_LONGS_EQUAL(PT_MV_LONG, value_type(PT_MV_LONG));
    LONGS_EQUAL(value_alternative(PT_LONG), value_alternative(PT_MV_LONG | PT_MV_INSTANCE));
    LONGS_EQUAL(-1, value_alternative(PT_OBJECT));
    LONGS_EQUAL(-1, value_alternative(PT_LONG | PT_MV_INSTANCE));  // instance flag without MV
}

TEST(PropertyTypes, Guid) {
    // MS-OXCDATA 2.5.1 / MS-DTYP 2.3.4: Data1-3 little-endian on the wire.
    Guid g = Guid::parse("{00020328-0000-0000-C000-000000000046}");  // PS_MAPI
    CHECK(Bytes(g.b.begin(), g.b.end()) == hex("28030200 0000 0000 c000 000000000046"));
    STRCMP_EQUAL("00020328-0000-0000-c000-000000000046", g.str().c_str());
    CHECK(Guid::parse(g.str()) == g);
    CHECK_THROWS(std::invalid_argument, Guid::parse("00020328-0000-0000-C000-00000000004"));
    CHECK_THROWS(std::invalid_argument, Guid::parse("00020328-0000-0000-C000x000000000046"));
    CHECK_THROWS(std::invalid_argument, Guid::parse("0002032g-0000-0000-C000-000000000046"));
    Guid a = Guid::random(), b = Guid::random();
    CHECK(a != b);
    LONGS_EQUAL('4', a.str()[14]);  // version 4
    CHECK(std::string("89ab").find(a.str()[19]) != std::string::npos);  // RFC 4122 variant
}

TEST(PropertyTypes, Constructors) {
    PropValue v = PropValue::i32(PidTagImportance, 2);
    LONGS_EQUAL(2, v.as_i32());
    CHECK(v.well_formed());
    CHECK_THROWS(std::invalid_argument, PropValue::i32(PidTagSubject, 1));
    CHECK_THROWS(std::invalid_argument, PropValue::str(PidTagImportance, "x"));
    CHECK_THROWS(std::invalid_argument, PropValue::bin(PidTagSubject, {}));
    PropValue e = PropValue::error(PidTagSubject, ec::NotFound);
    UNSIGNED_LONGS_EQUAL(0x0037000A, e.tag);
    CHECK(e.is_error() && e.is_missing() && e.well_formed());
    PropValue n = PropValue::null(PidTagSubject);
    UNSIGNED_LONGS_EQUAL(0x00370001, n.tag);
    CHECK(n.is_missing() && !n.is_error());
    CHECK(!(PropValue{PidTagSubject, int32_t(1)}.well_formed()));
    CHECK((PropValue{tag(0x8000, PT_MV_LONG | PT_MV_INSTANCE), int32_t(1)}.well_formed()));
    CHECK(!(PropValue{PidTagRuleCondition, std::shared_ptr<const Restriction>()}.well_formed()));
    for (const auto& s : samples()) CHECK_TEXT(s.well_formed(), tag_str(s.tag).c_str());
}

TEST(PropertyTypes, EqualityIsRepresentational) {
    double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK((PropValue{tag(1, PT_DOUBLE), nan} == PropValue{tag(1, PT_DOUBLE), nan}));
    CHECK(!(PropValue{tag(1, PT_DOUBLE), 0.0} == PropValue{tag(1, PT_DOUBLE), -0.0}));
    CHECK(!(PropValue::i32(tag(1, PT_LONG), 1) == PropValue::i32(tag(2, PT_LONG), 1)));
    Restriction exist;
    exist.type = Restriction::Exist;
    auto r1 = std::make_shared<const Restriction>(exist);
    auto r2 = std::make_shared<const Restriction>(exist);
    CHECK((PropValue{PidTagRuleCondition, r1} == PropValue{PidTagRuleCondition, r2}));
}

// ================================================================ tags
TEST_GROUP(PropTags) {};

TEST(PropTags, Values) {
    // MS-OXPROPS / MS-OXOSFLD 2.2.
    UNSIGNED_LONGS_EQUAL(0x3001001F, PidTagDisplayName);
    UNSIGNED_LONGS_EQUAL(0x35E00102, PidTagIpmSubtreeEntryId);
    UNSIGNED_LONGS_EQUAL(0x36D81102, PidTagAdditionalRenEntryIds);
    UNSIGNED_LONGS_EQUAL(0x36E41102, PidTagFreeBusyEntryIds);
    UNSIGNED_LONGS_EQUAL(0x35E70102, PidTagIpmFinderEntryId);
    UNSIGNED_LONGS_EQUAL(0x65E30102, PidTagPredecessorChangeList);
    UNSIGNED_LONGS_EQUAL(0x67A40014, PidTagChangeNumber);
    UNSIGNED_LONGS_EQUAL(0x667900FD, PidTagRuleCondition);
}

TEST(PropTags, Names) {
    STRCMP_EQUAL("PidTagSubject", tag_name(PidTagSubject));
    STRCMP_EQUAL("PidTagSubject", tag_name(change_type(PidTagSubject, PT_ERROR)));
    STRCMP_EQUAL("PidTagAttachDataObject", tag_name(PidTagAttachDataObject));
    STRCMP_EQUAL("PidTagAttachDataBinary", tag_name(PidTagAttachDataBinary));
    STRCMP_EQUAL("PidTagMessageSizeExtended", tag_name(PidTagMessageSizeExtended));
    STRCMP_EQUAL("unknown", tag_name(0x12340003));
    STRCMP_EQUAL("PidTagFolderId (0x67480014)", tag_str(PidTagFolderId).c_str());
    STRCMP_EQUAL("0x12340003", tag_str(0x12340003).c_str());
}

// ================================================================ strings
TEST_GROUP(Strings) {};

TEST(Strings, Codepage1252) {
    // U+20AC is 0x80 in windows-1252, U+00E9 is 0xE9.
    STRCMP_EQUAL("caf\xc3\xa9 \xe2\x82\xac", string8_to_utf8("caf\xe9 \x80", 1252).c_str());
    STRCMP_EQUAL("caf\xe9 \x80", utf8_to_string8("caf\xc3\xa9 \xe2\x82\xac", 1252).c_str());
    Bytes b = encode([](ByteWriter& w) { write_value(w, PT_STRING8, std::string("\xe2\x82\xac"), {}); });
    CHECK(b == hex("80 00"));
    // 0x81 is not assigned in windows-1252: a decoding error, not a guess.
    expect_throw<DecodeError>([] { string8_to_utf8("a\x81", 1252); }, "unconvertible character at byte 1");
    // U+65E5 has no windows-1252 form: an error unless the caller opts in to '?'.
    expect_throw<EncodeError>([] { utf8_to_string8("x\xe6\x97\xa5", 1252); }, "unconvertible");
    STRCMP_EQUAL("x??y", utf8_to_string8("x\xe6\x97\xa5\xf0\x9f\x98\x80y", 1252, true).c_str());
    CodecOptions lossy;
    lossy.string8_replace = true;
    b = encode([&](ByteWriter& w) { write_value(w, PT_STRING8, std::string("\xe6\x97\xa5!"), lossy); });
    CHECK(b == hex("3f 21 00"));
}

TEST(Strings, OtherCodepages) {
    CodecOptions utf8;
    utf8.codepage = 65001;
    Bytes b = encode([&](ByteWriter& w) { write_string8(w, "\xe2\x82\xac", utf8); });
    CHECK(b == hex("e2 82 ac 00"));
    Bytes bad_in = hex("c3 28 00");
    ByteReader bad(bad_in);
    expect_throw<DecodeError>([&] { read_string8(bad, utf8); }, "invalid UTF-8");
    // Shift-JIS (932): "日本" = 93 FA 96 7B.
    STRCMP_EQUAL("\x93\xfa\x96\x7b", utf8_to_string8("\xe6\x97\xa5\xe6\x9c\xac", 932).c_str());
    STRCMP_EQUAL("\xe6\x97\xa5\xe6\x9c\xac", string8_to_utf8("\x93\xfa\x96\x7b", 932).c_str());
    // An incomplete double-byte character at the end.
    expect_throw<DecodeError>([] { string8_to_utf8("\x93", 932); }, "incomplete");
    STRCMP_EQUAL("\xd0\x96", string8_to_utf8("\xc6", 1251).c_str());  // Cyrillic Zhe
    // A stateful code page (50220, ISO-2022-JP): the replacement '?' is
    // emitted after switching back to ASCII.
    STRCMP_EQUAL("\x1b$BF|\x1b(B?", utf8_to_string8("\xe6\x97\xa5\xe2\x82\xac", 50220, true).c_str());
    STRCMP_EQUAL("\xe6\x97\xa5" "a", string8_to_utf8("\x1b$BF|\x1b(Ba", 50220).c_str());
    expect_throw<DecodeError>([] { string8_to_utf8("a", 1200); }, "unsupported code page 1200");
    expect_throw<EncodeError>([] { utf8_to_string8("a", 4242); }, "unsupported code page 4242");
}

TEST(Strings, Utf16) {
    // U+1F600 is the surrogate pair D83D DE00.
    Bytes b = encode([](ByteWriter& w) { write_unicode(w, "A\xf0\x9f\x98\x80"); });
    CHECK(b == hex("4100 3dd8 00de 0000"));
    ByteReader r(b);
    STRCMP_EQUAL("A\xf0\x9f\x98\x80", read_unicode(r).c_str());
    CHECK(r.empty());
    Bytes lone_in = hex("3dd8 4100 0000");
    ByteReader lone(lone_in);
    expect_throw<DecodeError>([&] { read_unicode(lone); }, "unpaired UTF-16 surrogate");
    Bytes unterminated_in = hex("4100 42");
    ByteReader unterminated(unterminated_in);
    expect_throw<DecodeError>([&] { read_unicode(unterminated); }, "unterminated");
    expect_throw<EncodeError>([] { utf8_to_utf16le(std::string("a\0b", 3)); }, "embedded NUL");
    expect_throw<EncodeError>([] { utf8_to_utf16le("\xc0\x80"); }, "invalid UTF-8");  // overlong NUL
    expect_throw<EncodeError>([] { utf8_to_utf16le("\xed\xa0\x80"); }, "invalid UTF-8");  // encoded surrogate
    expect_throw<EncodeError>([] { utf8_to_string8(std::string("a\0", 2), 1252); }, "embedded NUL");
}

// ================================================================ values
TEST_GROUP(PropCodec) {};

TEST(PropCodec, RoundTripEveryType) {
    for (CountWidth width : {CountWidth::Rop, CountWidth::Wide}) {
        CodecOptions o;
        o.counts = width;
        for (const auto& v : samples(width)) {
            Bytes b = encode([&](ByteWriter& w) { write_tagged_value(w, v, o); });
            ByteReader r(b);
            PropValue back = read_tagged_value(r, o);
            CHECK_TEXT(back == v, tag_str(v.tag).c_str());
            CHECK(r.empty());
            expect_prefixes_rejected(b, [&](ByteReader& pr) { read_tagged_value(pr, o); });
            // TypedPropertyValue: the same value behind its type.
            Bytes t = encode([&](ByteWriter& w) { write_typed_value(w, v, o); });
            ByteReader tr(t);
            CHECK(read_typed_value(tr, prop_id(v.tag), o) == v);
        }
    }
}

TEST(PropCodec, ExactLayouts) {
    auto enc = [](const PropValue& v, CountWidth width = CountWidth::Rop) {
        CodecOptions o;
        o.counts = width;
        return encode([&](ByteWriter& w) { write_value(w, prop_type(v.tag), v.value, o); });
    };
    // MS-OXCDATA 2.11.1: widths and byte order of each type.
    CHECK(enc(PropValue::i16(tag(1, PT_SHORT), -2)) == hex("feff"));
    CHECK(enc(PropValue::i32(tag(1, PT_LONG), 0x01020304)) == hex("04030201"));
    CHECK(enc(PropValue{tag(1, PT_FLOAT), 1.0f}) == hex("0000803f"));
    CHECK(enc(PropValue{tag(1, PT_DOUBLE), 1.0}) == hex("000000000000f03f"));
    CHECK(enc(PropValue::boolean(tag(1, PT_BOOLEAN), true)) == hex("01"));
    CHECK(enc(PropValue::i64(tag(1, PT_SYSTIME), 0x0102030405060708)) == hex("0807060504030201"));
    CHECK(enc(PropValue::str(tag(1, PT_UNICODE), "")) == hex("0000"));
    CHECK(enc(PropValue{tag(1, PT_NULL), std::monostate{}}).empty());
    // Binary: 16-bit COUNT in ROP buffers, 32-bit in extended rules (2.11.1.1).
    CHECK(enc(PropValue::bin(tag(1, PT_BINARY), hex("aabb"))) == hex("0200 aabb"));
    CHECK(enc(PropValue::bin(tag(1, PT_BINARY), hex("aabb")), CountWidth::Wide) == hex("02000000 aabb"));
    // Multivalued: 32-bit value count in both; each binary keeps its COUNT width.
    CHECK(enc(PropValue{tag(1, PT_MV_SHORT), std::vector<int16_t>{1, 2}}) == hex("02000000 0100 0200"));
    CHECK(enc(PropValue{tag(1, PT_MV_BINARY), std::vector<Bytes>{hex("cc")}}) == hex("01000000 0100 cc"));
    CHECK(enc(PropValue{tag(1, PT_MV_BINARY), std::vector<Bytes>{hex("cc")}}, CountWidth::Wide) ==
          hex("01000000 01000000 cc"));
    CHECK(enc(PropValue{tag(1, PT_MV_UNICODE), std::vector<std::string>{"a", "b"}}) == hex("02000000 6100 0000 6200 0000"));
    // PT_MV_INSTANCE types carry one value of the base type.
    CHECK(enc(PropValue{tag(1, PT_MV_LONG | PT_MV_INSTANCE), int32_t(5)}) == hex("05000000"));
}

TEST(PropCodec, SetPropertiesExample) {
    // MS-OXCPRPT 4.2.1 (RopSetProperties): PropertyValueCount and the
    // TaggedPropertyValues PidTagSubjectPrefix = "" and
    // PidTagNormalizedSubject = "Hello World".
    Bytes wire = hex("0200 1f003d00 0000 1f001d0e 48006500 6c006c00 6f002000 57006f00 72006c00 64000000");
    ByteReader r(wire);
    PropList values = read_tagged_values(r);
    CHECK(r.empty());
    LONGS_EQUAL(2, values.size());
    CHECK(values[0] == PropValue::str(PidTagSubjectPrefix, ""));
    CHECK(values[1] == PropValue::str(PidTagNormalizedSubject, "Hello World"));
    CHECK(encode([&](ByteWriter& w) { write_tagged_values(w, values); }) == wire);
}

TEST(PropCodec, TagArrayExamples) {
    // MS-OXCPRPT 4.3.1 (RopGetPropertiesSpecific): PropertyTagCount + tags.
    Bytes wire = hex("0300 0b003e86 03003f86 0201e265");
    ByteReader r(wire);
    auto tags = read_tag_array(r);
    CHECK(r.empty());
    CHECK((tags == std::vector<PropTag>{0x863E000B, 0x863F0003, PidTagChangeKey}));
    CHECK(encode([&](ByteWriter& w) { write_tag_array(w, tags); }) == wire);
    // MS-OXCTABL 4.2.1 (RopSetColumns).
    Bytes cols = hex("0600 14004867 14004a67 14004d67 03004e67 1f003700 4000060e");
    ByteReader rc(cols);
    auto ctags = read_tag_array(rc);
    CHECK((ctags == std::vector<PropTag>{PidTagFolderId, PidTagMid, PidTagInstID, PidTagInstanceNum, PidTagSubject,
                                         PidTagMessageDeliveryTime}));
    Bytes big_in = hex("ffff 00000000");
    ByteReader big(big_in);
    expect_throw<DecodeError>([&] { read_tag_array(big); }, "exceeds the input");
}

TEST(PropCodec, FlaggedRowExample) {
    // MS-OXCTABL 4.5.3.2 (RopQueryRows): a FlaggedPropertyRow starting
    // 01 | 00 <PidTagFolderId 0x321FF10000000001> | 0A <ecNotFound>.
    std::vector<PropTag> cols{PidTagFolderId, PidTagMid};
    Bytes wire = hex("01 00 0100000000f11f32 0a 0f010480");
    ByteReader r(wire);
    PropList row = read_property_row(r, cols);
    CHECK(r.empty());
    CHECK(row[0] == PropValue::i64(PidTagFolderId, 0x321FF10000000001));
    CHECK(row[1] == PropValue::error(PidTagMid, ec::NotFound));
    CHECK(encode([&](ByteWriter& w) { write_property_row(w, cols, row); }) == wire);
}

TEST(PropCodec, Rows) {
    std::vector<PropTag> cols{PidTagSubject, tag(0x8001, PT_UNSPECIFIED), tag(0x8002, PT_MV_LONG | PT_MV_INSTANCE)};
    // All present but one column PT_UNSPECIFIED: FlaggedPropertyRow with
    // FlaggedPropertyValueWithType (2.8.1.2, 2.11.6).
    PropList row{PropValue::str(PidTagSubject, "s"), PropValue::i32(tag(0x8001, PT_LONG), 9),
                 PropValue{tag(0x8002, PT_MV_LONG | PT_MV_INSTANCE), int32_t(3)}};
    Bytes wire = encode([&](ByteWriter& w) { write_property_row(w, cols, row); });
    CHECK(wire == hex("01 00 7300 0000  0300 00 09000000  00 03000000"));
    ByteReader r(wire);
    CHECK(read_property_row(r, cols) == row);
    expect_prefixes_rejected(wire, [&](ByteReader& pr) { read_property_row(pr, cols); });

    // A StandardPropertyRow with TypedPropertyValue for the unspecified column
    // (2.8.1.1) decodes to the same values.
    Bytes std_row_in = hex("00 7300 0000  0300 09000000  03000000");
    ByteReader std_row(std_row_in);
    CHECK(read_property_row(std_row, cols) == row);

    // Every value present, no PT_UNSPECIFIED: StandardPropertyRow; a string
    // value fits either string column type (the column decides the encoding).
    std::vector<PropTag> cols2{PidTagSubject, change_type(PidTagDisplayName, PT_STRING8)};
    PropList row2{PropValue::str(change_type(PidTagSubject, PT_STRING8), "a"), PropValue::str(PidTagDisplayName, "b")};
    CHECK(encode([&](ByteWriter& w) { write_property_row(w, cols2, row2); }) == hex("00 6100 0000 62 00"));

    // Missing values: flag 0x1 (no value) and 0xA (error) in flagged rows.
    PropList row3{PropValue::null(PidTagSubject), PropValue::error(tag(0x8001, PT_UNSPECIFIED), ec::NotEnoughMemory),
                  PropValue{tag(0x8002, PT_MV_LONG | PT_MV_INSTANCE), int32_t(1)}};
    Bytes w3 = encode([&](ByteWriter& w) { write_property_row(w, cols, row3); });
    CHECK(w3 == hex("01 01  0a00 0a 0e000780  00 01000000"));
    ByteReader r3(w3);
    CHECK(read_property_row(r3, cols) == row3);

    CHECK_THROWS(EncodeError, encode([&](ByteWriter& w) { write_property_row(w, cols, {}); }));
    CHECK_THROWS(EncodeError, encode([&](ByteWriter& w) {
                     write_property_row(w, {PidTagSubject}, {PropValue::i32(PidTagImportance, 1)});
                 }));
    Bytes badflag_in = hex("02");
    ByteReader badflag(badflag_in);
    expect_throw<DecodeError>([&] { read_property_row(badflag, cols); }, "invalid flag 2");
    Bytes badvflag_in = hex("01 05");
    ByteReader badvflag(badvflag_in);
    expect_throw<DecodeError>([&] { read_property_row(badvflag, {PidTagSubject}); }, "invalid flag 5");
}

TEST(PropCodec, MalformedValues) {
    // A multivalued count larger than the input: rejected before allocating.
    Bytes huge_in = hex("03100080 ffffffff 01000000");
    ByteReader huge(huge_in);
    expect_throw<DecodeError>([&] { read_tagged_value(huge); }, "exceeds the input");
    Bytes huge_bin_in = hex("02118080 ffffff0f 0000");
    ByteReader huge_bin(huge_bin_in);
    expect_throw<DecodeError>([&] { read_tagged_value(huge_bin); }, "exceeds the input");
    Bytes bin_in = hex("02010180 0500 aabb");
    ByteReader bin(bin_in);
    expect_throw<DecodeError>([&] { read_tagged_value(bin); }, "truncated");
    Bytes obj_in = hex("0d000137");
    ByteReader obj(obj_in);
    expect_throw<DecodeError>([&] { read_tagged_value(obj); }, "unsupported property type 0x000D");
    Bytes unk_in = hex("99000180 00");
    ByteReader unk(unk_in);
    expect_throw<DecodeError>([&] { read_tagged_value(unk); }, "unsupported property type 0x0099");
    Bytes typed_in = hex("0000 00");
    ByteReader typed(typed_in);  // PT_UNSPECIFIED is not a value type
    expect_throw<DecodeError>([&] { read_typed_value(typed); }, "unsupported");
    Bytes str8_in = hex("1e000180 616263");
    ByteReader str8(str8_in);
    expect_throw<DecodeError>([&] { read_tagged_value(str8); }, "unterminated PtypString8");
    // PtypBoolean is "restricted to 1 or 0"; other bytes are read as TRUE.
    Bytes b_in = hex("0b000180 02");
    ByteReader b(b_in);
    CHECK(read_tagged_value(b).as_bool());
}

TEST(PropCodec, EncodeErrors) {
    ByteWriter w;
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue{PidTagSubject, int32_t(1)}); },
                              "does not hold the alternative of PT_UNICODE");
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue{PidTagAttachDataObject, Bytes{}}); },
                              "unsupported property type 0x000D");
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue::bin(PidTagEntryId, Bytes(0x10000))); },
                              "does not fit its count field");
    CodecOptions wide;
    wide.counts = CountWidth::Wide;
    write_tagged_value(w, PropValue::bin(PidTagEntryId, Bytes(0x10000)), wide);
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue::str(PidTagSubject, "a\xff")); }, "invalid UTF-8");
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue{PidTagRuleCondition, std::shared_ptr<const Restriction>()}); },
                              "null");
}

TEST(PropCodec, RuleActions) {
    // PtypRuleAction ([MS-OXORULE] 2.2.5): NoOfActions, then ActionBlocks led
    // by ActionLength. Kept raw; only the framing is checked.
    Bytes two = hex("0200 0100 aa 0300 bbccdd");
    Bytes wire = hex("fe008066 0200 0100 aa 0300 bbccdd ee");
    ByteReader rr(wire);
    PropValue v = read_tagged_value(rr);
    CHECK(v.as_bin() == two);
    LONGS_EQUAL(1, rr.remaining());
    ByteWriter w;
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue::bin(PidTagRuleActions, hex("0100 0500 aa"))); },
                              "not a RuleAction");
    expect_throw<EncodeError>([&] { write_tagged_value(w, PropValue::bin(PidTagRuleActions, hex("0000 ff"))); },
                              "trailing");
    Bytes many_in = hex("fe008066 ffff 0000");
    ByteReader many(many_in);
    expect_throw<DecodeError>([&] { read_tagged_value(many); }, "action count exceeds the input");
    // Extended rules: 32-bit NoOfActions and ActionLength.
    CodecOptions wide;
    wide.counts = CountWidth::Wide;
    Bytes rw_in = hex("fe008066 01000000 02000000 abcd");
    ByteReader rw(rw_in);
    CHECK(read_tagged_value(rw, wide).as_bin() == hex("01000000 02000000 abcd"));
}

TEST(PropCodec, TypedString) {
    // MS-OXCDATA 2.11.7.
    auto enc = [](const std::optional<std::string>& s) { return encode([&](ByteWriter& w) { write_typed_string(w, s); }); };
    CHECK(enc(std::nullopt) == hex("00"));
    CHECK(enc(std::string()) == hex("01"));
    CHECK(enc(std::string("R\xc3\xa9")) == hex("03 52 e9 00"));                 // reduced Unicode
    CHECK(enc(std::string("\xe2\x82\xac")) == hex("04 ac20 0000"));             // Unicode
    for (const char* w : {"00", "01", "03 52e900", "04 ac200000", "02 80 00"}) {
        Bytes b = hex(w);
        ByteReader r(b);
        auto s = read_typed_string(r);
        CHECK(r.empty());
        if (b[0] == 2) STRCMP_EQUAL("\xe2\x82\xac", s->c_str());  // 8-bit, code page 1252
        else CHECK(enc(s) == b);
    }
    Bytes bad_in = hex("05");
    ByteReader bad(bad_in);
    expect_throw<DecodeError>([&] { read_typed_string(bad); }, "invalid StringType 5");
}

TEST(PropCodec, PropertyNames) {
    // MS-OXCDATA 2.6.1: Kind, GUID, then LID or NameSize + UTF-16 Name.
    PropertyName lid{Guid::parse("00062008-0000-0000-C000-000000000046"), PropertyName::Id, 0x8580, ""};
    PropertyName name{Guid::parse("00020329-0000-0000-C000-000000000046"), PropertyName::Name, 0, "Keywords"};
    PropertyName none{Guid{}, PropertyName::None, 0, ""};
    Bytes wire = encode([&](ByteWriter& w) { write_property_names(w, {lid, name, none}); });
    CHECK(wire == hex("0300"
                      "00 08200600 0000 0000 c000 000000000046 80850000"
                      "01 29030200 0000 0000 c000 000000000046 12 4b006500790077006f007200640073000000"
                      "ff 00000000000000000000000000000000"));
    ByteReader r(wire);
    auto names = read_property_names(r);
    CHECK(r.empty());
    CHECK((names == std::vector<PropertyName>{lid, name, none}));
    expect_prefixes_rejected(wire, [](ByteReader& pr) { read_property_names(pr); });
    Bytes kind_in = hex("02 00000000000000000000000000000000");
    ByteReader kind(kind_in);
    expect_throw<DecodeError>([&] { read_property_name(kind); }, "invalid Kind 2");
    Bytes unterminated_in = hex("01 00000000000000000000000000000000 04 41004200");
    ByteReader unterminated(unterminated_in);
    expect_throw<DecodeError>([&] { read_property_name(unterminated); }, "not null-terminated");
    PropertyName longname{Guid{}, PropertyName::Name, 0, std::string(127, 'x')};
    ByteWriter w;
    expect_throw<EncodeError>([&] { write_property_name(w, longname); }, "longer than NameSize");
}

TEST(PropCodec, ProblemArray) {
    // MS-OXCDATA 2.7: Index (2), PropertyTag (4), ErrorCode (4).
    std::vector<PropertyProblem> p{{1, PidTagSubject, ec::NoAccess}};
    Bytes wire = encode([&](ByteWriter& w) { write_problem_array(w, p); });
    CHECK(wire == hex("0100 0100 1f003700 05000780"));
    ByteReader r(wire);
    CHECK(read_problem_array(r) == p);
    Bytes big_in = hex("0200 0100 1f003700 05000780");
    ByteReader big(big_in);
    expect_throw<DecodeError>([&] { read_problem_array(big); }, "exceeds the input");
}
