// json_quote: RFC 8259 string escaping.
#include "roar/seccomp/json.hpp"

#include <cstdio>

#include "roar/seccomp/report.hpp"

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

}  // namespace roar::seccomp
