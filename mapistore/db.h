// MariaDB access for mapistore: one connection (Database) per session or
// thread, prepared statements with typed parameters, RAII transactions,
// explicit reconnection, and a small pool.
//
// Errors are thrown as DbError (a StoreError with ecRpcFailed): the ROP layer
// reports them to the client; nothing here aborts, and a lost connection
// inside a transaction is reported (the transaction is gone) rather than
// silently retried on a new connection, so no half-applied change is
// mistaken for a complete one.
#pragma once

#include "common/bytes.h"
#include "common/config.h"
#include "mapistore/provider.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

struct st_mysql;
struct st_mysql_stmt;

namespace mg::store {

class DbError : public StoreError {
public:
    // A lost or refused connection is ecServerBusy (mapi::ec::Backoff): the
    // store is unavailable for now, which the ROP engine answers with
    // RopBackoff; every other database error is ecRpcFailed.
    DbError(unsigned code, const std::string& what)
        : StoreError(unavailable(code) ? mapi::ec::Backoff : mapi::ec::RpcFailed, what), code_(code) {}
    unsigned mysql_errno() const { return code_; }
    bool duplicate_key() const { return code_ == 1062; }                 // ER_DUP_ENTRY
    bool retryable() const { return code_ == 1213 || code_ == 1205; }    // deadlock, lock wait timeout
    bool connection_lost() const { return unavailable(code_); }         // 2002, 2003, 2006, 2013, 2055, 1927
    static bool unavailable(unsigned code);

private:
    unsigned code_;
};

// A statement parameter. Strings are sent as text (utf8mb4), Bytes as BLOB.
class Param {
public:
    using Value = std::variant<std::nullptr_t, int64_t, uint64_t, double, std::string, Bytes>;
    Param(std::nullptr_t) : v_(nullptr) {}
    Param(int v) : v_(int64_t(v)) {}
    Param(long v) : v_(int64_t(v)) {}
    Param(long long v) : v_(int64_t(v)) {}
    Param(unsigned v) : v_(uint64_t(v)) {}
    Param(unsigned long v) : v_(uint64_t(v)) {}
    Param(unsigned long long v) : v_(uint64_t(v)) {}
    Param(bool v) : v_(int64_t(v ? 1 : 0)) {}
    Param(double v) : v_(v) {}
    Param(std::string v) : v_(std::move(v)) {}
    Param(std::string_view v) : v_(std::string(v)) {}
    Param(const char* v) : v_(std::string(v)) {}
    Param(Bytes v) : v_(std::move(v)) {}
    Param(ByteView v) : v_(Bytes(v.begin(), v.end())) {}
    template <class T>
    Param(const std::optional<T>& o) : v_(nullptr) {
        if (o) *this = Param(*o);
    }
    const Value& value() const { return v_; }

private:
    Value v_;
};
using Params = std::vector<Param>;

// One result row, materialised (results are bounded by the query's LIMIT).
class DbRow {
public:
    using Cell = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;
    explicit DbRow(std::vector<Cell> cells) : cells_(std::move(cells)) {}
    size_t size() const { return cells_.size(); }
    bool is_null(size_t i) const;
    int64_t i64(size_t i) const;     // NULL -> 0
    uint64_t u64(size_t i) const;    // NULL -> 0
    double dbl(size_t i) const;      // NULL -> 0.0
    std::string str(size_t i) const; // NULL -> ""
    Bytes blob(size_t i) const;      // NULL -> {}
    std::optional<int64_t> opt_i64(size_t i) const;
    std::optional<uint64_t> opt_u64(size_t i) const;
    const Cell& cell(size_t i) const { return cells_.at(i); }

private:
    std::vector<Cell> cells_;
};

class Database {
public:
    // Connects (tcp or unix socket, utf8mb4, strict SQL mode, UTC). Throws DbError.
    explicit Database(DbUri uri);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const DbUri& uri() const { return uri_; }

