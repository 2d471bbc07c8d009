// UTF-8 validation and repair: Python's unpackb(raw=False) rejects a whole report over one bad str.
#include "roar/seccomp/report/utf8.hpp"

#include <cstdint>

namespace roar::seccomp {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0)
      lo = 0xa0;  // no overlongs
    if (b0 == 0xed)
      hi = 0x9f;  // no surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0)
      lo = 0x90;
    if (b0 == 0xf4)
      hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const std::uint8_t b = byte(i + k);
    const std::uint8_t min = k == 1 ? lo : 0x80;
    const std::uint8_t max = k == 1 ? hi : 0xbf;
    if (b < min || b > max) {
      return 0;
    }
  }
  return len;
}

char32_t utf8_code_point(std::string_view sequence) noexcept {
  const auto byte = [sequence](std::size_t k) { return static_cast<std::uint8_t>(sequence[k]); };
  const std::size_t len = sequence.size();
  const unsigned lead_bits = len == 1 ? 0x7fU : len == 2 ? 0x1fU : len == 3 ? 0x0fU : 0x07U;
  char32_t cp = byte(0) & lead_bits;
  for (std::size_t k = 1; k < len; ++k) {
    cp = (cp << 6U) | (byte(k) & 0x3fU);
  }
  return cp;
}

bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace roar::seccomp
