// Restriction and sort pushdown for the fallback provider: translates what
// SQL answers exactly as mapi::evaluate / mapi::compare_values do, and
// reports the rest as not translatable (nullopt).
//
// Pushed down: And, Or, Not, Comment, Exist; Property with RELOP_LT..NE on
// single-valued numbers, booleans, times, strings (case-folded), GUIDs and
// binaries; Content on strings (exact or FL_IGNORECASE; FULLSTRING,
// SUBSTRING, PREFIX) and binaries; Bitmask on integers. The stored type must
// equal the restriction's tag type (PT_STRING8 and PT_UNICODE are one
// type), as the property getter of the generic layer requires. Computed
// properties (PidTagMid, ...) are never pushed down.
#pragma once

#include "mapistore/db.h"
#include "mapistore/provider.h"

#include <optional>
#include <string>

namespace mg::store::fallback {

struct SqlFragment {
    std::string sql;
    Params params;
};

// True for the tags the fallback computes instead of storing.
bool is_computed(PropTag tag);
const std::vector<PropTag>& computed_message_columns();

// A condition on the message row aliased `m` (columns mailbox_id, mid).
std::optional<SqlFragment> translate_restriction(const mapi::Restriction& r);

// The stored-type condition on fallback_props alias `alias` for a tag.
std::string type_condition(const std::string& alias, PropTag tag, Params& params);

}  // namespace mg::store::fallback
