// NDR20 marshalling (DCE 1.1 RPC [C706] chapter 14, little-endian data
// representation, transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2).
//
// Two codecs with the same vocabulary: ndr::Pull decodes a stub, ndr::Push
// encodes one. A message is described ONCE, as a function template over the
// codec, so both directions come from the same description:
//
//     struct Foo : ndr::Message<Foo> {
//         static constexpr const char* kName = "Foo request";
//         ndr::ContextHandle cxh;
//         Bytes data;
//         template <class S, class IO> static void ndr(S& s, IO& io) {
//             io.context_handle(s.cxh, "cxh");
//             io.conformant_bytes(s.data, 0x1000, "data");   // [size_is(cb)] byte data[]
//             io.size_of(s.data, "cb");                       // [in] unsigned long cb
//         }
//     };
//     Foo f = Foo::decode(stub);  Bytes b = f.encode();
//
// S is `Foo` when decoding and `const Foo` when encoding. Every count read
// from the wire is checked against the bytes that remain and against the
// caller's maximum before anything is allocated; every violation throws
// mg::DecodeError naming the message and the field.
#pragma once

#include "common/bytes.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace mg::ndr {

// Raised when a value we are asked to encode cannot be represented (a
// caller bug: too long for its range, embedded NUL in a [string], ...).
class EncodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// [context_handle] on the wire ([C706] 14.4.4 / ndr_context_handle):
// a u32 attributes word followed by a 16-byte UUID, aligned to 4.
struct ContextHandle {
    uint32_t attributes = 0;
    std::array<uint8_t, 16> uuid{};

    bool is_null() const;
    bool operator==(const ContextHandle&) const = default;
};
inline constexpr size_t kContextHandleSize = 20;

// Result of reading or writing a [ptr] (full) pointer.
enum class FullPtr { Null, First, Repeat };

// ---------------------------------------------------------------- decoding
class Pull {
public:
    // `what` names the message in error texts ("EcDoConnectEx request").
    static constexpr bool kDecoding = true;
    explicit Pull(ByteView stub, const char* what = "NDR stub") : r_(stub), what_(what) {}
    Pull(Bytes&&, const char* = nullptr) = delete;  // would view a dead temporary

    void align(size_t n, const char* name);
    void u8(uint8_t& v, const char* name);
    void u16(uint16_t& v, const char* name);
    void u32(uint32_t& v, const char* name);
    void i32(int32_t& v, const char* name);
    void u64(uint64_t& v, const char* name);  // hyper: aligned to 8
    // [range(lo, hi)] unsigned long
    void u32_range(uint32_t& v, uint32_t lo, uint32_t hi, const char* name);
    template <size_t N>
    void u16_array(std::array<uint16_t, N>& a, const char* name) {  // fixed array
        for (auto& e : a) u16(e, name);
    }
    void context_handle(ContextHandle& h, const char* name);

    // Pointers. A top-level [ref] pointer has no wire representation: describe
    // its pointee directly. [unique]: referent id, then the pointee if non-null.
    template <class T, class F>
    void unique(std::optional<T>& v, const char* name, F&& pointee) {
        if (referent_id(name) == 0) { v.reset(); return; }
        v.emplace();
        pointee(*v);
    }
    // [ptr]: like unique, but a referent id seen before aliases the earlier
    // pointee and is not followed by a second copy ([C706] 14.3.11.3).
    FullPtr full_ptr(uint32_t& id, const char* name);
    // An embedded [unique] pointer's referent id alone ([C706] 14.3.12.3):
    // the pointee is deferred (marshalled after the enclosing construct's
    // scalars by the caller). Leaves v empty for NULL, engaged otherwise.
    template <class T>
    void pointer(std::optional<T>& v, const char* name) {
        if (referent_id(name) == 0) v.reset();
        else if (!v) v.emplace();
    }

    // A conformance (max_count) bounded by `max`, and the variance (offset 0,
    // actual_count <= max_count) of a conformant varying array.
    void conformance(uint32_t& n, uint32_t max, const char* name) { n = count(max, name, "conformance"); }
    void variance(uint32_t& actual, uint32_t max_count, const char* name);
    // Before allocating n elements that take at least `min_each` bytes each
    // on the wire: fails unless the stub still holds that many bytes.
    void need_elements(uint32_t n, size_t min_each, const char* name) const { need(size_t(n) * min_each, name); }
    // The count of an embedded [size_is] pointer is read with the scalars of
    // its struct, the array itself (its conformance, then its elements) with
    // the buffers, possibly much later. The scalars part records the count
    // under the address of the (still empty) container; the buffers part
    // takes it back and allocates only when the elements are about to be
    // read, so allocations stay bounded by the bytes actually consumed.
    // A non-NULL pointer with a count of 0 is recorded too: its conformance
    // still travels.
    void defer_count(const void* container, uint32_t n) { pending_[container] = n; }
    bool take_count(const void* container, uint32_t& n) {
        auto it = pending_.find(container);
        if (it == pending_.end()) return false;
        n = it->second;
        pending_.erase(it);
        return true;
    }
    // Fixed-size byte array (e.g. a GUID / FlatUID_r).
    template <size_t N>
    void byte_array(std::array<uint8_t, N>& a, const char* name) {
        need(N, name);
        ByteView v = r_.view(N);
        std::copy(v.begin(), v.end(), a.begin());
    }

