#include "mapistore/tables.h"

#include <algorithm>

namespace mg::store {

using namespace mapi;

void restriction_tags(const Restriction& r, std::vector<PropTag>& out) {
    switch (r.type) {
    case Restriction::SubRestriction: return;  // evaluated on the sub-object's rows
    case Restriction::CompareProps: out.push_back(r.tag); out.push_back(r.tag2); break;
    case Restriction::Content: case Restriction::Property: case Restriction::Bitmask: case Restriction::Size:
    case Restriction::Exist: out.push_back(r.tag); break;
    default: break;
    }
    for (const auto& c : r.children) restriction_tags(c, out);
}

namespace {

// A getter over a row whose values follow `columns`.
PropGetter row_getter(const std::vector<PropTag>& columns, const Row& row) {
    return [&columns, &row](PropTag tag) -> std::optional<PropValue> {
        for (size_t i = 0; i < columns.size() && i < row.values.size(); ++i)
            if (columns[i] == tag) return row.values[i];
        for (size_t i = 0; i < columns.size() && i < row.values.size(); ++i)
            if (prop_id(columns[i]) == prop_id(tag)) return row.values[i];
        return std::nullopt;
    };
}

void project(std::vector<Row>& rows, size_t ncols) {
    for (auto& r : rows)
        if (r.values.size() > ncols) r.values.resize(ncols);
}

class ProjectCursor : public Cursor {
public:
    ProjectCursor(std::unique_ptr<Cursor> inner, size_t ncols) : inner_(std::move(inner)), ncols_(ncols) {}
    Pushdown pushdown() const override { return {true, true}; }
    uint32_t count() override { return inner_->count(); }
    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        auto rows = inner_->fetch(pos, n);
        project(rows, ncols_);
        return rows;
    }
    std::optional<uint32_t> position_of(Id id) override { return inner_->position_of(id); }
    std::vector<PropTag> all_columns() override { return inner_->all_columns(); }

private:
    std::unique_ptr<Cursor> inner_;
    size_t ncols_;
};

// Restriction not pushed down, order kept: streams, with sparse checkpoints.
class FilterCursor : public Cursor {
public:
    static constexpr uint32_t kEvery = 256, kChunk = 256;
    FilterCursor(std::unique_ptr<Cursor> inner, Restriction r, std::vector<PropTag> columns, size_t ncols)
        : inner_(std::move(inner)), r_(std::move(r)), columns_(std::move(columns)), ncols_(ncols) {
        checkpoints_.push_back(0);
    }
    Pushdown pushdown() const override { return {true, true}; }
    std::vector<PropTag> all_columns() override { return inner_->all_columns(); }

    uint32_t count() override {
        if (!total_) scan(UINT32_MAX, 0, nullptr);
        return *total_;
    }

    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        std::vector<Row> out;
        if (n) scan(pos, n, &out);
        project(out, ncols_);
        return out;
    }

    std::optional<uint32_t> position_of(Id id) override {
        uint32_t match = 0;
        for (uint32_t ipos = 0;; ipos += kChunk) {
            auto rows = inner_->fetch(ipos, kChunk);
            for (auto& row : rows) {
                if (!evaluate(r_, row_getter(columns_, row))) continue;
                if (row.id == id) return match;
                ++match;
            }
            if (rows.size() < kChunk) return std::nullopt;
        }
    }

private:
    // Collects matches [pos, pos + n) into out (when given), starting from the
    // nearest checkpoint; records checkpoints and the total at the end.
    void scan(uint32_t pos, uint32_t n, std::vector<Row>* out) {
        size_t cp = std::min<size_t>(pos / kEvery, checkpoints_.size() - 1);
        uint32_t match = uint32_t(cp) * kEvery;
        uint32_t ipos = checkpoints_[cp];
        for (;;) {
            auto rows = inner_->fetch(ipos, kChunk);
            for (size_t i = 0; i < rows.size(); ++i) {
                if (!evaluate(r_, row_getter(columns_, rows[i]))) continue;
                if (match % kEvery == 0 && match / kEvery == checkpoints_.size())
                    checkpoints_.push_back(ipos + uint32_t(i));
                if (out && match >= pos && match - pos < n) out->push_back(std::move(rows[i]));
                ++match;
                if (out && match >= pos + uint64_t(n)) return;
            }
            ipos += uint32_t(rows.size());
            if (rows.size() < kChunk) {
                total_ = match;
                return;
            }
        }
    }

