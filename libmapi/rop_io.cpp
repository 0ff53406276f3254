#include "libmapi/rop_io.h"

#include "libmapi/propcodec.h"

#include <stdexcept>

namespace mg::rop {

Bytes utf8_to_utf16le(const std::string& s) {
    Bytes out;
    out.reserve(s.size() * 2);
    auto put = [&out](uint32_t u) { out.push_back(uint8_t(u)); out.push_back(uint8_t(u >> 8)); };
    for (size_t i = 0; i < s.size();) {
        uint8_t c = uint8_t(s[i]);
        uint32_t cp;
        size_t n;
        if (c < 0x80) { cp = c; n = 1; }
        else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; n = 2; }
        else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; n = 3; }
        else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; n = 4; }
        else throw DecodeError("invalid UTF-8 in string");
        if (i + n > s.size()) throw DecodeError("truncated UTF-8 in string");
        for (size_t k = 1; k < n; ++k) {
            uint8_t cc = uint8_t(s[i + k]);
            if ((cc & 0xC0) != 0x80) throw DecodeError("invalid UTF-8 in string");
            cp = (cp << 6) | (cc & 0x3F);
        }
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(0xD800 | (cp >> 10));
            put(0xDC00 | (cp & 0x3FF));
        } else {
            put(cp);
        }
    }
    return out;
}

std::string utf16le_to_utf8(ByteView b) {
    if (b.size() % 2) throw DecodeError("odd byte count in UTF-16 string");
    std::string out;
    out.reserve(b.size());
    for (size_t i = 0; i < b.size(); i += 2) {
        uint32_t u = uint32_t(b[i]) | (uint32_t(b[i + 1]) << 8);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < b.size()) {
            uint32_t lo = uint32_t(b[i + 2]) | (uint32_t(b[i + 3]) << 8);
            if (lo >= 0xDC00 && lo < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u < 0xE000) {
            u = 0xFFFD;  // lone surrogate
        }
        if (u < 0x80) {
            out += char(u);
        } else if (u < 0x800) {
            out += char(0xC0 | (u >> 6));
            out += char(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            out += char(0xE0 | (u >> 12));
            out += char(0x80 | ((u >> 6) & 0x3F));
            out += char(0x80 | (u & 0x3F));
        } else {
            out += char(0xF0 | (u >> 18));
            out += char(0x80 | ((u >> 12) & 0x3F));
            out += char(0x80 | ((u >> 6) & 0x3F));
            out += char(0x80 | (u & 0x3F));
        }
    }
    return out;
}

void Pull::asciiz(std::string& s) {
    s.clear();
    for (;;) {
        uint8_t c = r_.u8();
        if (c == 0) return;
        if (s.size() >= kMaxStringBytes) throw DecodeError("string too long");
        s += char(c);
    }
}

void Pull::unicodez(std::string& s) {
    Bytes raw;
    for (;;) {
        uint16_t c = r_.u16();
        if (c == 0) break;
        if (raw.size() >= kMaxStringBytes) throw DecodeError("string too long");
        raw.push_back(uint8_t(c));
        raw.push_back(uint8_t(c >> 8));
    }
    s = utf16le_to_utf8(raw);
}

void Pull::sized_asciiz(std::string& s) {
    uint16_t n = r_.u16();
    if (n == 0) { s.clear(); return; }
    std::string raw = r_.str(n, "sized string");
    if (raw.back() != '\0') throw DecodeError("sized string is not null-terminated");
    raw.pop_back();
    if (raw.find('\0') != std::string::npos) raw.resize(raw.find('\0'));
    s = raw;
}

void Pull::tags_u16(std::vector<mapi::PropTag>& v) {
    uint16_t n = r_.u16();
    r_.need(size_t(n) * 4, "property tag array");
    v.resize(n);
    for (auto& t : v) t = r_.u32();
}

void Pull::ids_u16(std::vector<uint64_t>& v) {
    uint16_t n = r_.u16();
    r_.need(size_t(n) * 8, "id array");
    v.resize(n);
    for (auto& t : v) t = r_.u64();
}

void Push::bytes(const Bytes& b, size_t n) {
    if (b.size() != n) throw std::invalid_argument("fixed-size byte field has the wrong length");
    w_.raw(b);
}

void Push::bytes_u16(const Bytes& b) {
    if (b.size() > 0xFFFF) throw std::invalid_argument("byte array too long for a u16 count");
    w_.u16(uint16_t(b.size()));
    w_.raw(b);
}

void Push::bytes_u32(const Bytes& b) {
    w_.u32(uint32_t(b.size()));
    w_.raw(b);
}

void Push::asciiz(const std::string& s) {
    w_.raw(std::string_view(s.c_str()));
    w_.u8(0);
}

void Push::unicodez(const std::string& s) {
    w_.raw(utf8_to_utf16le(s));
    w_.u16(0);
}

void Push::sized_asciiz(const std::string& s) {
    if (s.size() + 1 > 0xFFFF) throw std::invalid_argument("string too long");
    w_.u16(uint16_t(s.size() + 1));
    asciiz(s);
}

void Push::tags_u16(const std::vector<mapi::PropTag>& v) {
    if (v.size() > 0xFFFF) throw std::invalid_argument("too many property tags");
    w_.u16(uint16_t(v.size()));
    for (auto t : v) w_.u32(t);
}

void Push::ids_u16(const std::vector<uint64_t>& v) {
    if (v.size() > 0xFFFF) throw std::invalid_argument("too many ids");
    w_.u16(uint16_t(v.size()));
    for (auto t : v) w_.u64(t);
}

// ---------------------------------------------------------------------------
// Additions for libmapi/rops.h.

namespace {
mapi::CodecOptions options(uint32_t codepage) {
    mapi::CodecOptions o;
    o.codepage = codepage;
    return o;
}
constexpr size_t kMinPropertyNameBytes = 17;  // Kind + GUID (MS-OXCDATA 2.6.1)
}  // namespace

void Pull::sized_asciiz_u8(std::string& s) {
    uint8_t n = r_.u8();
    if (n == 0) { s.clear(); return; }
    std::string raw = r_.str(n, "sized string");
    if (raw.back() != '\0') throw DecodeError("sized string is not null-terminated");
    raw.resize(raw.find('\0'));
    s = raw;
}

void Pull::u16s_u16(std::vector<uint16_t>& v) {
    uint16_t n = r_.u16();
    r_.need(size_t(n) * 2, "u16 array");
    v.resize(n);
    for (auto& x : v) x = r_.u16();
}

void Pull::servers(std::vector<std::string>& v, uint16_t& cheap) {
    uint16_t n = r_.u16();
    cheap = r_.u16();
    r_.need(n, "server list");  // each string has at least its terminator
    v.resize(n);
    for (auto& s : v) asciiz(s);
}

void Pull::tagged_values_u16(mapi::PropList& v) { v = mapi::read_tagged_values(r_, options(codepage_)); }

void Pull::tagged_values_sized(mapi::PropList& v) {
    uint16_t size = r_.u16();
    ByteReader sub(r_.view(size, "property values"));
    v = mapi::read_tagged_values(sub, options(codepage_));
    if (!sub.empty()) throw DecodeError("PropertyValueSize does not match the property values");
}

void Pull::restriction_sized(std::optional<mapi::Restriction>& r) {
    uint16_t size = r_.u16();
    if (size == 0) { r.reset(); return; }
    r = mapi::parse_restriction(r_.view(size, "restriction"), options(codepage_));
}

void Pull::property_names_u16(std::vector<mapi::PropertyName>& v) { v = mapi::read_property_names(r_); }

void Pull::property_names(std::vector<mapi::PropertyName>& v, size_t n) {
    r_.need(n * kMinPropertyNameBytes, "property names");
    v.clear();
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) v.push_back(mapi::read_property_name(r_));
}

