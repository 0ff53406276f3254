#include "libmapi/oxcrpc_compress.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mg::oxcrpc {

namespace {

// DIRECT2 metadata limits (3.1.4.1.1.2.2): the offset lives in 13 bits
// (offset - 1), the longest length is a 16-bit (length - 3).
constexpr size_t kWindow = 8192;
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxMatch = 0xFFFF + 3;
constexpr size_t kNoNibble = SIZE_MAX;

constexpr int kHashBits = 13;
constexpr int kMaxChain = 48;

uint32_t hash3(const uint8_t* p) {
    uint32_t v = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16);
    return (v * 2654435761u) >> (32 - kHashBits);
}

uint16_t le16(ByteView in, size_t at) { return uint16_t(in[at] | (in[at + 1] << 8)); }

void put_le16(Bytes& out, size_t v) {
    out.push_back(uint8_t(v));
    out.push_back(uint8_t(v >> 8));
}

void put_le32_at(Bytes& out, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + i] = uint8_t(v >> (8 * i));
}

// Emits DIRECT2 bitmasks: a 32-bit little-endian word precedes the 32
// elements it describes, most significant bit first (0 = literal byte,
// 1 = metadata).
class MaskWriter {
public:
    explicit MaskWriter(Bytes& out) : out_(out) { open(); }
    void bit(bool b) {
        if (nbits_ == 32) { flush(); open(); }
        mask_ = (mask_ << 1) | uint32_t(b);
        ++nbits_;
    }
    // 3.1.4.1.1.2.2.1: a "1" after the last element ends the stream, even if
    // that needs a new bitmask. The unused bits are set too (as [MS-XCA]
    // encoders do), so a decoder stopping at end of input sees "end".
    void finish() {
        bit(true);
        if (nbits_ < 32) mask_ = (mask_ << (32 - nbits_)) | ((uint32_t(1) << (32 - nbits_)) - 1);
        flush();
    }

private:
    void open() { pos_ = out_.size(); out_.resize(pos_ + 4); mask_ = 0; nbits_ = 0; }
    void flush() { put_le32_at(out_, pos_, mask_); }

    Bytes& out_;
    size_t pos_ = 0;
    uint32_t mask_ = 0;
    int nbits_ = 0;
};

}  // namespace

Bytes lz77_compress(ByteView in) {
    if (in.size() > (size_t(1) << 30)) throw std::invalid_argument("lz77_compress: input too large");
    Bytes out;
    out.reserve(in.size() + in.size() / 8 + 8);
    MaskWriter mask(out);
    std::vector<int32_t> head(size_t(1) << kHashBits, -1);
    std::vector<int32_t> prev(in.size(), -1);
    size_t nibble_at = kNoNibble;  // shared length byte whose high nibble is free

    auto insert = [&](size_t i) {
        if (i + kMinMatch > in.size()) return;
        uint32_t h = hash3(&in[i]);
        prev[i] = head[h];
        head[h] = int32_t(i);
    };

    size_t i = 0;
    while (i < in.size()) {
        size_t best_len = 0, best_off = 0;
        if (i + kMinMatch <= in.size()) {
            size_t limit = std::min(kMaxMatch, in.size() - i);
            int32_t cand = head[hash3(&in[i])];
            for (int depth = 0; cand >= 0 && depth < kMaxChain; ++depth, cand = prev[size_t(cand)]) {
                size_t off = i - size_t(cand);
                if (off > kWindow) break;
                size_t n = 0;
                while (n < limit && in[size_t(cand) + n] == in[i + n]) ++n;
                if (n > best_len) {
                    best_len = n;
                    best_off = off;
                    if (n == limit) break;
                }
            }
        }
        if (best_len < kMinMatch) {
            mask.bit(false);
            out.push_back(in[i]);
            insert(i);
            ++i;
            continue;
        }
        // 3.1.4.1.1.2.2.3/4: 2 bytes of metadata, (offset - 1) << 3 | min(length - 3, 7).
        mask.bit(true);
        size_t len3 = best_len - 3;
        put_le16(out, ((best_off - 1) << 3) | std::min<size_t>(len3, 7));
        if (len3 >= 7) {
            // Lengths >= 10 continue in a nibble of a byte shared by two
            // matches: low nibble for the first, high nibble for the next.
            size_t rest = len3 - 7;
            uint8_t nibble = uint8_t(std::min<size_t>(rest, 15));
            if (nibble_at == kNoNibble) {
                nibble_at = out.size();
                out.push_back(nibble);
            } else {
                out[nibble_at] |= uint8_t(nibble << 4);
                nibble_at = kNoNibble;
            }
            if (rest >= 15) {
                rest -= 15;
                if (rest < 255) {
                    out.push_back(uint8_t(rest));
                } else {
                    // 0xFF, then the whole length minus 3 in 16 bits (not additive).
                    out.push_back(0xFF);
                    put_le16(out, len3);
                }
            }
        }
        for (size_t k = 0; k < best_len; ++k) insert(i + k);
        i += best_len;
    }
    mask.finish();
    return out;
}

