#include "libmapi/oxrtfcp.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <stdexcept>
#include <string>

using namespace mg;
using namespace mg::oxrtfcp;

namespace {

using mg::test::check_bytes;
using mg::test::expect_decode_error;
using mg::test::expect_throw;
using mg::test::hex;

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// MS-OXRTFCP 4.1: the simple RTF, literals plus references into the
// initial dictionary.
const char* kHelloRtf = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";
const char* kHelloCompressed =
    "2d 00 00 00 2b 00 00 00 4c 5a 46 75 f1 c5 c7 a7"
    "03 00 0a 00 72 63 70 67 31 32 35 42 32 0a f3 20"
    "68 65 6c 09 00 20 62 77 05 b0 6c 64 7d 0a 80 0f a0";

// MS-OXRTFCP 4.2: a reference that overlaps the bytes it produces.
const char* kWxyzRtf = "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";
const char* kWxyzCompressed =
    "1a 00 00 00 1c 00 00 00 4c 5a 46 75 e2 d4 4b 51"
    "41 00 04 20 57 58 59 5a 0d 6e 7d 01 0e b0";

struct Rng {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint32_t next() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return uint32_t(x);
    }
};

// RTF-like text: words from a small vocabulary (so there is something to
// match) with occasional random bytes (so not everything matches).
std::string random_rtf(Rng& rng, size_t size) {
    static const char* kWords[] = {"{\\rtf1", "\\ansi", "\\par ", "hello ", "world", "\\b ", "}", "\r\n",
                                   "\\f0\\fs20 ", "Outlook", "{\\colortbl;}", " "};
    std::string s;
    while (s.size() < size) {
        uint32_t r = rng.next();
        if (r % 5 == 0) s += char(rng.next() & 0xFF);
        else s += kWords[(r >> 8) % (sizeof kWords / sizeof *kWords)];
    }
    s.resize(size);
    return s;
}

void check_round_trip(const std::string& rtf) {
    Bytes c = rtf_compress(rtf);
    CHECK_EQUAL(rtf, text(rtf_decompress(c)));
    Bytes m = rtf_wrap_uncompressed(rtf);
    CHECK_EQUAL(rtf, text(rtf_decompress(m)));
}

void put_le32_at(Bytes& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}

// Re-stamps COMPSIZE and the CRC after a test edits the contents.
Bytes restamp(Bytes b) {
    put_le32_at(b, 0, uint32_t(b.size() - 4));
    put_le32_at(b, 12, crc(ByteView(b).subspan(16)));
    return b;
}

// The spec's second example with one header field (byte offset `at`)
// replaced must be rejected with `needle` in the message.
void expect_field_rejected(size_t at, uint32_t value, const char* needle) {
    Bytes b = hex(kWxyzCompressed);
    put_le32_at(b, at, value);
    expect_decode_error([&] { rtf_decompress(b); }, needle);
}

}  // namespace

TEST_GROUP(OxRtfCp){};

TEST(OxRtfCp, SpecExampleHelloDecompresses) {
    CHECK_EQUAL(std::string(kHelloRtf), text(rtf_decompress(hex(kHelloCompressed))));
}

TEST(OxRtfCp, SpecExampleHelloCompressesToTheSpecBytes) {
    check_bytes(hex(kHelloCompressed), rtf_compress(kHelloRtf));
}

TEST(OxRtfCp, SpecExampleOverlappingReferenceDecompresses) {
    CHECK_EQUAL(std::string(kWxyzRtf), text(rtf_decompress(hex(kWxyzCompressed))));
}

TEST(OxRtfCp, SpecExampleOverlappingReferenceCompressesToTheSpecBytes) {
    check_bytes(hex(kWxyzCompressed), rtf_compress(kWxyzRtf));
}

TEST(OxRtfCp, CrcOfSpecContents) {
    Bytes b = hex(kWxyzCompressed);
    UNSIGNED_LONGS_EQUAL(0x514BD4E2u, crc(ByteView(b).subspan(16)));
    UNSIGNED_LONGS_EQUAL(0u, crc(ByteView()));
}

TEST(OxRtfCp, EmptyText) {
    Bytes c = rtf_compress("");
    // Header plus one run holding only the end reference (offset 207).
    check_bytes(hex("0f 00 00 00 00 00 00 00 4c 5a 46 75") , Bytes(c.begin(), c.begin() + 12));
    check_bytes(hex("01 0c f0"), Bytes(c.begin() + 16, c.end()));
    CHECK_EQUAL(std::string(), text(rtf_decompress(c)));
}

TEST(OxRtfCp, UncompressedWrapper) {
    Bytes m = rtf_wrap_uncompressed("{\\rtf1 x}");
    check_bytes(hex("15 00 00 00 09 00 00 00 4d 45 4c 41 00 00 00 00 7b 5c 72 74 66 31 20 78 7d"), m);
    CHECK_EQUAL(std::string("{\\rtf1 x}"), text(rtf_decompress(m)));
}

TEST(OxRtfCp, UncompressedWithPaddingReturnsRawSize) {
    Bytes m = hex("0f 00 00 00 02 00 00 00 4d 45 4c 41 00 00 00 00 41 42 43");
    CHECK_EQUAL(std::string("AB"), text(rtf_decompress(m)));
}

TEST(OxRtfCp, PaddingAfterEndReferenceIsIgnored) {
    Bytes b = hex(kWxyzCompressed);
    b.push_back(0xAA);
    b.push_back(0x55);
    CHECK_EQUAL(std::string(kWxyzRtf), text(rtf_decompress(restamp(b))));
}

