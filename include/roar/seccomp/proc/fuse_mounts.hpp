// FuseMounts: which FUSE file systems the traced tree may be serving itself, so that the
// supervisor never walks a path that waits on a process waiting for the supervisor.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// Devices (st_dev) of the FUSE file systems ("fuse", "fuseblk", "fuse.*") in a
// /proc/<pid>/mountinfo text.
std::vector<dev_t> fuse_devices(std::string_view mountinfo);

// A FUSE file system mounted before the run is served from outside the traced tree: walking it
// may be slow but cannot wait on the tree. One mounted since may be served by a traced process,
// which can be stopped in a call that the supervisor has yet to answer.
class FuseMounts {
 public:
  FuseMounts() = default;
  // `own_namespace`: the supervisor's mount namespace (the inode of /proc/self/ns/mnt).
  explicit FuseMounts(std::vector<dev_t> before_run, FileId own_namespace = {})
      : before_run_(std::move(before_run)), own_namespace_(own_namespace) {}

  // The FUSE file systems mounted now in the supervisor's namespace, which the run starts in.
  static FuseMounts before_run(int proc_dir);

  // Whether `mountinfo` lists a FUSE file system that was not there before the run.
  [[nodiscard]] bool any_new(std::string_view mountinfo) const;

  [[nodiscard]] FileId own_namespace() const noexcept { return own_namespace_; }

  // Whether mount namespace `ns`, that of /proc/<pid> (`pid` a number or "self"), has such a
  // file system now; true when that cannot be read. Each namespace's mountinfo is read once and
  // read again only when poll(2) reports that its mounts changed, so the common answer costs
  // one system call.
  bool new_in_namespace(int proc_dir, const char* pid, FileId ns);

 private:
  struct Namespace {
    FileId id;
    UniqueFd mountinfo;
    bool any_new = true;
  };
  static constexpr std::size_t kMaxNamespaces = 64;

  std::vector<dev_t> before_run_;
  FileId own_namespace_;
  std::vector<Namespace> namespaces_;
};

}  // namespace roar::seccomp