Bytes lz77_decompress(ByteView in, size_t size_actual) {
    Bytes out;
    out.reserve(std::min<size_t>(size_actual, kMaxExtPayload));  // grows only as the input allows
    size_t ip = 0;
    uint32_t mask = 0;
    int nbits = 0;
    size_t nibble_at = kNoNibble;
    auto need = [&](size_t n, const char* what) {
        if (in.size() - ip < n) throw DecodeError(std::string("LZ77: truncated ") + what);
    };

    for (;;) {
        if (nbits == 0) {
            if (ip == in.size()) break;
            need(4, "bitmask");
            mask = uint32_t(in[ip]) | (uint32_t(in[ip + 1]) << 8) | (uint32_t(in[ip + 2]) << 16) |
                   (uint32_t(in[ip + 3]) << 24);
            ip += 4;
            nbits = 32;
        }
        --nbits;
        bool metadata = (mask >> nbits) & 1;
        // A "1" with no input left is the end marker. Input that runs out on
        // a "0" is tolerated; the size check below catches real truncation.
        if (ip == in.size()) break;
        if (!metadata) {
            if (out.size() == size_actual) throw DecodeError("LZ77: literal beyond SizeActual");
            out.push_back(in[ip++]);
            continue;
        }
        need(2, "metadata");
        uint16_t meta = le16(in, ip);
        ip += 2;
        size_t offset = size_t(meta >> 3) + 1;
        size_t len = meta & 7;
        if (len == 7) {
            uint8_t nibble;
            if (nibble_at == kNoNibble) {
                need(1, "length nibble");
                nibble_at = ip++;
                nibble = in[nibble_at] & 0x0F;
            } else {
                nibble = in[nibble_at] >> 4;
                nibble_at = kNoNibble;
            }
            len += nibble;
            if (nibble == 15) {
                need(1, "length byte");
                uint8_t b = in[ip++];
                if (b == 0xFF) {
                    need(2, "length word");
                    len = le16(in, ip);  // the whole length minus 3
                    ip += 2;
                } else {
                    len += b;
                }
            }
        }
        len += 3;
        if (offset > out.size())
            throw DecodeError("LZ77: match offset " + std::to_string(offset) + " before start of output (" +
                              std::to_string(out.size()) + " bytes)");
        if (len > size_actual - out.size())
            throw DecodeError("LZ77: match of " + std::to_string(len) + " bytes overruns SizeActual " +
                              std::to_string(size_actual));
        size_t from = out.size() - offset;
        for (size_t k = 0; k < len; ++k) out.push_back(out[from + k]);  // may overlap: byte by byte
    }
    if (out.size() != size_actual)
        throw DecodeError("LZ77: decompressed " + std::to_string(out.size()) + " bytes, SizeActual is " +
                          std::to_string(size_actual));
    return out;
}

