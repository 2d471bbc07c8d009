// Classification of what a descriptor refers to, from the text of its /proc/<tid>/fd link.
#pragma once

#include <string>
#include <string_view>

namespace roar::seccomp {

enum class TargetKind {
  kPath,       // a file system object with a path (file, device, directory)
  kDeleted,    // a path whose link ends in " (deleted)": unlinked, or a name that ends so
  kMemfd,      // memfd_create: "/memfd:name (deleted)", no path of its own
  kPipe,       // "pipe:[ino]"
  kSocket,     // "socket:[ino]"
  kAnonymous,  // "anon_inode:...", namespaces and other objects without a path
};

struct FdTarget {
  TargetKind kind;
  std::string path;  // for kPath and kDeleted: the path without the " (deleted)" suffix
};

// Pure: looks only at the link text. Whether a kDeleted path is really unlinked (and so must
// lose the suffix) depends on the file's link count, which the caller checks.
FdTarget classify_fd_link(std::string_view link);

inline constexpr std::string_view kDeletedSuffix = " (deleted)";

}  // namespace roar::seccomp
