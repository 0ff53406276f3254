// MS-OXRTFCP: the compressed RTF format of PidTagRtfCompressed.
//   - 2.1.3.1 header (COMPSIZE, RAWSIZE, COMPTYPE, CRC),
//   - 3.1.3.2 CRC over the compressed contents,
//   - 3.1.4.1 / 3.1.4.2 LZFu: a 4096-byte circular dictionary pre-loaded with
//     a fixed RTF prefix, control bytes and 12/4-bit dictionary references,
//   - MELA: the same header around uncompressed bytes.
// Pure functions, no I/O. The decoder throws mg::DecodeError; encoders throw
// std::invalid_argument on caller errors (an oversized input).
#pragma once

#include "common/bytes.h"

#include <cstdint>
#include <string_view>

namespace mg::oxrtfcp {

inline constexpr uint32_t kCompressed = 0x75465A4C;    // "LZFu"
inline constexpr uint32_t kUncompressed = 0x414C454D;  // "MELA"
inline constexpr size_t kHeaderSize = 16;
// Bound on RAWSIZE (and on what rtf_compress accepts): no sane message body
// comes near it, and it keeps a forged header from demanding gigabytes.
inline constexpr size_t kMaxRawSize = size_t(64) << 20;

// 3.1.3.2: CRC-32 (reflected 0xEDB88320 table), initial value 0, no final
// inversion.
uint32_t crc(ByteView data, uint32_t crc = 0);

// Decodes an LZFu or MELA stream to the RTF bytes. COMPSIZE must account for
// exactly the bytes given, the LZFu CRC must match, the end reference must be
// present and the output must be exactly RAWSIZE bytes.
Bytes rtf_decompress(ByteView compressed);

// LZFu with greedy longest-match search over the dictionary.
Bytes rtf_compress(std::string_view rtf);

// MELA: the header around the unchanged bytes (CRC 0).
Bytes rtf_wrap_uncompressed(std::string_view rtf);

}  // namespace mg::oxrtfcp
