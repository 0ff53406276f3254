// Restrictions and sort orders (libmapi/restriction.h): codec, evaluation,
// value ordering.
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/restriction.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace mg;
using namespace mg::mapi;

namespace {

using mg::test::hex;

using mg::test::expect_throw;

// ---------------------------------------------------------------- builders
Restriction node(Restriction::Type t) {
    Restriction r;
    r.type = t;
    return r;
}
Restriction exist(PropTag t) {
    Restriction r = node(Restriction::Exist);
    r.tag = t;
    return r;
}
Restriction prop(RelOp op, PropValue v, PropTag t = 0) {
    Restriction r = node(Restriction::Property);
    r.relop = op;
    r.tag = t ? t : v.tag;
    r.value = std::move(v);
    return r;
}
Restriction content(uint16_t low, uint16_t high, PropValue v, PropTag t = 0) {
    Restriction r = node(Restriction::Content);
    r.fuzzy = low | uint32_t(high) << 16;
    r.tag = t ? t : v.tag;
    r.value = std::move(v);
    return r;
}
Restriction group(Restriction::Type t, std::vector<Restriction> c) {
    Restriction r = node(t);
    r.children = std::move(c);
    return r;
}
Restriction not_(Restriction c) { return group(Restriction::Not, {std::move(c)}); }
Restriction compare(RelOp op, PropTag a, PropTag b) {
    Restriction r = node(Restriction::CompareProps);
    r.relop = op;
    r.tag = a;
    r.tag2 = b;
    return r;
}
Restriction bitmask(BitmapOp op, PropTag t, uint32_t mask) {
    Restriction r = node(Restriction::Bitmask);
    r.bitmap_op = op;
    r.tag = t;
    r.mask = mask;
    return r;
}
Restriction size(RelOp op, PropTag t, uint32_t n) {
    Restriction r = node(Restriction::Size);
    r.relop = op;
    r.tag = t;
    r.size = n;
    return r;
}
Restriction subobject(PropTag t, Restriction c) {
    Restriction r = group(Restriction::SubRestriction, {std::move(c)});
    r.tag = t;
    return r;
}
Restriction comment(PropList props, std::vector<Restriction> c) {
    Restriction r = group(Restriction::Comment, std::move(c));
    r.comment_props = std::move(props);
    return r;
}
Restriction count(uint32_t n, Restriction c) {
    Restriction r = group(Restriction::Count, {std::move(c)});
    r.count = n;
    return r;
}

// A getter over a property list, matching by property id like a store does.
PropGetter getter(const PropList& props) {
    return [&props](PropTag t) -> std::optional<PropValue> {
        for (const auto& p : props)
            if (prop_id(p.tag) == prop_id(t)) return p;
        return std::nullopt;
    };
}

bool eval(const Restriction& r, const PropList& props) { return evaluate(r, getter(props)); }

Bytes enc(const Restriction& r, CountWidth w = CountWidth::Rop) {
    CodecOptions o;
    o.counts = w;
    return encode_restriction(r, o);
}

Restriction dec(const Bytes& b, CountWidth w = CountWidth::Rop) {
    CodecOptions o;
    o.counts = w;
    return parse_restriction(b, o);
}

Restriction nested_nots(size_t n) {
    Restriction r = exist(PidTagSubject);
    for (size_t i = 0; i < n; ++i) r = not_(std::move(r));
    return r;
}

const PropTag kLong = make_tag(0x8001, PT_LONG);
const PropTag kShort = make_tag(0x8002, PT_SHORT);
const PropTag kDouble = make_tag(0x8003, PT_DOUBLE);
const PropTag kMvLong = make_tag(0x8004, PT_MV_LONG);
const PropTag kMvStr = make_tag(0x8005, PT_MV_UNICODE);
const PropTag kBin = make_tag(0x8006, PT_BINARY);
const PropTag kLong2 = make_tag(0x8007, PT_LONG);

}  // namespace

// ================================================================ codec
TEST_GROUP(RestrictionCodec) {};