    // Prepared (and cached) statements. `exec` returns the affected rows.
    uint64_t exec(const std::string& sql, const Params& params = {});
    std::vector<DbRow> query(const std::string& sql, const Params& params = {});
    std::optional<DbRow> query_one(const std::string& sql, const Params& params = {});
    uint64_t last_insert_id() const { return last_insert_id_; }

    // Text protocol, for statements that cannot be prepared (SAVEPOINT, some
    // DDL) and for migration scripts.
    void exec_text(const std::string& sql);

    bool in_transaction() const { return tx_depth_ > 0; }
    // Runs f inside a transaction, committing at the end; retries the whole
    // of f (up to `attempts` times) on deadlock / lock wait timeout when this
    // is the outermost transaction.
    template <class F>
    auto transaction(F&& f, int attempts = 3) -> decltype(f());

    // Drops and re-opens the connection (prepared statements are re-prepared
    // lazily). Throws DbError when the server cannot be reached.
    void reconnect();
    bool ping();

    // Counters for tests and metrics.
    uint64_t rows_fetched() const { return rows_fetched_; }
    uint64_t statements_run() const { return statements_run_; }

private:
    friend class Transaction;
    struct StmtDeleter {
        void operator()(st_mysql_stmt* s) const;
    };
    using StmtPtr = std::unique_ptr<st_mysql_stmt, StmtDeleter>;

    void connect();
    void disconnect();
    [[noreturn]] void fail(const std::string& context);
    [[noreturn]] void fail_stmt(st_mysql_stmt* s, const std::string& context);
    st_mysql_stmt* statement(const std::string& sql);
    // Executes; when `rows` is given, collects the result set into it.
    uint64_t run(const std::string& sql, const Params& params, std::vector<DbRow>* rows);
    uint64_t run_once(const std::string& sql, const Params& params, std::vector<DbRow>* rows);

    DbUri uri_;
    st_mysql* conn_ = nullptr;
    bool broken_ = false;  // lost inside a transaction: reconnect before the next use
    std::unordered_map<std::string, StmtPtr> stmts_;
    int tx_depth_ = 0;
    uint64_t last_insert_id_ = 0;
    uint64_t rows_fetched_ = 0;
    uint64_t statements_run_ = 0;
};

// RAII transaction: BEGIN (outermost) or SAVEPOINT (nested); rolled back
// on destruction unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();
    bool outermost() const { return depth_ == 1; }

private:
    Database& db_;
    int depth_;
    bool done_ = false;
};

template <class F>
auto Database::transaction(F&& f, int attempts) -> decltype(f()) {
    for (int attempt = 1;; ++attempt) {
        bool outer = !in_transaction();
        try {
            Transaction tx(*this);
            if constexpr (std::is_void_v<decltype(f())>) {
                f();
                tx.commit();
                return;
            } else {
                auto r = f();
                tx.commit();
                return r;
            }
        } catch (const DbError& e) {
            if (!outer || !e.retryable() || attempt >= attempts) throw;
        }
    }
}

// A small pool of connections to one database, for threads that each need a
// connection for a while (sessions borrow one per request).
class DatabasePool {
public:
    DatabasePool(DbUri uri, size_t max_connections);
    ~DatabasePool();

    class Lease {
    public:
        Lease(DatabasePool& pool, std::unique_ptr<Database> db) : pool_(&pool), db_(std::move(db)) {}
        Lease(Lease&& o) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        Database& operator*() const { return *db_; }
        Database* operator->() const { return db_.get(); }

    private:
        DatabasePool* pool_;
        std::unique_ptr<Database> db_;
    };
    // Blocks while all connections are in use.
    Lease acquire();

private:
    void give_back(std::unique_ptr<Database> db);
    DbUri uri_;
    size_t max_;
    size_t open_ = 0;
    std::vector<std::unique_ptr<Database>> idle_;
    std::mutex mu_;
    std::condition_variable cv_;
};

// SQL helpers.
std::string sql_placeholders(size_t n);  // "?,?,?"

}  // namespace mg::store
