// Modified UTF-7 (RFC 3501 5.1.3) <-> UTF-8.
#include "providers/imap/mutf7.h"

#include "common/bytes.h"
#include "libmapi/propcodec.h"

#include <cstdint>
#include <vector>

namespace mg::imap {

namespace {

// RFC 2152 base64 with ',' instead of '/' (RFC 3501 5.1.3).
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

uint32_t next_code_point(std::string_view s, size_t& i) {
    char32_t cp;
    size_t at = i;
    if (!mapi::utf8_next(s, i, cp)) throw DecodeError("invalid UTF-8 at byte " + std::to_string(at) + " of a mailbox name");
    return uint32_t(cp);
}

void flush_base64(std::string& out, const std::vector<uint16_t>& units) {
    out += '&';
    uint32_t bits = 0;
    int nbits = 0;
    for (uint16_t u : units) {
        bits = (bits << 16) | u;
        nbits += 16;
        while (nbits >= 6) {
            nbits -= 6;
            out += kB64[(bits >> nbits) & 0x3F];
        }
        bits &= (1u << nbits) - 1;
    }
    if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 0x3F];
    out += '-';
}

}  // namespace

bool valid_utf8(std::string_view s) {
    try {
        for (size_t i = 0; i < s.size();) next_code_point(s, i);
        return true;
    } catch (const DecodeError&) {
        return false;
    }
}

std::string utf8_to_mutf7(std::string_view s) {
    std::string out;
    std::vector<uint16_t> run;
    for (size_t i = 0; i < s.size();) {
        uint32_t cp = next_code_point(s, i);
        if (cp >= 0x20 && cp <= 0x7E) {
            if (!run.empty()) {
                flush_base64(out, run);
                run.clear();
            }
            out += char(cp);
            if (cp == '&') out += '-';
        } else if (cp < 0x10000) {
            run.push_back(uint16_t(cp));
        } else {
            cp -= 0x10000;
            run.push_back(uint16_t(0xD800 | (cp >> 10)));
            run.push_back(uint16_t(0xDC00 | (cp & 0x3FF)));
        }
    }
    if (!run.empty()) flush_base64(out, run);
    return out;
}

std::string mutf7_to_utf8(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        char c = s[i];
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
            throw DecodeError("mailbox name has a character outside printable US-ASCII");
        if (c != '&') {
            out += c;
            ++i;
            continue;
        }
        size_t end = s.find('-', i + 1);
        if (end == std::string_view::npos) throw DecodeError("unterminated modified base64 in mailbox name");
        if (end == i + 1) {
            out += '&';
            i = end + 1;
            continue;
        }
        uint32_t bits = 0;
        int nbits = 0;
        uint32_t high = 0;  // pending high surrogate
        for (size_t k = i + 1; k < end; ++k) {
            int v = b64_value(s[k]);
            if (v < 0) throw DecodeError("bad modified base64 character in mailbox name");
            bits = (bits << 6) | uint32_t(v);
            nbits += 6;
            if (nbits >= 16) {
                nbits -= 16;
                uint32_t u = (bits >> nbits) & 0xFFFF;
                bits &= (1u << nbits) - 1;
                if (high) {
                    if (u < 0xDC00 || u > 0xDFFF) throw DecodeError("unpaired surrogate in mailbox name");
                    mapi::utf8_append(out, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
                    high = 0;
                } else if (u >= 0xD800 && u <= 0xDBFF) {
                    high = u;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    throw DecodeError("unpaired surrogate in mailbox name");
                } else if (u >= 0x20 && u <= 0x7E) {
                    throw DecodeError("modified base64 encodes printable US-ASCII in mailbox name");
                } else {
                    mapi::utf8_append(out, u);
                }
            }
        }
        if (high) throw DecodeError("unpaired surrogate in mailbox name");
        if (nbits >= 6 || bits != 0) throw DecodeError("bad padding in modified base64 of mailbox name");
        i = end + 1;
    }
    return out;
}

}  // namespace mg::imap
