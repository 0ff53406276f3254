// Wire codecs for property values, rows, tag arrays, property names,
// restrictions and sort orders (MS-OXCDATA 2.6-2.13), over common/bytes.h.
//
// Every reader takes a ByteReader positioned at the structure and leaves it
// just past it; every writer appends to a ByteWriter. Decoders throw
// mg::DecodeError (truncated or malformed input, a count larger than what
// remains, an unconvertible string); encoders throw mapi::EncodeError when a
// value cannot be represented (wrong alternative for the type, a string with
// an embedded NUL or not convertible to the code page, a count too large for
// its field, nesting too deep).
//
// Strings are UTF-8 in memory. On the wire, PT_UNICODE is UTF-16LE with a
// 2-byte terminator; PT_STRING8 is in the session's code page with a 1-byte
// terminator (MS-OXCDATA 2.11.1.2, MS-OXCROPS 3.1.5.4), converted with iconv.
// Decoding is always strict: bytes that are not valid in the code page,
// unpaired UTF-16 surrogates and invalid UTF-8 throw. Encoding to the code
// page is strict too unless CodecOptions::string8_replace is set; the
// specifications do not define a substitution, so '?' replacement is only an
// opt-in for the server paths that must hand an 8-bit string to a client that
// asked for one (e.g. WantUnicode = 0), as Exchange does.
#pragma once

#include "common/bytes.h"
#include "libmapi/property.h"
#include "libmapi/restriction.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mg::mapi {

class EncodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Width of the COUNT fields (MS-OXCDATA 2.11.1.1) and of RestrictCount
// (2.12.1.1). Rop: ROP buffers, binary/ServerId byte counts and RestrictCount
// are 16 bits, value counts of PtypMultiple* 32 bits. Wide: extended rules
// ([MS-OXORULE] 2.2.4) and MAPI/HTTP address book values ([MS-OXCMAPIHTTP]
// 2.2.5): all of them 32 bits. Within one buffer the width never changes.
enum class CountWidth : uint8_t { Rop, Wide };

inline constexpr unsigned kMaxRestrictionDepth = 256;

struct CodecOptions {
    uint32_t codepage = 1252;             // PT_STRING8 code page (65001 = UTF-8)
    CountWidth counts = CountWidth::Rop;  // see CountWidth
    bool string8_replace = false;         // encoding only: '?' for unrepresentable characters
    unsigned max_depth = kMaxRestrictionDepth;  // restriction nesting (incl. PT_SRESTRICT values)
    unsigned depth = 0;                   // nesting reached so far; leave at 0

    // A copy one level deeper; throws DecodeError/EncodeError past max_depth.
    CodecOptions nested(bool decoding) const;
};

// ---------------------------------------------------------------- strings
// Decodes the UTF-8 sequence at s[i] and advances i past it. Strict: no
// overlong forms, surrogates or values above U+10FFFF; returns false (i
// unchanged) on an invalid sequence.
bool utf8_next(std::string_view s, size_t& i, char32_t& cp);
void utf8_append(std::string& out, char32_t cp);

// UTF-8 <-> code page / UTF-16LE conversions used by the codecs, exposed for
// the ROP layer (8-bit fields outside property values). `what` names the
// field in error texts.
std::string string8_to_utf8(std::string_view bytes, uint32_t codepage, const char* what = "PtypString8");
std::string utf8_to_string8(std::string_view utf8, uint32_t codepage, bool replace = false,
                            const char* what = "PtypString8");
std::string utf16le_to_utf8(ByteView bytes, const char* what = "PtypString");  // no terminator
Bytes utf8_to_utf16le(std::string_view utf8, const char* what = "PtypString");  // no terminator

// Null-terminated strings as PropertyValue carries them.
std::string read_string8(ByteReader& r, const CodecOptions& o = {});
std::string read_unicode(ByteReader& r);
void write_string8(ByteWriter& w, std::string_view utf8, const CodecOptions& o = {});
void write_unicode(ByteWriter& w, std::string_view utf8);

// ---------------------------------------------------------------- values
// PropertyValue (2.11.2.1): the value alone; its type comes from context.
// `type` may carry PT_MV_INSTANCE (then one value of the base type).
PropVariant read_value(ByteReader& r, uint16_t type, const CodecOptions& o = {});
void write_value(ByteWriter& w, uint16_t type, const PropVariant& v, const CodecOptions& o = {});

// TypedPropertyValue (2.11.3): PropertyType, then the value. The result's tag
// is (prop_id, wire type).
PropValue read_typed_value(ByteReader& r, uint16_t prop_id = 0, const CodecOptions& o = {});
void write_typed_value(ByteWriter& w, const PropValue& v, const CodecOptions& o = {});

