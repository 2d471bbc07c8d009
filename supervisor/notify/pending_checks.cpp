// PendingChecks: by thread while it lives, then kept for the end of the run (or of a nested run).
#include "roar/seccomp/notify/pending_checks.hpp"

#include <utility>

namespace roar::seccomp {

const PendingCheck* PendingChecks::to_settle(int tid, std::optional<int> pid) const {
  const auto it = pending_.find(tid);
  return it != pending_.end() && it->second.pid == pid ? &it->second.check : nullptr;
}

void PendingChecks::trapped_again(int tid, bool settled) {
  const auto it = pending_.find(tid);
  if (it == pending_.end()) {
    return;
  }
  if (!settled) {
    orphaned_.push_back(std::move(it->second));  // left by a dead thread whose tid is reused
  }
  pending_.erase(it);
}

void PendingChecks::add(int tid, std::optional<int> pid, PendingCheck check) {
  pending_.insert_or_assign(tid, Entry{std::move(check), pid, tid});
}

void PendingChecks::orphan_checks_of(int pid, int except_tid) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.pid == pid && it->first != except_tid) {
      orphaned_.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<PendingChecks::Entry> PendingChecks::take_all() {
  for (auto& [tid, entry] : pending_) {
    orphaned_.push_back(std::move(entry));
  }
  pending_.clear();
  return take_orphans([](const Entry&) { return true; });
}

}  // namespace roar::seccomp
