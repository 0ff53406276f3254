// The round-trip check shared by the NDR stub fuzz targets: a stub that
// decodes as message T must re-encode, and its canonical encoding must
// decode to the same value and re-encode identically.
#pragma once

#include "common/bytes.h"

#include <cstdlib>

namespace mg::ndr_fuzz {

template <class T>
void check(ByteView stub) {
    T v;
    try {
        v = T::decode(stub);
    } catch (const DecodeError&) {
        return;
    }
    Bytes canonical = v.encode();  // must not throw: decode enforces encode's limits
    T again = T::decode(canonical);
    if (!(again == v)) abort();
    if (again.encode() != canonical) abort();
}

}  // namespace mg::ndr_fuzz
