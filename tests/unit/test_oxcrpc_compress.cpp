#include "libmapi/oxcrpc_compress.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <stdexcept>
#include <string>

using namespace mg;
using namespace mg::oxcrpc;

namespace {

using mg::test::hex;

Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes repeat(const std::string& s, size_t n) {
    Bytes out;
    for (size_t i = 0; i < n; ++i) out.insert(out.end(), s.begin(), s.end());
    return out;
}

using mg::test::expect_decode_error;

using mg::test::check_bytes;

struct Rng {
    uint64_t x = 0x2545f4914f6cdd1dull;
    uint64_t next() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; }
};

// Text-like data: words from a small vocabulary, so it compresses.
Bytes texty(size_t n, Rng& rng) {
    static const char* const words[] = {"Subject: ", "Re: ", "meeting ", "tomorrow ", "\r\n", "PidTag", "0x3001",
                                        "Outlook ", "mapigate ", "folder ", "IPM.Note", "\0\0\0\x1f"};
    Bytes out;
    while (out.size() < n) {
        const char* w = words[rng.next() % 12];
        std::string s = (w[0] == 0) ? std::string("\0\0\0\x1f", 4) : std::string(w);
        out.insert(out.end(), s.begin(), s.end());
    }
    out.resize(n);
    return out;
}

void round_trip(const Bytes& plain) {
    Bytes c = lz77_compress(plain);
    Bytes d = lz77_decompress(c, plain.size());
    CHECK(d == plain);
}

}  // namespace

TEST_GROUP(Lz77) {};

// MS-OXCRPC 3.1.4.1.1.2.2 DIRECT2 is the bit stream [MS-XCA] 2.3/2.4 calls
// "Plain LZ77"; MS-OXCRPC section 4 shows no compressed byte dump, so the
// byte fixtures are the ones of [MS-XCA] section 3.1 "Plain LZ77".
TEST(Lz77, MsXca31AlphabetFixture) {
    Bytes compressed = hex("3f 00 00 00 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a");
    Bytes plain = str("abcdefghijklmnopqrstuvwxyz");
    check_bytes(plain, lz77_decompress(compressed, plain.size()));
    check_bytes(compressed, lz77_compress(plain));
}

TEST(Lz77, MsXca31RepeatedAbcFixture) {
    // "abc" then [match: distance 3, length 297]: length escapes through the
    // nibble (15), the byte (0xFF) and the 16-bit length - 3 (0x0126 = 294).
    Bytes compressed = hex("ff ff ff 1f 61 62 63 17 00 0f ff 26 01");
    Bytes plain = repeat("abc", 100);
    check_bytes(plain, lz77_decompress(compressed, 300));
    check_bytes(compressed, lz77_compress(plain));
}

// The length representation table of the DIRECT2 section (24, 25, 279, 280, 281),
// each as one literal 'a' followed by a distance-1 match of that length.
TEST(Lz77, Direct2LengthTable) {
    struct { size_t len; const char* tail; } cases[] = {
        {10, "00"},          // b'111' + nibble 0
        {24, "0e"},          // b'111' + nibble b'1110'
        {25, "0f 00"},       // + nibble b'1111' + byte 0
        {26, "0f 01"},
        {279, "0f fe"},
        {280, "0f ff 15 01"},  // 0x0115 = 277 + 3 (not additive)
        {281, "0f ff 16 01"},
    };
    for (auto& c : cases) {
        Bytes plain(c.len + 1, 'a');
        Bytes want = hex((std::string("ff ff ff 7f 61 07 00 ") + c.tail).c_str());
        check_bytes(want, lz77_compress(plain));
        check_bytes(plain, lz77_decompress(want, plain.size()));
    }
}

TEST(Lz77, SharedLengthNibble) {
    // Two long matches share one extra byte: low nibble for the first (11 - 10 = 1),
    // high nibble for the second (12 - 10 = 2). The second adds no byte.
    Bytes plain(12, 'a');
    plain.insert(plain.end(), 13, 'b');
    Bytes want = hex("ff ff ff 5f 61 07 00 21 62 07 00");
    check_bytes(want, lz77_compress(plain));
    check_bytes(plain, lz77_decompress(want, plain.size()));
}

TEST(Lz77, EndMarkerNeedsNewBitmask) {
    // 32 literals fill the first bitmask: the end bit needs a second one.
    Bytes plain;
    for (int i = 0; i < 32; ++i) plain.push_back(uint8_t(i * 7 + 1));
    Bytes c = lz77_compress(plain);
    LONGS_EQUAL(4 + 32 + 4, c.size());
    check_bytes(hex("ff ff ff ff"), Bytes(c.end() - 4, c.end()));
    check_bytes(plain, lz77_decompress(c, 32));
}

