// exit_code_of: waitpid status to shell exit code.
#include "roar/seccomp/launch/exit_status.hpp"

#include <sys/wait.h>

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

}  // namespace roar::seccomp
