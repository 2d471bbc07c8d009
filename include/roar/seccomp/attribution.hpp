// The attribution rules: what one call, seen before it runs, does to which files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/abi.hpp"
#include "roar/seccomp/access_log.hpp"
#include "roar/seccomp/syscall_args.hpp"
#include "roar/seccomp/syscall_spec.hpp"
#include "roar/seccomp/tracee_view.hpp"

namespace roar::seccomp {

struct FileEvent {
  std::string path;
  Access access;
};

// A call whose outcome its arguments and the kernel state could not settle (a splice out of an
// empty pipe): the sink was written iff its offset moved by the time the same thread traps again.
struct PendingCheck {
  int fd = kNoFd;             // the sink descriptor
  std::uint64_t offset_ptr = 0;  // loff_t* the kernel advances, or 0 for the fd position
  std::uint64_t before = 0;   // the offset when the call was made
  std::string path;           // the sink's file
};

struct Attribution {
  std::vector<FileEvent> events;
  std::optional<PendingCheck> pending;
  bool memory_unreadable = false;  // a byte count or offset had to be assumed
};

// Applies the rule of `spec.effect` (documented per row in filters/syscall_table.cpp) to a call
// of thread `tid`. `known` lets it skip checks whose answer could not add anything new.
Attribution attribute(const SyscallSpec& spec, const SyscallArgs& args, const AbiInfo& abi,
                      TraceeView& view, const AccessLog& known, int tid);

// Settles a PendingCheck once the thread has moved on to another call.
std::vector<FileEvent> settle(const PendingCheck& check, TraceeView& view);

// The path of the file `fd` refers to, or nullopt for pipes, sockets, memfds and other objects
// without one. An unlinked file keeps its original path (without " (deleted)").
std::optional<std::string> file_path_of(TraceeView& view, int fd);

}  // namespace roar::seccomp
