// MS-OXOABKT templates and scripts: byte layout, code pages, malformed input.
#include "libmapi/oxoabkt.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

using namespace mg;
using namespace mg::oxoabkt;
using mg::test::expect_decode_error;

namespace {

Template sample() {
    Template t;
    t.controls.push_back(Control{0, 0, 0, 0, ControlType::Page, 0, 0, 0, "General"});
    t.controls.push_back(Control{12, 100, 14, 16, ControlType::Label, 0, 0, 0, "&Straße:"});
    t.controls.push_back(Control{120, 240, 12, 20, ControlType::Edit, kEditable, 0x3A29001E, 1024, "*"});
    t.controls.push_back(Control{120, 240, 40, 80, ControlType::ListBox, 0, 0x8009000D, 0, "*"});
    return t;
}

uint32_t u32_at(const Bytes& b, size_t off) {
    return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 | uint32_t(b[off + 3]) << 24;
}

}  // namespace

TEST_GROUP(Oxoabkt){};

TEST(Oxoabkt, TRowSetLayout) {
    Bytes b = encode_template(sample(), 1252);
    LONGS_EQUAL(1, u32_at(b, 0));  // Type
    LONGS_EQUAL(4, u32_at(b, 4));  // cRows
    // Row 3 (the edit control): XPos, DeltaX, YPos, DeltaY, ControlType, ControlFlags, dwType, ulSize, ulString.
    size_t row = 8 + 2 * 36;
    LONGS_EQUAL(120, u32_at(b, row));
    LONGS_EQUAL(240, u32_at(b, row + 4));
    LONGS_EQUAL(1, u32_at(b, row + 16));
    LONGS_EQUAL(kEditable, u32_at(b, row + 20));
    LONGS_EQUAL(0x3A29001E, u32_at(b, row + 24));
    LONGS_EQUAL(1024, u32_at(b, row + 28));
    // ulString: offset from the TRowSet base, past the rows, to "*\0".
    uint32_t off = u32_at(b, row + 32);
    CHECK(off >= 8 + 4 * 36);
    STRCMP_EQUAL("*", reinterpret_cast<const char*>(b.data()) + off);
    // The list box shares the "*" string.
    LONGS_EQUAL(off, u32_at(b, 8 + 3 * 36 + 32));
    // The label is 8-bit Windows-1252: ß is 0xDF.
    uint32_t label = u32_at(b, 8 + 36 + 32);
    STRCMP_EQUAL("&Stra\xDF" "e:", reinterpret_cast<const char*>(b.data()) + label);
    CHECK(decode_template(b, 1252) == sample());
}

TEST(Oxoabkt, StringsFollowTheCodePage) {
    Bytes b850 = encode_template(sample(), 850);
    uint32_t label = u32_at(b850, 8 + 36 + 32);
    STRCMP_EQUAL("&Stra\xE1" "e:", reinterpret_cast<const char*>(b850.data()) + label);  // ß in code page 850
    CHECK(decode_template(b850, 850) == sample());
    // A character the code page lacks becomes '?'.
    Template t;
    t.controls.push_back(Control{0, 0, 0, 0, ControlType::Label, 0, 0, 0, "\xE2\x82\xAC 5"});  // "€ 5"
    Bytes b = encode_template(t, 850);
    STRCMP_EQUAL("? 5", decode_template(b, 850).controls[0].text.c_str());
}

TEST(Oxoabkt, EncoderRefusesStringsOverTheirLimit) {
    Template t;
    t.controls.push_back(Control{0, 0, 0, 0, ControlType::Edit, 0, 0x3001001E, 10, std::string(15, 'x')});
    mg::test::expect_throw<std::invalid_argument>([&] { encode_template(t, 1252); }, "over its limit");
    t.controls[0].text = std::string(14, 'x');  // 14 + terminator = 15
    LONGS_EQUAL(14, decode_template(encode_template(t, 1252), 1252).controls[0].text.size());
}

TEST(Oxoabkt, MalformedTemplatesAreDecodeErrors) {
    Bytes good = encode_template(sample(), 1252);
    Bytes b = good;
    b[0] = 2;
    expect_decode_error([&] { decode_template(b, 1252); }, "Type");
    b = good;
    b.resize(8 + 36 * 3);
    expect_decode_error([&] { decode_template(b, 1252); }, "truncated");
    b = good;
    b[8 + 32] = 8;  // ulString pointing into the rows
    b[8 + 33] = b[8 + 34] = b[8 + 35] = 0;
    expect_decode_error([&] { decode_template(b, 1252); }, "offset");
    b = good;
    b[8 + 32] = 0xFF;
    b[8 + 33] = 0xFF;
    expect_decode_error([&] { decode_template(b, 1252); }, "offset");
    b = good;
    b.back() = 'x';  // the last string loses its terminator
    expect_decode_error([&] { decode_template(b, 1252); }, "terminator");
    b = good;
    b[8 + 16] = 0x0A;  // ControlType 10 is not defined
    expect_decode_error([&] { decode_template(b, 1252); }, "ControlType");
    // A page label over 32 bytes.
    Template t;
    t.controls.push_back(Control{0, 0, 0, 0, ControlType::Label, 0, 0, 0, std::string(40, 'p')});
    b = encode_template(t, 1252);
    b[8 + 16] = 8;
    expect_decode_error([&] { decode_template(b, 1252); }, "limit");
    // A huge cRows is refused before anything is allocated.
    b = {1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F};
    expect_decode_error([&] { decode_template(b, 1252); }, "cRows");
}

TEST(Oxoabkt, Script) {
    std::vector<Instruction> s = {{Op::JumpIfNotExists, 0x3003001E, 0, 6},
                                  {Op::EmitPropertyValue, 0x3003001E, 0, 0},
                                  {Op::Halt, 0, 0, 0},
                                  {Op::Error, 0, 0, 0}};
    Bytes b = encode_script(s);
    // The count of DWORDs that follow, then the instructions.
    mg::test::check_bytes(mg::test::hex("07000000 04000000 1e000330 06000000 02000000 1e000330 00000000 01000000"), b);
    CHECK(decode_script(b) == s);
    Bytes bad = b;
    bad[0] = 8;
    expect_decode_error([&] { decode_script(bad); }, "count");
    bad = mg::test::hex("02000000 02000000 1e000330");
    expect_decode_error([&] { decode_script(bad); }, "Halt");
    bad = mg::test::hex("02000000 02800000 00000000");
    expect_decode_error([&] { decode_script(bad); }, "unsupported");
    bad = mg::test::hex("01000000 05000000");
    expect_decode_error([&] { decode_script(bad); }, "truncated");
}
