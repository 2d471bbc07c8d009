// The attribution rules: what one call, seen before it runs, does to which files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/access_table.hpp"
#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"

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
    kRenamed,         // `path` written (`dir`: files under `path2` moved) iff it names `expect`
    kExchanged,       // both sides, as kRenamed, iff `path` names `expect`, `path2` `expect2`
    kLinked,          // written iff `path` now names `expect`; names an O_TMPFILE file
    kResized,         // written iff `path` names `expect` and has size `length`
    kTruncatingOpen,  // `fd` (the lowest free number) now names `path`: a truncating fd
    kCloned,          // done iff `expect` (`fd`, or at `path`) changed size or ctime (see
                      // below): `source` read, `path` written (either empty: already recorded)
  };
  int fd = kNoFd;                // kSinkAdvanced: the sink; kCloned: the destination
  std::uint64_t offset_ptr = 0;  // kSinkAdvanced: loff_t* the kernel advances, 0 = fd position
  std::uint64_t before = 0;      // kSinkAdvanced: the offset when the call was made
  std::string path;
  Kind kind = Kind::kSinkAdvanced;
  FileId expect;
  std::string path2;
  FileId expect2;
  bool dir = false;          // kRenamed/kExchanged: `expect` is a directory
  bool dir2 = false;         // kExchanged: `expect2` is a directory
  std::uint64_t length = 0;  // kResized: the size asked for; kCloned: the size before
  std::string source;        // kCloned
  Timestamp ctime;           // kCloned: the destination's change time before the call
  // kCloned: done iff the destination's size changed (it certainly grows if the clone works).
  bool size_decides = false;
  // kCloned: the destination changed within the current clock tick before the call, so a
  // change time the clone would set may equal the old one: unchanged counts as done.
  bool assume_done = false;
};

// The fast path: once this call is recorded, later calls of its thread on `fd` in `direction`
// (ROAR_FAST_PATH_READ or _WRITE) can record nothing new, so they may skip their notification.
struct FastPathGrant {
  int fd = -1;
  unsigned direction = 0;
};

struct Attribution {
  std::vector<FileEvent> events;
  std::optional<PendingCheck> pending;
  bool memory_unreadable = false;  // a path, byte count or offset could not be read
  bool path_unresolved = false;    // a path the rule needed was not looked up (FUSE, see view)
  // A rename, link or truncate whose path could not be read: what it wrote is unknown, and the
  // report is incomplete (the memory warning names these calls).
  bool published_unknown = false;
  // What the call moves could not be told (its arguments or the mappings were unreadable): the
  // report is incomplete, and this names the call for the warning.
  const char* unattributed = nullptr;
  // A named file was mapped MAP_SHARED through a writable descriptor: from now on, making a
  // mapping writable (mprotect) may write a file (FileFacts::writable_shared_mappings).
  bool writable_shared_mapping = false;
  // Not a record: what the call tells about the calls that follow it.
  std::optional<FastPathGrant> grant;

  // Nothing to record: the common case of a call on a file its thread already read or wrote,
  // which then needs no validity check. The binding names every field, so that a field added
  // without a decision here does not compile.
  [[nodiscard]] bool empty() const noexcept {
    const auto& [accesses, check, no_memory, no_walk, no_name, unknown_call, shared_mapping,
                 later_calls] = *this;
    static_cast<void>(later_calls);  // a grant is applied whether or not anything is recorded
    return accesses.empty() && !check && !no_memory && !no_walk && !no_name &&
           unknown_call == nullptr && !shared_mapping;
  }
};

// Who makes the call, and what earlier calls established.
struct CallContext {
  const AccessTable& known;  // lets rules skip checks whose answer could not add anything new
  int tid = 0;
  std::optional<int> pid;  // the caller's process, when known
  const FileFacts* facts = nullptr;
  // CLOCK_REALTIME_COARSE at the notification: the clock the kernel stamps change times with.
  Timestamp now;
};

// Applies the rule of `spec.effect` (documented per row in filters/syscall_table.cpp).
Attribution attribute(const SyscallSpec& spec, const SyscallArgs& args, const AbiInfo& abi,
                      const CallerView& view, const CallContext& context);

struct Settlement {
  std::vector<FileEvent> events;
  std::optional<std::pair<int, FileId>> truncating_fd;         // kTruncatingOpen: fd and its file
  std::optional<std::pair<FileId, std::string>> tmpfile_name;  // kLinked of an O_TMPFILE file
};

// Settles a PendingCheck once the thread has moved on (or the run is over). `written` is what
// the tree wrote so far: the files of it below a renamed directory are written at their new
// names (those that are there).
Settlement settle(const PendingCheck& check, const CallerView& view, const AccessTable& written);

// The path of the file `fd` refers to, or nullopt for pipes, sockets, memfds, unnamed O_TMPFILE
// files and other objects without one. An unlinked file keeps its original path.
std::optional<std::string> file_path_of(const CallerView& view, int fd,
                                        const FileFacts* facts = nullptr);

// The same for a mapped file: the name /proc/<pid>/maps prints for it.
std::optional<std::string> mapped_file_path(const Mapping& mapping, const FileFacts* facts);

}  // namespace roar::seccomp
