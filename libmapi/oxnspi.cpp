#include "libmapi/oxnspi.h"

#include "libmapi/propcodec.h"

namespace mg::oxnspi {

const char* opnum_name(uint16_t opnum) {
    static const char* const names[kOpnumCount] = {
        "NspiBind", "NspiUnbind", "NspiUpdateStat", "NspiQueryRows", "NspiSeekEntries", "NspiGetMatches",
        "NspiResortRestriction", "NspiDNToMId", "NspiGetPropList", "NspiGetProps", "NspiCompareMIds",
        "NspiModProps", "NspiGetSpecialTable", "NspiGetTemplateInfo", "NspiModLinkAtt", "NspiDeleteEntries",
        "NspiQueryColumns", "NspiGetNamesFromIDs", "NspiGetIDsFromNames", "NspiResolveNames", "NspiResolveNamesW"};
    return opnum < kOpnumCount ? names[opnum] : "unknown opnum";
}

namespace wire {

// Unpaired surrogates (which UTF-8 cannot carry) become U+FFFD, so any
// UTF-16 a client sends decodes.
std::string utf16_to_utf8(const std::u16string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        mapi::utf8_append(out, c);
    }
    return out;
}

std::u16string utf8_to_utf16(const std::string& s) {
    std::u16string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        char32_t c;
        if (!mapi::utf8_next(s, i, c)) {
            c = 0xFFFD;
            ++i;
        }
        if (c >= 0x10000) {
            c -= 0x10000;
            out.push_back(char16_t(0xD800 + (c >> 10)));
            out.push_back(char16_t(0xDC00 + (c & 0x3FF)));
        } else {
            out.push_back(char16_t(c));
        }
    }
    return out;
}

void bad_prop_type(uint32_t type) {
    throw DecodeError("NSPI PropertyValue_r: property type 0x" + [&] {
        char b[12];
        snprintf(b, sizeof b, "%04x", type);
        return std::string(b);
    }() + " has no PROP_VAL_UNION arm");
}

void bad_restriction(uint32_t rt, const char* why) {
    throw DecodeError("NSPI Restriction_r (rt " + std::to_string(rt) + "): " + why);
}

}  // namespace wire
}  // namespace mg::oxnspi
