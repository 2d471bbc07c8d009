// Tests of LauncherExecs: the launcher's exec has its exact pointers and precedes the program.
#include "roar/seccomp/notify/launcher_execs.hpp"

#include <doctest/doctest.h>

namespace roar::seccomp {
namespace {

constexpr LauncherExec kCommand{10, 0x1000, 0x1800, 0x2000};

Notification exec_by(int tid, std::uint64_t argv, std::uint64_t envp) {
  Notification n;
  n.tid = tid;
  n.args = {0x900, argv, envp, 0, 0, 0};
  return n;
}

}  // namespace

TEST_CASE("LauncherExecs: the launcher's exec of the command") {
  LauncherExecs execs(kCommand);
  CHECK(execs.is_launcher_exec(exec_by(10, 0x1000, 0x2000)));
  CHECK(execs.is_launcher_exec(exec_by(10, 0x1800, 0x2000)));  // the ENOEXEC fallback
  CHECK_FALSE(execs.is_launcher_exec(exec_by(10, 0x1000, 0x3000)));
  CHECK_FALSE(execs.is_launcher_exec(exec_by(10, 0x5000, 0x2000)));
  CHECK_FALSE(execs.is_launcher_exec(exec_by(11, 0x1000, 0x2000)));

  SUBCASE("once the program ran, its execs are its own") {
    execs.program_ran(20);  // another process: no change
    execs.program_ran(std::nullopt);
    CHECK(execs.is_launcher_exec(exec_by(10, 0x1000, 0x2000)));
    execs.program_ran(10);
    CHECK_FALSE(execs.is_launcher_exec(exec_by(10, 0x1000, 0x2000)));
  }
  SUBCASE("a nested run's command, until it is over") {
    execs.add(LauncherExec{30, 0x7000, 0x7800, 0x8000});
    CHECK(execs.is_launcher_exec(exec_by(30, 0x7000, 0x8000)));
    CHECK(execs.is_launcher_exec(exec_by(10, 0x1000, 0x2000)));
    execs.remove(30);
    CHECK_FALSE(execs.is_launcher_exec(exec_by(30, 0x7000, 0x8000)));
    CHECK(execs.is_launcher_exec(exec_by(10, 0x1000, 0x2000)));
  }
}

}  // namespace roar::seccomp
