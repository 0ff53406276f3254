// Levelled logging to stderr or syslog. Thread-safe. Never log passwords.
#pragma once

#include <cstdarg>
#include <string>

namespace mg::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

void init(const std::string& ident, bool use_syslog, Level level);
void set_level(Level level);
Level level();
bool enabled(Level l);
Level parse_level(const std::string& s, Level fallback);

void write(Level l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace mg::log

#define MG_LOG(lvl, ...) \
    do { if (::mg::log::enabled(lvl)) ::mg::log::write(lvl, __VA_ARGS__); } while (0)
#define LOG_ERROR(...) MG_LOG(::mg::log::Level::Error, __VA_ARGS__)
#define LOG_WARN(...) MG_LOG(::mg::log::Level::Warn, __VA_ARGS__)
#define LOG_INFO(...) MG_LOG(::mg::log::Level::Info, __VA_ARGS__)
#define LOG_DEBUG(...) MG_LOG(::mg::log::Level::Debug, __VA_ARGS__)
#define LOG_TRACE(...) MG_LOG(::mg::log::Level::Trace, __VA_ARGS__)
