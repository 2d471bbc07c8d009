// Minimal JSON text output: string escaping and a writer, for --preflight --json and the report
// tools.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roar::seccomp {

// `s` as a JSON string literal, quotes included. Bytes that are not UTF-8 become U+FFFD.
std::string json_quote(std::string_view s);

// Emits one JSON value; tracks only where commas and line breaks go. Compact output is one line
// without spaces (roar reads --preflight --json as one line); indented output puts each member
// on its own line, two spaces per level.
class JsonWriter {
 public:
  enum class Layout { kCompact, kIndented };
  explicit JsonWriter(Layout layout = Layout::kCompact) : indented_(layout == Layout::kIndented) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);
  void string(std::string_view text) { raw(json_quote(text)); }
  void boolean(bool value) { raw(value ? "true" : "false"); }
  void null() { raw("null"); }
  void number(std::int64_t value) { raw(std::to_string(value)); }
  void number(std::uint64_t value) { raw(std::to_string(value)); }
  void number(int value) { number(static_cast<std::int64_t>(value)); }
  // Shortest text that reads back as the same double, always with a fraction or an exponent so
  // that readers see a float; null when not finite.
  void real(double value);
  // A value already in JSON syntax.
  void raw(std::string_view json_text);

  // The text written; without a final line break.
  [[nodiscard]] std::string finish() && { return std::move(out_); }

 private:
  void separate();
  void open(char bracket);
  void close(char bracket);
  void newline();

  bool indented_;
  std::string out_;
  std::vector<bool> empty_;  // per open container: nothing written into it yet
  bool after_key_ = false;
};

}  // namespace roar::seccomp
