// FileFacts: what earlier calls established about files, which later calls' rules depend on.
#pragma once

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
  // Process `pid` opened the file with O_TRUNC: what it maps back is what it wrote itself.
  void truncated_by(int pid, FileId id) { truncated_.insert({pid, id}); }
  [[nodiscard]] bool was_truncated_by(int pid, FileId id) const {
    return truncated_.contains({pid, id});
  }
  // A process that exits takes its truncations along; its pid may be reused.
  void forget_process(int pid) {
    truncated_.erase(truncated_.lower_bound({pid, FileId{}}),
                     truncated_.lower_bound({pid + 1, FileId{}}));
  }

  // An O_TMPFILE file was given `path` by linkat: descriptors of it print "/dir/#ino (deleted)"
  // even afterwards, so the name is remembered by identity.
  void name_tmpfile(FileId id, std::string path) { tmpfile_names_[id] = std::move(path); }
  [[nodiscard]] const std::string* tmpfile_name(FileId id) const {
    const auto it = tmpfile_names_.find(id);
    return it == tmpfile_names_.end() ? nullptr : &it->second;
  }

 private:
  std::set<std::pair<int, FileId>> truncated_;
  std::map<FileId, std::string> tmpfile_names_;
};

}  // namespace roar::seccomp
