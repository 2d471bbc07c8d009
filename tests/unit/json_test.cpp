// Tests of json_quote: the string literals --preflight --json prints for roar to parse.
#include "roar/seccomp/json.hpp"

#include <doctest/doctest.h>

#include <string>

namespace roar::seccomp {

TEST_CASE("json_quote") {
  CHECK(json_quote("") == "\"\"");
  CHECK(json_quote("plain") == "\"plain\"");
  CHECK(json_quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(json_quote("back\\slash") == "\"back\\\\slash\"");
  CHECK(json_quote("a\nb\rc\td") == "\"a\\nb\\rc\\td\"");
  CHECK(json_quote(std::string("\x01", 1)) == "\"\\u0001\"");
  CHECK(json_quote(std::string("\x1f", 1)) == "\"\\u001f\"");
  CHECK(json_quote(std::string("a\0b", 3)) == "\"a\\u0000b\"");
  // The solidus and non-ASCII text need no escape; DEL is not a control character in JSON.
  CHECK(json_quote("/usr/bin") == "\"/usr/bin\"");
  CHECK(json_quote("caf\xc3\xa9\x7f") == "\"caf\xc3\xa9\x7f\"");
  // Bytes that are not UTF-8 would make the whole object unparsable.
  CHECK(json_quote(std::string("x\xff", 2)) == "\"x\xef\xbf\xbd\"");
}

}  // namespace roar::seccomp
