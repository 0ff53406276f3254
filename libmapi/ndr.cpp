#include "libmapi/ndr.h"

#include <algorithm>

namespace mg::ndr {

bool ContextHandle::is_null() const {
    return attributes == 0 && std::all_of(uuid.begin(), uuid.end(), [](uint8_t b) { return b == 0; });
}

// ---------------------------------------------------------------- Pull

void Pull::fail(const char* name, const std::string& msg) const {
    throw DecodeError(std::string(what_) + ": " + name + ": " + msg);
}

void Pull::align(size_t n, const char* name) {
    size_t pad = (n - r_.offset() % n) % n;
    if (pad > r_.remaining()) fail(name, "truncated (alignment padding)");
    r_.skip(pad);
}

// Every read goes through a remaining-bytes check that names the field.
void Pull::need(size_t n, const char* name) const {
    if (n > r_.remaining())
        fail(name, "truncated: needs " + std::to_string(n) + " bytes at offset " + std::to_string(r_.offset()) +
                       ", " + std::to_string(r_.remaining()) + " left");
}

void Pull::u8(uint8_t& v, const char* name) { need(1, name); v = r_.u8(); }
void Pull::u16(uint16_t& v, const char* name) { align(2, name); need(2, name); v = r_.u16(); }
void Pull::u32(uint32_t& v, const char* name) { align(4, name); need(4, name); v = r_.u32(); }
void Pull::i32(int32_t& v, const char* name) { uint32_t u; u32(u, name); v = int32_t(u); }
void Pull::u64(uint64_t& v, const char* name) { align(8, name); need(8, name); v = r_.u64(); }

void Pull::u32_range(uint32_t& v, uint32_t lo, uint32_t hi, const char* name) {
    u32(v, name);
    if (v < lo || v > hi)
        fail(name, "value " + std::to_string(v) + " outside range(" + std::to_string(lo) + ", " +
                       std::to_string(hi) + ")");
}

void Pull::context_handle(ContextHandle& h, const char* name) {
    u32(h.attributes, name);
    need(16, name);
    ByteView u = r_.view(16);
    std::copy(u.begin(), u.end(), h.uuid.begin());
}

uint32_t Pull::referent_id(const char* name) {
    uint32_t id;
    u32(id, name);
    return id;
}

FullPtr Pull::full_ptr(uint32_t& id, const char* name) {
    id = referent_id(name);
    if (id == 0) return FullPtr::Null;
    return full_ids_.insert(id).second ? FullPtr::First : FullPtr::Repeat;
}

// Reads a conformance (max_count) and checks it against the caller's bound.
uint32_t Pull::count(uint32_t max, const char* name, const char* kind) {
    uint32_t n;
    u32(n, name);
    if (n > max)
        fail(name, std::string(kind) + " " + std::to_string(n) + " exceeds maximum " + std::to_string(max));
    return n;
}

void Pull::variance(uint32_t& actual, uint32_t max_count, const char* name) {
    uint32_t off;
    u32(off, name);
    u32(actual, name);
    if (off != 0) fail(name, "nonzero variance offset " + std::to_string(off));
    if (actual > max_count)
        fail(name, "actual_count " + std::to_string(actual) + " exceeds max_count " + std::to_string(max_count));
}

void Pull::conformant_bytes(Bytes& b, uint32_t max_count, const char* name) {
    uint32_t n = count(max_count, name, "conformance");
    need(n, name);
    b = r_.bytes(n);
}

// Conformant varying array: max_count, offset, actual_count, then actual_count
// elements. Only actual_count elements travel, so max_count is bounded by the
// caller's maximum and actual_count by the bytes present.
void Pull::conformant_varying_bytes(Bytes& b, uint32_t max_count, const char* name) {
    uint32_t max = count(max_count, name, "max_count");
    uint32_t off, actual;
    u32(off, name);
    u32(actual, name);
    if (off != 0) fail(name, "nonzero variance offset " + std::to_string(off));
    if (actual > max)
        fail(name, "actual_count " + std::to_string(actual) + " exceeds max_count " + std::to_string(max));
    need(actual, name);
    b = r_.bytes(actual);
}

// The conformant-varying header of a [string]: max_count, offset (0),
// actual_count (characters including the one terminator), all checked.
uint32_t Pull::string_header(uint32_t max_chars, const char* name) {
    uint32_t max = count(max_chars, name, "string max_count");
    uint32_t off, actual;
    u32(off, name);
    u32(actual, name);
    if (off != 0) fail(name, "nonzero string offset " + std::to_string(off));
    if (actual > max)
        fail(name, "string actual_count " + std::to_string(actual) + " exceeds max_count " + std::to_string(max));
    if (actual == 0) fail(name, "string without terminator");
    return actual;
}

void Pull::string(std::string& s, uint32_t max_chars, const char* name) {
    uint32_t actual = string_header(max_chars, name);
    need(actual, name);
    ByteView v = r_.view(actual);
    // [string] means the count covers the characters and exactly one NUL.
    if (v.back() != 0) fail(name, "string not NUL-terminated");
    if (std::find(v.begin(), v.end() - 1, 0) != v.end() - 1) fail(name, "embedded NUL in string");
    s.assign(reinterpret_cast<const char*>(v.data()), v.size() - 1);
}

void Pull::wstring(std::u16string& s, uint32_t max_chars, const char* name) {
    uint32_t actual = string_header(max_chars, name);
    need(size_t(actual) * 2, name);
    s.clear();
    s.reserve(actual - 1);
    for (uint32_t i = 0; i < actual; ++i) {
        char16_t c = char16_t(r_.u16());
        if (i + 1 == actual) {
            if (c != 0) fail(name, "string not NUL-terminated");
        } else {
            if (c == 0) fail(name, "embedded NUL in string");
            s.push_back(c);
        }
    }
}

void Pull::size_of(const Bytes& array, const char* name) {
    uint32_t n;
    u32(n, name);
    if (n != array.size())
        fail(name, "size " + std::to_string(n) + " does not match the array's conformance " +
                       std::to_string(array.size()));
}

void Pull::size_of_u16(const Bytes& array, const char* name) {
    uint16_t n;
    u16(n, name);
    if (n != array.size())
        fail(name, "size " + std::to_string(n) + " does not match the array's conformance " +
                       std::to_string(array.size()));
}

void Pull::length_of(const Bytes& array, uint32_t max, const char* name) {
    uint32_t n;
    u32_range(n, 0, max, name);
    if (n != array.size())
        fail(name, "length " + std::to_string(n) + " does not match the array's actual_count " +
                       std::to_string(array.size()));
}

void Pull::finish() {
    // A stub ends with its last parameter; tolerate only the zero padding a
    // sender may add to reach 8-byte alignment.
    ByteView rest = r_.data().subspan(r_.offset());
    if (rest.size() >= 8 || std::any_of(rest.begin(), rest.end(), [](uint8_t b) { return b != 0; }))
        fail("(end)", std::to_string(rest.size()) + " unexpected trailing bytes");
}

// ---------------------------------------------------------------- Push

void Push::fail(const char* name, const std::string& msg) const {
    throw EncodeError(std::string(what_) + ": " + name + ": " + msg);
}

void Push::align(size_t n, const char* /*name*/) { w_.align(n); }
void Push::u8(uint8_t v, const char*) { w_.u8(v); }
void Push::u16(uint16_t v, const char* name) { align(2, name); w_.u16(v); }
void Push::u32(uint32_t v, const char* name) { align(4, name); w_.u32(v); }
void Push::i32(int32_t v, const char* name) { u32(uint32_t(v), name); }
void Push::u64(uint64_t v, const char* name) { align(8, name); w_.u64(v); }

void Push::u32_range(uint32_t v, uint32_t lo, uint32_t hi, const char* name) {
    if (v < lo || v > hi)
        fail(name, "value " + std::to_string(v) + " outside range(" + std::to_string(lo) + ", " +
                       std::to_string(hi) + ")");
    u32(v, name);
}

void Push::context_handle(const ContextHandle& h, const char* name) {
    u32(h.attributes, name);
    w_.raw(ByteView(h.uuid.data(), h.uuid.size()));
}

FullPtr Push::full_ptr(const void* target, const char* name) {
    if (!target) { u32(0, name); return FullPtr::Null; }
    auto [it, fresh] = full_ids_.try_emplace(target, 0);
    if (fresh) it->second = next_referent();
    u32(it->second, name);
    return fresh ? FullPtr::First : FullPtr::Repeat;
}

void Push::string(const std::string& s, uint32_t max_chars, const char* name) {
    if (s.find('\0') != std::string::npos) fail(name, "embedded NUL in string");
    if (s.size() + 1 > max_chars) fail(name, "string of " + std::to_string(s.size()) + " chars is too long");
    uint32_t n = uint32_t(s.size() + 1);
    u32(n, name);
    u32(0, name);
    u32(n, name);
    w_.raw(s);
    w_.u8(0);
}

void Push::wstring(const std::u16string& s, uint32_t max_chars, const char* name) {
    if (s.find(u'\0') != std::u16string::npos) fail(name, "embedded NUL in string");
    if (s.size() + 1 > max_chars) fail(name, "string of " + std::to_string(s.size()) + " chars is too long");
    uint32_t n = uint32_t(s.size() + 1);
    u32(n, name);
    u32(0, name);
    u32(n, name);
    for (char16_t c : s) w_.u16(uint16_t(c));
    w_.u16(0);
}

void Push::conformant_bytes(const Bytes& b, uint32_t max_count, const char* name) {
    if (b.size() > max_count) fail(name, std::to_string(b.size()) + " bytes exceed maximum " + std::to_string(max_count));
    u32(uint32_t(b.size()), name);
    w_.raw(b);
}

void Push::conformant_varying_bytes(const Bytes& b, uint32_t max_count, const char* name) {
    if (b.size() > max_count) fail(name, std::to_string(b.size()) + " bytes exceed maximum " + std::to_string(max_count));
    // max_count == actual_count: the conformance of an [out, size_is(*pcb),
    // length_is(*pcb)] array is evaluated when the reply is marshalled.
    u32(uint32_t(b.size()), name);
    u32(0, name);
    u32(uint32_t(b.size()), name);
    w_.raw(b);
}

void Push::size_of(const Bytes& array, const char* name) {
    if (array.size() > UINT32_MAX) fail(name, "array too large");
    u32(uint32_t(array.size()), name);
}

void Push::size_of_u16(const Bytes& array, const char* name) {
    if (array.size() > UINT16_MAX) fail(name, "array too large for an unsigned short size");
    u16(uint16_t(array.size()), name);
}

void Push::length_of(const Bytes& array, uint32_t max, const char* name) {
    if (array.size() > max) fail(name, "length " + std::to_string(array.size()) + " exceeds range maximum " + std::to_string(max));
    u32(uint32_t(array.size()), name);
}

}  // namespace mg::ndr
