// PendingChecks: the calls settled only after they returned, kept until their thread traps again.
//
// A check is settled when the same thread traps again (its call has returned by then), or, if the
// thread will not, at the end against what the file system shows.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "roar/seccomp/attribution/attribution.hpp"

namespace roar::seccomp {

class PendingChecks {
 public:
  struct Entry {
    PendingCheck check;
    std::optional<int> pid;  // the thread's process when it made the call
    int tid = 0;
  };

  // The check thread `tid` of process `pid` left with its previous call, now to be settled since
  // that call has returned; nullptr if none, or if a thread of another process left it (the
  // thread died and its tid was reused).
  [[nodiscard]] const PendingCheck* to_settle(int tid, std::optional<int> pid) const;
  // Thread `tid` trapped again in a valid notification: its check leaves the table, settled by
  // then, or (`settled` false) kept for the end as a dead thread's.
  void trapped_again(int tid, bool settled);
  // The call thread `tid` makes now leaves a check (replacing one it may have left).
  void add(int tid, std::optional<int> pid, PendingCheck check);

  // The threads of `pid` other than `except_tid` (0: all) will not trap again (the process
  // exited, or exec'd and so ended them): their checks wait for the end.
  void orphan_checks_of(int pid, int except_tid);
  // Takes the checks of threads that will not trap again for which `belongs(entry)` holds, and
  // returns those that the final state of the file system can still settle.
  template <typename Belongs>
  std::vector<Entry> take_orphans(Belongs belongs);
  // The run is over: no thread traps again. Takes every check, returns those that can be settled.
  std::vector<Entry> take_all();

 private:
  // Only path checks mean anything without their thread: a dead thread's descriptors cannot be
  // read.
  static bool settles_without_thread(const Entry& e) {
    return e.check.kind != PendingCheck::Kind::kSinkAdvanced;
  }

  std::unordered_map<int, Entry> pending_;  // tid -> check to settle at its next call
  std::vector<Entry> orphaned_;             // checks of threads that died, for the end
};

template <typename Belongs>
std::vector<PendingChecks::Entry> PendingChecks::take_orphans(Belongs belongs) {
  std::vector<Entry> out;
  for (auto it = orphaned_.begin(); it != orphaned_.end();) {
    if (!belongs(*it)) {
      ++it;
      continue;
    }
    if (settles_without_thread(*it)) {
      out.push_back(std::move(*it));
    }
    it = orphaned_.erase(it);
  }
  return out;
}

}  // namespace roar::seccomp
