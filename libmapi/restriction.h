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
                       RELOP_RE = 6 /* regular expression, PR_ANR only */ };
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
};

struct SortOrderSet {
    std::vector<SortOrder> sorts;
    uint16_t categories = 0;
    uint16_t expanded = 0;
};

}  // namespace mg::mapi
