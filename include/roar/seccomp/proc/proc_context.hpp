// ProcContext: the one way to look at traced processes: /proc, pid translation, the FUSE guard and
// what views may use, with a factory of views.
#pragma once

#include "roar/seccomp/proc/fuse_mounts.hpp"
#include "roar/seccomp/proc/proc_pids.hpp"
#include "roar/seccomp/proc/proc_tracee_view.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

class ProcContext {
 public:
  // Opens /proc, tells whether it shows our pid namespace and notes the FUSE file systems
  // mounted before the run. `caps` is what views may use (see ViewCapabilities).
  static Result<ProcContext> open(ViewCapabilities caps);

  // A view of thread `tid` (0: of no thread, for the file system and /proc at large).
  [[nodiscard]] ProcTraceeView view(int tid) {
    return {proc_dir_.get(), tid, caps_, &pids_, &fuse_};
  }

  [[nodiscard]] int proc_dir() const noexcept { return proc_dir_.get(); }
  [[nodiscard]] const ProcPids& pids() const noexcept { return pids_; }
  [[nodiscard]] ViewCapabilities caps() const noexcept { return caps_; }

 private:
  ProcContext(UniqueFd proc_dir, ProcPids pids, FuseMounts fuse, ViewCapabilities caps)
      : proc_dir_(std::move(proc_dir)), pids_(pids), fuse_(std::move(fuse)), caps_(caps) {}

  UniqueFd proc_dir_;
  ProcPids pids_;
  FuseMounts fuse_;
  ViewCapabilities caps_;
};

}  // namespace roar::seccomp
