// FastPath: registration, grants and revocations of the preload library's per-thread tables.
#include "roar/seccomp/attribution/fast_path.hpp"

#include <algorithm>
#include <cerrno>

namespace roar::seccomp {
namespace {

constexpr std::uint64_t kOwnerOffset = offsetof(roar_fast_path_table, owner);
constexpr std::uint64_t kEnabledOffset = offsetof(roar_fast_path_table, enabled);
constexpr std::uint64_t kEntriesOffset = offsetof(roar_fast_path_table, entries);
constexpr std::uint64_t kFlagsOffset = offsetof(roar_fast_path_entry, flags);
static_assert(sizeof(roar_fast_path_table) == 8192, "two pages per thread");
static_assert(sizeof(roar_fast_path_closes) == 4096, "one page per process");

std::uint64_t entry_address(std::uint64_t table, std::size_t fd) {
  return table + kEntriesOffset + fd * sizeof(roar_fast_path_entry);
}

}  // namespace

int FastPath::register_table(int pid, int tid, const roar_fast_path_registration& registration) {
  if (!enabled_) {
    return ENOSYS;
  }
  if (registration.version != ROAR_FAST_PATH_VERSION || registration.table == 0 ||
      registration.table % alignof(roar_fast_path_table) != 0 || registration.closes == 0 ||
      registration.closes % alignof(roar_fast_path_closes) != 0 ||
      registration.descriptors != ROAR_FAST_PATH_DESCRIPTORS) {
    return EINVAL;
  }
  forget_thread(tid);  // a thread registers once per incarnation; a reused id starts over
  Table table;
  table.pid = pid;
  table.address = registration.table;
  table.closes = registration.closes;
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

std::optional<std::uint64_t> FastPath::closes_address(int tid, int fd) const {
  const auto it = threads_.find(tid);
  if (it == threads_.end() || fd < 0 || static_cast<std::uint32_t>(fd) >= it->second.descriptors) {
    return std::nullopt;
  }
  return it->second.closes + static_cast<std::uint64_t>(fd) * sizeof(std::uint32_t);
}

void FastPath::allow(int tid, int fd, unsigned direction, std::uint32_t closes, bool close) {
  const auto it = threads_.find(tid);
  if (it == threads_.end() || fd < 0 || closes % 2 != 0) {
    return;
  }
  Table& table = it->second;
  const auto index = static_cast<std::size_t>(fd);
  if (index >= table.descriptors) {
    return;
  }
  if (table.entries.size() <= index) {
    table.entries.resize(index + 1, roar_fast_path_entry{0, 0});
  }
  const roar_fast_path_entry old = table.entries[index];
  // What was granted before an unseen close is for another file: it does not carry over.
  const std::uint32_t kept = old.closes == closes ? old.flags & ~ROAR_FAST_PATH_CLOSE : 0U;
  const roar_fast_path_entry entry{closes, kept | direction | (close ? ROAR_FAST_PATH_CLOSE : 0U)};
  if (entry.closes == old.closes && entry.flags == old.flags) {
    return;
  }
  if (writer_.write(table.pid, tid, entry_address(table.address, index), &entry, sizeof entry)) {
    table.entries[index] = entry;
  }
}

bool FastPath::close_unseen(int pid, int fd) const {
  const auto process = processes_.find(pid);
  if (process == processes_.end() || fd < 0) {
    return false;
  }
  const auto index = static_cast<std::size_t>(fd);
  return std::any_of(process->second.begin(), process->second.end(), [&](int tid) {
    const Table& table = threads_.at(tid);
    return index < table.entries.size() && (table.entries[index].flags & ROAR_FAST_PATH_CLOSE) != 0;
  });
}

void FastPath::revoke(int pid, std::uint32_t first, std::uint32_t last) {
  const auto process = processes_.find(pid);
  if (process == processes_.end()) {
    return;
  }
  const std::uint32_t zero = 0;
  for (const int tid : process->second) {
    Table& table = threads_.at(tid);
    const std::size_t end = std::min<std::size_t>(table.entries.size(), std::size_t{last} + 1);
    for (std::size_t fd = first; fd < end; ++fd) {
      if (table.entries[fd].flags == 0) {
        continue;
      }
      // A flag that cannot be cleared must not stay: the whole table goes off instead.
      if (writer_.write(pid, tid, entry_address(table.address, fd) + kFlagsOffset, &zero,
                        sizeof zero)) {
        table.entries[fd].flags = 0;
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
  // The writer may hold the process's memory without a table (an environment edited at exec):
  // after an exec that memory is gone, and after the exit the pid may be another process's.
  writer_.forget(pid);
  const auto it = processes_.find(pid);
  if (it == processes_.end()) {
    return;
  }
  for (const int tid : it->second) {
    threads_.erase(tid);
  }
  processes_.erase(it);
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
