// AccessTable: per-path aggregation of opens, reads and writes.
#include "roar/seccomp/attribution/access_table.hpp"

#include <algorithm>

namespace roar::seccomp {
namespace {

void insert_sorted(std::vector<int>& v, int tid) {
  const auto at = std::lower_bound(v.begin(), v.end(), tid);
  if (at == v.end() || *at != tid) {
    v.insert(at, tid);
  }
}

bool has(const std::vector<int>& v, int tid) {
  return std::binary_search(v.begin(), v.end(), tid);
}

}  // namespace

void AccessTable::record(std::string_view path, Access access, int tid) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    it = files_.emplace(std::string(path), FileAccesses{}).first;
  }
  FileAccesses& f = it->second;
  switch (access) {
    case Access::kOpened: break;
    case Access::kRead:
      f.read = true;
      insert_sorted(f.read_threads, tid);
      break;
    case Access::kWritten:
      f.written = true;
      insert_sorted(f.written_threads, tid);
      break;
  }
}

bool AccessTable::contains(std::string_view path, Access access, int tid) const {
  const auto it = files_.find(path);
  if (it == files_.end()) {
    return false;
  }
  switch (access) {
    case Access::kOpened: return true;
    case Access::kRead: return has(it->second.read_threads, tid);
    case Access::kWritten: return has(it->second.written_threads, tid);
  }
  return false;
}

bool AccessTable::contains(std::string_view path) const {
  return files_.find(path) != files_.end();
}

std::vector<std::string> AccessTable::written_below(std::string_view dir) const {
  std::vector<std::string> out;
  if (dir.empty()) {
    return out;
  }
  const std::size_t n = dir == "/" ? 0 : dir.size();
  for (const auto& [path, f] : files_) {
    if (f.written && path.size() > n + 1 && path.compare(0, n, dir.substr(0, n)) == 0 &&
        path[n] == '/') {
      out.push_back(path);
    }
  }
  return out;
}

std::vector<std::pair<std::string, FileAccesses>> AccessTable::sorted() const {
  std::vector<std::pair<std::string, FileAccesses>> out(files_.begin(), files_.end());
  // std::string compares as unsigned bytes, which is the order the report promises.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace roar::seccomp
