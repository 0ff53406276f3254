// Database wrapper and schema migrations.
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

using namespace mg::store;
using mg::Bytes;

TEST_GROUP(Db) {
    std::unique_ptr<Database> db;
    void setup() override {
        db = test::connect();
        test::wipe(*db);
        db->exec_text("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, i BIGINT NULL, d DOUBLE NULL, "
                      "s VARCHAR(100) NULL, b LONGBLOB NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    }
    void teardown() override { db.reset(); }
};

TEST(Db, TypedBindsRoundTrip) {
    Bytes blob(100000);
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = uint8_t(i * 7);
    db->exec("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
             {uint64_t(0xFFFFFFFFFFFFFFF0ULL), int64_t(-5), 2.5, "h\xC3\xA9llo", blob});
    db->exec("INSERT INTO t VALUES (?, ?, ?, ?, ?)", {2, nullptr, nullptr, nullptr, nullptr});
    auto rows = db->query("SELECT id, i, d, s, b FROM t ORDER BY id");
    LONGS_EQUAL(2, rows.size());
    CHECK(rows[0].u64(0) == 2);
    CHECK(rows[0].is_null(1));
    CHECK(rows[0].is_null(4));
    CHECK(rows[1].u64(0) == 0xFFFFFFFFFFFFFFF0ULL);
    LONGS_EQUAL(-5, rows[1].i64(1));
    DOUBLES_EQUAL(2.5, rows[1].dbl(2), 0);
    STRCMP_EQUAL("h\xC3\xA9llo", rows[1].str(3).c_str());
    CHECK(rows[1].blob(4) == blob);
}

TEST(Db, TransactionRollsBackUnlessCommitted) {
    {
        Transaction tx(*db);
        db->exec("INSERT INTO t (id) VALUES (1)");
    }
    LONGS_EQUAL(0, db->query_one("SELECT COUNT(*) FROM t")->i64(0));
    {
        Transaction tx(*db);
        db->exec("INSERT INTO t (id) VALUES (1)");
        {
            Transaction inner(*db);  // savepoint
            db->exec("INSERT INTO t (id) VALUES (2)");
        }
        tx.commit();
    }
    auto rows = db->query("SELECT id FROM t");
    LONGS_EQUAL(1, rows.size());
    LONGS_EQUAL(1, rows[0].i64(0));
}

TEST(Db, ErrorsAreStoreErrors) {
    db->exec("INSERT INTO t (id) VALUES (1)");
    try {
        db->exec("INSERT INTO t (id) VALUES (1)");
        FAIL("duplicate accepted");
    } catch (const DbError& e) {
        CHECK(e.duplicate_key());
        LONGS_EQUAL(mg::mapi::ec::RpcFailed, e.ec());
    }
    CHECK_THROWS(DbError, db->exec("SELECT nonsense FROM nowhere"));
    // The connection is still usable.
    LONGS_EQUAL(1, db->query_one("SELECT COUNT(*) FROM t")->i64(0));
}

TEST(Db, ReconnectsAfterLostConnection) {
    auto killer = test::connect();
    auto id = db->query_one("SELECT CONNECTION_ID()")->u64(0);
    killer->exec_text("KILL CONNECTION " + std::to_string(id));
    // Outside a transaction the statement is retried on a new connection.
    LONGS_EQUAL(0, db->query_one("SELECT COUNT(*) FROM t")->i64(0));
    CHECK(db->query_one("SELECT CONNECTION_ID()")->u64(0) != id);
    // Inside one, the loss is reported and nothing half-done is kept.
    {
        Transaction tx(*db);
        db->exec("INSERT INTO t (id) VALUES (7)");
        killer->exec_text("KILL CONNECTION " + std::to_string(db->query_one("SELECT CONNECTION_ID()")->u64(0)));
        CHECK_THROWS(DbError, db->exec("INSERT INTO t (id) VALUES (8)"));
    }
    LONGS_EQUAL(0, db->query_one("SELECT COUNT(*) FROM t")->i64(0));
    // A connection that died while idle is replaced when a transaction
    // starts (nothing was done in it yet), and the transaction completes.
    killer->exec_text("KILL CONNECTION " + std::to_string(db->query_one("SELECT CONNECTION_ID()")->u64(0)));
    db->transaction([&] { db->exec("INSERT INTO t (id) VALUES (9)"); });
    LONGS_EQUAL(1, db->query_one("SELECT COUNT(*) FROM t")->i64(0));
}

TEST(Db, Pool) {
    DatabasePool pool(test::test_uri(), 2);
    {
        auto a = pool.acquire();
        auto b = pool.acquire();
        CHECK(&*a != &*b);
        a->query("SELECT 1");
    }
    auto c = pool.acquire();
    c->query("SELECT 1");
}

TEST_GROUP(Migrations) {
    std::unique_ptr<Database> db;
    void setup() override {
        db = test::connect();
        test::wipe(*db);
    }
};

TEST(Migrations, AppliedOnceAndRecorded) {
    CHECK(!builtin_migrations().empty());
    LONGS_EQUAL(1, builtin_migrations().front().version);
    STRCMP_EQUAL("001_openchangedb.sql", builtin_migrations().front().name);
    int n = Migrations::apply(*db);
    LONGS_EQUAL(int(builtin_migrations().size()), n);
    LONGS_EQUAL(0, Migrations::apply(*db));  // re-run: no-op
    auto rows = db->query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    LONGS_EQUAL(builtin_migrations().size(), rows.size());
    STRCMP_EQUAL("001_openchangedb.sql", rows[0].str(1).c_str());
    CHECK(!rows[0].is_null(2));
    // Every per-mailbox table cascades from mailboxes (user cleanup contract).
    auto orphans = db->query(
        "SELECT c.TABLE_NAME FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() "
        "AND c.COLUMN_NAME = 'mailbox_id' AND NOT EXISTS (SELECT 1 FROM "
        "information_schema.REFERENTIAL_CONSTRAINTS r JOIN information_schema.KEY_COLUMN_USAGE k "
        "ON k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA "
        "WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND k.TABLE_NAME = c.TABLE_NAME "
        "AND k.COLUMN_NAME = 'mailbox_id' AND r.REFERENCED_TABLE_NAME = 'mailboxes' AND r.DELETE_RULE = 'CASCADE')");
    for (auto& r : orphans) FAIL(("table without ON DELETE CASCADE mailbox_id: " + r.str(0)).c_str());
}

TEST(Migrations, SplitterFollowsTheConvention) {
    auto s = Migrations::split("-- a comment; with a semicolon\nCREATE TABLE a (\n  x INT\n);\n\n"
                               "INSERT INTO a VALUES (1);\n# other comment\nSELECT 1");
    LONGS_EQUAL(3, s.size());
    STRCMP_EQUAL("CREATE TABLE a (\nx INT\n)", s[0].c_str());
    STRCMP_EQUAL("INSERT INTO a VALUES (1)", s[1].c_str());
    STRCMP_EQUAL("SELECT 1", s[2].c_str());
}

TEST(Migrations, AlreadyAppliedByProvisioningIsRespected) {
    // openchange_provision records migrations the same way: a version it has
    // applied is never applied again.
    db->exec_text("CREATE TABLE schema_migrations (version INT PRIMARY KEY, name VARCHAR(255) NOT NULL, "
                  "applied_at DATETIME NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    db->exec("INSERT INTO schema_migrations VALUES (1, '001_openchangedb.sql', NOW())");
    std::vector<Migration> ms = {{1, "001_x.sql", "CREATE TABLE never_created (x INT);"},
                                 {2, "002_y.sql", "CREATE TABLE created (x INT);\nINSERT INTO created VALUES (1);"}};
    LONGS_EQUAL(1, Migrations::apply(*db, ms));
    LONGS_EQUAL(0, db->query_one("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                                 "AND TABLE_NAME = 'never_created'")->i64(0));
    LONGS_EQUAL(1, db->query_one("SELECT COUNT(*) FROM created")->i64(0));
}
