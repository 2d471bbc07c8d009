// Tests of json_quote and JsonWriter: what --preflight --json prints for roar, and the tools.
#include "roar/seccomp/report/json.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "roar/seccomp/launch/preflight.hpp"

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

namespace roar::seccomp {

TEST_CASE("JsonWriter: compact output is one line without spaces") {
  JsonWriter w;
  w.begin_object();
  w.key("a");
  w.number(-1);
  w.key("b");
  w.begin_array();
  w.boolean(true);
  w.null();
  w.string("x\ny");
  w.number(std::uint64_t{18446744073709551615U});
  w.end_array();
  w.key("empty");
  w.begin_object();
  w.end_object();
  w.key("r");
  w.real(2.0);
  w.end_object();
  CHECK(std::move(w).finish() ==
        R"({"a":-1,"b":[true,null,"x\ny",18446744073709551615],"empty":{},"r":2.0})");
}

TEST_CASE("JsonWriter: indented output, two spaces a level, empty containers on one line") {
  JsonWriter w(JsonWriter::Layout::kIndented);
  w.begin_object();
  w.key("list");
  w.begin_array();
  w.number(1);
  w.begin_array();
  w.end_array();
  w.end_array();
  w.key("raw");
  w.raw(R"({"bytes_hex": "ff"})");
  w.end_object();
  CHECK(std::move(w).finish() ==
        "{\n  \"list\": [\n    1,\n    []\n  ],\n  \"raw\": {\"bytes_hex\": \"ff\"}\n}");
}

TEST_CASE("JsonWriter: reals read back as floats, and null when not finite") {
  const auto text = [](double v) {
    JsonWriter w;
    w.real(v);
    return std::move(w).finish();
  };
  CHECK(text(1700000000.0) == "1.7e+09");  // shortest form: still a float to a reader
  CHECK(text(1700000000.25) == "1700000000.25");
  CHECK(text(3.0) == "3.0");
  CHECK(text(0.1) == "0.1");
  CHECK(text(1e300) == "1e+300");
  CHECK(text(std::numeric_limits<double>::infinity()) == "null");
  CHECK(text(std::numeric_limits<double>::quiet_NaN()) == "null");
}

TEST_CASE("preflight to_json: the exact one-line object roar parses") {
  PreflightResult r;
  r.ok = false;
  r.summary = "command not found: nope";
  r.command_checked = "nope";
  r.warnings = {"w\"1"};
  r.checks = {{"kernel", true, "ok"}, {"command", false, "not found on PATH: nope"}};
  CHECK(to_json(r) ==
        R"({"backend":"seccomp","ok":false,"summary":"command not found: nope",)"
        R"("command_checked":"nope","warnings":["w\"1"],"checks":[{"name":"kernel","ok":true,)"
        R"("detail":"ok"},{"name":"command","ok":false,"detail":"not found on PATH: nope"}]})");
  r.command_checked.clear();
  r.warnings.clear();
  r.checks.clear();
  CHECK(to_json(r) == R"({"backend":"seccomp","ok":false,"summary":"command not found: nope",)"
                      R"("command_checked":null,"warnings":[],"checks":[]})");
}

}  // namespace roar::seccomp
