// json_quote (RFC 8259 string escaping) and JsonWriter.
#include "roar/seccomp/report/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "roar/seccomp/report/utf8.hpp"

namespace roar::seccomp {

std::string json_quote(std::string_view raw) {
  const std::string s = to_valid_utf8(raw);
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void JsonWriter::key(std::string_view name) {
  separate();
  out_ += json_quote(name);
  out_ += indented_ ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::real(double value) {
  if (!std::isfinite(value)) {
    null();
    return;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string text(buf, ec == std::errc() ? end : buf);
  if (text.find_first_of(".eE") == std::string::npos) {
    text += ".0";
  }
  raw(text);
}

void JsonWriter::raw(std::string_view json_text) {
  separate();
  out_ += json_text;
}

void JsonWriter::separate() {
  if (std::exchange(after_key_, false) || empty_.empty()) {
    return;
  }
  if (!empty_.back()) {
    out_ += ',';
  }
  empty_.back() = false;
  newline();
}

void JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  empty_.push_back(true);
}

void JsonWriter::close(char bracket) {
  const bool was_empty = empty_.back();
  empty_.pop_back();
  if (!was_empty) {
    newline();
  }
  out_ += bracket;
}

void JsonWriter::newline() {
  if (indented_) {
    out_ += '\n';
    out_.append(2 * empty_.size(), ' ');
  }
}

}  // namespace roar::seccomp
