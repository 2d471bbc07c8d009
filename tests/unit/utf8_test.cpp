// Tests of is_valid_utf8 and to_valid_utf8 (RFC 3629: no overlongs, surrogates or > U+10FFFF).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {
namespace {

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (unsigned v : values) {
    out += static_cast<char>(v);
  }
  return out;
}

const std::string kReplacement = "\xef\xbf\xbd";

}  // namespace

TEST_CASE("is_valid_utf8 accepts well-formed text") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii /path\n"));
  CHECK(is_valid_utf8(std::string_view("nul\0inside", 10)));
  CHECK(is_valid_utf8(bytes({0xc2, 0x80})));              // U+0080, smallest 2-byte
  CHECK(is_valid_utf8(bytes({0xdf, 0xbf})));              // U+07FF
  CHECK(is_valid_utf8(bytes({0xe0, 0xa0, 0x80})));        // U+0800, smallest 3-byte
  CHECK(is_valid_utf8(bytes({0xe2, 0x82, 0xac})));        // U+20AC euro sign
  CHECK(is_valid_utf8(bytes({0xed, 0x9f, 0xbf})));        // U+D7FF, just below the surrogates
  CHECK(is_valid_utf8(bytes({0xee, 0x80, 0x80})));        // U+E000, just above them
  CHECK(is_valid_utf8(bytes({0xf0, 0x90, 0x80, 0x80})));  // U+10000, smallest 4-byte
  CHECK(is_valid_utf8(bytes({0xf4, 0x8f, 0xbf, 0xbf})));  // U+10FFFF, the last code point
}

TEST_CASE("is_valid_utf8 rejects ill-formed text") {
  SUBCASE("overlong encodings") {
    CHECK_FALSE(is_valid_utf8(bytes({0xc0, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xc1, 0xbf})));
    CHECK_FALSE(is_valid_utf8(bytes({0xe0, 0x80, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xe0, 0x9f, 0xbf})));
    CHECK_FALSE(is_valid_utf8(bytes({0xf0, 0x80, 0x80, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xf0, 0x8f, 0xbf, 0xbf})));
  }
  SUBCASE("surrogates") {
    CHECK_FALSE(is_valid_utf8(bytes({0xed, 0xa0, 0x80})));  // U+D800
    CHECK_FALSE(is_valid_utf8(bytes({0xed, 0xbf, 0xbf})));  // U+DFFF
  }
  SUBCASE("beyond U+10FFFF") {
    CHECK_FALSE(is_valid_utf8(bytes({0xf4, 0x90, 0x80, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xf5, 0x80, 0x80, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xff})));
  }
  SUBCASE("truncated and stray bytes") {
    CHECK_FALSE(is_valid_utf8(bytes({0xe2, 0x82})));
    CHECK_FALSE(is_valid_utf8(bytes({0xf0, 0x90, 0x80})));
    CHECK_FALSE(is_valid_utf8(bytes({0xc2})));
    CHECK_FALSE(is_valid_utf8(bytes({0x80})));
    CHECK_FALSE(is_valid_utf8("ok" + bytes({0xe2, 0x82}) + "ok"));
    CHECK_FALSE(is_valid_utf8(bytes({0xc2, 0x41})));
  }
}

TEST_CASE("to_valid_utf8") {
  SUBCASE("valid text is unchanged") {
    const std::string euro = "price " + bytes({0xe2, 0x82, 0xac}) + " 5";
    CHECK(to_valid_utf8(euro) == euro);
    CHECK(to_valid_utf8("") == "");
  }
  SUBCASE("a stray byte becomes U+FFFD and its neighbours survive") {
    CHECK(to_valid_utf8("a" + bytes({0xff}) + "b") == "a" + kReplacement + "b");
    CHECK(to_valid_utf8(bytes({0x80})) == kReplacement);
  }
  SUBCASE("ill-formed sequences are replaced and what follows survives") {
    for (const std::string& bad : {bytes({0xc0, 0x80}), bytes({0xed, 0xa0, 0x80}),
                                   bytes({0xf4, 0x90, 0x80, 0x80}), bytes({0xe2, 0x82})}) {
      const std::string repaired = to_valid_utf8("x" + bad + "y");
      CHECK(is_valid_utf8(repaired));
      CHECK(repaired.front() == 'x');
      CHECK(repaired.back() == 'y');
      CHECK(repaired.find(kReplacement) == 1);
    }
    // A valid sequence right after a truncated one is kept.
    CHECK(
        to_valid_utf8(bytes({0xe2, 0x82, 0xe2, 0x82, 0xac})).ends_with(bytes({0xe2, 0x82, 0xac})));
  }
}

}  // namespace roar::seccomp

namespace roar::seccomp {

TEST_CASE("utf8_sequence_length and utf8_code_point decode one character") {
  const std::string text = "a" + bytes({0xc3, 0xa9}) + bytes({0xe2, 0x82, 0xac}) +
                           bytes({0xf0, 0x9f, 0x98, 0x80}) + bytes({0xff});
  CHECK(utf8_sequence_length(text, 0) == 1);
  CHECK(utf8_sequence_length(text, 1) == 2);
  CHECK(utf8_sequence_length(text, 2) == 0);  // a continuation byte starts nothing
  CHECK(utf8_sequence_length(text, 3) == 3);
  CHECK(utf8_sequence_length(text, 6) == 4);
  CHECK(utf8_sequence_length(text, 10) == 0);                      // 0xff
  CHECK(utf8_sequence_length(bytes({0xe2, 0x82}), 0) == 0);        // cut short
  CHECK(utf8_sequence_length(bytes({0xed, 0xa0, 0x80}), 0) == 0);  // a surrogate
  CHECK(utf8_code_point(text.substr(0, 1)) == U'a');
  CHECK(utf8_code_point(text.substr(1, 2)) == U'\u00e9');
  CHECK(utf8_code_point(text.substr(3, 3)) == U'\u20ac');
  CHECK(utf8_code_point(text.substr(6, 4)) == U'\U0001f600');
}

}  // namespace roar::seccomp