    // [string] char* / wchar_t*: conformant varying string ([C706] 14.3.4.2).
    // max_chars bounds the conformance (terminator included).
    void string(std::string& s, uint32_t max_chars, const char* name);
    void wstring(std::u16string& s, uint32_t max_chars, const char* name);
    template <class T>
    void unique_string(std::optional<T>& s, uint32_t max_chars, const char* name) {
        unique(s, name, [&](T& v) { string_any(v, max_chars, name); });
    }

    // [size_is(n)] byte a[]: conformant array ([C706] 14.3.3.2).
    void conformant_bytes(Bytes& b, uint32_t max_count, const char* name);
    // [size_is(m), length_is(n)] byte a[]: conformant varying array (14.3.3.4).
    void conformant_varying_bytes(Bytes& b, uint32_t max_count, const char* name);
    // The parameter an array's size_is()/length_is() names, when it follows the
    // array on the wire: decoded and checked against the array just read.
    void size_of(const Bytes& array, const char* name);      // unsigned long
    void size_of_u16(const Bytes& array, const char* name);  // unsigned short
    void length_of(const Bytes& array, uint32_t max, const char* name);  // [range(0,max)] ulong

    // After the last parameter: only alignment padding (< 8 zero bytes) may remain.
    void finish();

    size_t offset() const { return r_.offset(); }
    size_t remaining() const { return r_.remaining(); }
    [[noreturn]] void fail(const char* name, const std::string& msg) const;

private:
    uint32_t referent_id(const char* name);
    void need(size_t n, const char* name) const;
    uint32_t count(uint32_t max, const char* name, const char* kind);
    uint32_t string_header(uint32_t max_chars, const char* name);
    void string_any(std::string& s, uint32_t max, const char* name) { string(s, max, name); }
    void string_any(std::u16string& s, uint32_t max, const char* name) { wstring(s, max, name); }

    ByteReader r_;
    const char* what_;
    std::unordered_set<uint32_t> full_ids_;
    std::unordered_map<const void*, uint32_t> pending_;
};

// ---------------------------------------------------------------- encoding
class Push {
public:
    static constexpr bool kDecoding = false;
    explicit Push(const char* what = "NDR stub") : what_(what) {}

    void align(size_t n, const char* name);
    void u8(uint8_t v, const char* name);
    void u16(uint16_t v, const char* name);
    void u32(uint32_t v, const char* name);
    void i32(int32_t v, const char* name);
    void u64(uint64_t v, const char* name);
    void u32_range(uint32_t v, uint32_t lo, uint32_t hi, const char* name);
    template <size_t N>
    void u16_array(const std::array<uint16_t, N>& a, const char* name) {
        for (auto e : a) u16(e, name);
    }
    void context_handle(const ContextHandle& h, const char* name);

    template <class T, class F>
    void unique(const std::optional<T>& v, const char* name, F&& pointee) {
        if (!v) { u32(0, name); return; }
        u32(next_referent(), name);
        pointee(*v);
    }
    // Writes the referent id for `target` (nullptr for NULL). Returns First
    // when the pointee must follow, Repeat when it was already marshalled.
    FullPtr full_ptr(const void* target, const char* name);
    template <class T>
    void pointer(const std::optional<T>& v, const char* name) { u32(v ? next_referent() : 0, name); }
    void conformance(uint32_t n, uint32_t max, const char* name) {
        if (n > max) fail(name, "count " + std::to_string(n) + " exceeds maximum " + std::to_string(max));
        u32(n, name);
    }
    void variance(uint32_t actual, uint32_t /*max_count*/, const char* name) { u32(0, name); u32(actual, name); }
    void need_elements(uint32_t, size_t, const char*) const {}

    template <size_t N>
    void byte_array(const std::array<uint8_t, N>& a, const char*) { w_.raw(ByteView(a.data(), N)); }

    void string(const std::string& s, uint32_t max_chars, const char* name);
    void wstring(const std::u16string& s, uint32_t max_chars, const char* name);
    template <class T>
    void unique_string(const std::optional<T>& s, uint32_t max_chars, const char* name) {
        unique(s, name, [&](const T& v) { string_any(v, max_chars, name); });
    }

    void conformant_bytes(const Bytes& b, uint32_t max_count, const char* name);
    void conformant_varying_bytes(const Bytes& b, uint32_t max_count, const char* name);
    void size_of(const Bytes& array, const char* name);
    void size_of_u16(const Bytes& array, const char* name);
    void length_of(const Bytes& array, uint32_t max, const char* name);

    void finish() {}
    size_t offset() const { return w_.size(); }
    Bytes take() { return w_.take(); }
    [[noreturn]] void fail(const char* name, const std::string& msg) const;

private:
    uint32_t next_referent() { uint32_t id = next_id_; next_id_ += 4; return id; }
    void string_any(const std::string& s, uint32_t max, const char* name) { string(s, max, name); }
    void string_any(const std::u16string& s, uint32_t max, const char* name) { wstring(s, max, name); }

    ByteWriter w_;
    const char* what_;
    uint32_t next_id_ = 0x00020000;  // the referent ids Windows' NDR engine uses
    std::unordered_map<const void*, uint32_t> full_ids_;
};

// CRTP base giving a message described by `template <class S, class IO>
// static void ndr(S&, IO&)` its two entry points.
template <class T>
struct Message {
    static T decode(ByteView stub) {
        Pull p(stub, T::kName);
        T v;
        T::ndr(v, p);
        p.finish();
        return v;
    }
    Bytes encode() const {
        Push p(T::kName);
        T::ndr(static_cast<const T&>(*this), p);
        return p.take();
    }
    bool operator==(const Message&) const = default;
};

}  // namespace mg::ndr
