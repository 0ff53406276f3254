// FUZZ_SOURCES: libmapi/oxcrpc_compress.cpp
//
// Parses an extended buffer (RPC_HEADER_EXT chain: de-obfuscation, DIRECT2
// decompression, limits) from untrusted bytes. Whatever parses must rebuild
// (compressed and obfuscated) and parse back to the same payloads. The same
// bytes also go straight to the decompressor, the first two giving
// SizeActual, and whatever decompresses must survive a compression round trip.
#include "libmapi/oxcrpc_compress.h"

#include <cstdlib>

using namespace mg;
using namespace mg::oxcrpc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    try {
        auto payloads = parse_ext_chain(in);
        std::vector<Bytes> plain;
        for (auto& p : payloads) {
            if (p.data.size() != p.header.size_actual) abort();
            plain.push_back(std::move(p.data));
        }
        auto again = parse_ext_chain(build_ext_chain(plain, {true, true}));
        if (again.size() != plain.size()) abort();
        for (size_t i = 0; i < plain.size(); ++i)
            if (again[i].data != plain[i]) abort();
    } catch (const DecodeError&) {
    }

    if (size >= 2) {
        size_t size_actual = size_t(data[0]) | size_t(data[1]) << 8;
        try {
            Bytes out = lz77_decompress(in.subspan(2), size_actual);
            if (out.size() != size_actual) abort();
            if (lz77_decompress(lz77_compress(out), out.size()) != out) abort();
        } catch (const DecodeError&) {
        }
    }
    return 0;
}