void xor_magic(std::span<uint8_t> data) {
    for (auto& b : data) b ^= kXorMagic;
}

std::vector<ExtPayload> parse_ext_chain(ByteView buffer, const ExtChainLimits& limits) {
    std::vector<ExtPayload> payloads;
    ByteReader r(buffer);
    size_t total = 0;
    for (;;) {
        std::string at = "RPC_HEADER_EXT #" + std::to_string(payloads.size()) + ": ";
        if (r.remaining() < kRpcHeaderExtSize)
            throw DecodeError(at + (r.empty() ? "missing (the chain has no header with the Last flag)"
                                              : "truncated header"));
        RpcHeaderExt h;
        h.version = r.u16();
        h.flags = r.u16();
        h.size = r.u16();
        h.size_actual = r.u16();
        if (h.version != 0) throw DecodeError(at + "Version " + std::to_string(h.version) + " is not 0");
        if (h.flags & ~(kRhefCompressed | kRhefXorMagic | kRhefLast))
            throw DecodeError(at + "unknown Flags " + std::to_string(h.flags));
        if (h.size > r.remaining())
            throw DecodeError(at + "Size " + std::to_string(h.size) + " exceeds the " +
                              std::to_string(r.remaining()) + " bytes left");
        if (h.size_actual > limits.max_payload)
            throw DecodeError(at + "SizeActual " + std::to_string(h.size_actual) + " exceeds " +
                              std::to_string(limits.max_payload));
        // 2.2.2.1: uncompressed payloads MUST have Size == SizeActual. (The
        // converse rule, Size < SizeActual when compressed, is not enforced:
        // decompression must still produce exactly SizeActual bytes.)
        if (!(h.flags & kRhefCompressed) && h.size != h.size_actual)
            throw DecodeError(at + "uncompressed payload with Size " + std::to_string(h.size) +
                              " != SizeActual " + std::to_string(h.size_actual));
        total += h.size_actual;
        if (total > limits.max_total)
            throw DecodeError(at + "chain expands beyond " + std::to_string(limits.max_total) + " bytes");

        ExtPayload p{h, r.bytes(h.size)};
        if (h.flags & kRhefXorMagic) xor_magic(p.data);
        if (h.flags & kRhefCompressed) {
            try {
                p.data = lz77_decompress(p.data, h.size_actual);
            } catch (const DecodeError& e) {
                throw DecodeError(at + e.what());
            }
        }
        bool last = h.flags & kRhefLast;
        payloads.push_back(std::move(p));
        if (last) {
            if (!r.empty())
                throw DecodeError(at + std::to_string(r.remaining()) + " bytes after the Last payload");
            return payloads;
        }
    }
}

Bytes build_ext_chain(std::span<const Bytes> payloads, ExtBuildOptions options) {
    if (payloads.empty()) throw std::invalid_argument("build_ext_chain: no payload");
    ByteWriter w;
    for (size_t i = 0; i < payloads.size(); ++i) {
        const Bytes& plain = payloads[i];
        if (plain.size() > kMaxExtPayload)
            throw std::invalid_argument("build_ext_chain: payload of " + std::to_string(plain.size()) +
                                        " bytes exceeds 32 KB");
        uint16_t flags = (i + 1 == payloads.size()) ? kRhefLast : 0;
        Bytes data;
        if (options.compress && !plain.empty()) {
            data = lz77_compress(plain);
            if (data.size() < plain.size()) flags |= kRhefCompressed;
        }
        if (!(flags & kRhefCompressed)) data = plain;
        if (options.obfuscate && !data.empty()) {
            xor_magic(data);
            flags |= kRhefXorMagic;
        }
        w.u16(0);
        w.u16(flags);
        w.u16(uint16_t(data.size()));
        w.u16(uint16_t(plain.size()));
        w.raw(data);
    }
    return w.take();
}

}  // namespace mg::oxcrpc
