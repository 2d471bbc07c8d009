// AccessTable: per path, whether the traced tree opened, read or wrote it, and which threads did.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roar::seccomp {

enum class Access : std::uint8_t { kOpened, kRead, kWritten };

struct FileAccesses {
  bool read = false;
  bool written = false;
  std::vector<int> read_threads;  // sorted, unique
  std::vector<int> written_threads;
};

// Memory grows with distinct paths and threads, never with the number of calls.
class AccessTable {
 public:
  // Records that thread `tid` opened/read/wrote `path` (bytes, absolute).
  void record(std::string_view path, Access access, int tid);

  // True if recording this access would change nothing: the notification path uses it to skip
  // the checks that decide whether a call moves bytes.
  [[nodiscard]] bool contains(std::string_view path, Access access, int tid) const;
  [[nodiscard]] bool contains(std::string_view path) const;
  // The written paths below directory `dir` (at any depth), in no particular order.
  [[nodiscard]] std::vector<std::string> written_below(std::string_view dir) const;

  // Paths in bytewise order with their accesses.
  [[nodiscard]] std::vector<std::pair<std::string, FileAccesses>> sorted() const;
  [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, FileAccesses, Hash, std::equal_to<>> files_;
};

}  // namespace roar::seccomp
