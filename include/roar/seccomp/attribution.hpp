// The attribution rules: what one call, seen before it runs, does to which files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/abi.hpp"
#include "roar/seccomp/access_log.hpp"
#include "roar/seccomp/file_facts.hpp"
#include "roar/seccomp/syscall_args.hpp"
#include "roar/seccomp/syscall_spec.hpp"
#include "roar/seccomp/tracee_view.hpp"

namespace roar::seccomp {

struct FileEvent {
  std::string path;
  Access access;
};

// A call whose outcome its arguments and the kernel state cannot settle beforehand. It is
// settled when the same thread traps again (its call has then returned) or when the run ends.
struct PendingCheck {
  enum class Kind {
    kSinkAdvanced,    // splice out of an empty pipe: written iff the sink's offset moved
    kRenamed,         // written iff `path` now names `expect`
    kExchanged,       // both written iff `path` names `expect` and `path2` names `expect2`
    kLinked,          // written iff `path` now names `expect`; names an O_TMPFILE file
    kResized,         // written iff `path` names `expect` and has size `length`
    kTruncatingOpen,  // `fd` (the lowest free number) now names `path`: a truncating fd
  };
  int fd = kNoFd;                // kSinkAdvanced: the sink descriptor
  std::uint64_t offset_ptr = 0;  // kSinkAdvanced: loff_t* the kernel advances, 0 = fd position
  std::uint64_t before = 0;      // kSinkAdvanced: the offset when the call was made
  std::string path;
  Kind kind = Kind::kSinkAdvanced;
  FileId expect;
  std::string path2;
  FileId expect2;
  std::uint64_t length = 0;
};

struct Attribution {
  std::vector<FileEvent> events;
  std::optional<PendingCheck> pending;
  bool memory_unreadable = false;  // a path, byte count or offset could not be read
  bool path_unresolved = false;    // a path the rule needed was not looked up (FUSE, see view)
};

// Who makes the call, and what earlier calls established.
struct CallContext {
  const AccessLog& known;  // lets rules skip checks whose answer could not add anything new
  int tid = 0;
  std::optional<int> pid;  // the caller's process, when known
  const FileFacts* facts = nullptr;
};

// Applies the rule of `spec.effect` (documented per row in filters/syscall_table.cpp).
Attribution attribute(const SyscallSpec& spec, const SyscallArgs& args, const AbiInfo& abi,
                      TraceeView& view, const CallContext& context);

struct Settlement {
  std::vector<FileEvent> events;
  std::optional<std::pair<int, FileId>> truncating_fd;         // kTruncatingOpen: fd and its file
  std::optional<std::pair<FileId, std::string>> tmpfile_name;  // kLinked of an O_TMPFILE file
};

// Settles a PendingCheck once the thread has moved on (or the run is over).
Settlement settle(const PendingCheck& check, TraceeView& view);

// The path of the file `fd` refers to, or nullopt for pipes, sockets, memfds, unnamed O_TMPFILE
// files and other objects without one. An unlinked file keeps its original path.
std::optional<std::string> file_path_of(TraceeView& view, int fd, const FileFacts* facts = nullptr);

}  // namespace roar::seccomp
