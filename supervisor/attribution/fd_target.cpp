// Classification of /proc/<tid>/fd link text (see proc_pid_fd(5) for the forms the kernel uses).
#include "roar/seccomp/attribution/fd_target.hpp"

namespace roar::seccomp {

FdTarget classify_fd_link(std::string_view link) {
  if (link.empty() || link.front() != '/') {
    if (link.starts_with("pipe:")) {
      return {TargetKind::kPipe, {}};
    }
    if (link.starts_with("socket:")) {
      return {TargetKind::kSocket, {}};
    }
    // anon_inode:[eventfd], anon_inode:inotify, mnt:[4026531840], ...
    return {TargetKind::kAnonymous, {}};
  }
  if (!link.ends_with(kDeletedSuffix)) {
    return {TargetKind::kPath, std::string(link)};
  }
  const std::string_view stripped = link.substr(0, link.size() - kDeletedSuffix.size());
  // memfd_create files live on an internal mount and print as "/memfd:NAME (deleted)".
  if (stripped.starts_with("/memfd:")) {
    return {TargetKind::kMemfd, {}};
  }
  return {TargetKind::kDeleted, std::string(stripped)};
}

}  // namespace roar::seccomp
