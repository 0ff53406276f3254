// FUZZ_SOURCES: libmapi/oxoabkt.cpp libmapi/propcodec.cpp libmapi/property.cpp libmapi/restriction.cpp libmapi/proptags.cpp
//
// Decodes MS-OXOABKT templates (TRowSet) and scripts from untrusted bytes.
// The first byte picks the decoder (even: template, odd: script) and, for
// templates, the code page. What decodes must re-encode, and the canonical
// bytes must decode to the same value.
#include "libmapi/oxoabkt.h"

#include <cstdlib>
#include <stdexcept>

using namespace mg;
using namespace mg::oxoabkt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView b(data + 1, size - 1);
    static const uint32_t kCodePages[] = {1252, 850, 932, 65001};
    uint32_t cp = kCodePages[(data[0] >> 1) % 4];
    try {
        if (data[0] & 1) {
            auto s = decode_script(b);
            if (decode_script(encode_script(s)) != s) abort();
        } else {
            auto t = decode_template(b, cp);
            Bytes canonical;
            try {
                canonical = encode_template(t, cp);
            } catch (const std::invalid_argument&) {
                return 0;  // a string that grows past its limit when re-encoded (replacement characters)
            }
            if (decode_template(canonical, cp) != t && cp != 932) abort();
        }
    } catch (const DecodeError&) {
    }
    return 0;
}
