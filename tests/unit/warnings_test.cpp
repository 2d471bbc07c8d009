// Tests of Warnings (one line per kind, with a count when it repeated) and of the catalogue.
#include "roar/seccomp/attribution/warnings.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/warning_catalogue.hpp"

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

TEST_CASE("The warning catalogue: one line per kind, each kind its own text") {
  const std::vector<std::string> all = {
      warning::kDescriptorsDenied,
      warning::kMemoryUnreadable,
      warning::kWalkRefused,
      warning::unattributed("XFS_IOC_EXCHANGE_RANGE"),
      warning::kOrphanUnderRoot,
      warning::kOwnListener,
      warning::kIoUringRefused,
      warning::kIoUringAllowed,
      warning::not_traced("no reason"),
      warning::background_killed("2.5"),
      warning::tracer_failed("std::bad_alloc"),
      warning::kTracerStarved,
  };
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  for (const std::string& text : all) {
    CAPTURE(text);
    CHECK_FALSE(text.empty());
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.back() != '.');
  }
  // The parameters are said, where roar and the tests look for them.
  CHECK(warning::unattributed("XFS_IOC_EXCHANGE_RANGE").find("XFS_IOC_EXCHANGE_RANGE") !=
        std::string::npos);
  CHECK(warning::not_traced("no reason").starts_with("not traced: no reason;"));
  CHECK(warning::background_killed("2.5").find("2.5 s") != std::string::npos);
  CHECK(warning::unattributed(warning::kIocbsUnreadable).find("io_submit") != std::string::npos);
}

}  // namespace roar::seccomp
