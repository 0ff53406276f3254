// Shared helpers of the store integration tests.
#pragma once

#include "common/config.h"
#include "mapistore/db.h"
#include "mapistore/migrations.h"

#include <cstdlib>
#include <memory>
#include <string>

namespace mg::store::test {

inline DbUri test_uri() { return DbUri::parse(std::getenv("MAPIGATE_TEST_DB")); }

inline std::unique_ptr<Database> connect() { return std::make_unique<Database>(test_uri()); }

inline void check_database_reachable() {
    Database db(test_uri());
    db.query("SELECT 1");
}

// Drops every table of the scratch database.
inline void wipe(Database& db) {
    db.exec_text("SET FOREIGN_KEY_CHECKS = 0");
    for (auto& r : db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"))
        db.exec_text("DROP TABLE IF EXISTS `" + r.str(0) + "`");
    db.exec_text("SET FOREIGN_KEY_CHECKS = 1");
}

// A wiped database with the schema applied.
inline std::unique_ptr<Database> fresh_database() {
    auto db = connect();
    wipe(*db);
    Migrations::apply(*db);
    return db;
}

}  // namespace mg::store::test