void Pull::problems_u16(std::vector<mapi::PropertyProblem>& v) { v = mapi::read_problem_array(r_); }

void Pull::sort_order_set(mapi::SortOrderSet& s) { s = mapi::read_sort_order_set(r_); }

void Push::sized_asciiz_u8(const std::string& s) {
    std::string_view v(s.c_str());
    if (v.size() + 1 > 0xFF) throw std::invalid_argument("string too long for a u8 size");
    w_.u8(uint8_t(v.size() + 1));
    asciiz(s);
}

void Push::u16s_u16(const std::vector<uint16_t>& v) {
    if (v.size() > 0xFFFF) throw std::invalid_argument("too many values for a u16 count");
    w_.u16(uint16_t(v.size()));
    for (auto x : v) w_.u16(x);
}

void Push::servers(const std::vector<std::string>& v, uint16_t cheap) {
    if (v.size() > 0xFFFF) throw std::invalid_argument("too many servers");
    w_.u16(uint16_t(v.size()));
    w_.u16(cheap);
    for (const auto& s : v) asciiz(s);
}

void Push::tagged_values_u16(const mapi::PropList& v) { mapi::write_tagged_values(w_, v, options(codepage_)); }

void Push::tagged_values_sized(const mapi::PropList& v) {
    ByteWriter sub;
    mapi::write_tagged_values(sub, v, options(codepage_));
    if (sub.size() > 0xFFFF) throw std::invalid_argument("property values too large for PropertyValueSize");
    w_.u16(uint16_t(sub.size()));
    w_.raw(sub.bytes());
}

void Push::restriction_sized(const std::optional<mapi::Restriction>& r) {
    if (!r) { w_.u16(0); return; }
    Bytes b = mapi::encode_restriction(*r, options(codepage_));
    if (b.empty() || b.size() > 0xFFFF) throw std::invalid_argument("restriction too large for RestrictionDataSize");
    w_.u16(uint16_t(b.size()));
    w_.raw(b);
}

void Push::property_names_u16(const std::vector<mapi::PropertyName>& v) { mapi::write_property_names(w_, v); }

void Push::property_names(const std::vector<mapi::PropertyName>& v, size_t n) {
    if (v.size() != n) throw std::invalid_argument("property name count does not match its count field");
    for (const auto& x : v) mapi::write_property_name(w_, x);
}

void Push::problems_u16(const std::vector<mapi::PropertyProblem>& v) { mapi::write_problem_array(w_, v); }

void Push::sort_order_set(const mapi::SortOrderSet& s) { mapi::write_sort_order_set(w_, s); }

}  // namespace mg::rop
