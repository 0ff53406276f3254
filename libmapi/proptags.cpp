// Names of the property tags of proptags.h, for logs.
#include "libmapi/proptags.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <string_view>

namespace mg::mapi {

namespace {

struct TagName {
    PropTag tag;
    const char* name;
};

#define MG_PROPTAG_ENTRY(name, tag) TagName{tag, #name},
constexpr TagName kListed[] = {MG_PROPTAGS(MG_PROPTAG_ENTRY)};
#undef MG_PROPTAG_ENTRY

// kListed sorted by tag, for binary search.
constexpr auto kNames = [] {
    std::array<TagName, std::size(kListed)> table{};
    std::copy(std::begin(kListed), std::end(kListed), table.begin());
    std::sort(table.begin(), table.end(), [](const TagName& a, const TagName& b) { return a.tag < b.tag; });
    return table;
}();

constexpr bool unique_tags() {
    for (size_t i = 1; i < kNames.size(); ++i)
        if (kNames[i - 1].tag == kNames[i].tag) return false;
    return true;
}
static_assert(unique_tags(), "MG_PROPTAGS lists a tag twice");

}  // namespace

const char* tag_name(PropTag tag) {
    auto it = std::lower_bound(kNames.begin(), kNames.end(), tag,
                               [](const TagName& e, PropTag t) { return e.tag < t; });
    if (it != kNames.end() && it->tag == tag) return it->name;
    // Same property id, another type (PT_ERROR in a row, PT_STRING8 ...).
    for (const auto& e : kNames)
        if (prop_id(e.tag) == prop_id(tag)) return e.name;
    return "unknown";
}

std::string tag_str(PropTag tag) {
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08X", unsigned(tag));
    const char* name = tag_name(tag);
    if (std::string_view(name) == "unknown") return hex;
    return std::string(name) + " (" + hex + ")";
}

}  // namespace mg::mapi
