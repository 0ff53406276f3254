#include "mapistore/db.h"

#include "common/log.h"

#include <mysql.h>
#include <errmsg.h>

#include <cstring>

namespace mg::store {

bool DbError::unavailable(unsigned code) {
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == 2055 /* lost, system error */ ||
           code == 1927 /* ER_CONNECTION_KILLED */ || code == CR_CONNECTION_ERROR || code == CR_CONN_HOST_ERROR;
}

// ---- DbRow

bool DbRow::is_null(size_t i) const { return std::holds_alternative<std::monostate>(cells_.at(i)); }

int64_t DbRow::i64(size_t i) const {
    const Cell& c = cells_.at(i);
    if (auto p = std::get_if<int64_t>(&c)) return *p;
    if (auto p = std::get_if<uint64_t>(&c)) return int64_t(*p);
    if (auto p = std::get_if<double>(&c)) return int64_t(*p);
    if (auto p = std::get_if<std::string>(&c)) return p->empty() ? 0 : std::stoll(*p);
    return 0;
}

uint64_t DbRow::u64(size_t i) const {
    const Cell& c = cells_.at(i);
    if (auto p = std::get_if<uint64_t>(&c)) return *p;
    if (auto p = std::get_if<std::string>(&c)) return p->empty() ? 0 : std::stoull(*p);
    return uint64_t(i64(i));
}

double DbRow::dbl(size_t i) const {
    const Cell& c = cells_.at(i);
    if (auto p = std::get_if<double>(&c)) return *p;
    if (auto p = std::get_if<std::string>(&c)) return p->empty() ? 0.0 : std::stod(*p);
    if (auto p = std::get_if<uint64_t>(&c)) return double(*p);
    if (auto p = std::get_if<int64_t>(&c)) return double(*p);
    return 0.0;
}

std::string DbRow::str(size_t i) const {
    const Cell& c = cells_.at(i);
    if (auto p = std::get_if<std::string>(&c)) return *p;
    if (auto p = std::get_if<int64_t>(&c)) return std::to_string(*p);
    if (auto p = std::get_if<uint64_t>(&c)) return std::to_string(*p);
    if (auto p = std::get_if<double>(&c)) return std::to_string(*p);
    return {};
}

Bytes DbRow::blob(size_t i) const {
    const Cell& c = cells_.at(i);
    if (auto p = std::get_if<std::string>(&c)) return Bytes(p->begin(), p->end());
    return {};
}

std::optional<int64_t> DbRow::opt_i64(size_t i) const {
    if (is_null(i)) return std::nullopt;
    return i64(i);
}

std::optional<uint64_t> DbRow::opt_u64(size_t i) const {
    if (is_null(i)) return std::nullopt;
    return u64(i);
}

// ---- Database

void Database::StmtDeleter::operator()(st_mysql_stmt* s) const {
    if (s) mysql_stmt_close(s);
}

static std::once_flag g_library_once;

Database::Database(DbUri uri) : uri_(std::move(uri)) {
    std::call_once(g_library_once, [] { mysql_library_init(0, nullptr, nullptr); });
    connect();
}

Database::~Database() { disconnect(); }

void Database::disconnect() {
    stmts_.clear();  // statements before their connection
    if (conn_) {
        mysql_close(conn_);
        conn_ = nullptr;
    }
}

void Database::connect() {
    conn_ = mysql_init(nullptr);
    if (!conn_) throw DbError(CR_OUT_OF_MEMORY, "mysql_init failed");
    unsigned timeout = 10;
    mysql_optionsv(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    unsigned rw_timeout = 60;
    mysql_optionsv(conn_, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_optionsv(conn_, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    mysql_optionsv(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char* sock = uri_.unix_socket.empty() ? nullptr : uri_.unix_socket.c_str();
    const char* host = sock ? "localhost" : uri_.host.c_str();
    if (!mysql_real_connect(conn_, host, uri_.user.c_str(), uri_.password.c_str(),
                            uri_.database.empty() ? nullptr : uri_.database.c_str(), uri_.port, sock, 0)) {
        unsigned code = mysql_errno(conn_);
        std::string msg = std::string("cannot connect to ") + uri_.redacted() + ": " + mysql_error(conn_);
        mysql_close(conn_);
        conn_ = nullptr;
        throw DbError(code, msg);
    }
    broken_ = false;
    // Strict mode: a value that does not fit is an error, never truncated
    // silently. Times are UTC.
    exec_text("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,"
              "ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'");
}

void Database::reconnect() {
    LOG_INFO("reconnecting to %s", uri_.redacted().c_str());
    disconnect();
    tx_depth_ = 0;
    connect();
}

bool Database::ping() {
    if (!conn_ || broken_) return false;
    return mysql_ping(conn_) == 0;
}

void Database::fail(const std::string& context) {
    unsigned code = conn_ ? mysql_errno(conn_) : CR_SERVER_GONE_ERROR;
    std::string msg = context + ": " + (conn_ ? mysql_error(conn_) : "not connected");
    DbError e(code, msg);
    if (e.connection_lost()) broken_ = true;
    throw e;
}

void Database::fail_stmt(st_mysql_stmt* s, const std::string& context) {
    DbError e(mysql_stmt_errno(s), context + ": " + mysql_stmt_error(s));
    if (e.connection_lost()) broken_ = true;
    throw e;
}

void Database::exec_text(const std::string& sql) {
    if (broken_ && tx_depth_ == 0) reconnect();
    ++statements_run_;
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) fail("SQL failed (" + sql.substr(0, 80) + ")");
    // Drain any result so the connection stays usable.
    do {
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
    } while (mysql_next_result(conn_) == 0);
}

st_mysql_stmt* Database::statement(const std::string& sql) {
    if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second.get();
    if (stmts_.size() >= 256) stmts_.clear();  // dynamic SQL: keep the cache bounded
    StmtPtr s(mysql_stmt_init(conn_));
    if (!s) fail("mysql_stmt_init");
    if (mysql_stmt_prepare(s.get(), sql.data(), sql.size()) != 0)
        fail_stmt(s.get(), "cannot prepare (" + sql.substr(0, 120) + ")");
    my_bool update_max = 1;
    mysql_stmt_attr_set(s.get(), STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
    auto* raw = s.get();
    stmts_.emplace(sql, std::move(s));
    return raw;
}

uint64_t Database::run(const std::string& sql, const Params& params, std::vector<DbRow>* rows) {
    if (broken_ && tx_depth_ == 0) reconnect();
    try {
        return run_once(sql, params, rows);
    } catch (const DbError& e) {
        // Outside a transaction nothing is lost by running the statement again
        // on a fresh connection; inside one, the caller must restart it.
        if (!e.connection_lost() || tx_depth_ > 0) throw;
        LOG_WARN("database connection lost (%s); retrying once", e.what());
        reconnect();
        if (rows) rows->clear();
        return run_once(sql, params, rows);
    }
}

namespace {

// Binds one parameter; the MYSQL_BIND points into `p`, which outlives the call.
// An empty string or blob must not have a null buffer: the client library
// would send NULL instead of ''.
char g_empty[1] = {0};
void bind_param(MYSQL_BIND& b, const Param& p, unsigned long& len) {
    std::memset(&b, 0, sizeof b);
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                b.buffer_type = MYSQL_TYPE_NULL;
            } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = const_cast<T*>(&v);
                b.is_unsigned = std::is_same_v<T, uint64_t>;
            } else if constexpr (std::is_same_v<T, double>) {
                b.buffer_type = MYSQL_TYPE_DOUBLE;
                b.buffer = const_cast<double*>(&v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                b.buffer_type = MYSQL_TYPE_STRING;
                b.buffer = v.empty() ? g_empty : const_cast<char*>(v.data());
                len = v.size();
                b.buffer_length = len;
                b.length = &len;
            } else {
                b.buffer_type = MYSQL_TYPE_BLOB;
                b.buffer = v.empty() ? static_cast<void*>(g_empty) : const_cast<uint8_t*>(v.data());
                len = v.size();
                b.buffer_length = len;
                b.length = &len;
            }
        },
        p.value());
}

struct ResultColumn {
    enum Kind { Int, Double, Text } kind = Text;
    bool is_unsigned = false;
    int64_t ival = 0;
    double dval = 0;
    std::string buf;
    unsigned long length = 0;
    my_bool is_null = 0;
    my_bool error = 0;
};

}  // namespace

uint64_t Database::run_once(const std::string& sql, const Params& params, std::vector<DbRow>* rows) {
    ++statements_run_;
    st_mysql_stmt* s = statement(sql);
    unsigned nparams = mysql_stmt_param_count(s);
    if (nparams != params.size())
        throw DbError(0, "statement expects " + std::to_string(nparams) + " parameters, got " +
                             std::to_string(params.size()) + " (" + sql.substr(0, 80) + ")");
    std::vector<MYSQL_BIND> pb(nparams);
    std::vector<unsigned long> plen(nparams);
    for (unsigned i = 0; i < nparams; ++i) bind_param(pb[i], params[i], plen[i]);
    if (nparams && mysql_stmt_bind_param(s, pb.data())) fail_stmt(s, "bind");
    if (mysql_stmt_execute(s)) fail_stmt(s, "SQL failed (" + sql.substr(0, 120) + ")");

    MYSQL_RES* meta = mysql_stmt_result_metadata(s);
    if (!meta) {
        last_insert_id_ = mysql_stmt_insert_id(s);
        return mysql_stmt_affected_rows(s);
    }
    std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> meta_guard(meta, mysql_free_result);
    struct FreeResult {
        st_mysql_stmt* s;
        ~FreeResult() { mysql_stmt_free_result(s); }
    } free_result{s};
    if (mysql_stmt_store_result(s)) fail_stmt(s, "store result");

    unsigned ncols = mysql_num_fields(meta);
    MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    std::vector<ResultColumn> cols(ncols);
    std::vector<MYSQL_BIND> rb(ncols);
    for (unsigned i = 0; i < ncols; ++i) {
        std::memset(&rb[i], 0, sizeof(MYSQL_BIND));
        auto& c = cols[i];
        switch (fields[i].type) {
        case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
            c.kind = ResultColumn::Int;
            c.is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
            rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
            rb[i].buffer = &c.ival;
            rb[i].is_unsigned = c.is_unsigned;
            break;
        case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
            c.kind = ResultColumn::Double;
            rb[i].buffer_type = MYSQL_TYPE_DOUBLE;
            rb[i].buffer = &c.dval;
            break;
        default:
            c.kind = ResultColumn::Text;
            c.buf.resize(std::max<unsigned long>(fields[i].max_length, 1));
            rb[i].buffer_type = MYSQL_TYPE_BLOB;
            rb[i].buffer = c.buf.data();
            rb[i].buffer_length = c.buf.size();
            break;
        }
        rb[i].length = &c.length;
        rb[i].is_null = &c.is_null;
        rb[i].error = &c.error;
    }
    if (mysql_stmt_bind_result(s, rb.data())) fail_stmt(s, "bind result");
    uint64_t n = 0;
    for (;;) {
        int rc = mysql_stmt_fetch(s);
        if (rc == MYSQL_NO_DATA) break;
        if (rc == 1) fail_stmt(s, "fetch");
        std::vector<DbRow::Cell> cells(ncols);
        for (unsigned i = 0; i < ncols; ++i) {
            auto& c = cols[i];
            if (c.is_null) continue;
            if (c.kind == ResultColumn::Int) {
                cells[i] = c.is_unsigned ? DbRow::Cell(uint64_t(c.ival)) : DbRow::Cell(c.ival);
            } else if (c.kind == ResultColumn::Double) {
                cells[i] = c.dval;
            } else if (c.length <= c.buf.size()) {
                cells[i] = std::string(c.buf.data(), c.length);
            } else {
                // Longer than max_length said (should not happen with
                // STMT_ATTR_UPDATE_MAX_LENGTH): fetch the column whole.
                std::string big(c.length, '\0');
                MYSQL_BIND one;
                std::memset(&one, 0, sizeof one);
                one.buffer_type = MYSQL_TYPE_BLOB;
                one.buffer = big.data();
                one.buffer_length = big.size();
                if (mysql_stmt_fetch_column(s, &one, i, 0)) fail_stmt(s, "fetch column");
                cells[i] = std::move(big);
            }
        }
        ++n;
        if (rows) rows->emplace_back(std::move(cells));
    }
    rows_fetched_ += n;
    return n;
}

uint64_t Database::exec(const std::string& sql, const Params& params) { return run(sql, params, nullptr); }

std::vector<DbRow> Database::query(const std::string& sql, const Params& params) {
    std::vector<DbRow> rows;
    run(sql, params, &rows);
    return rows;
}

std::optional<DbRow> Database::query_one(const std::string& sql, const Params& params) {
    auto rows = query(sql, params);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

// ---- Transaction

Transaction::Transaction(Database& db) : db_(db), depth_(db.tx_depth_ + 1) {
    if (depth_ == 1) {
        if (db_.broken_) db_.reconnect();
        try {
            db_.exec_text("START TRANSACTION");
        } catch (const DbError& e) {
            // A connection that died while idle (the server restarted) is
            // found here; nothing has happened in the transaction yet, so a
            // new connection can start it.
            if (!e.connection_lost()) throw;
            LOG_WARN("database connection lost (%s); reconnecting before the transaction", e.what());
            db_.reconnect();
            db_.exec_text("START TRANSACTION");
        }
    } else {
        db_.exec_text("SAVEPOINT mg_sp" + std::to_string(depth_));
    }
    db_.tx_depth_ = depth_;
}

void Transaction::commit() {
    if (done_) return;
    if (depth_ == 1) db_.exec_text("COMMIT");
    else db_.exec_text("RELEASE SAVEPOINT mg_sp" + std::to_string(depth_));
    done_ = true;
    db_.tx_depth_ = depth_ - 1;
}

Transaction::~Transaction() {
    if (done_) return;
    db_.tx_depth_ = depth_ - 1;
    if (db_.broken_) return;  // the server rolled it back with the connection
    try {
        if (depth_ == 1) db_.exec_text("ROLLBACK");
        else db_.exec_text("ROLLBACK TO SAVEPOINT mg_sp" + std::to_string(depth_));
    } catch (const DbError& e) {
        LOG_WARN("rollback failed: %s", e.what());
        db_.broken_ = true;  // unknown state: start afresh next time
    }
}

// ---- DatabasePool

DatabasePool::DatabasePool(DbUri uri, size_t max_connections)
    : uri_(std::move(uri)), max_(max_connections ? max_connections : 1) {}

DatabasePool::~DatabasePool() = default;

DatabasePool::Lease DatabasePool::acquire() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(db));
    }
    ++open_;
    lk.unlock();
    try {
        return Lease(*this, std::make_unique<Database>(uri_));
    } catch (...) {
        std::lock_guard g(mu_);
        --open_;
        cv_.notify_one();
        throw;
    }
}

void DatabasePool::give_back(std::unique_ptr<Database> db) {
    std::lock_guard g(mu_);
    if (db && !db->in_transaction()) idle_.push_back(std::move(db));
    else --open_;
    cv_.notify_one();
}

DatabasePool::Lease::~Lease() {
    if (pool_ && db_) pool_->give_back(std::move(db_));
}

std::string sql_placeholders(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
    return s;
}

}  // namespace mg::store
