// Logger: formatting of diagnostics. One write(2) per line, so lines from threads do not
// interleave.
#include "roar/seccomp/util/logger.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace roar::seccomp {

void Logger::emit(LogLevel level, const char* fmt, va_list args) const {
  if (!enabled(level)) {
    return;
  }
  static constexpr char kPrefix[] = "roar-seccomp: ";
  char line[1024];
  int n = std::snprintf(line, sizeof line, "%s", kPrefix);
  const int body =
      std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n) - 1, fmt, args);
  n = body < 0 ? n : std::min<int>(n + body, static_cast<int>(sizeof line) - 2);
  line[n++] = '\n';
  static_cast<void>(::write(STDERR_FILENO, line, static_cast<std::size_t>(n)));
}

#define ROAR_LOG_METHOD(name, level)              \
  void Logger::name(const char* fmt, ...) const { \
    if (!enabled(level)) {                        \
      return;                                     \
    }                                             \
    va_list args;                                 \
    va_start(args, fmt);                          \
    emit(level, fmt, args);                       \
    va_end(args);                                 \
  }

ROAR_LOG_METHOD(error, LogLevel::kError)
ROAR_LOG_METHOD(warn, LogLevel::kWarn)
ROAR_LOG_METHOD(info, LogLevel::kInfo)
ROAR_LOG_METHOD(debug, LogLevel::kDebug)

#undef ROAR_LOG_METHOD

}  // namespace roar::seccomp
