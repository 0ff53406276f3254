// Versioned schema migrations: mapistore/schema/NNN_name.sql, embedded at
// build time (mapistore/Makefile.inc generates schema_sql.cpp) and applied in
// order, each once, recorded in schema_migrations(version, name, applied_at)
// — the same table, lock name and file-name convention as
// openchange_provision --openchangedb (provision/mapigate_provision/
// openchangedb.py), so either may run first.
#pragma once

#include "mapistore/db.h"

#include <string>
#include <string_view>
#include <vector>

namespace mg::store {

struct Migration {
    int version;
    const char* name;  // file name, e.g. "001_openchangedb.sql" (recorded as is)
    const char* sql;
};

// The migrations built into this binary, in version order (generated).
const std::vector<Migration>& builtin_migrations();

class Migrations {
public:
    // Applies the pending migrations under the named lock
    // "mapigate_schema_migrations". Returns how many were applied. Throws
    // DbError naming the migration and statement that failed.
    static int apply(Database& db);
    static int apply(Database& db, const std::vector<Migration>& migrations);
    // Versions recorded in schema_migrations (empty when the table is missing).
    static std::vector<int> applied(Database& db);
    // Splits a migration into statements: each ends with ';' at the end of a
    // line; lines starting with "--" or "#" are comments.
    static std::vector<std::string> split(std::string_view sql);
};

}  // namespace mg::store
