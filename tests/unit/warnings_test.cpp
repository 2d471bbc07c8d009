// Tests of Warnings: one line per kind, with a count when it repeated.
#include "roar/seccomp/attribution/warnings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace roar::seccomp {

TEST_CASE("Warnings::lines") {
  Warnings w;
  CHECK(w.empty());
  CHECK(w.lines().empty());
  w.add("b happened");
  w.add("a happened");
  w.add("a happened");
  w.add("a happened");
  CHECK_FALSE(w.empty());
  CHECK(w.lines() == std::vector<std::string>{"a happened (3 times)", "b happened"});
}

}  // namespace roar::seccomp