TEST(RestrictionCodec, LayoutOfEveryType) {
    // Byte layouts of MS-OXCDATA 2.12.1-2.12.12 in a ROP buffer.
    struct Case {
        Restriction r;
        const char* wire;
    } cases[] = {
        {group(Restriction::And, {exist(PidTagSubject), not_(exist(PidTagBody))}),  // 2.12.1, 2.12.3
         "00 0200 08 1f003700 02 08 1f000010"},
        {group(Restriction::Or, {}), "01 0000"},  // 2.12.2
        {content(FL_SUBSTRING, FL_IGNORECASE, PropValue::str(PidTagSubject, "ab")),  // 2.12.4
         "03 0100 0100 1f003700 1f003700 6100 6200 0000"},
        {prop(RELOP_EQ, PropValue::i32(PidTagImportance, 2)),  // 2.12.5
         "04 04 03001700 03001700 02000000"},
        {compare(RELOP_LT, PidTagCreationTime, PidTagLastModificationTime),  // 2.12.6
         "05 00 40000730 40000830"},
        {bitmask(BMR_NEZ, PidTagMessageFlags, 1), "06 01 0300070e 01000000"},  // 2.12.7
        {size(RELOP_GT, PidTagBody, 100), "07 02 1f000010 64000000"},             // 2.12.8
        {exist(PidTagSubject), "08 1f003700"},                                       // 2.12.9
        {subobject(PidTagMessageRecipients, exist(PidTagSmtpAddress)),               // 2.12.10
         "09 0d00120e 08 1f00fe39"},
        {comment({PropValue::str(PidTagDisplayName, "x")}, {exist(PidTagSubject)}),  // 2.12.11
         "0a 01 1f000130 7800 0000 01 08 1f003700"},
        {comment({}, {}), "0a 00 00"},
        {count(5, exist(PidTagSubject)), "0b 05000000 08 1f003700"},  // 2.12.12
        {prop(RELOP_MEMBER_OF_DL, PropValue::bin(PidTagEntryId, hex("aa"))), "04 64 0201ff0f 0201ff0f 0100 aa"},
    };
    for (const auto& c : cases) {
        Bytes wire = hex(c.wire);
        CHECK_TEXT(enc(c.r) == wire, c.wire);
        CHECK_TEXT(dec(wire) == c.r, c.wire);
        for (size_t n = 0; n < wire.size(); ++n)
            CHECK_THROWS(DecodeError, dec(Bytes(wire.begin(), wire.begin() + long(n))));
    }
}

TEST(RestrictionCodec, CountWidths) {
    // RestrictCount is 16 bits in ROP buffers, 32 in extended rules
    // (2.12.1.1); so are the COUNTs of property values inside.
    Restriction r = group(Restriction::Or, {exist(PidTagSubject), prop(RELOP_EQ, PropValue::bin(PidTagEntryId, hex("ab")))});
    CHECK(enc(r) == hex("01 0200 08 1f003700 04 04 0201ff0f 0201ff0f 0100 ab"));
    CHECK(enc(r, CountWidth::Wide) == hex("01 02000000 08 1f003700 04 04 0201ff0f 0201ff0f 01000000 ab"));
    CHECK(dec(enc(r, CountWidth::Wide), CountWidth::Wide) == r);
}

TEST(RestrictionCodec, NestedRestrictionValue) {
    // PT_SRESTRICT values (PidTagRuleCondition) nest the same structure.
    PropValue v{PidTagRuleCondition, std::make_shared<const Restriction>(exist(PidTagSubject))};
    ByteWriter w;
    write_tagged_value(w, v);
    CHECK(w.bytes() == hex("fd007966 08 1f003700"));
    ByteReader r(w.bytes());
    CHECK(read_tagged_value(r) == v);
}

