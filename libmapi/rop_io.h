// Codecs for ROP buffers (MS-OXCROPS 2.2): the same describe-once pattern
// as libmapi/ndr.h. A ROP request or response is described ONCE by a
// template over the codec; rop::Pull decodes, rop::Push encodes:
//
//     struct Request {
//         uint8_t logon_id, in_index; uint64_t folder_id;
//         template <class S, class IO> static void fields(S& s, IO& io) {
//             io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.folder_id);
//         }
//     };
//
// All integers are little-endian; strings are null-terminated (8-bit in the
// session's code page, or UTF-16LE). Counts read from the wire are checked
// against what remains before anything is allocated.
#pragma once

#include "common/bytes.h"
#include "libmapi/property.h"
#include "libmapi/restriction.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mg::mapi {
struct PropertyProblem;  // libmapi/propcodec.h
}

namespace mg::rop {

inline constexpr size_t kMaxStringBytes = 64 * 1024;

class Pull {
public:
    explicit Pull(ByteView data, uint32_t codepage = 1252) : r_(data), codepage_(codepage) {}
    static constexpr bool decoding = true;

    ByteReader& reader() { return r_; }
    uint32_t codepage() const { return codepage_; }
    size_t offset() const { return r_.offset(); }
    size_t remaining() const { return r_.remaining(); }

    void u8(uint8_t& v) { v = r_.u8(); }
    void u16(uint16_t& v) { v = r_.u16(); }
    void u32(uint32_t& v) { v = r_.u32(); }
    void u64(uint64_t& v) { v = r_.u64(); }
    void i32(int32_t& v) { v = r_.i32(); }
    void boolean(bool& v) { v = r_.u8() != 0; }
    void guid(mapi::Guid& g) {
        auto b = r_.view(16, "GUID");
        std::copy(b.begin(), b.end(), g.b.begin());
    }
    void bytes(Bytes& b, size_t n) { b = r_.bytes(n, "byte array"); }
    // u16 count followed by that many bytes.
    void bytes_u16(Bytes& b) { uint16_t n = r_.u16(); b = r_.bytes(n, "byte array"); }
    void bytes_u32(Bytes& b) { uint32_t n = r_.u32(); b = r_.bytes(n, "byte array"); }
    // Everything up to the end of the ROP's region.
    void rest(Bytes& b) { b = r_.bytes(r_.remaining(), "trailing bytes"); }
    // Null-terminated 8-bit string (ASCII/code page bytes kept as is).
    void asciiz(std::string& s);
    // Null-terminated UTF-16LE string, converted to UTF-8.
    void unicodez(std::string& s);
    // String whose byte count (terminator included) precedes it as u16.
    void sized_asciiz(std::string& s);
    // u16 count + PropTags.
    void tags_u16(std::vector<mapi::PropTag>& v);
    void ids_u16(std::vector<uint64_t>& v);  // u16 count + u64 ids

    // --- added for libmapi/rops.h ---------------------------------------
    // The ReturnValue of the response being decoded: a few response bodies
    // depend on it (RopLogon redirect, ecDstNullObject bodies). Set by
    // rop::decode_response before the body; 0 otherwise.
    void set_return_value(uint32_t rv) { rv_ = rv; }
    uint32_t return_value() const { return rv_; }
    // Null-terminated string, UTF-16LE when `unicode`, else 8-bit.
    void string(std::string& s, bool unicode) { unicode ? unicodez(s) : asciiz(s); }
    // String whose byte count (terminator included) precedes it as u8.
    void sized_asciiz_u8(std::string& s);
    // u16 count + u16 values (property ids).
    void u16s_u16(std::vector<uint16_t>& v);
    // ServerCount (u16), CheapServerCount (u16), then ServerCount
    // null-terminated 8-bit strings (MS-OXCROPS 2.2.4.1.2 and friends).
    void servers(std::vector<std::string>& v, uint16_t& cheap);
    // Codecs of libmapi/propcodec.h, with this buffer's code page:
    void tagged_values_u16(mapi::PropList& v);        // u16 count + TaggedPropertyValues
    void tagged_values_sized(mapi::PropList& v);      // u16 byte size of (u16 count + TaggedPropertyValues)
    void restriction_sized(std::optional<mapi::Restriction>& r);  // RestrictionDataSize (0 = none) + data
    void property_names_u16(std::vector<mapi::PropertyName>& v);  // u16 count + PropertyNames
    void property_names(std::vector<mapi::PropertyName>& v, size_t n);  // n PropertyNames
    void problems_u16(std::vector<mapi::PropertyProblem>& v);     // PropertyProblemCount + problems
    void sort_order_set(mapi::SortOrderSet& s);      // SortOrderCount, CategoryCount, ExpandedCount, SortOrders

private:
    ByteReader r_;
    uint32_t codepage_;
    uint32_t rv_ = 0;
};

class Push {
public:
    explicit Push(uint32_t codepage = 1252) : codepage_(codepage) {}
    static constexpr bool decoding = false;

    ByteWriter& writer() { return w_; }
    uint32_t codepage() const { return codepage_; }
    size_t size() const { return w_.size(); }
    Bytes take() { return w_.take(); }

    void u8(uint8_t v) { w_.u8(v); }
    void u16(uint16_t v) { w_.u16(v); }
    void u32(uint32_t v) { w_.u32(v); }
    void u64(uint64_t v) { w_.u64(v); }
    void i32(int32_t v) { w_.u32(uint32_t(v)); }
    void boolean(bool v) { w_.u8(v ? 1 : 0); }
    void guid(const mapi::Guid& g) { w_.raw(ByteView(g.b.data(), g.b.size())); }
    void bytes(const Bytes& b, size_t n);  // exactly n bytes (b.size() must equal n)
    void bytes_u16(const Bytes& b);
    void bytes_u32(const Bytes& b);
    void rest(const Bytes& b) { w_.raw(b); }
    void asciiz(const std::string& s);
    void unicodez(const std::string& s);
    void sized_asciiz(const std::string& s);
    void tags_u16(const std::vector<mapi::PropTag>& v);
    void ids_u16(const std::vector<uint64_t>& v);

    // --- added for libmapi/rops.h (see Pull) ------------------------------
    void string(const std::string& s, bool unicode) { unicode ? unicodez(s) : asciiz(s); }
    void sized_asciiz_u8(const std::string& s);
    void u16s_u16(const std::vector<uint16_t>& v);
    void servers(const std::vector<std::string>& v, uint16_t cheap);
    void tagged_values_u16(const mapi::PropList& v);
    void tagged_values_sized(const mapi::PropList& v);
    void restriction_sized(const std::optional<mapi::Restriction>& r);
    void property_names_u16(const std::vector<mapi::PropertyName>& v);
    void property_names(const std::vector<mapi::PropertyName>& v, size_t n);  // n must equal v.size()
    void problems_u16(const std::vector<mapi::PropertyProblem>& v);
    void sort_order_set(const mapi::SortOrderSet& s);

private:
    ByteWriter w_;
    uint32_t codepage_;
};

// UTF-8 <-> UTF-16LE helpers (throw DecodeError on invalid input).
Bytes utf8_to_utf16le(const std::string& s);
std::string utf16le_to_utf8(ByteView b);

}  // namespace mg::rop