TEST(Lz77, RoundTrips) {
    Rng rng;
    for (size_t n : {0, 1, 2, 3, 4, 31, 32, 33, 100, 8191, 8192, 8193, 20000, 32768}) {
        round_trip(texty(n, rng));
        Bytes noise(n);
        for (auto& b : noise) b = uint8_t(rng.next());
        round_trip(noise);
    }
    round_trip(Bytes(70000, 0));           // matches longer than 65538 are split
    round_trip(repeat("0123456789", 5000));  // offsets at the window edge
    Bytes far = texty(9000, rng);          // a repeat 9000 bytes back is out of the 8 KB window
    far.insert(far.end(), far.begin(), far.begin() + 9000);
    round_trip(far);
}

TEST(Lz77, CompressesTextLikeData) {
    Rng rng;
    Bytes plain = texty(32768, rng);
    CHECK(lz77_compress(plain).size() < plain.size() / 2);
}

TEST(Lz77, MalformedInputRejected) {
    // First element is a match but nothing was output yet.
    expect_decode_error([] { lz77_decompress(hex("00 00 00 80 00 00"), 3); }, "before start of output");
    // Distance 2 with only one byte output.
    expect_decode_error([] { lz77_decompress(hex("00 00 00 40 61 08 00"), 4); }, "before start of output");
    // A match running past SizeActual.
    expect_decode_error([] { lz77_decompress(hex("ff ff ff 1f 61 62 63 17 00 0f ff 26 01"), 299); }, "overruns SizeActual");
    // More literals than SizeActual.
    expect_decode_error([] { lz77_decompress(hex("3f 00 00 00 61 62 63"), 2); }, "literal beyond SizeActual");
    // Fewer bytes than SizeActual.
    expect_decode_error([] { lz77_decompress(hex("3f 00 00 00 61 62 63"), 4); }, "decompressed 3 bytes, SizeActual is 4");
    // Truncated bitmask, metadata, nibble byte, extra length byte, length word.
    expect_decode_error([] { lz77_decompress(hex("00 00"), 1); }, "truncated bitmask");
    expect_decode_error([] { lz77_decompress(hex("00 00 00 40 61 00"), 4); }, "truncated metadata");
    expect_decode_error([] { lz77_decompress(hex("00 00 00 40 61 07 00"), 40); }, "truncated length nibble");
    expect_decode_error([] { lz77_decompress(hex("00 00 00 40 61 07 00 0f"), 40); }, "truncated length byte");
    expect_decode_error([] { lz77_decompress(hex("00 00 00 40 61 07 00 0f ff 15"), 400); }, "truncated length word");
}

TEST(Lz77, RandomInputNeverCrashes) {
    Rng rng;
    Bytes good = lz77_compress(texty(2000, rng));
    for (int round = 0; round < 5000; ++round) {
        Bytes b = good;
        for (int k = int(rng.next() % 6); k >= 0; --k) b[rng.next() % b.size()] = uint8_t(rng.next());
        b.resize(rng.next() % (b.size() + 1));
        try {
            Bytes out = lz77_decompress(b, 2000);
            LONGS_EQUAL(2000, out.size());
        } catch (const DecodeError&) {
        }
    }
}

TEST_GROUP(RpcHeaderExtChain) {};

TEST(RpcHeaderExtChain, XorMagic) {
    Bytes b = hex("00 a5 5a ff");
    xor_magic(b);
    check_bytes(hex("a5 00 ff 5a"), b);
}

TEST(RpcHeaderExtChain, PlainSinglePayload) {
    // The uncompressed, unobfuscated shape of MS-OXCRPC 4.2: Version 0, Flags Last.
    Bytes buf = hex("0000 0400 0300 0300 010203");
    auto p = parse_ext_chain(buf);
    LONGS_EQUAL(1, p.size());
    CHECK(p[0].header == (RpcHeaderExt{0, kRhefLast, 3, 3}));
    check_bytes(hex("010203"), p[0].data);
    check_bytes(buf, build_ext_buffer(hex("010203"), {}));
}

TEST(RpcHeaderExtChain, ObfuscatedOnly) {
    Bytes buf = hex("0000 0600 0300 0300 a4a7a6");  // 01 02 03 ^ a5
    check_bytes(hex("010203"), parse_ext_chain(buf)[0].data);
    check_bytes(buf, build_ext_buffer(hex("010203"), {false, true}));
}

