// Table objects (MS-OXCTABL): hierarchy, contents, receive-folder and other
// tables. The state machine (columns, sort, restriction, cursor position,
// bookmarks) is generic; rows come from a store::Cursor that the provider
// answers page by page (restriction and sort pushed down where it can).
#pragma once

#include "libmapi/property.h"
#include "libmapi/restriction.h"
#include "mapiproxy/servers/rop_engine.h"
#include "mapistore/provider.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace mg::emsmdb {

// MS-OXCTABL 2.2.2.1.1 predefined bookmarks (also QueryRows' Origin).
enum : uint8_t { BOOKMARK_BEGINNING = 0, BOOKMARK_CURRENT = 1, BOOKMARK_END = 2, BOOKMARK_CUSTOM = 3 };
// 2.2.2.1.3 TableStatus
enum : uint8_t { TBLSTAT_COMPLETE = 0x00 };

class TableObject : public ServerObject {
public:
    using Source = std::function<std::unique_ptr<store::Cursor>(const store::TableQuery&)>;
    enum class Kind { Hierarchy, Contents, Other };

    TableObject(Kind kind, Source source, bool associated = false);
    const char* kind() const override { return "table"; }
    Kind table_kind() const { return kind_; }

    // ---- query definition (each invalidates the cursor; position to start)
    void set_columns(std::vector<mapi::PropTag> columns);
    const std::vector<mapi::PropTag>& columns() const { return query_.columns; }
    void sort(mapi::SortOrderSet sort);
    void restrict(std::optional<mapi::Restriction> r);
    void reset();  // RopResetTable: columns, sort, restriction and bookmarks gone

    // ---- reading
    uint32_t row_count();
    struct QueryResult {
        uint8_t origin = BOOKMARK_BEGINNING;
        std::vector<store::Row> rows;
        bool more = false;  // rows were read and more lie in the read direction
    };
    // Reads up to `count` rows forward or backward from the cursor; `fits`
    // is called for every row read and says whether it still fits the
    // response; when not even the first row fits, BufferFull is thrown
    // before the cursor moves (the engine answers RopBufferTooSmall).
    // Advances the cursor unless no_advance.
    QueryResult query_rows(uint16_t count, bool forward, bool no_advance,
                           const std::function<bool(const store::Row&)>& fits);
    // RopSeekRow: moves by `count` rows from origin; returns rows actually
    // moved and whether fewer than asked were possible.
    struct Seek {
        int32_t moved = 0;
        bool sought_less = false;
        bool row_gone = false;  // SeekRowBookmark: the bookmarked row no longer exists
    };
    Seek seek_row(uint8_t origin, int32_t count);
    Seek seek_row_bookmark(const Bytes& bookmark, int32_t count);
    void seek_fractional(uint32_t numerator, uint32_t denominator);
    std::pair<uint32_t, uint32_t> query_position();  // numerator (position), denominator (count)
    Bytes create_bookmark();
    void free_bookmark(const Bytes& bookmark);
    // RopFindRow: the first row at/after (or before, backward) origin that
    // matches; moves the cursor there.
    struct Found {
        bool row_gone = false;
        std::optional<store::Row> row;
    };
    Found find_row(const mapi::Restriction& r, uint8_t origin, const Bytes& bookmark, bool backward);
    // RopQueryColumnsAll: every column the rows can have.
    std::vector<mapi::PropTag> all_columns();

private:
    store::Cursor& cursor();
    void drop_cursor();  // the query changed: a new cursor, no carried rows
    uint32_t resolve_origin(uint8_t origin, const Bytes& bookmark, bool* gone);

    Kind kind_;
    Source source_;
    store::TableQuery query_;
    std::unique_ptr<store::Cursor> cursor_;
    uint32_t position_ = 0;
    // Rows read for a forward QueryRows that did not fit its response, from
    // position carry_pos_ (at most one page of the cursor).
    std::vector<store::Row> carry_;
    uint32_t carry_pos_ = 0;
    struct Mark {
        store::Id row_id = 0;
        uint32_t position = 0;
    };
    std::map<uint32_t, Mark> bookmarks_;
    uint32_t next_bookmark_ = 1;
};

// Registers the MS-OXCTABL ROPs (SetColumns ... ResetTable) in `table`.
void register_table_rops(RopTable& table);

}  // namespace mg::emsmdb