    std::unique_ptr<Cursor> inner_;
    Restriction r_;
    std::vector<PropTag> columns_;
    size_t ncols_;
    std::vector<uint32_t> checkpoints_;  // inner position of match k * kEvery
    std::optional<uint32_t> total_;
};

// Sort not pushed down: ids + sort values of the matches, sorted in memory.
class SortCursor : public Cursor {
public:
    SortCursor(const TableQuery& q, const CursorFactory& open, RowLoader load)
        : q_(q), open_(open), load_(std::move(load)) {
        TableQuery keyq;
        keyq.associated = q.associated;
        keyq.restriction = q.restriction;
        for (const auto& s : q.sort.sorts) keyq.columns.push_back(s.tag);
        size_t nsort = keyq.columns.size();
        if (q.restriction) restriction_tags(*q.restriction, keyq.columns);
        auto cur = open(keyq);
        bool filter = q.restriction && !cur->pushdown().restriction;
        const uint32_t chunk = 512;
        for (uint32_t pos = 0;; pos += chunk) {
            auto rows = cur->fetch(pos, chunk);
            for (auto& row : rows) {
                if (filter && !evaluate(*q.restriction, row_getter(keyq.columns, row))) continue;
                row.values.resize(std::min(row.values.size(), nsort));
                keys_.push_back(std::move(row));
            }
            if (rows.size() < chunk) break;
        }
        std::vector<PropTag> sort_cols(keyq.columns.begin(), keyq.columns.begin() + long(nsort));
        std::stable_sort(keys_.begin(), keys_.end(), [&](const Row& a, const Row& b) {
            return compare_rows(q_.sort, row_getter(sort_cols, a), row_getter(sort_cols, b)) < 0;
        });
    }
    Pushdown pushdown() const override { return {true, true}; }
    std::vector<PropTag> all_columns() override {
        TableQuery q = q_;
        q.sort = {};
        q.restriction.reset();
        return open_(q)->all_columns();
    }
    uint32_t count() override { return uint32_t(keys_.size()); }
    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        if (pos >= keys_.size()) return {};
        std::vector<Id> ids;
        for (size_t i = pos; i < keys_.size() && i < size_t(pos) + n; ++i) ids.push_back(keys_[i].id);
        return load_(ids, q_.columns);
    }
    std::optional<uint32_t> position_of(Id id) override {
        for (size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i].id == id) return uint32_t(i);
        return std::nullopt;
    }

private:
    TableQuery q_;
    CursorFactory open_;
    RowLoader load_;
    std::vector<Row> keys_;
};

}  // namespace

std::unique_ptr<Cursor> run_query(const TableQuery& q, const CursorFactory& open, RowLoader load) {
    TableQuery q1 = q;
    if (q.restriction) restriction_tags(*q.restriction, q1.columns);
    for (const auto& s : q.sort.sorts) q1.columns.push_back(s.tag);
    auto cur = open(q1);
    Pushdown pd = cur->pushdown();
    bool sorted = pd.sort || q.sort.sorts.empty();
    bool filtered = pd.restriction || !q.restriction;
    if (sorted && filtered) return std::make_unique<ProjectCursor>(std::move(cur), q.columns.size());
    if (!sorted) return std::make_unique<SortCursor>(q, open, std::move(load));
    return std::make_unique<FilterCursor>(std::move(cur), *q.restriction, q1.columns, q.columns.size());
}

}  // namespace mg::store
