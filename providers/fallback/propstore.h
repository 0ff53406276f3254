// Typed property storage of the fallback provider (table fallback_props):
// one row per (object, property id), the value in the column of its kind,
// plus a bytewise sort key so that ORDER BY can be pushed down.
#pragma once

#include "mapistore/db.h"
#include "mapistore/provider.h"

#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace mg::store::fallback {

// obj_kind values. Recipients (3) and attachments (4) are the extension
// point for the message-content issue: same table, their own obj ids.
enum class ObjKind : uint8_t { Folder = 1, Message = 2 };  // 3-5: providers/fallback/content.h

// A value as stored: which columns hold it.
struct StoredValue {
    uint16_t type = 0;
    std::optional<int64_t> v_int;
    std::optional<double> v_double;
    std::optional<std::string> v_text;
    std::optional<Bytes> v_fold;
    std::optional<Bytes> v_blob;
    std::optional<Bytes> sort_key;
};

// Encodes a value; throws StoreError(ecNotSupported) for types that cannot be
// stored (PT_UNSPECIFIED, PT_OBJECT, PT_ERROR).
StoredValue encode_value(const PropValue& v);
// Decodes a stored row back into a value with tag (prop_id, stored type).
PropValue decode_value(uint16_t prop_id, const StoredValue& s);
// A value as asked: the stored value converted to the type of `asked`
// (PT_UNSPECIFIED: as stored; PT_STRING8 <-> PT_UNICODE are the same value);
// an error value (ecNotFound) when the types do not match.
PropValue as_requested(PropTag asked, PropValue stored);

// The sort key image of a value (see the schema), nullopt for types that
// have no total order key here (multi-valued, restrictions).
std::optional<Bytes> sort_key_of(const PropValue& v);
// Case folding used for v_fold and string sort keys: simple case folding of
// Latin, Greek, Cyrillic, Armenian and fullwidth Latin, as mapi::evaluate /
// mapi::compare_values do (libmapi/restriction.h).
using mapi::fold_text;  // the folding of mapi::evaluate / compare_values

// Query parameters: `head` followed by every id (for "IN (...)" lists).
Params id_list(std::initializer_list<Param> head, std::span<const Id> ids);

class PropStore {
public:
    PropStore(Database& db, uint64_t mailbox_id, ObjKind kind) : db_(db), mailbox_(mailbox_id), kind_(kind) {}

    // Values for `tags` in order; missing -> PT_ERROR ecNotFound.
    PropList get(Id obj, std::span<const PropTag> tags);
    PropList get_all(Id obj);
    // Every stored property of many objects, in one query.
    std::map<Id, PropList> get_all_many(std::span<const Id> objs);
    std::vector<PropTag> tags(Id obj);
    // Many objects at once (table pages): obj -> values in `tags` order.
    std::map<Id, PropList> get_many(std::span<const Id> objs, std::span<const PropTag> tags);
    // Upserts; values that cannot be stored become problems.
    Problems set(Id obj, const PropList& values);
    // Upserts one value on each of many objects in multi-row statements;
    // throws StoreError for a value that cannot be stored.
    void set_many(std::span<const std::pair<Id, PropValue>> values);
    void remove(Id obj, std::span<const PropTag> tags);
    void remove_all(Id obj);
    void remove_all(std::span<const Id> objs);

private:
    Database& db_;
    uint64_t mailbox_;
    ObjKind kind_;
};

// Decodes one fallback_props row selected with kPropCols (after `offset`).
extern const char* const kPropCols;  // "prop_id, prop_type, v_int, v_double, v_text, v_blob"
PropValue decode_row(const DbRow& r, size_t offset);

}  // namespace mg::store::fallback
