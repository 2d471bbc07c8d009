// Tests of UniqueFd: exactly one close per descriptor, whatever ownership moves happen.
#include "roar/seccomp/util/unique_fd.hpp"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace roar::seccomp {
namespace {

// Counts this process's open descriptors (the directory stream's own one included every time).
int open_fd_count() {
  DIR* dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  int n = 0;
  while (readdir(dir) != nullptr) {
    ++n;
  }
  closedir(dir);
  return n;
}

bool is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

int new_fd() {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  return fd;
}

}  // namespace

TEST_CASE("UniqueFd") {
  const int before = open_fd_count();

  SUBCASE("the destructor closes") {
    int fd = -1;
    {
      UniqueFd owner(new_fd());
      fd = owner.get();
      CHECK(static_cast<bool>(owner));
      CHECK(is_open(fd));
    }
    CHECK_FALSE(is_open(fd));
  }
  SUBCASE("a move transfers ownership and leaves the source empty") {
    UniqueFd a(new_fd());
    const int fd = a.get();
    UniqueFd b(std::move(a));
    CHECK(a.get() == -1);  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
    CHECK_FALSE(static_cast<bool>(a));
    CHECK(b.get() == fd);
    UniqueFd c;
    c = std::move(b);
    CHECK(c.get() == fd);
    CHECK(is_open(fd));
  }
  SUBCASE("move assignment closes what the target owned") {
    UniqueFd a(new_fd());
    UniqueFd b(new_fd());
    const int old = b.get();
    b = std::move(a);
    CHECK_FALSE(is_open(old));
  }
  SUBCASE("release gives the descriptor up without closing it") {
    UniqueFd a(new_fd());
    const int fd = a.release();
    CHECK(a.get() == -1);
    CHECK(is_open(fd));
    CHECK(close(fd) == 0);
  }
  SUBCASE("reset closes the old descriptor and takes the new one") {
    UniqueFd a(new_fd());
    const int old = a.get();
    const int next = new_fd();
    a.reset(next);
    CHECK_FALSE(is_open(old));
    CHECK(a.get() == next);
    a.reset();
    CHECK_FALSE(is_open(next));
    CHECK(a.get() == -1);
  }
  CHECK(open_fd_count() == before);
}

}  // namespace roar::seccomp
