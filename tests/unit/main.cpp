// CppUTest runner for all mapigate unit tests.
#include "common/log.h"

#include <CppUTest/CommandLineTestRunner.h>

int main(int argc, char** argv) {
    // Tests exercise error paths on purpose: keep their log lines out of the report.
    mg::log::set_level(mg::log::Level::Error);
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