TEST(RestrictionCodec, Malformed) {
    expect_throw<DecodeError>([] { dec(hex("0c")); }, "invalid RestrictType 12");
    expect_throw<DecodeError>([] { dec(hex("04 07 03001700 03001700 02000000")); }, "invalid RelOp 7");
    expect_throw<DecodeError>([] { dec(hex("05 06 40000730 40000830")); }, "invalid RelOp 6");  // RE: Property only
    expect_throw<DecodeError>([] { dec(hex("06 02 0300070e 01000000")); }, "invalid BitmapRelOp 2");
    expect_throw<DecodeError>([] { dec(hex("03 0300 0000 1f003700 1f003700 0000")); }, "invalid FuzzyLevelLow 3");
    expect_throw<DecodeError>([] { dec(hex("00 ffff 08 1f003700")); }, "RestrictCount exceeds the input");
    expect_throw<DecodeError>([] { dec(hex("0a 00 02")); }, "invalid RestrictionPresent 2");
    expect_throw<DecodeError>([] { dec(hex("0a 01 03100130 00000000 00")); }, "multivalued TaggedValue");
    expect_throw<DecodeError>([] { dec(hex("08 1f003700 00")); }, "1 trailing bytes");
    // Restriction errors inside a value surface as they are.
    expect_throw<DecodeError>([] { dec(hex("04 04 fd007966 fd007966 0c")); }, "invalid RestrictType 12");
}

TEST(RestrictionCodec, EncodeErrors) {
    expect_throw<EncodeError>([] { enc(node(Restriction::Not)); }, "exactly one child");
    expect_throw<EncodeError>([] { enc(node(Restriction::Property)); }, "without its TaggedValue");
    expect_throw<EncodeError>([] { enc(comment({}, {exist(1), exist(2)})); }, "more than one child");
    expect_throw<EncodeError>(
        [] { enc(comment({PropValue{kMvLong, std::vector<int32_t>{}}}, {})); }, "multivalued TaggedValue");
    expect_throw<EncodeError>([] { enc(group(Restriction::And, std::vector<Restriction>(0x10000, exist(1)))); },
                              "more than 65535 children");
    Restriction bad = exist(1);
    bad.type = Restriction::Type(0x20);
    expect_throw<EncodeError>([&] { enc(bad); }, "invalid RestrictType 32");
    Restriction rel = compare(RELOP_RE, 1, 2);
    expect_throw<EncodeError>([&] { enc(rel); }, "invalid RelOp 6");
}

TEST(RestrictionCodec, DepthLimit) {
    // 256 nested levels decode; the 257th is rejected before recursing further.
    Bytes ok = enc(nested_nots(kMaxRestrictionDepth - 1));
    LONGS_EQUAL(kMaxRestrictionDepth - 1 + 5, ok.size());
    CHECK(dec(ok) == nested_nots(kMaxRestrictionDepth - 1));
    Bytes deep(100000, 0x02);  // Not, Not, Not, ... (the input alone would recurse 100000 times)
    expect_throw<DecodeError>([&] { dec(deep); }, "nesting deeper than 256");
    expect_throw<EncodeError>([] { enc(nested_nots(kMaxRestrictionDepth)); }, "nesting deeper than 256");
    // Restrictions nested through PT_SRESTRICT values count too.
    Bytes via_value;
    for (int i = 0; i < 300; ++i) {
        Bytes p = hex("04 04 fd007966 fd007966");
        via_value.insert(via_value.end(), p.begin(), p.end());
    }
    expect_throw<DecodeError>([&] { dec(via_value); }, "nesting deeper than 256");
    CodecOptions shallow;
    shallow.max_depth = 2;
    expect_throw<DecodeError>([&] { parse_restriction(enc(nested_nots(2)), shallow); }, "deeper than 2");
}

// ================================================================ sort orders
TEST_GROUP(SortOrderCodec) {};

TEST(SortOrderCodec, RoundTripAndRules) {
    // MS-OXCDATA 2.13: SortOrderCount, CategorizedCount, ExpandedCount, then
    // PropertyType, PropertyId, Order per key.
    SortOrderSet s{{{PidTagMessageDeliveryTime, SortOrder::Descending}, {PidTagSubject, SortOrder::Ascending}}, 1, 1};
    ByteWriter w;
    write_sort_order_set(w, s);
    CHECK(w.bytes() == hex("0200 0100 0100 4000060e 01 1f003700 00"));
    ByteReader r(w.bytes());
    CHECK(read_sort_order_set(r) == s);
    CHECK(r.empty());
    auto bad = [](const char* wire, const char* msg) {
        expect_throw<DecodeError>([&] { Bytes in = hex(wire); ByteReader r(in); read_sort_order_set(r); }, msg);
    };
    bad("0100 0200 0000 1f003700 00", "CategorizedCount exceeds SortOrderCount");
    bad("0100 0000 0100 1f003700 00", "ExpandedCount exceeds CategorizedCount");
    bad("0100 0000 0000 1f003700 02", "invalid Order 2");
    bad("0100 0000 0000 1f103700 00", "must be set together");  // MV without MV_INSTANCE
    bad("0100 0000 0000 1f203700 00", "must be set together");  // MV_INSTANCE without MV
    bad("0200 0000 0000 1f303700 00 03300180 00", "more than one multivalue column");
    bad("0500 0000 0000 1f003700 00", "exceeds the input");
    SortOrderSet mv{{{change_type(kMvStr, PT_MV_UNICODE | PT_MV_INSTANCE), SortOrder::MaxCategory}}, 0, 0};
    ByteWriter w2;
    write_sort_order_set(w2, mv);
    ByteReader r2(w2.bytes());
    CHECK(read_sort_order_set(r2) == mv);
    ByteWriter w3;
    CHECK_THROWS(EncodeError, write_sort_order_set(w3, SortOrderSet{{}, 1, 0}));
}

