#include "libmapi/ndr.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace mg;
using mg::ndr::Pull;
using mg::ndr::Push;

namespace {

using mg::test::hex;

using mg::test::expect_decode_error;

// A message exercising most of the vocabulary:
//   u8 tag; [unique, string] char* name; [size_is(cb)] byte data[]; unsigned short cb;
//   [string] wchar_t* wide; hyper big; [size_is(m), length_is(n)] byte tail[]; [range(0,100)] n;
struct Sample : ndr::Message<Sample> {
    static constexpr const char* kName = "Sample";
    uint8_t tag = 0;
    std::optional<std::string> name;
    Bytes data;
    std::u16string wide;
    uint64_t big = 0;
    Bytes tail;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.u8(s.tag, "tag");
        io.unique_string(s.name, 64, "name");
        io.conformant_bytes(s.data, 16, "data");
        io.size_of_u16(s.data, "cb");
        io.wstring(s.wide, 64, "wide");
        io.u64(s.big, "big");
        io.conformant_varying_bytes(s.tail, 100, "tail");
        io.length_of(s.tail, 100, "n");
    }
    bool operator==(const Sample&) const = default;
};

Sample make_sample() {
    Sample s;
    s.tag = 7;
    s.name = "ab";
    s.data = {1, 2, 3};
    s.wide = u"Hi";
    s.big = 0x1122334455667788ull;
    s.tail = {9, 8};
    return s;
}

// The exact NDR20 encoding of make_sample(), alignment padding included.
const char* const kSampleHex =
    "07 000000"                    // tag, pad to 4
    "00000200"                     // unique pointer: referent id 0x00020000
    "03000000 00000000 03000000"   // max_count 3, offset 0, actual_count 3
    "616200 00"                    // "ab\0", pad to 4
    "03000000 010203"              // data: conformance 3, 3 bytes
    "00 0300 0000"                 // pad to 2, cb = 3, pad to 4
    "03000000 00000000 03000000"   // wide: max 3, offset 0, actual 3
    "4800 6900 0000"               // u"Hi\0"
    "0000"                         // pad to 8 (offset 0x36 -> 0x38)
    "8877665544332211"             // big
    "02000000 00000000 02000000 0908"  // tail: max 2, offset 0, actual 2
    "0000 02000000";               // pad to 4, n = 2

}  // namespace

TEST_GROUP(Ndr) {};

TEST(Ndr, SampleExactBytes) {
    Bytes b = make_sample().encode();
    Bytes want = hex(kSampleHex);
    LONGS_EQUAL(want.size(), b.size());
    MEMCMP_EQUAL(want.data(), b.data(), want.size());
}

TEST(Ndr, SampleRoundTrip) {
    Sample s = make_sample();
    CHECK(Sample::decode(s.encode()) == s);
    s.name.reset();
    s.data.clear();
    s.wide.clear();
    s.tail.clear();
    Bytes b = s.encode();
    Sample d = Sample::decode(b);
    CHECK(d == s);
    CHECK(!d.name.has_value());
}

TEST(Ndr, NullUniquePointerIsZeroReferent) {
    Sample s = make_sample();
    s.name.reset();
    Bytes b = s.encode();
    Bytes want = hex("07000000 00000000");
    MEMCMP_EQUAL(want.data(), b.data(), want.size());
}

TEST(Ndr, EveryTruncationRejected) {
    Bytes full = make_sample().encode();
    for (size_t n = 0; n < full.size(); ++n) {
        Bytes cut(full.begin(), full.begin() + long(n));
        CHECK_THROWS(DecodeError, Sample::decode(cut));
    }
}

TEST(Ndr, ConformanceBeyondMaximum) {
    Bytes b = hex(kSampleHex);
    b[24] = 17;  // data conformance 17 > 16
    expect_decode_error([&] { Sample::decode(b); }, "Sample: data: conformance 17 exceeds maximum 16");
}

TEST(Ndr, HugeCountsFailWithoutAllocating) {
    Bytes p_in = hex("ffffffff 00");
    Pull p(p_in);
    Bytes out;
    expect_decode_error([&] { p.conformant_bytes(out, UINT32_MAX, "blob"); }, "blob: truncated");
    Bytes q_in = hex("ffffff7f 00000000 ffffff7f 61");
    Pull q(q_in);
    std::u16string w;
    expect_decode_error([&] { q.wstring(w, UINT32_MAX, "w"); }, "w: truncated");
}

TEST(Ndr, SizeParameterMustMatchConformance) {
    Bytes b = hex(kSampleHex);
    b[32] = 2;  // cb = 2 but 3 bytes were sent
    expect_decode_error([&] { Sample::decode(b); }, "cb: size 2 does not match");
}

