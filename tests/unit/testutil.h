// Helpers shared by the unit tests.
#pragma once

#include "common/bytes.h"

#include <CppUTest/TestHarness.h>

#include <string>
#include <utility>

namespace mg::test {

// "0a 1B ff" -> bytes; anything that is not a hex digit is skipped, so
// fixtures can be copied from the specs with their spacing and dashes.
inline Bytes hex(const char* s) {
    Bytes out;
    int hi = -1;
    for (; *s; ++s) {
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else continue;
        if (hi < 0) hi = v;
        else { out.push_back(uint8_t(hi << 4 | v)); hi = -1; }
    }
    return out;
}

inline std::string to_hex(ByteView b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t x : b) { s += d[x >> 4]; s += d[x & 15]; }
    return s;
}

// Expects f() to throw E (and nothing else) with `needle` in its message.
template <class E, class F>
void expect_throw(F&& f, const char* needle) {
    try {
        f();
    } catch (const E& e) {
        std::string msg = e.what();
        if (msg.find(needle) == std::string::npos) FAIL(("unexpected message: " + msg).c_str());
        return;
    } catch (const std::exception& e) {
        FAIL((std::string("wrong exception: ") + e.what()).c_str());
    }
    FAIL("no exception");
}

template <class F>
void expect_decode_error(F&& f, const char* needle) {
    expect_throw<DecodeError>(std::forward<F>(f), needle);
}

inline void check_bytes(const Bytes& want, const Bytes& got) {
    LONGS_EQUAL(want.size(), got.size());
    MEMCMP_EQUAL(want.data(), got.data(), want.size());
}

}  // namespace mg::test