// ================================================================ evaluation
TEST_GROUP(RestrictionEval) {
    PropList msg{
        PropValue::str(PidTagSubject, "Re: Caf\xc3\xa9 Meeting"),
        PropValue::i32(PidTagImportance, 2),
        PropValue::i32(PidTagMessageFlags, 0x09),
        PropValue::i32(kLong, 5),
        PropValue::i16(kShort, 5),
        PropValue{kDouble, 2.5},
        PropValue{kMvLong, std::vector<int32_t>{1, 10, 100}},
        PropValue{kMvStr, std::vector<std::string>{"Red", "Gr\xc3\xbcn"}},
        PropValue::bin(kBin, hex("00112233")),
        PropValue::i32(kLong2, 7),
        PropValue::error(PidTagBody, ec::NotFound),
        PropValue::i64(PidTagCreationTime, 100),
        PropValue::i64(PidTagLastModificationTime, 200),
    };
};

TEST(RestrictionEval, Logic) {
    Restriction yes = exist(PidTagSubject), no = exist(PidTagDisplayName);
    CHECK(eval(yes, msg));
    CHECK(!eval(no, msg));
    CHECK(!eval(exist(PidTagBody), msg));  // a PT_ERROR value is no value
    // And / Or / Not truth tables.
    CHECK(eval(group(Restriction::And, {yes, yes}), msg));
    CHECK(!eval(group(Restriction::And, {yes, no}), msg));
    CHECK(!eval(group(Restriction::And, {no, no}), msg));
    CHECK(eval(group(Restriction::Or, {yes, no}), msg));
    CHECK(!eval(group(Restriction::Or, {no, no}), msg));
    CHECK(eval(group(Restriction::And, {}), msg));
    CHECK(!eval(group(Restriction::Or, {}), msg));
    CHECK(!eval(not_(yes), msg));
    CHECK(eval(not_(no), msg));
    // Comment: its child, or TRUE without one (2.12.11.1).
    CHECK(eval(comment({PropValue::str(PidTagDisplayName, "note")}, {}), msg));
    CHECK(eval(comment({}, {yes}), msg));
    CHECK(!eval(comment({}, {no}), msg));
}

