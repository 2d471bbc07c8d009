// UTF-8 validation, repair and decoding (RFC 3629: no overlongs, no surrogates).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace roar::seccomp {

// True if `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;
// `s` with every ill-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);
// Length of the well-formed sequence starting at s[i] (1 to 4), or 0 if none starts there.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;
// The code point of one well-formed sequence, as utf8_sequence_length measured it.
char32_t utf8_code_point(std::string_view sequence) noexcept;

}  // namespace roar::seccomp
