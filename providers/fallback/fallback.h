// The fallback provider: any folder, any message (normal and FAI), any
// property of any type, all in MariaDB (fallback_messages, fallback_props).
// It holds what IMAP and iCalendar cannot: FAI/associated messages, views,
// system folders, notes, journal, and MAPI-only properties.
//
// Contents tables push down what SQL can answer exactly as mapi::evaluate and
// mapi::compare_values would (see sql.h); the rest is reported in Pushdown and
// finished by mapistore/tables.h. Pages are read with LIMIT/OFFSET: a table
// never loads more rows than the page asked.
//
// Recipients and attachments: messages carry properties only for now; the
// message-content issue adds them as further ObjKind values of fallback_props
// (see propstore.h) behind Message's extension methods.
#pragma once

#include "mapistore/db.h"
#include "mapistore/openchangedb.h"
#include "mapistore/provider.h"
#include "providers/fallback/propstore.h"

#include <memory>
#include <string>

namespace mg::store::fallback {

class FallbackProvider : public Provider {
public:
    // `db` is the session's connection; `ids` allocates change numbers.
    FallbackProvider(Database& db, IdAllocator& ids, MailboxContext ctx);

    std::string name() const override { return "fallback"; }
    std::string create_folder(const ObjectRef& parent, Id fid, FolderRole role, const std::string& name,
                              const PropList& props) override;
    void delete_folder(const ObjectRef& folder) override;
    std::string move_folder(const ObjectRef& folder, const ObjectRef& new_parent,
                            const std::string& new_name) override;
    std::unique_ptr<Folder> open_folder(const ObjectRef& folder) override;

    // Rows every cursor of this provider has fetched from the database (tests:
    // a page of n rows costs n rows, not the folder).
    uint64_t rows_fetched() const { return *rows_fetched_; }

    const MailboxContext& context() const { return ctx_; }

private:
    Database& db_;
    IdAllocator& ids_;
    MailboxContext ctx_;
    std::shared_ptr<uint64_t> rows_fetched_ = std::make_shared<uint64_t>(0);
};

}  // namespace mg::store::fallback
