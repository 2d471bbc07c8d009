// A strict RFC 8259 syntax check, enough to tell whether the report printer wrote valid JSON.
#pragma once

#include <cstddef>
#include <string_view>

namespace roar::seccomp::fuzz {

class JsonChecker {
 public:
  // True if `text` is exactly one JSON value, with optional surrounding whitespace.
  static bool valid(std::string_view text) {
    JsonChecker c(text);
    c.space();
    if (!c.value(0)) {
      return false;
    }
    c.space();
    return c.at_ == text.size();
  }

 private:
  explicit JsonChecker(std::string_view text) : s_(text) {}

  static constexpr int kMaxDepth = 64;

  [[nodiscard]] bool more() const { return at_ < s_.size(); }
  [[nodiscard]] char peek() const { return more() ? s_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() == c && more()) {
      ++at_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(at_).starts_with(w)) {
      at_ += w.size();
      return true;
    }
    return false;
  }
  void space() {
    while (more() && (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r')) {
      ++at_;
    }
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
  bool digits() {
    const std::size_t start = at_;
    while (more() && digit(peek())) {
      ++at_;
    }
    return at_ > start;
  }

  bool value(int depth) {
    if (depth > kMaxDepth || !more()) {
      return false;
    }
    switch (peek()) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }
  bool object(int depth) {
    eat('{');
    space();
    if (eat('}')) {
      return true;
    }
    for (;;) {
      space();
      if (peek() != '"' || !string()) {
        return false;
      }
      space();
      if (!eat(':')) {
        return false;
      }
      space();
      if (!value(depth)) {
        return false;
      }
      space();
      if (eat('}')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
    }
  }
  bool array(int depth) {
    eat('[');
    space();
    if (eat(']')) {
      return true;
    }
    for (;;) {
      space();
      if (!value(depth)) {
        return false;
      }
      space();
      if (eat(']')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
    }
  }
  bool string() {
    eat('"');
    while (more()) {
      const auto c = static_cast<unsigned char>(s_[at_++]);
      if (c == '"') {
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c == '\\') {
        if (!more()) {
          return false;
        }
        const char e = s_[at_++];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (!more() || !hex(s_[at_++])) {
              return false;
            }
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
      // no leading zeros
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) {
      return false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++at_;
      if (!eat('+')) {
        eat('-');
      }
      if (!digits()) {
        return false;
      }
    }
    return true;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

}  // namespace roar::seccomp::fuzz
