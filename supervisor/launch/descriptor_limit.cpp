// Raising the tracer's soft descriptor limit to its hard limit.
#include "roar/seccomp/launch/descriptor_limit.hpp"

namespace roar::seccomp {

std::optional<rlimit> raise_own_descriptor_limit() noexcept {
  rlimit caller{};
  if (getrlimit(RLIMIT_NOFILE, &caller) != 0 || caller.rlim_cur == caller.rlim_max) {
    return std::nullopt;
  }
  rlimit own = caller;
  own.rlim_cur = caller.rlim_max;
  // Failing leaves the caller's limit, which the tracer then lives within (ProcContext).
  if (setrlimit(RLIMIT_NOFILE, &own) != 0) {
    return std::nullopt;
  }
  return caller;
}

}  // namespace roar::seccomp
