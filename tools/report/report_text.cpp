// Text helpers of the report views: terminal-safe escaping of byte strings, hex, path prefixes.
#include "report_text.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "roar/seccomp/report/utf8.hpp"

namespace roar::seccomp {
namespace {

// Characters that move the cursor or reorder text instead of showing a glyph: a path made of
// them could make one line of the table look like another.
bool is_invisible_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string escaped_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(b));
  return buf;
}

// Bytes of the character or escape that starts printable() text at `i`.
std::size_t token_length(std::string_view text, std::size_t i) {
  if (text[i] == '\\') {
    return i + 1 < text.size() && text[i + 1] == 'x' ? 4 : 2;
  }
  const std::size_t len = utf8_sequence_length(text, i);
  return len == 0 ? 1 : len;
}

}  // namespace

// Beyond this a timestamp in microseconds would not fit 64 bits; no report carries such a time.
constexpr double kMaxTimestamp = 1e12;

std::string iso8601_utc(double unix_seconds) {
  if (!std::isfinite(unix_seconds) || std::fabs(unix_seconds) > kMaxTimestamp) {
    return "?";
  }
  // Whole microseconds first, so that rounding may carry into the seconds.
  const auto micros = static_cast<std::int64_t>(std::llround(unix_seconds * 1e6));
  const std::int64_t floor_seconds = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  const auto fraction = static_cast<unsigned>(micros - floor_seconds * 1000000);
  const auto seconds = static_cast<std::time_t>(floor_seconds);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) {
    return "?";
  }
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06uZ", date, fraction % 1000000U);  // % bounds the width
  return out;
}

std::string seconds_text(double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxTimestamp) {
    return "?";
  }
  char out[48];
  std::snprintf(out, sizeof out, "%.3f s", seconds);
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b >= 0x80 ? utf8_sequence_length(s, i) : 0;
    if (b == '\\') {
      out += "\\\\";
      ++i;
    } else if (b >= 0x20 && b < 0x7f) {
      out += static_cast<char>(b);
      ++i;
    } else if (len != 0 && !is_invisible_control(utf8_code_point(s.substr(i, len)))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += escaped_byte(b);
      ++i;
    }
  }
  return out;
}

// Appends only: g++ 12 at -O3 reports a false -Wrestrict in `"literal" + std::string&&`.
std::string printable_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += printable(arg);
  }
  return out;
}

std::string shorten(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t cut = 0;  // where the text is cut if it is too long: room for "..." left
  for (std::size_t i = 0; i < text.size(); i += token_length(text, i)) {
    if (chars + 3 <= max_chars) {
      cut = i;
    }
    if (++chars > max_chars) {
      return std::string(text.substr(0, cut)) + "...";
    }
  }
  return std::string(text);
}

std::string hex_bytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4U];
    out += kDigits[b & 0xfU];
  }
  return out;
}

bool is_under(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') {
    dir.remove_suffix(1);
  }
  if (dir == "/") {
    return path.starts_with('/');
  }
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace roar::seccomp