TEST(RestrictionEval, PropertyRelops) {
    struct Row {
        RelOp op;
        int32_t operand;
        bool expect;
    } table[] = {
        {RELOP_LT, 6, true},  {RELOP_LT, 5, false}, {RELOP_LE, 5, true},  {RELOP_LE, 4, false},
        {RELOP_GT, 4, true},  {RELOP_GT, 5, false}, {RELOP_GE, 5, true},  {RELOP_GE, 6, false},
        {RELOP_EQ, 5, true},  {RELOP_EQ, 4, false}, {RELOP_NE, 4, true},  {RELOP_NE, 5, false},
    };
    for (const auto& t : table) {
        CHECK(eval(prop(t.op, PropValue::i32(kLong, t.operand)), msg) == t.expect);
        // Across integer and floating types: PT_SHORT 5 and PT_DOUBLE comparands.
        CHECK(eval(prop(t.op, PropValue::i32(kLong, t.operand), kShort), msg) == t.expect);
        CHECK(eval(prop(t.op, PropValue{kDouble, double(t.operand)}, kLong), msg) == t.expect);
    }
    CHECK(eval(prop(RELOP_GT, PropValue{kDouble, 2.25}), msg));
    // Missing property: FALSE whatever the operator, NE included.
    for (RelOp op : {RELOP_LT, RELOP_LE, RELOP_GT, RELOP_GE, RELOP_EQ, RELOP_NE})
        CHECK(!eval(prop(op, PropValue::i32(PidTagFlagStatus, 1)), msg));
    // Different kinds (string vs number) and NaN are not comparable.
    CHECK(!eval(prop(RELOP_NE, PropValue::str(PidTagSubject, "5"), kLong), msg));
    CHECK(!eval(prop(RELOP_NE, PropValue{kDouble, std::nan("")}), msg));
    // Strings compare case-insensitively.
    CHECK(eval(prop(RELOP_EQ, PropValue::str(PidTagSubject, "RE: CAF\xc3\x89 MEETING")), msg));
    CHECK(eval(prop(RELOP_GT, PropValue::str(PidTagSubject, "apple")), msg));
    CHECK(eval(prop(RELOP_LT, PropValue::str(PidTagSubject, "Zebra")), msg));
    CHECK(!eval(prop(RELOP_EQ, PropValue::str(PidTagSubject, "Re: Cafe Meeting")), msg));
    // PT_STRING8 and PT_UNICODE values are both strings.
    CHECK(eval(prop(RELOP_EQ, PropValue::str(change_type(PidTagSubject, PT_STRING8), "re: caf\xc3\xa9 meeting")), msg));
    // RELOP_RE (PR_ANR): case-insensitive prefix.
    CHECK(eval(prop(RELOP_RE, PropValue::str(PidTagSubject, "re: c")), msg));
    CHECK(!eval(prop(RELOP_RE, PropValue::str(PidTagSubject, "Meeting")), msg));
    CHECK(!eval(prop(RELOP_MEMBER_OF_DL, PropValue::bin(kBin, hex("00"))), msg));
    // Times, binaries.
    CHECK(eval(prop(RELOP_LT, PropValue::i64(PidTagCreationTime, 101)), msg));
    CHECK(eval(prop(RELOP_GT, PropValue::bin(kBin, hex("0011")), kBin), msg));
    CHECK(eval(prop(RELOP_LT, PropValue::bin(kBin, hex("01")), kBin), msg));
}

TEST(RestrictionEval, MultivaluedProperties) {
    // A single-valued comparand matches if any value does.
    CHECK(eval(prop(RELOP_EQ, PropValue::i32(kLong, 10), kMvLong), msg));
    CHECK(!eval(prop(RELOP_EQ, PropValue::i32(kLong, 11), kMvLong), msg));
    CHECK(eval(prop(RELOP_GT, PropValue::i32(kLong, 99), kMvLong), msg));
    CHECK(eval(prop(RELOP_NE, PropValue::i32(kLong, 1), kMvLong), msg));  // 10 != 1
    CHECK(eval(prop(RELOP_EQ, PropValue::str(PidTagSubject, "GR\xc3\x9cN"), kMvStr), msg));
    // Two multivalued operands compare as whole arrays.
    CHECK(eval(prop(RELOP_EQ, PropValue{kMvLong, std::vector<int32_t>{1, 10, 100}}), msg));
    CHECK(eval(prop(RELOP_LT, PropValue{kMvLong, std::vector<int32_t>{1, 11}}), msg));
    CHECK(!eval(prop(RELOP_EQ, PropValue{kMvLong, std::vector<int32_t>{1, 10}}), msg));
    // A multivalued comparand against a single value: FALSE.
    CHECK(!eval(prop(RELOP_EQ, PropValue{kMvLong, std::vector<int32_t>{5}}, kLong), msg));
    // PT_MV_INSTANCE: the table's getter answers with the row's single value.
    PropList row{PropValue{change_type(kMvLong, PT_MV_LONG | PT_MV_INSTANCE), int32_t(10)}};
    CHECK(eval(prop(RELOP_EQ, PropValue::i32(kLong, 10), change_type(kMvLong, PT_MV_LONG | PT_MV_INSTANCE)), row));
    CHECK(!eval(prop(RELOP_EQ, PropValue::i32(kLong, 1), change_type(kMvLong, PT_MV_LONG | PT_MV_INSTANCE)), row));
}

