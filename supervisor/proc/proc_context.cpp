// ProcContext: opening /proc once for the whole run.
#include "roar/seccomp/proc/proc_context.hpp"

#include <fcntl.h>

#include <cstdlib>
#include <string>

namespace roar::seccomp {

ViewCapabilities ViewCapabilities::from_environment() {
  const char* faults = std::getenv("ROAR_SECCOMP_TEST_FAULTS");
  const std::string f = faults != nullptr ? faults : "";
  ViewCapabilities caps;
  caps.memory = f.find("memory") == std::string::npos;
  caps.pidfd = f.find("pidfd") == std::string::npos;
  caps.kcmp = f.find("kcmp") == std::string::npos;
  return caps;
}

Result<ProcContext> ProcContext::open(ViewCapabilities caps) {
  UniqueFd proc_dir(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) {
    return Error::from_errno("cannot open /proc; mount procfs");
  }
  ProcPids pids = ProcPids::detect(proc_dir.get());
  FuseMounts fuse = FuseMounts::before_run(proc_dir.get());
  return ProcContext(std::move(proc_dir), pids, std::move(fuse), caps);
}

}  // namespace roar::seccomp
