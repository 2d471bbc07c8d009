// ProcPath and field_after: /proc path formatting and field parsing, shared by ProcTraceeView.
// Private to supervisor/proc.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace roar::seccomp::detail {

// "<a>/<word>/<b>" without allocating: the hot path formats one of these per /proc read. Each
// part is written into a range that always fits it, so that no compiler sees a write past the end.
class ProcPath {
 public:
  ProcPath(int a, const char* word, int b = -1) {
    char* p = std::to_chars(buf_, buf_ + kIntChars, a).ptr;
    *p++ = '/';
    const std::size_t n = std::min(std::strlen(word), kWordChars);
    std::memcpy(p, word, n);
    p += n;
    if (b >= 0) {
      *p++ = '/';
      p = std::to_chars(p, p + kIntChars, b).ptr;
    }
    *p = '\0';
  }
  [[nodiscard]] const char* c_str() const noexcept { return buf_; }

 private:
  static constexpr std::size_t kIntChars = 11;   // "-2147483648"
  static constexpr std::size_t kWordChars = 16;  // the longest word is "environ"
  char buf_[kIntChars + 1 + kWordChars + 1 + kIntChars + 1];
};

// The number after `key` in a /proc text ("pos:" of fdinfo, "\nTgid:" of status), written in
// `base` ("flags:" of fdinfo is octal).
inline std::optional<std::uint64_t> field_after(const std::string& text, std::string_view key,
                                                int base = 10) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::size_t i = at + key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value, base);
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace roar::seccomp::detail
