// MS-OXCRPC extended buffers (rgbIn, rgbOut, rgbAuxIn, rgbAuxOut):
//   - 2.2.2.1 RPC_HEADER_EXT chains (3.1.4.2.1.1, packing 3.1.4.2.1.2),
//   - 3.1.4.1.1.2 LZ77 compression with the DIRECT2 encoding,
//   - 3.1.4.1.1.3 obfuscation (XOR every byte with 0xA5).
// Pure functions, no I/O. Decoders throw mg::DecodeError; encoders throw
// std::invalid_argument on caller errors (an oversized payload).
#pragma once

#include "common/bytes.h"

#include <cstdint>
#include <span>
#include <vector>

namespace mg::oxcrpc {

// 2.2.2.1 RPC_HEADER_EXT
inline constexpr uint16_t kRhefCompressed = 0x0001;
inline constexpr uint16_t kRhefXorMagic = 0x0002;
inline constexpr uint16_t kRhefLast = 0x0004;
inline constexpr size_t kRpcHeaderExtSize = 8;
// 3.1.4.2.1: "A single payload MUST NOT exceed 32 KB in size."
inline constexpr size_t kMaxExtPayload = 0x8000;
// 3.1.4.1.1.3
inline constexpr uint8_t kXorMagic = 0xA5;

struct RpcHeaderExt {
    uint16_t version = 0;      // MUST be 0x0000
    uint16_t flags = 0;        // kRhef*
    uint16_t size = 0;         // bytes of payload that follow, as transmitted
    uint16_t size_actual = 0;  // bytes of payload once de-obfuscated and decompressed
    bool operator==(const RpcHeaderExt&) const = default;
};

// LZ77 + DIRECT2 (3.1.4.1.1.2.1, 3.1.4.1.1.2.2). The same bit stream as
// [MS-XCA] 2.3/2.4 "Plain LZ77".
Bytes lz77_compress(ByteView plain);
// Decompresses to exactly `size_actual` bytes. Every match offset and length
// is checked against the output produced so far and against size_actual.
Bytes lz77_decompress(ByteView compressed, size_t size_actual);

// XOR every byte with 0xA5 (its own inverse).
void xor_magic(std::span<uint8_t> data);

struct ExtChainLimits {
    size_t max_payload = kMaxExtPayload;  // SizeActual bound for each payload
    size_t max_total = size_t(2) << 20;   // bound for the sum of SizeActual over the chain
};

struct ExtPayload {
    RpcHeaderExt header;  // as received
    Bytes data;           // plain payload (SizeActual bytes)
};

// Splits an extended buffer into its payloads, reverting obfuscation and then
// compression of each (3.1.4.1.1.1.1: "first be reverted and then
// uncompressed"). The chain must end with a header carrying Last and nothing
// may follow that payload.
std::vector<ExtPayload> parse_ext_chain(ByteView buffer, const ExtChainLimits& limits = {});

struct ExtBuildOptions {
    bool compress = false;   // compress each payload, kept only if it gets smaller
    bool obfuscate = false;  // XorMagic, applied after compression
    // The behaviour a server owes a client for EcDoRpcExt2's pulFlags
    // (NoCompression 0x1, NoXorMagic 0x2; 3.1.4.2).
    static ExtBuildOptions from_rpcext2_flags(uint32_t pulFlags) {
        return {!(pulFlags & 0x1), !(pulFlags & 0x2)};
    }
};

// Builds an extended buffer: one RPC_HEADER_EXT per payload (each at most
// kMaxExtPayload bytes), Last set on the final one.
Bytes build_ext_chain(std::span<const Bytes> payloads, ExtBuildOptions options);
inline Bytes build_ext_buffer(const Bytes& payload, ExtBuildOptions options) {
    return build_ext_chain(std::span<const Bytes>(&payload, 1), options);
}

}  // namespace mg::oxcrpc