TEST(RestrictionEval, Content) {
    auto c = [&](uint16_t low, uint16_t high, const char* s, PropTag t = PidTagSubject) {
        return eval(content(low, high, PropValue::str(PidTagSubject, s), t), msg);
    };
    // FuzzyLevelLow x FuzzyLevelHigh (2.12.4.1).
    CHECK(c(FL_FULLSTRING, 0, "Re: Caf\xc3\xa9 Meeting"));
    CHECK(!c(FL_FULLSTRING, 0, "re: caf\xc3\xa9 meeting"));
    CHECK(c(FL_FULLSTRING, FL_IGNORECASE, "re: CAF\xc3\x89 meeting"));
    CHECK(!c(FL_FULLSTRING, 0, "Re: Caf"));
    CHECK(c(FL_PREFIX, 0, "Re: Caf"));
    CHECK(!c(FL_PREFIX, 0, "Caf"));
    CHECK(c(FL_PREFIX, FL_IGNORECASE, "RE:"));
    CHECK(c(FL_SUBSTRING, 0, "Meet"));
    CHECK(!c(FL_SUBSTRING, 0, "meet"));
    CHECK(c(FL_SUBSTRING, FL_IGNORECASE, "MEET"));
    // Accents: FL_IGNORENONSPACE; FL_LOOSE = case and accents.
    CHECK(!c(FL_SUBSTRING, FL_IGNORECASE, "cafe"));
    CHECK(c(FL_SUBSTRING, FL_IGNORENONSPACE, "Cafe"));
    CHECK(!c(FL_SUBSTRING, FL_IGNORENONSPACE, "cafe"));
    CHECK(c(FL_SUBSTRING, FL_LOOSE, "CAFE"));
    CHECK(c(FL_SUBSTRING, FL_LOOSE, "cafe\xcc\x81"));  // decomposed e + U+0301
    CHECK(c(FL_FULLSTRING, FL_IGNORECASE, "", PidTagDisplayName) == false);  // missing property
    // Multivalued strings: any value.
    CHECK(eval(content(FL_PREFIX, FL_IGNORECASE, PropValue::str(PidTagSubject, "gr"), kMvStr), msg));
    CHECK(!eval(content(FL_PREFIX, 0, PropValue::str(PidTagSubject, "gr"), kMvStr), msg));
    // Binaries match bytewise.
    CHECK(eval(content(FL_SUBSTRING, 0, PropValue::bin(kBin, hex("1122"))), msg));
    CHECK(eval(content(FL_PREFIX, 0, PropValue::bin(kBin, hex("0011"))), msg));
    CHECK(!eval(content(FL_FULLSTRING, 0, PropValue::bin(kBin, hex("0011"))), msg));
    // Strings and binaries do not match each other.
    CHECK(!eval(content(FL_SUBSTRING, 0, PropValue::bin(kBin, hex("52")), PidTagSubject), msg));
}

