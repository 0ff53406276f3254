#include "mapistore/migrations.h"

#include "common/log.h"

#include <algorithm>
#include <set>

namespace mg::store {

static const char* const kLockName = "mapigate_schema_migrations";
static const char* const kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string> Migrations::split(std::string_view sql) {
    std::vector<std::string> out;
    std::string cur;
    while (!sql.empty()) {
        size_t nl = sql.find('\n');
        std::string_view line = sql.substr(0, nl);
        sql.remove_prefix(nl == std::string_view::npos ? sql.size() : nl + 1);
        std::string_view t = trim(line);
        if (t.empty() || t.starts_with("--") || t.starts_with("#")) continue;
        if (!cur.empty()) cur += '\n';
        if (t.ends_with(';')) {
            cur += t.substr(0, t.size() - 1);
            if (!trim(cur).empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += t;
        }
    }
    if (!trim(cur).empty()) out.push_back(std::move(cur));
    return out;
}

std::vector<int> Migrations::applied(Database& db) {
    auto exists = db.query_one(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = 'schema_migrations'");
    if (!exists || exists->i64(0) == 0) return {};
    std::vector<int> v;
    for (auto& r : db.query("SELECT version FROM schema_migrations ORDER BY version")) v.push_back(int(r.i64(0)));
    return v;
}

int Migrations::apply(Database& db) { return apply(db, builtin_migrations()); }

int Migrations::apply(Database& db, const std::vector<Migration>& migrations) {
    if (db.in_transaction()) throw DbError(0, "migrations cannot run inside a transaction");
    db.exec_text(kMigrationsTable);
    auto lock = db.query_one("SELECT GET_LOCK(?, 60)", {kLockName});
    if (!lock || lock->i64(0) != 1)
        throw DbError(0, "timed out waiting for the schema migration lock (another engine or "
                         "openchange_provision is migrating)");
    struct Release {
        Database& db;
        ~Release() {
            try {
                db.query("SELECT RELEASE_LOCK(?)", {kLockName});
            } catch (const DbError& e) {
                LOG_WARN("releasing the migration lock: %s", e.what());
            }
        }
    } release{db};

    auto done = applied(db);  // re-read under the lock
    std::set<int> have(done.begin(), done.end());
    std::vector<const Migration*> todo;
    for (const auto& m : migrations)
        if (!have.count(m.version)) todo.push_back(&m);
    std::sort(todo.begin(), todo.end(), [](auto* a, auto* b) { return a->version < b->version; });
    int known_max = 0;
    for (const auto& m : migrations) known_max = std::max(known_max, m.version);
    if (!done.empty() && done.back() > known_max)
        LOG_WARN("database schema version %d is newer than this engine's (%d)", done.back(), known_max);

    int count = 0;
    for (const Migration* m : todo) {
        auto statements = split(m->sql);
        // MariaDB commits DDL implicitly: the transaction only makes the
        // record atomic with the data statements; the files are re-runnable.
        Transaction tx(db);
        size_t idx = 0;
        for (const auto& s : statements) {
            ++idx;
            try {
                db.exec_text(s);
            } catch (const DbError& e) {
                throw DbError(e.mysql_errno(), std::string("migration ") + m->name + " failed at statement " +
                                                   std::to_string(idx) + ": " + e.what());
            }
        }
        db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP())",
                {m->version, m->name});
        tx.commit();
        LOG_INFO("applied schema migration %s", m->name);
        ++count;
    }
    return count;
}

}  // namespace mg::store
