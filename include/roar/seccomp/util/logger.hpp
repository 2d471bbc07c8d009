// Leveled, printf-checked diagnostics on stderr, each line prefixed "roar-seccomp: ".
#pragma once

#include <cstdarg>

namespace roar::seccomp {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Stdout belongs to the traced command, so every message goes to stderr. The level is checked
// before formatting so that disabled debug lines cost nothing on the notification path.
class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kWarn) noexcept : level_(level) {}

  [[nodiscard]] bool enabled(LogLevel level) const noexcept { return level <= level_; }
  [[nodiscard]] LogLevel level() const noexcept { return level_; }

  void error(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  void warn(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  void info(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  void debug(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

 private:
  void emit(LogLevel level, const char* fmt, va_list args) const
      __attribute__((format(printf, 3, 0)));
  LogLevel level_;
};

}  // namespace roar::seccomp
