// Round-trip checks shared by the ROP fuzz targets: whatever decodes from
// untrusted bytes as ROP R's request or response must re-encode, and its
// canonical encoding must decode to the same value and re-encode identically.
#pragma once

#include "libmapi/rops.h"

#include <cstdlib>

namespace mg::rop::fuzz {

template <class R>
void check_request(ByteView body) {
    typename R::Request rq{};
    try {
        Pull in(body);
        R::Request::fields(rq, in);
    } catch (const DecodeError&) {
        return;
    }
    Bytes canonical = encode_request<R>(rq);  // must not throw: decoding enforces encoding's limits
    auto again = decode_request<R>(canonical);
    if (!(again == rq)) abort();
    if (encode_request<R>(again) != canonical) abort();
}

template <class R>
void check_response(ByteView body) {
    Reply<R> r;
    try {
        Pull in(body);
        in.u8(r.index);
        in.u32(r.return_value);
        in.set_return_value(r.return_value);
        if (body_on<R>(r.return_value)) R::Response::fields(r.body, in);
    } catch (const DecodeError&) {
        return;
    }
    Bytes canonical = encode_response<R>(r);
    auto again = decode_response<R>(canonical);
    if (!(again == r)) abort();
    if (encode_response<R>(again) != canonical) abort();
}

}  // namespace mg::rop::fuzz