TEST(Ndr, StringChecks) {
    auto pull = [](const char* h) {
        Bytes in = hex(h);
        Pull p(in);
        std::string s;
        p.string(s, 8, "s");
        return s;
    };
    STRCMP_EQUAL("ab", pull("03000000 00000000 03000000 616200").c_str());
    // max_count may exceed actual_count
    STRCMP_EQUAL("ab", pull("08000000 00000000 03000000 616200").c_str());
    expect_decode_error([&] { pull("03000000 00000000 03000000 616263"); }, "not NUL-terminated");
    expect_decode_error([&] { pull("03000000 00000000 03000000 610000"); }, "embedded NUL");
    expect_decode_error([&] { pull("00000000 00000000 00000000"); }, "without terminator");
    expect_decode_error([&] { pull("02000000 00000000 03000000 616200"); }, "exceeds max_count");
    expect_decode_error([&] { pull("09000000 00000000 03000000 616200"); }, "exceeds maximum 8");
    expect_decode_error([&] { pull("03000000 01000000 02000000 6200"); }, "nonzero string offset");
}

TEST(Ndr, ConformantVaryingChecks) {
    auto pull = [](const char* h) {
        Bytes in = hex(h);
        Pull p(in);
        Bytes b;
        p.conformant_varying_bytes(b, 16, "v");
        return b;
    };
    LONGS_EQUAL(2, pull("10000000 00000000 02000000 aabb").size());
    expect_decode_error([&] { pull("01000000 00000000 02000000 aabb"); }, "actual_count 2 exceeds max_count 1");
    expect_decode_error([&] { pull("02000000 01000000 01000000 aa"); }, "nonzero variance offset");
    expect_decode_error([&] { pull("11000000 00000000 01000000 aa"); }, "max_count 17 exceeds maximum 16");
}

TEST(Ndr, RangeEnforcedBothWays) {
    Bytes p_in = hex("65000000");
    Pull p(p_in);
    uint32_t v;
    expect_decode_error([&] { p.u32_range(v, 0, 100, "r"); }, "r: value 101 outside range(0, 100)");
    Push w;
    CHECK_THROWS(ndr::EncodeError, w.u32_range(101, 0, 100, "r"));
    Sample s = make_sample();
    s.tail.assign(101, 0);
    CHECK_THROWS(ndr::EncodeError, s.encode());
}

TEST(Ndr, EncodeRejectsUnrepresentableStrings) {
    Push w;
    CHECK_THROWS(ndr::EncodeError, w.string(std::string("a\0b", 3), 10, "s"));
    CHECK_THROWS(ndr::EncodeError, w.string("123456789", 9, "s"));  // 10 chars with the NUL
    w.string("12345678", 9, "s");
}

TEST(Ndr, ContextHandle) {
    ndr::ContextHandle h;
    CHECK(h.is_null());
    h.uuid[15] = 1;
    CHECK(!h.is_null());
    h.attributes = 0;
    Push w;
    w.u8(0xee, "pad test");
    w.context_handle(h, "h");
    Bytes b = w.take();
    Bytes want = hex("ee000000 00000000 00000000000000000000000000000001");
    LONGS_EQUAL(want.size(), b.size());
    MEMCMP_EQUAL(want.data(), b.data(), want.size());
    Pull p(b);
    uint8_t x;
    ndr::ContextHandle d;
    p.u8(x, "x");
    p.context_handle(d, "h");
    CHECK(d == h);
    p.finish();
    Bytes q_in = hex("00000000 0102");
    Pull q(q_in);
    expect_decode_error([&] { q.context_handle(d, "pcxh"); }, "pcxh: truncated");
}

TEST(Ndr, FullPointersAlias) {
    int a = 1, b = 2;
    Push w;
    CHECK(w.full_ptr(&a, "p") == ndr::FullPtr::First);
    CHECK(w.full_ptr(&b, "p") == ndr::FullPtr::First);
    CHECK(w.full_ptr(&a, "p") == ndr::FullPtr::Repeat);
    CHECK(w.full_ptr(nullptr, "p") == ndr::FullPtr::Null);
    Bytes bytes = w.take();
    Bytes want = hex("00000200 04000200 00000200 00000000");
    MEMCMP_EQUAL(want.data(), bytes.data(), want.size());
    Pull p(bytes);
    uint32_t id;
    CHECK(p.full_ptr(id, "p") == ndr::FullPtr::First);
    CHECK(p.full_ptr(id, "p") == ndr::FullPtr::First);
    CHECK(p.full_ptr(id, "p") == ndr::FullPtr::Repeat);
    LONGS_EQUAL(0x20000, id);
    CHECK(p.full_ptr(id, "p") == ndr::FullPtr::Null);
}

TEST(Ndr, TrailingBytes) {
    Bytes b = make_sample().encode();
    b.insert(b.end(), 4, 0);  // alignment padding is tolerated
    CHECK(Sample::decode(b) == make_sample());
    b.back() = 1;
    expect_decode_error([&] { Sample::decode(b); }, "trailing bytes");
    b.back() = 0;
    b.insert(b.end(), 4, 0);  // 8 bytes is not padding
    expect_decode_error([&] { Sample::decode(b); }, "8 unexpected trailing bytes");
}
