// Restrictions (MS-OXCDATA 2.12) and sort orders (2.13.1): types, wire
// codec and evaluation against a property accessor.
#pragma once

#include "libmapi/property.h"

#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace mg::mapi {

enum RelOp : uint8_t { RELOP_LT = 0, RELOP_LE = 1, RELOP_GT = 2, RELOP_GE = 3, RELOP_EQ = 4, RELOP_NE = 5,
                       RELOP_RE = 6 /* regular expression, PR_ANR only */,
                       RELOP_MEMBER_OF_DL = 0x64 /* PropertyRestriction only (2.12.5.1) */ };
// FuzzyLevelLow (MS-OXCDATA 2.12.4.1)
enum FuzzyLow : uint16_t { FL_FULLSTRING = 0, FL_SUBSTRING = 1, FL_PREFIX = 2 };
// FuzzyLevelHigh
enum FuzzyHigh : uint16_t { FL_IGNORECASE = 0x0001, FL_IGNORENONSPACE = 0x0002, FL_LOOSE = 0x0004 };
enum BitmapOp : uint8_t { BMR_EQZ = 0, BMR_NEZ = 1 };

struct Restriction {
    // RestrictType values on the wire.
    enum Type : uint8_t {
        And = 0x00, Or = 0x01, Not = 0x02, Content = 0x03, Property = 0x04, CompareProps = 0x05,
        Bitmask = 0x06, Size = 0x07, Exist = 0x08, SubRestriction = 0x09, Comment = 0x0A, Count = 0x0B,
    };
    Type type = And;
    std::vector<Restriction> children;  // And/Or: all; Not/SubRestriction/Count/Comment: at most one
    RelOp relop = RELOP_EQ;             // Property, CompareProps, Size
    uint32_t fuzzy = 0;                 // Content: FuzzyLevelLow | FuzzyLevelHigh << 16
    PropTag tag = 0;                    // Content, Property, Bitmask, Size, Exist; CompareProps: tag1;
                                        // SubRestriction: subobject (PR_MESSAGE_RECIPIENTS / ATTACHMENTS)
    PropTag tag2 = 0;                   // CompareProps
    std::optional<PropValue> value;     // Content, Property
    uint32_t mask = 0;                  // Bitmask
    BitmapOp bitmap_op = BMR_EQZ;       // Bitmask
    uint32_t size = 0;                  // Size
    uint32_t count = 0;                 // Count
    PropList comment_props;             // Comment (TaggedValues)

    bool operator==(const Restriction&) const;
};

struct SortOrder {
    PropTag tag = 0;
    enum Order : uint8_t { Ascending = 0, Descending = 1, MaxCategory = 4 } order = Ascending;
    bool operator==(const SortOrder&) const = default;
};

struct SortOrderSet {
    std::vector<SortOrder> sorts;
    uint16_t categories = 0;
    uint16_t expanded = 0;
    bool operator==(const SortOrderSet&) const = default;
};

// ---------------------------------------------------------------- evaluation
// The property accessor of the object/row under test. It is called with the
// tag the restriction names and returns the value, or nullopt (or a PT_ERROR
// / PT_NULL value) when the object has none. The value's own tag decides its
// type: a getter asked for PT_UNICODE may answer PT_STRING8, both are strings.
using PropGetter = std::function<std::optional<PropValue>(PropTag)>;

// SubObjectRestriction (2.12.10): `subobject` is PidTagMessageRecipients or
// PidTagMessageAttachments. Return true when at least one row of that table
// of the current message satisfies `r` (typically: evaluate(r, row_getter)
// for each row). Without a callback a SubObjectRestriction is false.
using SubObjectFn = std::function<bool(PropTag subobject, const Restriction& r)>;

