// FUZZ_SOURCES: libmapi/rops.cpp libmapi/rop_io.cpp libmapi/propcodec.cpp libmapi/restriction.cpp libmapi/property.cpp
//
// Decodes ROP requests (MS-OXCROPS, libmapi/rops.h) from untrusted bytes: the
// first byte is the RopId, the rest is what follows it in a ROP input buffer.
// The same bytes are also decoded as that ROP's response (handle index,
// ReturnValue, body), and as RopBackoff / RopBufferTooSmall for 0xF9 / 0xFF.
// Whatever decodes must re-encode; its canonical encoding must decode to the
// same value and re-encode identically.
#include "libmapi/rops.h"
#include "tests/fuzz/rop_roundtrip.h"

#include <cstdlib>

using namespace mg;
using namespace mg::rop;

namespace {

template <class R>
void check_special(ByteView body) {
    typename R::Response r{};
    try {
        Pull in(body);
        R::Response::fields(r, in);
    } catch (const DecodeError&) {
        return;
    }
    Bytes canonical = encode_special<R>(r);
    auto again = decode_special<R>(canonical);
    if (!(again == r)) abort();
    if (encode_special<R>(again) != canonical) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView body(data + 1, size - 1);
    if (data[0] == RopBackoff::kId) check_special<RopBackoff>(body);
    if (data[0] == RopBufferTooSmall::kId) check_special<RopBufferTooSmall>(body);
    with_rop(data[0], [&]<class R>() {
        fuzz::check_request<R>(body);
        fuzz::check_response<R>(body);
    });
    return 0;
}
