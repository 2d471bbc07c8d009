// Tests of Error's rendering: message() and what() for printf-style "%s".
#include "roar/seccomp/util/error.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace roar::seccomp {

TEST_CASE("Error: what() is message() as a C string") {
  const Error os_error{ENOENT, "opening /x"};
  CHECK(os_error.message() == std::string("opening /x: ") + std::strerror(ENOENT));
  CHECK(std::string(os_error.what()) == os_error.message());

  const Error other{0, "not a report"};
  CHECK(other.message() == "not a report");
  CHECK(std::string(other.what()) == "not a report");

  errno = EACCES;
  const Error from_errno = Error::from_errno("reading");
  CHECK(from_errno.code == EACCES);
  CHECK(std::string(from_errno.what()) == from_errno.message());
}

TEST_CASE("Error: what() follows changes and works through a failed Result") {
  Error error{EINVAL, "parsing"};
  static_cast<void>(error.what());
  error.context = "decoding";
  CHECK(std::string(error.what()) == std::string("decoding: ") + std::strerror(EINVAL));

  const Result<int> failed = Error{EPERM, "seccomp"};
  CHECK(std::string(failed.error().what()) == std::string("seccomp: ") + std::strerror(EPERM));
}

}  // namespace roar::seccomp