TEST(RestrictionEval, BitmaskSizeCompare) {
    // PidTagMessageFlags = 0x09.
    CHECK(eval(bitmask(BMR_NEZ, PidTagMessageFlags, 0x01), msg));
    CHECK(!eval(bitmask(BMR_EQZ, PidTagMessageFlags, 0x01), msg));
    CHECK(eval(bitmask(BMR_EQZ, PidTagMessageFlags, 0x02), msg));
    CHECK(!eval(bitmask(BMR_NEZ, PidTagMessageFlags, 0x02), msg));
    CHECK(!eval(bitmask(BMR_EQZ, PidTagFlagStatus, 0x02), msg));    // missing
    CHECK(eval(bitmask(BMR_NEZ, kMvLong, 0x40), msg));              // 100 has bit 6
    CHECK(!eval(bitmask(BMR_NEZ, PidTagSubject, 0xFF), msg));       // not an integer
    // Sizes: PtypInteger32 4 bytes, a binary its length, PtypString UTF-16
    // bytes with the terminator ("Re: Café Meeting" = 16 units -> 34).
    CHECK(eval(size(RELOP_EQ, kLong, 4), msg));
    CHECK(eval(size(RELOP_EQ, kShort, 2), msg));
    CHECK(eval(size(RELOP_EQ, kBin, 4), msg));
    CHECK(eval(size(RELOP_EQ, PidTagSubject, 34), msg));
    CHECK(eval(size(RELOP_GT, PidTagSubject, 33), msg));
    CHECK(!eval(size(RELOP_LT, PidTagSubject, 34), msg));
    CHECK(eval(size(RELOP_EQ, change_type(PidTagSubject, PT_STRING8), 18),
               PropList{PropValue::str(change_type(PidTagSubject, PT_STRING8), "Re: Caf\xc3\xa9 Meeting")}));
    CHECK(eval(size(RELOP_EQ, kMvStr, 10), msg));  // "Gr\xfcn" = 4 units + terminator
    CHECK(!eval(size(RELOP_EQ, PidTagDisplayName, 0), msg));
    // CompareProps.
    CHECK(eval(compare(RELOP_LT, PidTagCreationTime, PidTagLastModificationTime), msg));
    CHECK(!eval(compare(RELOP_GE, PidTagCreationTime, PidTagLastModificationTime), msg));
    CHECK(eval(compare(RELOP_LT, kLong, kLong2), msg));
    CHECK(eval(compare(RELOP_EQ, kLong, kShort), msg));
    CHECK(!eval(compare(RELOP_EQ, kLong, PidTagDisplayName), msg));
    CHECK(!eval(compare(RELOP_NE, kLong, PidTagSubject), msg));
}

TEST(RestrictionEval, SubRestriction) {
    // Recipients of the message, evaluated through the callback (2.12.10).
    std::vector<PropList> recipients{
        {PropValue::str(PidTagSmtpAddress, "alice@example.com"), PropValue::i32(PidTagRecipientType, 1)},
        {PropValue::str(PidTagSmtpAddress, "bob@example.com"), PropValue::i32(PidTagRecipientType, 2)},
    };
    SubObjectFn sub = [&](PropTag t, const Restriction& r) {
        if (t != PidTagMessageRecipients) return false;
        return std::any_of(recipients.begin(), recipients.end(), [&](const PropList& row) { return eval(r, row); });
    };
    auto get = getter(msg);
    Restriction to_bob = subobject(PidTagMessageRecipients,
                                   group(Restriction::And, {prop(RELOP_EQ, PropValue::str(PidTagSmtpAddress, "BOB@example.com")),
                                                            prop(RELOP_EQ, PropValue::i32(PidTagRecipientType, 2))}));
    CHECK(evaluate(to_bob, get, &sub));
    Restriction bob_to = subobject(PidTagMessageRecipients,
                                   group(Restriction::And, {prop(RELOP_EQ, PropValue::str(PidTagSmtpAddress, "bob@example.com")),
                                                            prop(RELOP_EQ, PropValue::i32(PidTagRecipientType, 1))}));
    CHECK(!evaluate(bob_to, get, &sub));
    CHECK(!evaluate(subobject(PidTagMessageAttachments, exist(PidTagAttachNumber)), get, &sub));
    CHECK(!evaluate(to_bob, get));  // no callback
}

TEST(RestrictionEval, Count) {
    Restriction r = count(2, exist(PidTagSubject));
    CHECK(eval(r, msg));  // stateless: the child
    CHECK(!eval(count(0, exist(PidTagSubject)), msg));
    // Over rows: at most two matches are reported.
    RestrictionEvaluator ev(r);
    auto get = getter(msg);
    PropList empty;
    auto none = getter(empty);
    CHECK(!ev.match(none));  // no match: does not consume the budget
    CHECK(ev.match(get));
    CHECK(ev.match(get));
    CHECK(!ev.match(get));
    ev.reset();
    CHECK(ev.match(get));
    // Nested counts keep separate budgets.
    Restriction both = group(Restriction::Or, {count(1, exist(PidTagSubject)), count(2, exist(PidTagImportance))});
    RestrictionEvaluator ev2(both);
    CHECK(ev2.match(get));   // first Count
    CHECK(ev2.match(get));   // second Count (1 of 2)
    CHECK(ev2.match(get));   // second Count (2 of 2)
    CHECK(!ev2.match(get));
}

