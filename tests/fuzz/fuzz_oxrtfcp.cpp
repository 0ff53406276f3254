// FUZZ_SOURCES: libmapi/oxrtfcp.cpp
//
// Decodes compressed RTF (MS-OXRTFCP) from untrusted bytes. The first byte
// picks the mode: bit 0 set re-stamps COMPSIZE and the CRC of the rest so the
// fuzzer gets past the header checks into the LZFu decoder. Whatever decodes
// must compress (LZFu and MELA) and decompress back to the same bytes; the
// input itself, taken as RTF text, must round-trip through the compressor.
#include "libmapi/oxrtfcp.h"

#include <cstdlib>
#include <string_view>

using namespace mg;
using namespace mg::oxrtfcp;

namespace {

void check_round_trip(ByteView plain) {
    std::string_view text(reinterpret_cast<const char*>(plain.data()), plain.size());
    if (rtf_decompress(rtf_compress(text)) != Bytes(plain.begin(), plain.end())) abort();
    if (rtf_decompress(rtf_wrap_uncompressed(text)) != Bytes(plain.begin(), plain.end())) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    Bytes in(data + 1, data + size);
    if ((data[0] & 1) && in.size() >= kHeaderSize) {
        uint32_t comp_size = uint32_t(in.size() - 4);
        uint32_t c = crc(ByteView(in).subspan(kHeaderSize));
        for (int i = 0; i < 4; ++i) {
            in[i] = uint8_t(comp_size >> (8 * i));
            in[12 + i] = uint8_t(c >> (8 * i));
        }
    }
    try {
        check_round_trip(rtf_decompress(in));
    } catch (const DecodeError&) {
    }
    check_round_trip(ByteView(data, size));
    return 0;
}
