// FileFacts: what earlier calls established about files, which later calls' rules depend on.
#pragma once

#include <climits>
#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace roar::seccomp {

// A file's identity, independent of its names.
struct FileId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  auto operator<=>(const FileId&) const = default;
};

class FileFacts {
 public:
  // Descriptor `fd` of process `pid` was opened with O_TRUNC on file `id`: reading through it
  // returns only what was written through it, so such reads take in nothing.
  void truncating_fd(int pid, int fd, FileId id) { truncating_[{pid, fd}] = id; }
  [[nodiscard]] bool is_truncating_fd(int pid, int fd, FileId id) const {
    const auto it = truncating_.find({pid, fd});
    return it != truncating_.end() && it->second == id;
  }
  [[nodiscard]] bool has_truncating_fd(int pid, int fd) const {
    return truncating_.contains({pid, fd});
  }
  // Descriptors first..last of `pid` are released (all of a process that execs or exits).
  void release_fds(int pid, int first = 0, int last = INT32_MAX) {
    truncating_.erase(truncating_.lower_bound({pid, first}), truncating_.upper_bound({pid, last}));
  }
  void forget_process(int pid) { release_fds(pid); }

  // An O_TMPFILE file was given `path` by linkat: descriptors of it print "/dir/#ino (deleted)"
  // even afterwards, so the name is remembered by identity.
  void name_tmpfile(FileId id, std::string path) { tmpfile_names_[id] = std::move(path); }
  [[nodiscard]] const std::string* tmpfile_name(FileId id) const {
    const auto it = tmpfile_names_.find(id);
    return it == tmpfile_names_.end() ? nullptr : &it->second;
  }

  // Some process of the run mapped a named file MAP_SHARED through a writable descriptor. Until
  // then no mprotect can make a file writable, and its rule reads nothing. (Mappings made before
  // the run are gone: the command starts with an exec.)
  void note_writable_shared_mapping() { writable_shared_mappings_ = true; }
  [[nodiscard]] bool writable_shared_mappings() const { return writable_shared_mappings_; }

 private:
  std::map<std::pair<int, int>, FileId> truncating_;  // (pid, fd) -> file
  bool writable_shared_mappings_ = false;
  std::map<FileId, std::string> tmpfile_names_;
};

}  // namespace roar::seccomp
