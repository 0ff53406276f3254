#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

namespace mg::log {
namespace {
std::atomic<int> g_level{int(Level::Info)};
bool g_syslog = false;
std::string g_ident = "mapigate";
std::mutex g_mu;

const char* name(Level l) {
    switch (l) {
    case Level::Error: return "ERROR";
    case Level::Warn: return "WARN";
    case Level::Info: return "INFO";
    case Level::Debug: return "DEBUG";
    case Level::Trace: return "TRACE";
    }
    return "?";
}
int syslog_prio(Level l) {
    switch (l) {
    case Level::Error: return LOG_ERR;
    case Level::Warn: return LOG_WARNING;
    case Level::Info: return LOG_INFO;
    default: return LOG_DEBUG;
    }
}
}  // namespace

void init(const std::string& ident, bool use_syslog, Level level) {
    g_ident = ident;
    g_syslog = use_syslog;
    g_level = int(level);
    if (use_syslog) openlog(g_ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
}
void set_level(Level level) { g_level = int(level); }
Level level() { return Level(g_level.load()); }
bool enabled(Level l) { return int(l) <= g_level.load(std::memory_order_relaxed); }

Level parse_level(const std::string& s, Level fallback) {
    if (s == "error" || s == "0") return Level::Error;
    if (s == "warn" || s == "warning" || s == "1") return Level::Warn;
    if (s == "info" || s == "2") return Level::Info;
    if (s == "debug" || s == "3") return Level::Debug;
    if (s == "trace" || s == "4" || s == "5") return Level::Trace;
    return fallback;
}

void write(Level l, const char* fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_syslog) {
        syslog(syslog_prio(l), "%s", msg);
        return;
    }
    timeval tv;
    gettimeofday(&tv, nullptr);
    tm t;
    gmtime_r(&tv.tv_sec, &t);
    char ts[32];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &t);
    std::lock_guard<std::mutex> lk(g_mu);
    fprintf(stderr, "%s.%03dZ %s[%d] %s: %s\n", ts, int(tv.tv_usec / 1000), g_ident.c_str(), int(getpid()),
            name(l), msg);
    fflush(stderr);
}

}  // namespace mg::log
