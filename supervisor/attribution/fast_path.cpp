// FastPath: registration, grants and revocations of the preload library's per-thread tables.
#include "roar/seccomp/attribution/fast_path.hpp"

#include <algorithm>
#include <cerrno>

namespace roar::seccomp {
namespace {

constexpr std::uint64_t kOwnerOffset = offsetof(roar_fast_path_table, owner);
constexpr std::uint64_t kEnabledOffset = offsetof(roar_fast_path_table, enabled);
constexpr std::uint64_t kFlagsOffset = offsetof(roar_fast_path_table, flags);
static_assert(sizeof(roar_fast_path_table) == 4096, "one page per thread");

}  // namespace

int FastPath::register_table(int pid, int tid, const roar_fast_path_registration& registration) {
  if (!enabled_) {
    return ENOSYS;
  }
  if (registration.version != ROAR_FAST_PATH_VERSION || registration.table == 0 ||
      registration.table % alignof(roar_fast_path_table) != 0 ||
      registration.descriptors != ROAR_FAST_PATH_DESCRIPTORS) {
    return EINVAL;
  }
  forget_thread(tid);  // a thread registers once per incarnation; a reused id starts over
  Table table;
  table.pid = pid;
  table.address = registration.table;
  table.descriptors = registration.descriptors;
  // Owner and `enabled` in one write: the table is used from the thread's next call on.
  const std::int32_t header[2] = {static_cast<std::int32_t>(tid), 1};
  static_assert(kEnabledOffset == kOwnerOffset + 4);
  if (!writer_.write(pid, tid, table.address + kOwnerOffset, header, sizeof header)) {
    return EPERM;
  }
  threads_.emplace(tid, std::move(table));
  processes_[pid].push_back(tid);
  return 0;
}

void FastPath::allow(int tid, int fd, unsigned direction) {
  const auto it = threads_.find(tid);
  if (it == threads_.end() || fd < 0) {
    return;
  }
  Table& table = it->second;
  const auto index = static_cast<std::size_t>(fd);
  if (index >= table.descriptors) {
    return;
  }
  if (table.flags.size() <= index) {
    table.flags.resize(index + 1, 0);
  }
  const auto flags = static_cast<std::uint8_t>(table.flags[index] | direction);
  if (flags == table.flags[index]) {
    return;
  }
  if (writer_.write(table.pid, tid, table.address + kFlagsOffset + index, &flags, 1)) {
    table.flags[index] = flags;
  }
}

void FastPath::revoke(int pid, std::uint32_t first, std::uint32_t last) {
  const auto process = processes_.find(pid);
  if (process == processes_.end()) {
    return;
  }
  const std::uint8_t zero = 0;
  for (const int tid : process->second) {
    Table& table = threads_.at(tid);
    const std::size_t end = std::min<std::size_t>(table.flags.size(), std::size_t{last} + 1);
    for (std::size_t fd = first; fd < end; ++fd) {
      if (table.flags[fd] == 0) {
        continue;
      }
      // A flag that cannot be cleared must not stay: the whole table goes off instead.
      if (writer_.write(pid, tid, table.address + kFlagsOffset + fd, &zero, 1)) {
        table.flags[fd] = 0;
      } else {
        static_cast<void>(write_enabled(tid, table, 0));
      }
    }
  }
}

void FastPath::revoke_all() {
  std::vector<int> pids;
  pids.reserve(processes_.size());
  for (const auto& [pid, tids] : processes_) {
    pids.push_back(pid);
  }
  for (const int pid : pids) {
    revoke(pid, 0, UINT32_MAX);
  }
}

bool FastPath::write_enabled(int tid, const Table& table, std::uint32_t value) {
  return writer_.write(table.pid, tid, table.address + kEnabledOffset, &value, sizeof value);
}

void FastPath::suspend(int tid) {
  const auto it = threads_.find(tid);
  if (it != threads_.end() && !it->second.suspended) {
    static_cast<void>(write_enabled(tid, it->second, 0));
    it->second.suspended = true;
  }
}

void FastPath::resume(int tid) {
  const auto it = threads_.find(tid);
  if (it != threads_.end() && it->second.suspended) {
    it->second.suspended = !write_enabled(tid, it->second, 1);
  }
}

bool FastPath::suspended(int tid) const {
  const auto it = threads_.find(tid);
  return it != threads_.end() && it->second.suspended;
}

void FastPath::forget_thread(int tid) {
  const auto it = threads_.find(tid);
  if (it == threads_.end()) {
    return;
  }
  const int pid = it->second.pid;
  std::vector<int>& tids = processes_[pid];
  tids.erase(std::remove(tids.begin(), tids.end(), tid), tids.end());
  threads_.erase(it);
  if (tids.empty()) {
    processes_.erase(pid);
    writer_.forget(pid);
  }
}

void FastPath::forget_process(int pid) {
  const auto it = processes_.find(pid);
  if (it == processes_.end()) {
    return;
  }
  for (const int tid : it->second) {
    threads_.erase(tid);
  }
  processes_.erase(it);
  writer_.forget(pid);
}

void FastPath::disable() {
  if (!enabled_) {
    return;
  }
  enabled_ = false;
  for (const auto& [tid, table] : threads_) {
    static_cast<void>(write_enabled(tid, table, 0));
  }
  for (const auto& [pid, tids] : processes_) {
    writer_.forget(pid);
  }
  threads_.clear();
  processes_.clear();
}

}  // namespace roar::seccomp
