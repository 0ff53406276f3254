#include "mapiproxy/servers/oxctabl.h"

#include "libmapi/propcodec.h"
#include "libmapi/rops.h"

#include <algorithm>

namespace mg::emsmdb {

namespace ec = mapi::ec;

TableObject::TableObject(Kind kind, Source source, bool associated) : kind_(kind), source_(std::move(source)) {
    query_.associated = associated;
}

void TableObject::drop_cursor() {
    cursor_.reset();
    carry_.clear();
}

store::Cursor& TableObject::cursor() {
    if (!cursor_) {
        if (query_.columns.empty()) throw RopError(ec::NullObject, "table used before RopSetColumns");
        cursor_ = source_(query_);
        if (!cursor_) throw RopError(ec::NotSupported, "table source returned no cursor");
    }
    return *cursor_;
}

void TableObject::set_columns(std::vector<mapi::PropTag> columns) {
    if (columns.empty()) throw RopError(ec::InvalidParam, "RopSetColumns with no columns");
    for (auto t : columns) {
        uint16_t type = mapi::prop_type(t) & ~uint16_t(mapi::PT_MV_INSTANCE);
        if (type != mapi::PT_UNSPECIFIED && !mapi::is_known_type(type))
            throw RopError(ec::InvalidParam, "RopSetColumns: unknown property type");
    }
    query_.columns = std::move(columns);
    drop_cursor();  // columns change what a row is; position is kept (MS-OXCTABL 3.2.5.2)
}

void TableObject::sort(mapi::SortOrderSet s) {
    query_.sort = std::move(s);
    drop_cursor();
    position_ = 0;  // MS-OXCTABL 3.2.5.3: the cursor moves to the beginning
    bookmarks_.clear();
}

void TableObject::restrict(std::optional<mapi::Restriction> r) {
    query_.restriction = std::move(r);
    drop_cursor();
    position_ = 0;  // MS-OXCTABL 3.2.5.4
    bookmarks_.clear();
}

void TableObject::reset() {
    query_.columns.clear();
    query_.sort = {};
    query_.restriction.reset();
    drop_cursor();
    position_ = 0;
    bookmarks_.clear();
}

uint32_t TableObject::row_count() {
    if (query_.columns.empty()) {
        // Counting does not need columns: use a minimal one.
        store::TableQuery q = query_;
        q.columns = {mapi::make_tag(0x0FFF, mapi::PT_BINARY)};  // PidTagEntryId
        auto c = source_(q);
        return c ? c->count() : 0;
    }
    return cursor().count();
}

TableObject::QueryResult TableObject::query_rows(uint16_t count, bool forward, bool no_advance,
                                                 const std::function<bool(const store::Row&)>& fits) {
    store::Cursor& c = cursor();
    uint32_t total = c.count();
    position_ = std::min(position_, total);
    QueryResult res;
    uint32_t pos = position_;
    if (forward) {
        // Fetch in pages so memory is bounded by what the response can hold.
        // Pages grow while whole pages fit, so a response that fills up early
        // wastes at most one small page of fetched rows.
        // Rows fetched by the previous call that did not fit its response
        // (the carry) start this one when it continues where that one ended.
        uint32_t page_size = 128;
        std::vector<store::Row> carry = std::move(carry_);
        carry_.clear();
        if (carry_pos_ != pos || no_advance) carry.clear();
        while (res.rows.size() < count && pos < total) {
            std::vector<store::Row> page;
            if (!carry.empty()) {
                page = std::move(carry);
                carry.clear();
            } else {
                uint32_t want = std::min<uint32_t>(count - uint32_t(res.rows.size()), page_size);
                page_size = std::min<uint32_t>(page_size * 2, 512);
                page = c.fetch(pos, want);
            }
            if (page.empty()) break;
            size_t i = 0;
            for (; i < page.size() && res.rows.size() < count; ++i) {
                if (!fits(page[i])) {
                    if (res.rows.empty()) {  // not even one row: nothing moved yet
                        carry_ = std::move(page);
                        carry_pos_ = pos;
                        throw BufferFull{};
                    }
                    break;
                }
                res.rows.push_back(std::move(page[i]));
                ++pos;
            }
            if (i < page.size()) {  // full, or the count reached inside this page
                carry_.assign(std::make_move_iterator(page.begin() + ptrdiff_t(i)), std::make_move_iterator(page.end()));
                carry_pos_ = pos;
                break;
            }
        }
    } else {
        // Backward: rows before the cursor, returned in reverse order
        // (MS-OXCTABL 3.2.5.5).
        uint32_t page_size = 128;
        while (res.rows.size() < count && pos > 0) {
            uint32_t want = std::min<uint32_t>({uint32_t(count - res.rows.size()), pos, page_size});
            page_size = std::min<uint32_t>(page_size * 2, 512);
            auto page = c.fetch(pos - want, want);
            if (page.empty()) break;
            bool full = false;
            for (auto it = page.rbegin(); it != page.rend(); ++it) {
                if (!fits(*it)) {
                    if (res.rows.empty()) throw BufferFull{};
                    full = true;
                    break;
                }
                res.rows.push_back(std::move(*it));
                --pos;
                if (res.rows.size() == count) break;
            }
            if (full) break;
        }
    }
    if (!no_advance) position_ = pos;
    res.origin = pos == 0 ? BOOKMARK_BEGINNING : pos >= total ? BOOKMARK_END : BOOKMARK_CURRENT;
    res.more = !res.rows.empty() && (forward ? pos < total : pos > 0);
    return res;
}

uint32_t TableObject::resolve_origin(uint8_t origin, const Bytes& bookmark, bool* gone) {
    uint32_t total = cursor().count();
    switch (origin) {
    case BOOKMARK_BEGINNING: return 0;
    case BOOKMARK_CURRENT: return std::min(position_, total);
    case BOOKMARK_END: return total;
    case BOOKMARK_CUSTOM: {
        if (bookmark.size() != 4) throw RopError(ec::InvalidBookmark, "malformed bookmark");
        uint32_t id = uint32_t(bookmark[0]) | (uint32_t(bookmark[1]) << 8) | (uint32_t(bookmark[2]) << 16) |
                      (uint32_t(bookmark[3]) << 24);
        auto it = bookmarks_.find(id);
        if (it == bookmarks_.end()) throw RopError(ec::InvalidBookmark, "unknown bookmark");
        auto p = cursor().position_of(it->second.row_id);
        if (p) return *p;
        if (gone) *gone = true;
        return std::min(it->second.position, total);
    }
    default:
        throw RopError(ec::InvalidParam, "invalid origin");
    }
}

TableObject::Seek TableObject::seek_row(uint8_t origin, int32_t count) {
    if (origin > BOOKMARK_END) throw RopError(ec::InvalidParam, "invalid origin for RopSeekRow");
    uint32_t start = resolve_origin(origin, {}, nullptr);
    uint32_t total = cursor().count();
    int64_t target = int64_t(start) + count;
    Seek s;
    if (target < 0) { s.sought_less = true; target = 0; }
    if (target > int64_t(total)) { s.sought_less = true; target = total; }
    s.moved = int32_t(target - int64_t(start));
    position_ = uint32_t(target);
    return s;
}

TableObject::Seek TableObject::seek_row_bookmark(const Bytes& bookmark, int32_t count) {
    bool gone = false;
    uint32_t start = resolve_origin(BOOKMARK_CUSTOM, bookmark, &gone);
    position_ = start;
    Seek s = seek_row(BOOKMARK_CURRENT, count);
    s.row_gone = gone;
    return s;
}

void TableObject::seek_fractional(uint32_t numerator, uint32_t denominator) {
    if (denominator == 0) throw RopError(ec::InvalidParam, "RopSeekRowFractional with a zero denominator");
    uint32_t total = cursor().count();
    uint64_t p = numerator >= denominator ? total : uint64_t(total) * numerator / denominator;
    position_ = uint32_t(p);
}

std::pair<uint32_t, uint32_t> TableObject::query_position() {
    uint32_t total = cursor().count();
    return {std::min(position_, total), total};
}

Bytes TableObject::create_bookmark() {
    store::Cursor& c = cursor();
    uint32_t total = c.count();
    Mark m;
    m.position = std::min(position_, total);
    if (m.position < total) {
        auto rows = c.fetch(m.position, 1);
        if (!rows.empty()) m.row_id = rows.front().id;
    }
    if (bookmarks_.size() >= 4096) throw RopError(ec::TooBig, "too many bookmarks on this table");
    uint32_t id = next_bookmark_++;
    bookmarks_[id] = m;
    return Bytes{uint8_t(id), uint8_t(id >> 8), uint8_t(id >> 16), uint8_t(id >> 24)};
}

void TableObject::free_bookmark(const Bytes& bookmark) {
    if (bookmark.size() != 4) throw RopError(ec::InvalidBookmark, "malformed bookmark");
    uint32_t id = uint32_t(bookmark[0]) | (uint32_t(bookmark[1]) << 8) | (uint32_t(bookmark[2]) << 16) |
                  (uint32_t(bookmark[3]) << 24);
    if (!bookmarks_.erase(id)) throw RopError(ec::InvalidBookmark, "unknown bookmark");
}

TableObject::Found TableObject::find_row(const mapi::Restriction& r, uint8_t origin, const Bytes& bookmark,
                                         bool backward) {
    Found f;
    uint32_t pos = resolve_origin(origin, bookmark, &f.row_gone);
    store::Cursor& c = cursor();
    uint32_t total = c.count();
    // Evaluate page by page over the visible rows in table order.
    auto matches = [&](const store::Row& row) {
        return mapi::evaluate(r, [&](mapi::PropTag t) -> std::optional<mapi::PropValue> {
            for (const auto& v : row.values)
                if (mapi::prop_id(v.tag) == mapi::prop_id(t) && !v.is_error()) return v;
            return std::nullopt;
        });
    };
    const uint32_t page = 128;
    if (!backward) {
        for (uint32_t p = pos; p < total; p += page) {
            auto rows = c.fetch(p, page);
            for (size_t i = 0; i < rows.size(); ++i) {
                if (matches(rows[i])) {
                    position_ = p + uint32_t(i);
                    f.row = std::move(rows[i]);
                    return f;
                }
            }
            if (rows.size() < page) break;
        }
    } else {
        uint32_t end = std::min(pos, total);
        while (end > 0) {
            uint32_t start = end > page ? end - page : 0;
            auto rows = c.fetch(start, end - start);
            for (size_t i = rows.size(); i-- > 0;) {
                if (matches(rows[i])) {
                    position_ = start + uint32_t(i);
                    f.row = std::move(rows[i]);
                    return f;
                }
            }
            end = start;
        }
    }
    return f;  // not found: cursor unchanged, no row (the ROP answers ecNotFound)
}

std::vector<mapi::PropTag> TableObject::all_columns() {
    // MS-OXCTABL 2.2.2.11: every column of the table, whatever SetColumns
    // chose; providers that cannot tell leave the current columns.
    store::TableQuery q = query_;
    if (q.columns.empty()) q.columns = {mapi::make_tag(0x0FFF, mapi::PT_BINARY)};
    auto c = source_(q);
    auto cols = c ? c->all_columns() : std::vector<mapi::PropTag>{};
    return cols.empty() ? query_.columns : cols;
}


// ---------------------------------------------------------------------------
// ROP handlers (MS-OXCTABL 2.2.2)

namespace {

mapi::CodecOptions row_codec(RopContext& ctx) {
    mapi::CodecOptions o;
    o.codepage = ctx.session().info().codepage;
    o.string8_replace = true;
    return o;
}

// The value list of a row, aligned with the table's columns.
const mapi::PropList& row_values(const store::Row& r) { return r.values; }

uint32_t set_columns(RopContext& ctx, const rop::RopSetColumns::Request& rq, rop::TableStatusBody& rs) {
    ctx.input<TableObject>(rq.in_index)->set_columns(rq.tags);
    rs.table_status = TBLSTAT_COMPLETE;
    return ec::Success;
}

uint32_t sort_table(RopContext& ctx, const rop::RopSortTable::Request& rq, rop::TableStatusBody& rs) {
    auto t = ctx.input<TableObject>(rq.in_index);
    if (rq.sort.categories > 0) return ec::NotSupported;  // categorized views come later
    t->sort(rq.sort);
    rs.table_status = TBLSTAT_COMPLETE;
    return ec::Success;
}

uint32_t restrict_table(RopContext& ctx, const rop::RopRestrict::Request& rq, rop::TableStatusBody& rs) {
    ctx.input<TableObject>(rq.in_index)->restrict(rq.restriction);
    rs.table_status = TBLSTAT_COMPLETE;
    return ec::Success;
}

// QueryRowsFlags (MS-OXCTABL 2.2.2.5.1): 0x01 NoAdvance, 0x02 EnablePackedBuffers.
uint32_t query_rows(RopContext& ctx, const rop::RopQueryRows::Request& rq, rop::RopQueryRows::Response& rs) {
    auto t = ctx.input<TableObject>(rq.in_index);
    if (rq.row_count == 0) return ec::InvalidParam;
    auto o = row_codec(ctx);
    const auto& cols = t->columns();
    ByteWriter w;
    size_t budget = ctx.budget() > 8 ? ctx.budget() - 8 : 0;
    // Each row is encoded once: straight into the response when it fits.
    auto fits = [&](const store::Row& row) {
        ByteWriter one;
        mapi::write_property_row(one, cols, row_values(row), o);
        if (w.size() + one.size() > budget) return false;
        w.raw(one.bytes());
        return true;
    };
    auto res = t->query_rows(rq.row_count, rq.forward_read, rq.query_rows_flags & rop::RopQueryRows::kNoAdvance, fits);
    rs.origin = res.origin;
    rs.row_count = uint16_t(res.rows.size());
    if (res.more && !(rq.query_rows_flags & rop::RopQueryRows::kNoAdvance)) ctx.more_output();
    rs.rows = w.take();
    return ec::Success;
}

uint32_t table_status(RopContext& ctx, const rop::InputOnly& rq, rop::TableStatusBody& rs) {
    ctx.input<TableObject>(rq.in_index);
    rs.table_status = TBLSTAT_COMPLETE;  // every operation completes synchronously
    return ec::Success;
}

uint32_t query_position(RopContext& ctx, const rop::InputOnly& rq, rop::RopQueryPosition::Response& rs) {
    auto [num, den] = ctx.input<TableObject>(rq.in_index)->query_position();
    rs.numerator = num;
    rs.denominator = den;
    return ec::Success;
}

uint32_t seek_row(RopContext& ctx, const rop::RopSeekRow::Request& rq, rop::RopSeekRow::Response& rs) {
    auto s = ctx.input<TableObject>(rq.in_index)->seek_row(rq.origin, rq.row_count);
    rs.has_sought_less = s.sought_less;
    rs.rows_sought = rq.want_row_moved_count ? s.moved : 0;
    return ec::Success;
}

uint32_t seek_row_bookmark(RopContext& ctx, const rop::RopSeekRowBookmark::Request& rq,
                           rop::RopSeekRowBookmark::Response& rs) {
    auto s = ctx.input<TableObject>(rq.in_index)->seek_row_bookmark(rq.bookmark, rq.row_count);
    rs.row_no_longer_visible = s.row_gone;
    rs.has_sought_less = s.sought_less;
    rs.rows_sought = rq.want_row_moved_count ? s.moved : 0;
    return ec::Success;
}

uint32_t seek_row_fractional(RopContext& ctx, const rop::RopSeekRowFractional::Request& rq, rop::EmptyBody&) {
    ctx.input<TableObject>(rq.in_index)->seek_fractional(rq.numerator, rq.denominator);
    return ec::Success;
}

uint32_t create_bookmark(RopContext& ctx, const rop::InputOnly& rq, rop::BookmarkBody& rs) {
    rs.bookmark = ctx.input<TableObject>(rq.in_index)->create_bookmark();
    return ec::Success;
}

uint32_t free_bookmark(RopContext& ctx, const rop::RopFreeBookmark::Request& rq, rop::EmptyBody&) {
    ctx.input<TableObject>(rq.in_index)->free_bookmark(rq.bookmark);
    return ec::Success;
}

uint32_t query_columns_all(RopContext& ctx, const rop::InputOnly& rq, rop::TagsBody& rs) {
    rs.tags = ctx.input<TableObject>(rq.in_index)->all_columns();
    return ec::Success;
}

uint32_t reset_table(RopContext& ctx, const rop::InputOnly& rq, rop::EmptyBody&) {
    ctx.input<TableObject>(rq.in_index)->reset();
    return ec::Success;
}

// FindRowFlags (MS-OXCTABL 2.2.2.14.1): 0x01 Backward.
uint32_t find_row(RopContext& ctx, const rop::RopFindRow::Request& rq, rop::RopFindRow::Response& rs) {
    auto t = ctx.input<TableObject>(rq.in_index);
    if (!rq.restriction) return ec::InvalidParam;
    auto found = t->find_row(*rq.restriction, rq.origin, rq.bookmark, rq.find_row_flags & 0x01);
    rs.row_no_longer_visible = found.row_gone;
    if (!found.row) return ec::NotFound;
    ByteWriter w;
    mapi::write_property_row(w, t->columns(), row_values(*found.row), row_codec(ctx));
    rs.row = w.take();
    return ec::Success;
}

}  // namespace

void register_table_rops(RopTable& t) {
    add_rop<rop::RopSetColumns>(t, set_columns);
    add_rop<rop::RopSortTable>(t, sort_table);
    add_rop<rop::RopRestrict>(t, restrict_table);
    add_rop<rop::RopQueryRows>(t, query_rows);
    add_rop<rop::RopAbort>(t, table_status);
    add_rop<rop::RopGetStatus>(t, table_status);
    add_rop<rop::RopQueryPosition>(t, query_position);
    add_rop<rop::RopSeekRow>(t, seek_row);
    add_rop<rop::RopSeekRowBookmark>(t, seek_row_bookmark);
    add_rop<rop::RopSeekRowFractional>(t, seek_row_fractional);
    add_rop<rop::RopCreateBookmark>(t, create_bookmark);
    add_rop<rop::RopQueryColumnsAll>(t, query_columns_all);
    add_rop<rop::RopFindRow>(t, find_row);
    add_rop<rop::RopFreeBookmark>(t, free_bookmark);
    add_rop<rop::RopResetTable>(t, reset_table);
    // Categorized views (MS-OXCTABL 2.2.2.17-2.2.2.20) come later.
    add_unsupported_rop<rop::RopExpandRow>(t);
    add_unsupported_rop<rop::RopCollapseRow>(t);
    add_unsupported_rop<rop::RopGetCollapseState>(t);
    add_unsupported_rop<rop::RopSetCollapseState>(t);
}

}  // namespace mg::emsmdb