// Evaluates a restriction against one object (MS-OXCDATA 2.12):
// - And/Or/Not as usual; an empty And is true, an empty Or false.
// - Property (2.12.5) and CompareProps (2.12.6): false when a value is missing
//   or the two values are not comparable (different kinds, NaN), whatever the
//   relop, RELOP_NE included. Numbers compare numerically across integer and
//   floating types; booleans, times, GUIDs and binaries with their own kind.
//   Strings compare case-insensitively, as Exchange does for RELOP
//   comparisons: simple case folding of Latin, Greek, Cyrillic, Armenian and
//   fullwidth Latin letters, then code point order (no locale collation).
//   RELOP_RE (PR_ANR in the address book) is a case-insensitive prefix
//   match; RELOP_MEMBER_OF_DL needs the directory and is false here (the
//   NSPI layer handles it).
// - Content (2.12.4): strings and binaries; FL_FULLSTRING/SUBSTRING/PREFIX;
//   FL_IGNORECASE folds case, FL_IGNORENONSPACE drops combining marks and
//   accents of precomposed Latin letters, FL_LOOSE means both.
// - Exist (2.12.9): a non-error value is present.
// - Bitmask (2.12.7): integer properties; (value & mask) == 0 for BMR_EQZ,
//   != 0 for BMR_NEZ; false when missing.
// - Size (2.12.8): the value's size in bytes as MS-OXCDATA 2.11.1 lays it
//   out without COUNT prefixes: fixed types their width (PtypBoolean 1),
//   PT_UNICODE 2 bytes per UTF-16 unit plus the 2-byte terminator,
//   PT_STRING8 the UTF-8 length plus 1 (exact for ASCII), binaries their
//   length.
// - Multivalued properties: a single-valued comparand is tested against
//   every value and the restriction holds if any value matches (2.12.8.1
//   states it for Size; applied here to Property, Content and Bitmask too,
//   as MAPI does). With PT_MV_INSTANCE columns the table expands one row per
//   value and the getter returns that row's single value, so the ordinary
//   single-value rules apply. Two multivalued operands compare as whole
//   arrays (lexicographically).
// - Comment (2.12.11): its child, or true when it has none.
// - Count (2.12.12): a limit on the number of matches, which only makes sense
//   across rows: here it is its child when count > 0 and false for 0; use
//   RestrictionEvaluator to enforce the limit over a sequence of rows.
// - SubRestriction: see SubObjectFn.
bool evaluate(const Restriction& res, const PropGetter& get, const SubObjectFn* sub = nullptr);

// Evaluates one restriction over successive rows, enforcing every
// CountRestriction: once a Count node has reported `count` matches it reports
// false for the following rows. `res` must outlive the evaluator.
class RestrictionEvaluator {
public:
    explicit RestrictionEvaluator(const Restriction& res, SubObjectFn sub = {});
    bool match(const PropGetter& get);
    void reset();  // forget the matches counted so far

private:
    const Restriction& res_;
    SubObjectFn sub_;
    std::vector<std::pair<const Restriction*, uint32_t>> counts_;
};

// A total order over property values for table sorting: missing values
// (PT_ERROR, PT_NULL) first, then by kind (boolean, number, time, string,
// GUID, binary, multivalued, restriction), then by value: numbers
// numerically (NaN last), strings case-insensitively with a binary
// tie-break, GUIDs and binaries bytewise (a prefix first), multivalued
// lexicographically; restrictions all compare equal. <0, 0, >0.
int compare_values(const PropValue& a, const PropValue& b);
// Same, with nullptr as a missing value.
int compare_values(const PropValue* a, const PropValue* b);
// Compares two rows by the sort keys of `sort` (2.13.1): Descending inverts
// a key, MaxCategory is ordered ascending here (category aggregation is the
// table's job). The getters receive the sort tags as given (PT_MV_INSTANCE
// included: the table answers with the row's single instance value).
int compare_rows(const SortOrderSet& sort, const PropGetter& a, const PropGetter& b);

// Case-folded UTF-8: the folding evaluate() and compare_values() use for
// case-insensitive string comparisons (backends that push comparisons down
// fold with it too, so both sides agree). Bytes that are not UTF-8 are kept.
std::string fold_text(std::string_view s);

}  // namespace mg::mapi
