// Wire codecs for MS-OXCDATA property structures; see propcodec.h.
//
// A property value's layout is described once, in value_io(), as a template
// over a codec: Pull decodes, Push encodes. Both implement the same small
// vocabulary (scalars, strings, counted binaries, counted arrays, nested
// restrictions), so each property type appears exactly once.
#include "libmapi/propcodec.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iconv.h>

namespace mg::mapi {

namespace {

[[noreturn]] void fail(bool decoding, const std::string& msg) {
    if (decoding) throw DecodeError(msg);
    throw EncodeError(msg);
}

std::string hex16(uint16_t v) {
    char buf[8];
    snprintf(buf, sizeof buf, "0x%04X", unsigned(v));
    return buf;
}

// ---------------------------------------------------------------- iconv
// iconv descriptors are costly to open: keep a few per thread. A plain array
// (no heap container) so that nothing outlives a unit test as a "leak".
class IconvCache {
public:
    ~IconvCache() {
        for (auto& e : slots_)
            if (e.cd != iconv_t(-1)) iconv_close(e.cd);
    }
    // to_utf8: code page -> UTF-8; otherwise UTF-8 -> code page. Returns
    // iconv_t(-1) when iconv does not know the code page.
    iconv_t get(uint32_t cp, bool to_utf8) {
        for (auto& e : slots_)
            if (e.cd != iconv_t(-1) && e.cp == cp && e.to_utf8 == to_utf8) return e.cd;
        std::string name = charset(cp);
        if (name.empty()) return iconv_t(-1);
        iconv_t cd = to_utf8 ? iconv_open("UTF-8", name.c_str()) : iconv_open(name.c_str(), "UTF-8");
        if (cd == iconv_t(-1)) return cd;
        Slot& s = slots_[next_++ % kSlots];
        if (s.cd != iconv_t(-1)) iconv_close(s.cd);
        s = Slot{cp, to_utf8, cd};
        return cd;
    }

private:
    // Windows code page identifiers -> iconv names (glibc).
    static std::string charset(uint32_t cp) {
        switch (cp) {
        case 20127: return "ASCII";
        case 20866: return "KOI8-R";
        case 21866: return "KOI8-U";
        case 28603: return "ISO-8859-13";
        case 28605: return "ISO-8859-15";
        case 50220: case 50221: case 50222: return "ISO-2022-JP";
        case 51932: return "EUC-JP";
        case 51949: return "EUC-KR";
        case 54936: return "GB18030";
        case 65000: return "UTF-7";
        case 1200: case 1201: case 12000: case 12001: return "";  // not 8-bit: unusable for PT_STRING8
        default: break;
        }
        if (cp >= 28591 && cp <= 28599) return "ISO-8859-" + std::to_string(cp - 28590);
        return "CP" + std::to_string(cp);
    }
    static constexpr size_t kSlots = 4;
    struct Slot {
        uint32_t cp = 0;
        bool to_utf8 = false;
        iconv_t cd = iconv_t(-1);
    };
    Slot slots_[kSlots];
    size_t next_ = 0;
};

thread_local IconvCache g_iconv;

// Runs a conversion. `replace` (encoding only): an unconvertible character
// becomes '?' (the input is known-valid UTF-8, so its length is known).
std::string run_iconv(iconv_t cd, std::string_view in, bool decoding, bool replace, const char* what,
                      uint32_t cp) {
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    std::string out(in.size() * 2 + 16, '\0');
    char* ip = const_cast<char*>(in.data());
    size_t il = in.size();
    size_t used = 0;
    auto room = [&](size_t need) {
        if (out.size() - used < need) out.resize(out.size() * 2 + need);
    };
    for (bool flushing = false;;) {
        char* op = out.data() + used;
        size_t ol = out.size() - used;
        size_t rc = flushing ? iconv(cd, nullptr, nullptr, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
        used = out.size() - ol;
        if (rc != size_t(-1)) {
            if (flushing) break;
            flushing = true;  // emit a final shift sequence (stateful code pages)
            continue;
        }
        if (errno == E2BIG) {
            room(16);
            continue;
        }
        if (errno == EILSEQ && replace && !decoding) {
            // Back to the initial shift state (ISO-2022-JP ...) so that the
            // '?' is read as ASCII, then skip the character.
            op = out.data() + used;
            ol = out.size() - used;
            if (iconv(cd, nullptr, nullptr, &op, &ol) == size_t(-1)) {
                room(16);
                continue;
            }
            used = out.size() - ol;
            size_t i = size_t(ip - in.data()), j = i;
            char32_t c;
            if (!utf8_next(in, j, c)) j = i + 1;
            room(1);
            out[used++] = '?';
            ip += j - i;
            il -= j - i;
            continue;
        }
        size_t at = size_t(ip - in.data());
        fail(decoding, std::string(what) + ": " + (errno == EINVAL ? "incomplete" : "unconvertible") +
                           " character at byte " + std::to_string(at) + (decoding ? " of code page " : " for code page ") +
                           std::to_string(cp));
    }
    out.resize(used);
    return out;
}

void check_utf8(std::string_view s, const char* what) {
    for (size_t i = 0; i < s.size();) {
        char32_t c;
        if (!utf8_next(s, i, c)) throw EncodeError(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
        if (c == 0) throw EncodeError(std::string(what) + ": embedded NUL");
    }
}

// ---------------------------------------------------------------- counts
// COUNT fields (2.11.1.1): byte counts of binaries are 16 bits in ROP
// buffers, 32 in wide contexts; value counts of multivalued types 32 bits.
uint32_t read_count(ByteReader& r, bool wide) { return wide ? r.u32() : r.u16(); }
void write_count(ByteWriter& w, size_t n, bool wide, const char* what) {
    if (wide ? n > 0xFFFFFFFFu : n > 0xFFFF)
        throw EncodeError(std::string(what) + ": " + std::to_string(n) + " does not fit its count field");
    if (wide) w.u32(uint32_t(n));
    else w.u16(uint16_t(n));
}

// RuleAction framing ([MS-OXORULE] 2.2.5): NoOfActions, then ActionBlocks
// each led by ActionLength (the bytes of the rest of the block). 16-bit
// fields in ROP buffers, 32-bit in extended rules. Returns nothing: leaves
// `r` just past the structure.
void skip_rule_actions(ByteReader& r, bool wide) {
    uint32_t n = read_count(r, wide);
    if (n > r.remaining() / (wide ? 4 : 2)) throw DecodeError("PtypRuleAction: action count exceeds the input");
    for (uint32_t i = 0; i < n; ++i) r.skip(read_count(r, wide));
}

// ---------------------------------------------------------------- codecs
class Pull {
public:
    Pull(ByteReader& r, const CodecOptions& o) : r_(r), o_(o) {}

    template <class T> T& slot(PropVariant& v) { return v.emplace<T>(); }
    void num(int16_t& x) { x = int16_t(r_.u16()); }
    void num(int32_t& x) { x = r_.i32(); }
    void num(uint32_t& x) { x = r_.u32(); }
    void num(int64_t& x) { x = int64_t(r_.u64()); }
    void num(float& x) { uint32_t u = r_.u32(); std::memcpy(&x, &u, 4); }
    void num(double& x) { uint64_t u = r_.u64(); std::memcpy(&x, &u, 8); }
    // "restricted to 1 or 0" (2.11.1): any other byte is read as TRUE.
    void boolean(bool& b) { b = r_.u8() != 0; }
    void guid(Guid& g) {
        auto v = r_.view(16, "PtypGuid");
        std::copy(v.begin(), v.end(), g.b.begin());
    }
    void string8(std::string& s) { s = read_string8(r_, o_); }
    void unicode(std::string& s) { s = read_unicode(r_); }
    void binary(Bytes& b) { b = r_.bytes(read_count(r_, wide()), "PtypBinary"); }
    void actions(Bytes& b) {
        size_t start = r_.offset();
        skip_rule_actions(r_, wide());
        auto all = r_.data().subspan(start, r_.offset() - start);
        b.assign(all.begin(), all.end());
    }
    void restriction(std::shared_ptr<const Restriction>& p) {
        p = std::make_shared<const Restriction>(read_restriction(r_, o_));
    }
    // PtypMultiple*: a 32-bit value count; `min` is the smallest encoding of
    // one element, so the count is checked against the input first.
    template <class T, class F> void array(std::vector<T>& v, size_t min, F&& elem) {
        uint32_t n = r_.u32();
        if (n > r_.remaining() / min) throw DecodeError("multivalued property: count " + std::to_string(n) + " exceeds the input");
        v.clear();
        v.reserve(n);
        for (uint32_t i = 0; i < n; ++i) elem(v.emplace_back());
    }
    [[noreturn]] void unsupported(uint16_t type) {
        throw DecodeError("unsupported property type " + hex16(type) + " (" + type_name(type) + ")");
    }
    bool wide() const { return o_.counts == CountWidth::Wide; }

private:
    ByteReader& r_;
    const CodecOptions& o_;
};

class Push {
public:
    Push(ByteWriter& w, const CodecOptions& o, uint16_t type) : w_(w), o_(o), type_(type) {}

    template <class T> const T& slot(const PropVariant& v) {
        if (auto p = std::get_if<T>(&v)) return *p;
        throw EncodeError(std::string("value does not hold the alternative of ") + type_name(type_));
    }
    void num(int16_t x) { w_.u16(uint16_t(x)); }
    void num(int32_t x) { w_.u32(uint32_t(x)); }
    void num(uint32_t x) { w_.u32(x); }
    void num(int64_t x) { w_.u64(uint64_t(x)); }
    void num(float x) { uint32_t u; std::memcpy(&u, &x, 4); w_.u32(u); }
    void num(double x) { uint64_t u; std::memcpy(&u, &x, 8); w_.u64(u); }
    void boolean(bool b) { w_.u8(b ? 1 : 0); }
    void guid(const Guid& g) { w_.raw(ByteView(g.b.data(), g.b.size())); }
    void string8(const std::string& s) { write_string8(w_, s, o_); }
    void unicode(const std::string& s) { write_unicode(w_, s); }
    void binary(const Bytes& b) {
        write_count(w_, b.size(), wide(), "PtypBinary");
        w_.raw(b);
    }
    void actions(const Bytes& b) {
        ByteReader check(b);
        try {
            skip_rule_actions(check, wide());
        } catch (const DecodeError& e) {
            throw EncodeError(std::string("PtypRuleAction bytes are not a RuleAction structure: ") + e.what());
        }
        if (!check.empty()) throw EncodeError("PtypRuleAction bytes: trailing data after the last action");
        w_.raw(b);
    }
    void restriction(const std::shared_ptr<const Restriction>& p) {
        if (!p) throw EncodeError("PtypRestriction value is null");
        write_restriction(w_, *p, o_);
    }
    template <class T, class F> void array(const std::vector<T>& v, size_t, F&& elem) {
        write_count(w_, v.size(), true, "multivalued property");
        for (const auto& e : v) elem(e);
    }
    [[noreturn]] void unsupported(uint16_t type) {
        throw EncodeError("unsupported property type " + hex16(type) + " (" + type_name(type) + ")");
    }
    bool wide() const { return o_.counts == CountWidth::Wide; }

private:
    ByteWriter& w_;
    const CodecOptions& o_;
    uint16_t type_;
};

// The layout of every property type (MS-OXCDATA 2.11.1), for both directions.
// V is PropVariant (Pull) or const PropVariant (Push).
template <class IO, class V> void value_io(IO& io, uint16_t wire_type, V& v) {
    const size_t bin_min = io.wide() ? 4 : 2;
    auto num = [&](auto& x) { io.num(x); };
    switch (value_type(wire_type)) {
    case PT_NULL: io.template slot<std::monostate>(v); return;  // no bytes: a placeholder
    case PT_SHORT: return io.num(io.template slot<int16_t>(v));
    case PT_LONG: return io.num(io.template slot<int32_t>(v));
    case PT_ERROR: return io.num(io.template slot<uint32_t>(v));
    case PT_FLOAT: return io.num(io.template slot<float>(v));
    case PT_DOUBLE: case PT_APPTIME: return io.num(io.template slot<double>(v));
    case PT_CURRENCY: case PT_I8: case PT_SYSTIME: return io.num(io.template slot<int64_t>(v));
    case PT_BOOLEAN: return io.boolean(io.template slot<bool>(v));
    case PT_STRING8: return io.string8(io.template slot<std::string>(v));
    case PT_UNICODE: return io.unicode(io.template slot<std::string>(v));
    case PT_CLSID: return io.guid(io.template slot<Guid>(v));
    case PT_BINARY: case PT_SVREID: return io.binary(io.template slot<Bytes>(v));
    case PT_ACTIONS: return io.actions(io.template slot<Bytes>(v));
    case PT_SRESTRICT: return io.restriction(io.template slot<std::shared_ptr<const Restriction>>(v));
    case PT_MV_SHORT: return io.array(io.template slot<std::vector<int16_t>>(v), 2, num);
    case PT_MV_LONG: return io.array(io.template slot<std::vector<int32_t>>(v), 4, num);
    case PT_MV_FLOAT: return io.array(io.template slot<std::vector<float>>(v), 4, num);
    case PT_MV_DOUBLE: case PT_MV_APPTIME: return io.array(io.template slot<std::vector<double>>(v), 8, num);
    case PT_MV_CURRENCY: case PT_MV_I8: case PT_MV_SYSTIME:
        return io.array(io.template slot<std::vector<int64_t>>(v), 8, num);
    case PT_MV_STRING8:
        return io.array(io.template slot<std::vector<std::string>>(v), 1, [&](auto& s) { io.string8(s); });
    case PT_MV_UNICODE:
        return io.array(io.template slot<std::vector<std::string>>(v), 2, [&](auto& s) { io.unicode(s); });
    case PT_MV_CLSID: return io.array(io.template slot<std::vector<Guid>>(v), 16, [&](auto& g) { io.guid(g); });
    case PT_MV_BINARY:
        return io.array(io.template slot<std::vector<Bytes>>(v), bin_min, [&](auto& b) { io.binary(b); });
    default: io.unsupported(wire_type);
    }
}

// FlaggedPropertyValue flags (2.11.5).
constexpr uint8_t kFlagValue = 0x00, kFlagAbsent = 0x01, kFlagError = 0x0A;

}  // namespace

// ---------------------------------------------------------------- options
CodecOptions CodecOptions::nested(bool decoding) const {
    if (depth >= max_depth) fail(decoding, "restriction nesting deeper than " + std::to_string(max_depth));
    CodecOptions o = *this;
    ++o.depth;
    return o;
}

// ---------------------------------------------------------------- strings
bool utf8_next(std::string_view s, size_t& i, char32_t& cp) {
    if (i >= s.size()) return false;
    auto b = [&](size_t k) { return uint8_t(s[i + k]); };
    uint8_t c = b(0);
    size_t n;
    char32_t v, min;
    if (c < 0x80) { cp = c; ++i; return true; }
    if ((c & 0xE0) == 0xC0) { n = 2; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; v = c & 0x07; min = 0x10000; }
    else return false;
    if (s.size() - i < n) return false;
    for (size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return false;
        v = (v << 6) | (b(k) & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
    cp = v;
    i += n;
    return true;
}

void utf8_append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::string string8_to_utf8(std::string_view bytes, uint32_t codepage, const char* what) {
    if (codepage == 65001) {
        for (size_t i = 0; i < bytes.size();) {
            char32_t c;
            if (!utf8_next(bytes, i, c))
                throw DecodeError(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
        }
        return std::string(bytes);
    }
    iconv_t cd = g_iconv.get(codepage, true);
    if (cd == iconv_t(-1)) throw DecodeError(std::string(what) + ": unsupported code page " + std::to_string(codepage));
    return run_iconv(cd, bytes, true, false, what, codepage);
}

std::string utf8_to_string8(std::string_view utf8, uint32_t codepage, bool replace, const char* what) {
    check_utf8(utf8, what);
    if (codepage == 65001) return std::string(utf8);
    iconv_t cd = g_iconv.get(codepage, false);
    if (cd == iconv_t(-1)) throw EncodeError(std::string(what) + ": unsupported code page " + std::to_string(codepage));
    std::string out = run_iconv(cd, utf8, false, replace, what, codepage);
    if (out.find('\0') != std::string::npos)  // e.g. UTF-7 never, but a code page could
        throw EncodeError(std::string(what) + ": NUL byte in code page " + std::to_string(codepage) + " output");
    return out;
}

std::string utf16le_to_utf8(ByteView bytes, const char* what) {
    if (bytes.size() % 2) throw DecodeError(std::string(what) + ": odd byte count");
    std::string out;
    out.reserve(bytes.size());
    auto unit = [&](size_t k) { return char32_t(bytes[2 * k] | (bytes[2 * k + 1] << 8)); };
    for (size_t k = 0, n = bytes.size() / 2; k < n; ++k) {
        char32_t u = unit(k);
        if (u >= 0xD800 && u <= 0xDBFF && k + 1 < n && unit(k + 1) >= 0xDC00 && unit(k + 1) <= 0xDFFF) {
            u = 0x10000 + ((u - 0xD800) << 10) + (unit(k + 1) - 0xDC00);
            ++k;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            throw DecodeError(std::string(what) + ": unpaired UTF-16 surrogate at unit " + std::to_string(k));
        }
        utf8_append(out, u);
    }
    return out;
}

Bytes utf8_to_utf16le(std::string_view utf8, const char* what) {
    Bytes out;
    out.reserve(utf8.size() * 2);
    auto put = [&](char32_t u) { out.push_back(uint8_t(u)); out.push_back(uint8_t(u >> 8)); };
    for (size_t i = 0; i < utf8.size();) {
        char32_t c;
        if (!utf8_next(utf8, i, c)) throw EncodeError(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
        if (c == 0) throw EncodeError(std::string(what) + ": embedded NUL");
        if (c >= 0x10000) {
            put(0xD800 + ((c - 0x10000) >> 10));
            put(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            put(c);
        }
    }
    return out;
}

std::string read_string8(ByteReader& r, const CodecOptions& o) {
    auto rest = r.data().subspan(r.offset());
    auto end = std::find(rest.begin(), rest.end(), uint8_t(0));
    if (end == rest.end()) throw DecodeError("unterminated PtypString8");
    size_t n = size_t(end - rest.begin());
    std::string s = string8_to_utf8(std::string_view(reinterpret_cast<const char*>(rest.data()), n), o.codepage);
    r.skip(n + 1);
    return s;
}

std::string read_unicode(ByteReader& r) {
    auto rest = r.data().subspan(r.offset());
    size_t n = 0;
    while (true) {
        if (rest.size() - n < 2) throw DecodeError("unterminated PtypString");
        if (rest[n] == 0 && rest[n + 1] == 0) break;
        n += 2;
    }
    std::string s = utf16le_to_utf8(rest.first(n));
    r.skip(n + 2);
    return s;
}

void write_string8(ByteWriter& w, std::string_view utf8, const CodecOptions& o) {
    w.raw(utf8_to_string8(utf8, o.codepage, o.string8_replace));
    w.u8(0);
}

void write_unicode(ByteWriter& w, std::string_view utf8) {
    w.raw(utf8_to_utf16le(utf8));
    w.u16(0);
}

// ---------------------------------------------------------------- values
PropVariant read_value(ByteReader& r, uint16_t type, const CodecOptions& o) {
    PropVariant v;
    Pull io(r, o);
    value_io(io, type, v);
    return v;
}

void write_value(ByteWriter& w, uint16_t type, const PropVariant& v, const CodecOptions& o) {
    Push io(w, o, type);
    value_io(io, type, v);
}

PropValue read_typed_value(ByteReader& r, uint16_t prop_id, const CodecOptions& o) {
    uint16_t type = r.u16();
    return PropValue{make_tag(prop_id, type), read_value(r, type, o)};
}

void write_typed_value(ByteWriter& w, const PropValue& v, const CodecOptions& o) {
    w.u16(prop_type(v.tag));
    write_value(w, prop_type(v.tag), v.value, o);
}

PropValue read_tagged_value(ByteReader& r, const CodecOptions& o) {
    PropTag tag = r.u32();
    return PropValue{tag, read_value(r, prop_type(tag), o)};
}

void write_tagged_value(ByteWriter& w, const PropValue& v, const CodecOptions& o) {
    w.u32(v.tag);
    write_value(w, prop_type(v.tag), v.value, o);
}

PropValue read_flagged_value(ByteReader& r, PropTag column, const CodecOptions& o) {
    uint16_t type = prop_type(column);
    if (type == PT_UNSPECIFIED) type = r.u16();  // FlaggedPropertyValueWithType (2.11.6)
    switch (uint8_t flag = r.u8()) {
    case kFlagValue:
        return PropValue{prop_type(column) == PT_UNSPECIFIED ? make_tag(prop_id(column), type) : column,
                         read_value(r, type, o)};
    case kFlagAbsent: return PropValue::null(column);
    case kFlagError: return PropValue::error(column, r.u32());
    default: throw DecodeError("FlaggedPropertyValue: invalid flag " + std::to_string(flag));
    }
}

void write_flagged_value(ByteWriter& w, PropTag column, const PropValue& v, const CodecOptions& o) {
    bool with_type = prop_type(column) == PT_UNSPECIFIED;
    uint16_t type = with_type ? prop_type(v.tag) : prop_type(column);
    if (v.is_error()) {
        if (with_type) w.u16(PT_ERROR);
        w.u8(kFlagError);
        write_value(w, PT_ERROR, v.value, o);
    } else if (prop_type(v.tag) == PT_NULL) {
        if (with_type) w.u16(PT_NULL);
        w.u8(kFlagAbsent);
    } else {
        if (with_type) w.u16(type);
        w.u8(kFlagValue);
        write_value(w, type, v.value, o);
    }
}

// ---------------------------------------------------------------- rows
PropList read_property_row(ByteReader& r, const std::vector<PropTag>& columns, const CodecOptions& o) {
    uint8_t flag = r.u8();
    if (flag > 1) throw DecodeError("PropertyRow: invalid flag " + std::to_string(flag));
    PropList row;
    row.reserve(std::min(columns.size(), r.remaining()));
    for (PropTag col : columns) {
        if (flag == 1) row.push_back(read_flagged_value(r, col, o));
        else if (prop_type(col) == PT_UNSPECIFIED) row.push_back(read_typed_value(r, prop_id(col), o));
        else row.push_back(PropValue{col, read_value(r, prop_type(col), o)});
    }
    return row;
}

void write_property_row(ByteWriter& w, const std::vector<PropTag>& columns, const PropList& row,
                        const CodecOptions& o) {
    if (row.size() != columns.size())
        throw EncodeError("PropertyRow: " + std::to_string(row.size()) + " values for " +
                          std::to_string(columns.size()) + " columns");
    bool flagged = false;
    for (size_t i = 0; i < row.size(); ++i)
        flagged |= prop_type(columns[i]) == PT_UNSPECIFIED || row[i].is_missing();
    w.u8(flagged ? 1 : 0);
    for (size_t i = 0; i < row.size(); ++i) {
        if (flagged) write_flagged_value(w, columns[i], row[i], o);
        else write_value(w, prop_type(columns[i]), row[i].value, o);
    }
}

// ---------------------------------------------------------------- arrays
std::vector<PropTag> read_tags(ByteReader& r, size_t count) {
    if (count > r.remaining() / 4) throw DecodeError("property tag count exceeds the input");
    std::vector<PropTag> tags(count);
    for (auto& t : tags) t = r.u32();
    return tags;
}

std::vector<PropTag> read_tag_array(ByteReader& r) { return read_tags(r, r.u16()); }

void write_tag_array(ByteWriter& w, const std::vector<PropTag>& tags) {
    write_count(w, tags.size(), false, "PropertyTagArray");
    for (PropTag t : tags) w.u32(t);
}

PropList read_tagged_values(ByteReader& r, const CodecOptions& o) {
    uint16_t n = r.u16();
    if (n > r.remaining() / 4) throw DecodeError("property value count exceeds the input");
    PropList out;
    out.reserve(n);
    for (uint16_t i = 0; i < n; ++i) out.push_back(read_tagged_value(r, o));
    return out;
}

void write_tagged_values(ByteWriter& w, const PropList& values, const CodecOptions& o) {
    write_count(w, values.size(), false, "property value count");
    for (const auto& v : values) write_tagged_value(w, v, o);
}

std::vector<PropertyProblem> read_problem_array(ByteReader& r) {
    uint16_t n = r.u16();
    if (n > r.remaining() / 10) throw DecodeError("PropertyProblemArray: count exceeds the input");
    std::vector<PropertyProblem> out(n);
    for (auto& p : out) {
        p.index = r.u16();
        p.tag = r.u32();
        p.error = r.u32();
    }
    return out;
}

void write_problem_array(ByteWriter& w, const std::vector<PropertyProblem>& problems) {
    write_count(w, problems.size(), false, "PropertyProblemArray");
    for (const auto& p : problems) {
        w.u16(p.index);
        w.u32(p.tag);
        w.u32(p.error);
    }
}

// TypedString StringType values (2.11.7).
enum : uint8_t { kTsNone = 0, kTsEmpty = 1, kTs8Bit = 2, kTsReduced = 3, kTsUnicode = 4 };

std::optional<std::string> read_typed_string(ByteReader& r, const CodecOptions& o) {
    switch (uint8_t t = r.u8()) {
    case kTsNone: return std::nullopt;
    case kTsEmpty: return std::string();
    case kTs8Bit: return read_string8(r, o);
    case kTsReduced: {  // UTF-16 with every high byte (0) dropped: Latin-1
        std::string s;
        for (uint8_t c; (c = r.u8()) != 0;) utf8_append(s, c);
        return s;
    }
    case kTsUnicode: return read_unicode(r);
    default: throw DecodeError("TypedString: invalid StringType " + std::to_string(t));
    }
}

void write_typed_string(ByteWriter& w, const std::optional<std::string>& s) {
    if (!s) return w.u8(kTsNone);
    if (s->empty()) return w.u8(kTsEmpty);
    check_utf8(*s, "TypedString");
    bool reduced = true;
    std::string latin1;
    for (size_t i = 0; i < s->size() && reduced;) {
        char32_t c;
        utf8_next(*s, i, c);
        reduced = c < 0x100;
        latin1 += char(c);
    }
    if (reduced) {
        w.u8(kTsReduced);
        w.raw(latin1);
        w.u8(0);
    } else {
        w.u8(kTsUnicode);
        write_unicode(w, *s);
    }
}

PropertyName read_property_name(ByteReader& r) {
    PropertyName n;
    uint8_t kind = r.u8();
    auto g = r.view(16, "PropertyName GUID");
    std::copy(g.begin(), g.end(), n.guid.b.begin());
    switch (kind) {
    case PropertyName::Id: n.kind = PropertyName::Id; n.lid = r.u32(); break;
    case PropertyName::Name: {
        n.kind = PropertyName::Name;
        uint8_t size = r.u8();  // bytes of Name, its 2-byte terminator included
        auto name = r.view(size, "PropertyName Name");
        size_t units = 0;
        while (units * 2 + 1 < name.size() && (name[units * 2] | name[units * 2 + 1]))
            ++units;
        if (units * 2 + 1 >= name.size()) throw DecodeError("PropertyName: Name is not null-terminated within NameSize");
        n.name = utf16le_to_utf8(name.first(units * 2), "PropertyName Name");
        break;
    }
    case PropertyName::None: n.kind = PropertyName::None; break;
    default: throw DecodeError("PropertyName: invalid Kind " + std::to_string(kind));
    }
    return n;
}

void write_property_name(ByteWriter& w, const PropertyName& n) {
    w.u8(n.kind);
    w.raw(ByteView(n.guid.b.data(), n.guid.b.size()));
    switch (n.kind) {
    case PropertyName::Id: w.u32(n.lid); break;
    case PropertyName::Name: {
        Bytes u = utf8_to_utf16le(n.name, "PropertyName Name");
        if (u.size() + 2 > 0xFF) throw EncodeError("PropertyName: Name longer than NameSize allows");
        w.u8(uint8_t(u.size() + 2));
        w.raw(u);
        w.u16(0);
        break;
    }
    case PropertyName::None: break;
    default: throw EncodeError("PropertyName: invalid Kind " + std::to_string(n.kind));
    }
}

std::vector<PropertyName> read_property_names(ByteReader& r) {
    uint16_t n = r.u16();
    if (n > r.remaining() / 17) throw DecodeError("PropertyName array: count exceeds the input");
    std::vector<PropertyName> out;
    out.reserve(n);
    for (uint16_t i = 0; i < n; ++i) out.push_back(read_property_name(r));
    return out;
}

void write_property_names(ByteWriter& w, const std::vector<PropertyName>& names) {
    write_count(w, names.size(), false, "PropertyName array");
    for (const auto& n : names) write_property_name(w, n);
}

}  // namespace mg::mapi