// ================================================================ ordering
TEST_GROUP(ValueOrder) {};

TEST(ValueOrder, CompareValues) {
    auto i = [](int32_t v) { return PropValue::i32(kLong, v); };
    auto s = [](const char* v) { return PropValue::str(PidTagSubject, v); };
    PropValue missing = PropValue::error(PidTagSubject, ec::NotFound);
    LONGS_EQUAL(-1, compare_values(i(1), i(2)));
    LONGS_EQUAL(1, compare_values(i(2), i(1)));
    LONGS_EQUAL(0, compare_values(i(2), i(2)));
    LONGS_EQUAL(0, compare_values(i(2), PropValue{kDouble, 2.0}));
    LONGS_EQUAL(-1, compare_values(missing, i(INT32_MIN)));
    PropValue a = s("a");
    LONGS_EQUAL(0, compare_values(nullptr, &missing));  // both missing
    LONGS_EQUAL(-1, compare_values(nullptr, &a));
    LONGS_EQUAL(1, compare_values(&a, nullptr));
    LONGS_EQUAL(-1, compare_values(s("apple"), s("Banana")));  // case-insensitive
    LONGS_EQUAL(-1, compare_values(s("ABC"), s("abc")));       // then bytewise: total order
    LONGS_EQUAL(0, compare_values(s("abc"), s("abc")));
    LONGS_EQUAL(-1, compare_values(PropValue::bin(kBin, hex("01")), PropValue::bin(kBin, hex("0100"))));
    LONGS_EQUAL(1, compare_values(PropValue::bin(kBin, hex("02")), PropValue::bin(kBin, hex("0100"))));
    double nan = std::numeric_limits<double>::quiet_NaN();
    LONGS_EQUAL(1, compare_values(PropValue{kDouble, nan}, PropValue{kDouble, 1e308}));
    LONGS_EQUAL(0, compare_values(PropValue{kDouble, nan}, PropValue{kDouble, nan}));
    LONGS_EQUAL(-1, compare_values(PropValue{kMvLong, std::vector<int32_t>{1, 2}}, PropValue{kMvLong, std::vector<int32_t>{1, 3}}));
    LONGS_EQUAL(-1, compare_values(PropValue{kMvLong, std::vector<int32_t>{1}}, PropValue{kMvLong, std::vector<int32_t>{1, 0}}));
    // Exactness: int64 values beyond 2^53 against doubles.
    int64_t big = (int64_t(1) << 53) + 1;
    LONGS_EQUAL(1, compare_values(PropValue::i64(make_tag(1, PT_I8), big), PropValue{kDouble, double(int64_t(1) << 53)}));
    // Kinds sort apart: booleans < numbers < times < strings < binaries.
    LONGS_EQUAL(-1, compare_values(PropValue::boolean(make_tag(1, PT_BOOLEAN), true), i(0)));
    LONGS_EQUAL(-1, compare_values(i(0), PropValue::i64(PidTagCreationTime, 0)));
    LONGS_EQUAL(-1, compare_values(s("z"), PropValue::bin(kBin, {})));
}

TEST(ValueOrder, SortsRows) {
    // A table sorted by PidTagImportance descending, then subject ascending.
    std::vector<PropList> rows{
        {PropValue::i32(PidTagImportance, 1), PropValue::str(PidTagSubject, "b")},
        {PropValue::i32(PidTagImportance, 2), PropValue::str(PidTagSubject, "z")},
        {PropValue::str(PidTagSubject, "a")},  // no importance: first ascending, last descending
        {PropValue::i32(PidTagImportance, 1), PropValue::str(PidTagSubject, "A")},
        {PropValue::i32(PidTagImportance, 2), PropValue::str(PidTagSubject, "c")},
    };
    SortOrderSet s{{{PidTagImportance, SortOrder::Descending}, {PidTagSubject, SortOrder::Ascending}}, 0, 0};
    std::sort(rows.begin(), rows.end(), [&](const PropList& a, const PropList& b) {
        return compare_rows(s, getter(a), getter(b)) < 0;
    });
    std::string order;
    for (const auto& r : rows) order += getter(r)(PidTagSubject)->as_str();
    STRCMP_EQUAL("czAba", order.c_str());
}
