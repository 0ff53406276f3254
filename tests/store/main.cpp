// mapigate-store-test: integration tests of mapistore against a real MariaDB.
//
// Needs MAPIGATE_TEST_DB=mysql://user:pass@host[:port]/db[?unix_socket=...]
// naming a scratch database the tests may wipe (every table in it is dropped).
#include "tests/store/store_test.h"

#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    const char* uri = std::getenv("MAPIGATE_TEST_DB");
    if (!uri || !*uri) {
        std::fprintf(stderr,
                     "mapigate-store-test: MAPIGATE_TEST_DB is not set.\n"
                     "  Set it to a mysql:// URI of a SCRATCH database the tests may wipe, e.g.\n"
                     "  MAPIGATE_TEST_DB='mysql://user:pass@localhost/mgtest?unix_socket=/run/mysqld/mysqld.sock'\n");
        return 2;
    }
    try {
        mg::store::test::check_database_reachable();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mapigate-store-test: cannot use MAPIGATE_TEST_DB: %s\n", e.what());
        return 2;
    }
    // The MariaDB client library and the engine's process-wide caches keep
    // allocations across tests; leak checking belongs to the unit tests.
    MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
