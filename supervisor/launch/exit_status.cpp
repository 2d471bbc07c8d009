// Exit codes: waitpid statuses and exec errors as a shell reports them.
#include "roar/seccomp/launch/exit_status.hpp"

#include <sys/wait.h>

#include <cerrno>

namespace roar::seccomp {

int exit_code_of(int wait_status) noexcept {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return kExitTracerFailed;
}

int exit_code_of_exec_error(int error) noexcept {
  return error == ENOENT || error == ENOTDIR ? kExitNotFound : kExitNotExecutable;
}

int exit_code_of_run(const std::optional<int>& exec_error,
                     const std::optional<int>& root_wait_status) noexcept {
  if (exec_error) {
    return exit_code_of_exec_error(*exec_error);
  }
  return root_wait_status ? exit_code_of(*root_wait_status) : kExitTracerFailed;
}

}  // namespace roar::seccomp