// TaggedPropertyValue (2.11.4): PropertyTag, then the value.
PropValue read_tagged_value(ByteReader& r, const CodecOptions& o = {});
void write_tagged_value(ByteWriter& w, const PropValue& v, const CodecOptions& o = {});

// FlaggedPropertyValue (2.11.5) for a column, or FlaggedPropertyValueWithType
// (2.11.6) when the column is PT_UNSPECIFIED. Flag 0x0: the value (tag =
// column id + value type); 0x1: no value, returned as PropValue::null(column);
// 0xA: an error code, returned as PropValue::error(column, ec).
PropValue read_flagged_value(ByteReader& r, PropTag column, const CodecOptions& o = {});
void write_flagged_value(ByteWriter& w, PropTag column, const PropValue& v, const CodecOptions& o = {});

// ---------------------------------------------------------------- rows
// PropertyRow (2.8.1) for the given columns: StandardPropertyRow (Flag 0x00,
// PropertyValue or TypedPropertyValue for PT_UNSPECIFIED columns) or
// FlaggedPropertyRow (Flag 0x01). The result has one PropValue per column.
PropList read_property_row(ByteReader& r, const std::vector<PropTag>& columns, const CodecOptions& o = {});
// Writes a StandardPropertyRow when every value is present and no column is
// PT_UNSPECIFIED, a FlaggedPropertyRow otherwise (2.8.1.2). A value must
// hold the alternative of its column's type (a PT_UNSPECIFIED column takes
// the type of the value's tag); PT_STRING8 and PT_UNICODE values are
// interchangeable, the column decides the encoding.
void write_property_row(ByteWriter& w, const std::vector<PropTag>& columns, const PropList& row,
                        const CodecOptions& o = {});

// ---------------------------------------------------------------- arrays
// PropertyTagArray (2.10): u16 count + tags.
std::vector<PropTag> read_tag_array(ByteReader& r);
void write_tag_array(ByteWriter& w, const std::vector<PropTag>& tags);
// `count` tags whose count was read elsewhere (ROPs with a separate field).
std::vector<PropTag> read_tags(ByteReader& r, size_t count);

// u16 count + TaggedPropertyValues (RopSetProperties, RopGetPropertiesAll ...).
PropList read_tagged_values(ByteReader& r, const CodecOptions& o = {});
void write_tagged_values(ByteWriter& w, const PropList& values, const CodecOptions& o = {});

// PropertyProblem (2.7) and PropertyProblemArray (u16 count + problems).
struct PropertyProblem {
    uint16_t index = 0;  // position of the property in the request
    PropTag tag = 0;
    uint32_t error = 0;
    bool operator==(const PropertyProblem&) const = default;
};
std::vector<PropertyProblem> read_problem_array(ByteReader& r);
void write_problem_array(ByteWriter& w, const std::vector<PropertyProblem>& problems);

// TypedString (2.11.7). nullopt = StringType 0x00 (no string). The writer
// picks 0x01 for "", 0x03 (reduced Unicode) when every character is below
// U+0100, 0x04 otherwise; it never emits 0x02.
std::optional<std::string> read_typed_string(ByteReader& r, const CodecOptions& o = {});
void write_typed_string(ByteWriter& w, const std::optional<std::string>& s);

// PropertyName (2.6.1) and u16-counted arrays of them (RopGetPropertyIdsFromNames).
PropertyName read_property_name(ByteReader& r);
void write_property_name(ByteWriter& w, const PropertyName& n);
std::vector<PropertyName> read_property_names(ByteReader& r);
void write_property_names(ByteWriter& w, const std::vector<PropertyName>& names);

// ---------------------------------------------------------------- restrictions (restriction.cpp)
// Restriction (2.12). Nesting deeper than o.max_depth throws. Structural
// rules: Not/SubRestriction/Count have exactly one child, Comment at most
// one, Content/Property carry a value, comment values are single-valued.
Restriction read_restriction(ByteReader& r, const CodecOptions& o = {});
void write_restriction(ByteWriter& w, const Restriction& res, const CodecOptions& o = {});
// A whole RestrictionData field: nothing may follow the restriction.
Restriction parse_restriction(ByteView data, const CodecOptions& o = {});
Bytes encode_restriction(const Restriction& res, const CodecOptions& o = {});

// SortOrderSet (2.13.2). Enforces CategorizedCount <= SortOrderCount,
// ExpandedCount <= CategorizedCount, Order in {0, 1, 4}, MultivalueFlag set
// exactly when MultivalueInstance is, and at most one multivalue column.
SortOrderSet read_sort_order_set(ByteReader& r);
void write_sort_order_set(ByteWriter& w, const SortOrderSet& s);

}  // namespace mg::mapi
