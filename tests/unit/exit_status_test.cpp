// Tests of the exit codes: a waitpid status as the shell reports it, exec errors, a run's code.
#include "roar/seccomp/launch/exit_status.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace roar::seccomp {
namespace {

// A real status from a real child, so the test does not depend on the encoding of the macros.
int status_of_child(void (*body)()) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    _exit(99);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("exit_code_of") {
  CHECK(exit_code_of(status_of_child([] { _exit(0); })) == 0);
  CHECK(exit_code_of(status_of_child([] { _exit(3); })) == 3);
  CHECK(exit_code_of(status_of_child([] { _exit(255); })) == 255);
  CHECK(exit_code_of(status_of_child([] {
          signal(SIGTERM, SIG_DFL);
          raise(SIGTERM);
        })) == 128 + SIGTERM);
  CHECK(exit_code_of(status_of_child([] { raise(SIGKILL); })) == 137);
  CHECK(kExitTracerFailed == 125);
  CHECK(kExitNotExecutable == 126);
  CHECK(kExitNotFound == 127);
}

TEST_CASE("exit_code_of_exec_error: 127 when nothing was found, 126 otherwise") {
  CHECK(exit_code_of_exec_error(ENOENT) == kExitNotFound);
  CHECK(exit_code_of_exec_error(ENOTDIR) == kExitNotFound);
  CHECK(exit_code_of_exec_error(EACCES) == kExitNotExecutable);
  CHECK(exit_code_of_exec_error(E2BIG) == kExitNotExecutable);
  CHECK(exit_code_of_exec_error(ENOSYS) == kExitNotExecutable);
}

TEST_CASE("exit_code_of_run: the exec's failure first, then the root's status") {
  const int exited_3 = status_of_child([] { _exit(3); });
  CHECK(exit_code_of_run(std::nullopt, exited_3) == 3);
  CHECK(exit_code_of_run(ENOENT, exited_3) == kExitNotFound);
  CHECK(exit_code_of_run(EACCES, std::nullopt) == kExitNotExecutable);
  CHECK(exit_code_of_run(std::nullopt, std::nullopt) == kExitTracerFailed);
}

}  // namespace roar::seccomp
