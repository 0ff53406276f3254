#include "libmapi/oxrtfcp.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace mg::oxrtfcp {

namespace {

// 3.1.4.1.1: the dictionary starts with this text at offset 0 (CR LF are the
// two bytes 0x0D 0x0A); the rest of the 4096 bytes are zero and the write
// position starts right after it.
constexpr std::string_view kInitialDictionary =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    "\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0"
    "\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
static_assert(kInitialDictionary.size() == 207);

constexpr size_t kDictSize = 4096;
constexpr size_t kDictMask = kDictSize - 1;
// A reference is 12 bits of offset and 4 bits of (length - 2) (2.1.3.1.1).
constexpr size_t kMinMatch = 2;
constexpr size_t kMaxMatch = 15 + kMinMatch;

constexpr std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto kCrcTable = make_crc_table();

uint32_t le32(ByteView in, size_t at) {
    return uint32_t(in[at]) | uint32_t(in[at + 1]) << 8 | uint32_t(in[at + 2]) << 16 | uint32_t(in[at + 3]) << 24;
}

void put_le32(Bytes& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

std::string hex32(uint32_t v) {
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08X", v);
    return buf;
}

Bytes header(size_t contents, size_t raw, uint32_t type, uint32_t crc_value) {
    Bytes out;
    out.reserve(kHeaderSize + contents);
    put_le32(out, uint32_t(contents + 12));
    put_le32(out, uint32_t(raw));
    put_le32(out, type);
    put_le32(out, crc_value);
    return out;
}

void check_input_size(std::string_view rtf) {
    if (rtf.size() > kMaxRawSize)
        throw std::invalid_argument("RTF of " + std::to_string(rtf.size()) + " bytes exceeds the " +
                                    std::to_string(kMaxRawSize) + "-byte limit");
}

// 3.1.4.2: runs of a control byte (least significant bit first: 0 literal,
// 1 reference) and up to 8 tokens, ended by a reference whose offset equals
// the write position.
Bytes lzfu_decode(ByteView contents, size_t raw_size) {
    std::array<uint8_t, kDictSize> dict{};
    std::copy(kInitialDictionary.begin(), kInitialDictionary.end(), dict.begin());
    size_t wp = kInitialDictionary.size();
    Bytes out;
    out.reserve(raw_size);
    size_t at = 0;
    auto put = [&](uint8_t b) {
        if (out.size() == raw_size)
            throw DecodeError("compressed RTF expands beyond RAWSIZE (" + std::to_string(raw_size) + " bytes)");
        out.push_back(b);
        dict[wp] = b;
        wp = (wp + 1) & kDictMask;
    };
    for (;;) {
        if (at == contents.size()) throw DecodeError("compressed RTF truncated: no end reference");
        uint8_t control = contents[at++];
        for (int bit = 0; bit < 8; ++bit) {
            if (at == contents.size()) throw DecodeError("compressed RTF truncated inside a run");
            if (!(control & (1u << bit))) {
                put(contents[at++]);
                continue;
            }
            if (contents.size() - at < 2) throw DecodeError("compressed RTF truncated inside a reference");
            unsigned ref = unsigned(contents[at]) << 8 | contents[at + 1];  // big-endian
            at += 2;
            size_t offset = ref >> 4;
            size_t length = (ref & 0xF) + kMinMatch;
            if (offset == wp) {
                if (out.size() != raw_size)
                    throw DecodeError("compressed RTF ends after " + std::to_string(out.size()) +
                                      " bytes, RAWSIZE says " + std::to_string(raw_size));
                return out;  // bytes after the end reference are padding (2.1.3.1.1)
            }
            // Byte by byte: a reference may overlap the bytes it produces.
            for (size_t k = 0; k < length; ++k) put(dict[(offset + k) & kDictMask]);
        }
    }
}

// Greedy LZ77 over the stream S = initial dictionary + input. Stream index j
// lives at dictionary offset j mod 4096 (the write position starts at
// len(initial dictionary)), so a match at distance 1..4095 is a reference to
// offset j & 0xFFF; distance 4096 would name the write position, which is the
// end marker. Hash chains on two-byte prefixes find candidates, nearest first.
class Matcher {
public:
    explicit Matcher(const Bytes& s) : s_(s), head_(kHashSize, -1), prev_(kDictSize, -1) {}

    void insert(size_t j) {
        if (j + 1 >= s_.size()) return;
        unsigned h = key(j);
        prev_[j & kDictMask] = head_[h];
        head_[h] = long(j);
    }

    // Longest match for position i (only positions < i inserted). Among equal
    // lengths the lowest dictionary offset wins, which is the choice the
    // examples of MS-OXRTFCP section 4 make.
    std::pair<size_t, size_t> longest(size_t i) const {
        size_t best_len = 0, best_pos = 0;
        size_t limit = std::min(kMaxMatch, s_.size() - i);
        if (limit < kMinMatch) return {0, 0};
        int steps = 0;
        for (long c = head_[key(i)]; c >= 0 && i - size_t(c) < kDictSize && steps < kMaxChain;
             c = prev_[size_t(c) & kDictMask], ++steps) {
            size_t j = size_t(c), n = 0;
            while (n < limit && s_[j + n] == s_[i + n]) ++n;
            if (n > best_len || (n == best_len && n > 0 && (j & kDictMask) < (best_pos & kDictMask))) {
                best_len = n;
                best_pos = j;
                if (n == limit) break;  // nothing longer exists; bounds the time on repetitive text
            }
        }
        return {best_len, best_pos};
    }

private:
    static constexpr int kMaxChain = 64;
    static constexpr unsigned kHashSize = 4096;
    // Two-byte prefix folded to 12 bits; candidates are verified byte by byte.
    unsigned key(size_t j) const { return (unsigned(s_[j]) * 33u ^ s_[j + 1]) & (kHashSize - 1); }
    const Bytes& s_;
    std::vector<long> head_;
    std::vector<long> prev_;
};

// Collects tokens into runs of one control byte and up to 8 tokens.
class RunWriter {
public:
    explicit RunWriter(Bytes& out) : out_(out) {}
    void literal(uint8_t b) {
        start_token();
        out_.push_back(b);
    }
    void reference(size_t offset, size_t length) {
        start_token();
        out_[control_at_] |= uint8_t(1u << count_);
        unsigned ref = unsigned(offset & kDictMask) << 4 | unsigned(length - kMinMatch);
        out_.push_back(uint8_t(ref >> 8));
        out_.push_back(uint8_t(ref));
    }

private:
    void start_token() {
        if (++count_ == 8) count_ = 0;
        if (count_ == 0) {
            control_at_ = out_.size();
            out_.push_back(0);
        }
    }
    Bytes& out_;
    size_t control_at_ = 0;
    int count_ = 7;  // position of the last token in the current run
};

}  // namespace

uint32_t crc(ByteView data, uint32_t c) {
    for (uint8_t b : data) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
    return c;
}

Bytes rtf_decompress(ByteView in) {
    if (in.size() < kHeaderSize)
        throw DecodeError("compressed RTF truncated: " + std::to_string(in.size()) + " bytes, header needs 16");
    uint32_t comp_size = le32(in, 0), raw_size = le32(in, 4), type = le32(in, 8), crc_value = le32(in, 12);
    if (comp_size < 12) throw DecodeError("compressed RTF COMPSIZE " + std::to_string(comp_size) + " is below 12");
    if (uint64_t(comp_size) + 4 != in.size())
        throw DecodeError("compressed RTF COMPSIZE " + std::to_string(comp_size) + " does not match the " +
                          std::to_string(in.size()) + " bytes given (COMPSIZE + 4)");
    if (raw_size > kMaxRawSize)
        throw DecodeError("compressed RTF RAWSIZE " + std::to_string(raw_size) + " exceeds the " +
                          std::to_string(kMaxRawSize) + "-byte limit");
    ByteView contents = in.subspan(kHeaderSize);
    if (type == kUncompressed) {
        // 3.1.3.1: the contents are the raw bytes; the CRC is not checked.
        if (raw_size > contents.size())
            throw DecodeError("uncompressed RTF RAWSIZE " + std::to_string(raw_size) + " exceeds the " +
                              std::to_string(contents.size()) + " content bytes");
        return Bytes(contents.begin(), contents.begin() + raw_size);
    }
    if (type != kCompressed) throw DecodeError("compressed RTF has unknown COMPTYPE " + hex32(type));
    uint32_t actual = crc(contents);
    if (actual != crc_value)
        throw DecodeError("compressed RTF CRC mismatch: header " + hex32(crc_value) + ", contents " + hex32(actual));
    return lzfu_decode(contents, raw_size);
}

Bytes rtf_compress(std::string_view rtf) {
    check_input_size(rtf);
    Bytes s(kInitialDictionary.begin(), kInitialDictionary.end());
    s.insert(s.end(), rtf.begin(), rtf.end());
    Matcher matcher(s);
    for (size_t j = 0; j < kInitialDictionary.size(); ++j) matcher.insert(j);

    Bytes contents;
    contents.reserve(rtf.size() / 2 + 16);
    RunWriter runs(contents);
    size_t i = kInitialDictionary.size();
    while (i < s.size()) {
        auto [len, pos] = matcher.longest(i);
        if (len >= kMinMatch) {
            runs.reference(pos, len);
        } else {
            len = 1;
            runs.literal(s[i]);
        }
        for (size_t k = 0; k < len; ++k) matcher.insert(i + k);
        i += len;
    }
    runs.reference(i, kMinMatch);  // end marker: offset == write position, length ignored

    Bytes out = header(contents.size(), rtf.size(), kCompressed, crc(contents));
    out.insert(out.end(), contents.begin(), contents.end());
    return out;
}

Bytes rtf_wrap_uncompressed(std::string_view rtf) {
    check_input_size(rtf);
    Bytes out = header(rtf.size(), rtf.size(), kUncompressed, 0);
    out.insert(out.end(), rtf.begin(), rtf.end());
    return out;
}

}  // namespace mg::oxrtfcp