TEST(OxRtfCp, RoundTripsShortTexts) {
    check_round_trip("a");
    check_round_trip("ab");
    check_round_trip("{\\rtf1\\ansi\\mac\\deff0\\deftab720}");
    check_round_trip(std::string(100, '\0'));
    check_round_trip(std::string(1000, 'x'));
}

TEST(OxRtfCp, RoundTripsLongTextsThatWrapTheDictionary) {
    Rng rng;
    for (size_t size : {4095u, 4096u, 4097u, 10000u, 70000u}) check_round_trip(random_rtf(rng, size));
    std::string bin;
    for (int i = 0; i < 20000; ++i) bin += char(rng.next() & 0xFF);
    check_round_trip(bin);
}

TEST(OxRtfCp, CompressesRepetitiveText) {
    Rng rng;
    std::string rtf = random_rtf(rng, 50000);
    Bytes c = rtf_compress(rtf);
    CHECK(c.size() < rtf.size() / 2);
    std::string same(50000, 'q');
    CHECK(rtf_compress(same).size() < 50000 / 7);  // 17 bytes per 2-byte reference
}

TEST(OxRtfCp, RejectsShortHeader) {
    expect_decode_error([] { rtf_decompress(hex("0c 00 00 00 00 00 00 00 4c 5a 46")); }, "header needs 16");
    expect_decode_error([] { rtf_decompress(Bytes()); }, "header needs 16");
}

TEST(OxRtfCp, RejectsCompSizeBelowTwelve) {
    expect_decode_error([] { rtf_decompress(hex("0b 00 00 00 00 00 00 00 4c 5a 46 75 00 00 00 00")); }, "below 12");
}

TEST(OxRtfCp, RejectsCompSizeMismatch) {
    Bytes b = hex(kWxyzCompressed);
    b.pop_back();
    expect_decode_error([&] { rtf_decompress(b); }, "does not match");
    Bytes longer = hex(kWxyzCompressed);
    longer.push_back(0);
    expect_decode_error([&] { rtf_decompress(longer); }, "does not match");
    expect_field_rejected(0, 0xFFFFFFFFu, "does not match");
}

TEST(OxRtfCp, RejectsUnknownCompType) {
    expect_field_rejected(8, 0x12345678, "unknown COMPTYPE 0x12345678");
}

TEST(OxRtfCp, RejectsCrcMismatch) {
    Bytes b = hex(kWxyzCompressed);
    b[20] ^= 1;  // a literal 'W' becomes 'V'
    expect_decode_error([&] { rtf_decompress(b); }, "CRC mismatch");
    Bytes c = hex(kWxyzCompressed);
    c[12] ^= 0x80;
    expect_decode_error([&] { rtf_decompress(c); }, "CRC mismatch: header 0x514BD462");
}

TEST(OxRtfCp, RejectsRawSizeBeyondLimit) {
    expect_field_rejected(4, uint32_t(kMaxRawSize + 1), "exceeds the 67108864-byte limit");
}

TEST(OxRtfCp, RejectsOutputBeyondRawSize) {
    expect_field_rejected(4, 27, "expands beyond RAWSIZE (27 bytes)");
}

TEST(OxRtfCp, RejectsOutputShortOfRawSize) {
    expect_field_rejected(4, 29, "ends after 28 bytes, RAWSIZE says 29");
}

TEST(OxRtfCp, RejectsMissingEndReference) {
    // Drop the last run (control 01 and the end reference 0e b0).
    Bytes b = hex(kWxyzCompressed);
    b.resize(b.size() - 3);
    expect_decode_error([&] { rtf_decompress(restamp(b)); }, "no end reference");
    // Only the control byte of the last run is left.
    Bytes c = hex(kWxyzCompressed);
    c.resize(c.size() - 2);
    expect_decode_error([&] { rtf_decompress(restamp(c)); }, "truncated inside a run");
    // Half a reference.
    Bytes d = hex(kWxyzCompressed);
    d.resize(d.size() - 1);
    expect_decode_error([&] { rtf_decompress(restamp(d)); }, "truncated inside a reference");
}

TEST(OxRtfCp, RejectsUncompressedRawSizeBeyondContents) {
    Bytes m = rtf_wrap_uncompressed("abc");
    put_le32_at(m, 4, 4);
    expect_decode_error([&] { rtf_decompress(m); }, "exceeds the 3 content bytes");
}

TEST(OxRtfCp, EncodersRejectOversizedInput) {
    std::string big(kMaxRawSize + 1, 'a');
    expect_throw<std::invalid_argument>([&] { rtf_compress(big); }, "exceeds");
    expect_throw<std::invalid_argument>([&] { rtf_wrap_uncompressed(big); }, "exceeds");
}

TEST(OxRtfCp, ReferenceWrapsAroundTheDictionaryEnd) {
    // Control 03: a reference to offset 0xFFE, length 4 (the zero-filled
    // dictionary tail, then "{\" from offset 0), then the end reference at
    // the write position 207 + 4 = 0x0D3.
    Bytes b = hex("00 00 00 00 04 00 00 00 4c 5a 46 75 00 00 00 00 03 ff e2 0d 30");
    Bytes out = rtf_decompress(restamp(b));
    check_bytes(Bytes{0, 0, '{', '\\'}, out);
}
