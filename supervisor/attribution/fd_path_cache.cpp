// FdPathCache and CachingView: which descriptor links are still valid, and answers from them.
#include "roar/seccomp/attribution/fd_path_cache.hpp"

namespace roar::seccomp {

const std::string* FdPathCache::find(int pid, int fd) const {
  const auto process = links_.find(pid);
  if (process == links_.end()) {
    return nullptr;
  }
  const auto link = process->second.find(fd);
  return link == process->second.end() ? nullptr : &link->second;
}

void FdPathCache::insert(int pid, int fd, std::string link) {
  if (enabled_ && !excluded_.contains(pid) && !releasing_.contains(pid) &&
      !releasing_.contains(0)) {
    links_[pid].insert_or_assign(fd, std::move(link));
  }
}

void FdPathCache::forget_fd(int pid, int fd) {
  const auto process = links_.find(pid);
  if (process != links_.end()) {
    process->second.erase(fd);
  }
}

void FdPathCache::release_started(int pid, int tid,
                                  std::optional<std::pair<std::uint32_t, std::uint32_t>> fds) {
  releasing_[pid].insert(tid);
  releasing_tid_[tid] = pid;
  const auto process = links_.find(pid);
  if (process == links_.end()) {
    return;
  }
  if (!fds) {
    links_.erase(process);
    return;
  }
  std::erase_if(process->second, [&fds](const auto& entry) {
    const auto fd = static_cast<std::uint32_t>(entry.first);
    return fd >= fds->first && fd <= fds->second;
  });
}

void FdPathCache::paths_changing(int tid) {
  links_.clear();
  releasing_[0].insert(tid);
  releasing_tid_[tid] = 0;
}

void FdPathCache::release_done(int tid) {
  const auto owner = releasing_tid_.find(tid);
  if (owner == releasing_tid_.end()) {
    return;
  }
  const auto it = releasing_.find(owner->second);
  if (it != releasing_.end() && it->second.erase(tid) != 0 && it->second.empty()) {
    releasing_.erase(it);
  }
  releasing_tid_.erase(owner);
}

void FdPathCache::forget_process(int pid) {
  links_.erase(pid);
  excluded_.erase(pid);
  const auto it = releasing_.find(pid);
  if (it != releasing_.end()) {
    for (const int tid : it->second) {
      releasing_tid_.erase(tid);
    }
    releasing_.erase(it);
  }
}

std::optional<std::string> CachingView::fd_link(int fd) {
  if (const std::string* link = cache_.find(pid_, fd)) {
    return *link;
  }
  std::optional<std::string> link = inner_.fd_link(fd);
  if (link) {
    reads_.emplace_back(fd, *link);
  }
  return link;
}

}  // namespace roar::seccomp
