// FastPath: the tables the preload library's threads registered, and what the supervisor writes
// into them so that calls it already recorded skip their notification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "roar/seccomp/filters/fast_path_abi.h"

namespace roar::seccomp {

// Writes into the memory of thread `tid` of process `pid` (the kernel side is in proc/); false
// if it could not. The tables are read-only to their process: only this writes them.
class TableWriter {
 public:
  virtual ~TableWriter() = default;
  virtual bool write(int pid, int tid, std::uint64_t address, const void* bytes,
                     std::size_t size) = 0;
  // The process's memory is gone (exit, exec): whatever was kept open for it can go.
  virtual void forget(int pid) = 0;
};

// The invariants (README, "Fast path"): a flag is set only after what it stands for was recorded
// for that thread; every event that can change what a descriptor number refers to clears its flags
// in every table that could use them before the call proceeds, or is a close the library counts
// (and a grant holds only while the count is the one read before the descriptor was looked at);
// a table is only ever used by the thread that owns it (the library compares the owner with the
// caller's own id).
class FastPath {
 public:
  FastPath(bool enabled, TableWriter& writer) noexcept : enabled_(enabled), writer_(writer) {}

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

  // Thread `tid` of process `pid` offers the table at `registration.table`. Returns 0 when the
  // table is taken (its owner and `enabled` written), else the errno to fail the call with.
  int register_table(int pid, int tid, const roar_fast_path_registration& registration);

  // Where the library counts the closes of `fd` that skipped their notification in the process
  // of thread `tid`; nullopt if the thread has no table or `fd` is not in it. Read the count
  // before looking at the descriptor, and pass it to allow().
  [[nodiscard]] std::optional<std::uint64_t> closes_address(int tid, int fd) const;

  // Nothing new can be recorded for thread `tid` when it reads (or writes) `fd`, which had been
  // closed unseen `closes` times before it was looked at: its later calls on `fd` in that
  // direction may skip their notification. With `close`, so may its close: nothing the supervisor
  // keeps about `fd` needs updating when it is released. An odd count (a close under way) grants
  // nothing.
  void allow(int tid, int fd, unsigned direction, std::uint32_t closes, bool close);
  // Some thread of `pid` may close `fd` without a notification: keep nothing about `fd` that its
  // release would have to update.
  [[nodiscard]] bool close_unseen(int pid, int fd) const;

  // Before process `pid` releases descriptors first..last (close, close_range, dup2/dup3 onto
  // one, exec): none of its threads may skip a call on them any more.
  void revoke(int pid, std::uint32_t first, std::uint32_t last);
  // Before a rename or link: open files may get other names, which the calls that skip would not
  // record. Every grant of every table goes.
  void revoke_all();

  // A call of thread `tid` waits to be settled at its next notification: until then (resume),
  // every call of it is notified.
  void suspend(int tid);
  void resume(int tid);
  [[nodiscard]] bool suspended(int tid) const;

  // The thread ended, or the process exited or exec'd (its memory, and tables, are gone).
  void forget_thread(int tid);
  void forget_process(int pid);

  // Descriptor tables are shared in a way tables cannot follow (processes sharing one, or a
  // thread that unshared its own): every table is cleared, and no new one is taken.
  void disable();

  [[nodiscard]] bool has_table(int tid) const { return threads_.contains(tid); }
  // Where the tables are written, for the other writes the fast path needs (an exec's
  // environment, see PreloadGuard).
  [[nodiscard]] TableWriter& writer() noexcept { return writer_; }

 private:
  struct Table {
    int pid = 0;
    std::uint64_t address = 0;
    std::uint64_t closes = 0;  // the process's roar_fast_path_closes
    std::uint32_t descriptors = 0;
    bool suspended = false;
    std::vector<roar_fast_path_entry> entries;  // what was written, so nothing is written twice
  };

  bool write_enabled(int tid, const Table& table, std::uint32_t value);

  bool enabled_;
  TableWriter& writer_;
  std::unordered_map<int, Table> threads_;               // tid -> its table
  std::unordered_map<int, std::vector<int>> processes_;  // pid -> tids with a table
};

}  // namespace roar::seccomp
