// ProcContext: opening /proc once for the whole run.
#include "roar/seccomp/proc/proc_context.hpp"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
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

namespace {

// Descriptors left for the /proc reads of the calls being handled (a few each) and for the
// tracer's own files, below the soft limit.
constexpr rlim_t kDescriptorReserve = 64;

int keep_below_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur >= static_cast<rlim_t>(std::numeric_limits<int>::max())) {
    return std::numeric_limits<int>::max();
  }
  // A small limit keeps half for the reads.
  const rlim_t keep = limit.rlim_cur > 2 * kDescriptorReserve ? limit.rlim_cur - kDescriptorReserve
                                                              : limit.rlim_cur / 2;
  return static_cast<int>(keep);
}

}  // namespace

Result<ProcContext> ProcContext::open(ViewCapabilities caps) {
  caps.keep_below = std::min(caps.keep_below, keep_below_limit());
  UniqueFd proc_dir(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) {
    return Error::from_errno("cannot open /proc; mount procfs");
  }
  ProcPids pids = ProcPids::detect(proc_dir.get());
  FuseMounts fuse = FuseMounts::before_run(proc_dir.get());
  return ProcContext(std::move(proc_dir), pids, std::move(fuse), caps);
}

}  // namespace roar::seccomp