TEST(RpcHeaderExtChain, CompressedAndObfuscated) {
    Bytes plain = repeat("abc", 100);
    Bytes buf = build_ext_buffer(plain, {true, true});
    // Compressed (13 bytes, the MS-XCA 3.1 stream) then XORed with 0xA5.
    Bytes body = hex("ff ff ff 1f 61 62 63 17 00 0f ff 26 01");
    xor_magic(body);
    Bytes want = hex("0000 0700 0d00 2c01");
    want.insert(want.end(), body.begin(), body.end());
    check_bytes(want, buf);
    auto p = parse_ext_chain(buf);
    LONGS_EQUAL(1, p.size());
    check_bytes(plain, p[0].data);
}

TEST(RpcHeaderExtChain, CompressOnlyWhenSmaller) {
    Bytes buf = build_ext_buffer(str("abc"), {true, false});
    check_bytes(hex("0000 0400 0300 0300 616263"), buf);
}

TEST(RpcHeaderExtChain, PackedPayloads) {
    Rng rng;
    std::vector<Bytes> payloads = {texty(kMaxExtPayload, rng), str("x"), Bytes(), texty(5000, rng)};
    for (auto opts : {ExtBuildOptions{false, false}, ExtBuildOptions{true, false}, ExtBuildOptions{true, true}}) {
        Bytes buf = build_ext_chain(payloads, opts);
        auto p = parse_ext_chain(buf);
        LONGS_EQUAL(payloads.size(), p.size());
        for (size_t i = 0; i < p.size(); ++i) {
            CHECK(p[i].data == payloads[i]);
            CHECK(bool(p[i].header.flags & kRhefLast) == (i + 1 == p.size()));
        }
        CHECK(bool(p[0].header.flags & kRhefCompressed) == opts.compress);
    }
}

TEST(RpcHeaderExtChain, BuildRejectsCallerErrors) {
    CHECK_THROWS(std::invalid_argument, build_ext_chain({}, {}));
    CHECK_THROWS(std::invalid_argument, build_ext_buffer(Bytes(kMaxExtPayload + 1), {}));
}

TEST(RpcHeaderExtChain, BuildOptionsFromPulFlags) {
    auto o = ExtBuildOptions::from_rpcext2_flags(0);
    CHECK(o.compress && o.obfuscate);
    o = ExtBuildOptions::from_rpcext2_flags(0x3);
    CHECK(!o.compress && !o.obfuscate);
    o = ExtBuildOptions::from_rpcext2_flags(0x2);
    CHECK(o.compress && !o.obfuscate);
}

TEST(RpcHeaderExtChain, MalformedChainsRejected) {
    expect_decode_error([] { parse_ext_chain({}); }, "#0: missing");
    expect_decode_error([] { parse_ext_chain(hex("0000 0400 0000")); }, "#0: truncated header");
    expect_decode_error([] { parse_ext_chain(hex("0100 0400 0000 0000")); }, "Version 1 is not 0");
    expect_decode_error([] { parse_ext_chain(hex("0000 0c00 0000 0000")); }, "unknown Flags 12");
    expect_decode_error([] { parse_ext_chain(hex("0000 0400 0400 0400 010203")); }, "Size 4 exceeds the 3 bytes left");
    expect_decode_error([] { parse_ext_chain(hex("0000 0400 0300 0400 010203")); }, "Size 3 != SizeActual 4");
    // No header carries Last.
    expect_decode_error([] { parse_ext_chain(hex("0000 0000 0100 0100 01")); }, "#1: missing");
    expect_decode_error([] { parse_ext_chain(hex("0000 0400 0100 0100 01 00")); }, "1 bytes after the Last payload");
    // SizeActual above 32 KB, and a decompression that does not yield SizeActual.
    expect_decode_error([] { parse_ext_chain(hex("0000 0500 0400 0180 ffffffff")); }, "SizeActual 32769 exceeds 32768");
    expect_decode_error([] { parse_ext_chain(hex("0000 0500 0700 0400 3f000000 616263")); },
                        "#0: LZ77: decompressed 3 bytes, SizeActual is 4");
    // Second payload is the broken one: the message says which.
    expect_decode_error([] { parse_ext_chain(hex("0000 0000 0100 0100 01 0200 0400 0000 0000")); }, "#1: Version 2");
}

TEST(RpcHeaderExtChain, TotalExpansionBounded) {
    // Each ~19-byte payload expands to 32 KB; a chain of them is cut off at max_total.
    Bytes run = lz77_compress(Bytes(kMaxExtPayload, 0));
    std::vector<Bytes> payloads(8, Bytes(kMaxExtPayload, 0));
    Bytes buf = build_ext_chain(payloads, {true, false});
    CHECK(buf.size() < 8 * (kRpcHeaderExtSize + run.size() + 1));
    ExtChainLimits lim;
    lim.max_total = 4 * kMaxExtPayload;
    expect_decode_error([&] { parse_ext_chain(buf, lim); }, "#4: chain expands beyond 131072 bytes");
    LONGS_EQUAL(8, parse_ext_chain(buf).size());
}
