// The generic end of a table query (provider.h): what a provider could not
// push down — a restriction (mapi::evaluate) or a sort
// (mapi::compare_rows) — is finished here on streamed rows.
//
// Memory: a restriction without sort streams the provider's rows in chunks
// and keeps one checkpoint per 256 matches; an unsupported sort keeps only
// (id, sort key values) of the matching rows and loads whole rows page by
// page through the RowLoader.
#pragma once

#include "mapistore/provider.h"

#include <functional>
#include <memory>
#include <span>

namespace mg::store {

// Opens the provider's cursor for a query.
using CursorFactory = std::function<std::unique_ptr<Cursor>(const TableQuery&)>;
// Loads the rows of the given ids with the given columns, in the ids' order.
using RowLoader = std::function<std::vector<Row>(std::span<const Id>, const std::vector<PropTag>&)>;

// Runs `q` through the provider and finishes it. The returned cursor reports
// full pushdown and returns rows with exactly q.columns.
std::unique_ptr<Cursor> run_query(const TableQuery& q, const CursorFactory& open, RowLoader load);

// Every tag a restriction reads (Property, Content, Exist, ..., CompareProps'
// two tags), sub-object restrictions excluded.
void restriction_tags(const mapi::Restriction& r, std::vector<PropTag>& out);

}  // namespace mg::store
