// Tests of the fast path's LD_PRELOAD entry: added first, and never shown in a report.
#include "roar/seccomp/attribution/preload_environment.hpp"

#include <doctest/doctest.h>

namespace roar::seccomp {

namespace {
constexpr std::string_view kLib = "/opt/roar/lib/roar-seccomp/libroar-seccomp-fast.so";
}

TEST_CASE("preload_value: the library first, the caller's entries kept after it") {
  CHECK(preload_value(kLib, std::nullopt) == kLib);
  CHECK(preload_value(kLib, "") == kLib);
  CHECK(preload_value(kLib, "/x/libfoo.so") == std::string(kLib) + ":/x/libfoo.so");
}

TEST_CASE("value_without_preload: the caller's value comes back, exactly") {
  CHECK(value_without_preload(kLib, kLib) == std::nullopt);
  CHECK(value_without_preload(std::string(kLib) + ":/x/libfoo.so", kLib) == "/x/libfoo.so");
  CHECK(value_without_preload(std::string(kLib) + ":", kLib) == "");  // the caller's empty one
  // What the tracer did not write (a program changed it) is left alone.
  CHECK(value_without_preload("/x/libfoo.so", kLib) == "/x/libfoo.so");
  CHECK(value_without_preload(std::string(kLib) + ".old", kLib) == std::string(kLib) + ".old");
}

TEST_CASE("remove_preload: from a reported environment") {
  std::map<std::string, std::string> env{{"LD_PRELOAD", std::string(kLib)}, {"HOME", "/root"}};
  remove_preload(env, kLib);
  CHECK(env == std::map<std::string, std::string>{{"HOME", "/root"}});
  env["LD_PRELOAD"] = std::string(kLib) + ":/x/libfoo.so";
  remove_preload(env, kLib);
  CHECK(env.at("LD_PRELOAD") == "/x/libfoo.so");
  remove_preload(env, kLib);
  CHECK(env.at("LD_PRELOAD") == "/x/libfoo.so");
}

}  // namespace roar::seccomp
