// ProcessTable: process records keyed by pid while alive, kept in full after they exit.
#include "roar/seccomp/attribution/process_table.hpp"

#include <algorithm>

namespace roar::seccomp {

void ProcessTable::add_root(int pid, std::string cmdline, std::string environ) {
  root_pid_ = pid;
  live_[pid] = records_.size();
  latest_[pid] = records_.size();
  records_.push_back(ProcessRecord{pid,
                                   std::nullopt,
                                   std::move(cmdline),
                                   std::move(environ),
                                   false,
                                   false,
                                   false,
                                   {},
                                   false,
                                   {}});
  remember_thread(pid, pid);
}

std::optional<int> ProcessTable::tgid_of(int tid) const {
  const auto it = tgid_of_.find(tid);
  if (it == tgid_of_.end()) {
    return std::nullopt;
  }
  const ProcessRecord* record = live(it->second);
  if (record == nullptr || !record->watched) {
    return std::nullopt;
  }
  return it->second;
}

void ProcessTable::set_watched(int pid, bool watched) {
  const auto it = live_.find(pid);
  if (it != live_.end()) {
    records_[it->second].watched = watched;
  }
}

void ProcessTable::remember_thread(int tid, int tgid) {
  if (tgid_of_.insert_or_assign(tid, tgid).second) {
    threads_[tgid].push_back(tid);
  }
}

const ProcessRecord* ProcessTable::latest(int pid) const {
  const auto it = latest_.find(pid);
  return it == latest_.end() ? nullptr : &records_[it->second];
}

const ProcessRecord* ProcessTable::live(int pid) const {
  const auto it = live_.find(pid);
  return it == live_.end() ? nullptr : &records_[it->second];
}

void ProcessTable::apply(const ProcessSighting& s) {
  auto it = live_.find(s.pid);
  const bool new_record = it == live_.end();
  if (new_record) {
    exited_.erase(s.pid);  // a new process with a reused pid
    const std::optional<int> parent_pid =
        s.parent_pid == s.pid ? std::nullopt : s.parent_pid;  // never its own parent
    ProcessRecord record{s.pid, parent_pid, {}, {}, false, false, false, {}, false, {}};
    if (parent_pid) {
      if (const ProcessRecord* parent = live(*parent_pid)) {
        record.subtrees = parent->subtrees;
      }
      if (const auto tracer = nested_run_tracers_.find(*parent_pid);
          tracer != nested_run_tracers_.end()) {
        for (const std::uint32_t id : tracer->second) {
          if (std::find(record.subtrees.begin(), record.subtrees.end(), id) ==
              record.subtrees.end()) {
            record.subtrees.push_back(id);
          }
        }
      }
    }
    it = live_.emplace(s.pid, records_.size()).first;
    latest_[s.pid] = records_.size();
    records_.push_back(std::move(record));
  }
  ProcessRecord& r = records_[it->second];
  // Another notification may have seen the process by now: what it read is newer.
  if (s.inherits_parent_image && s.parent_pid && new_record) {
    if (const ProcessRecord* parent = live(*s.parent_pid)) {
      r.cmdline = parent->cmdline;
      r.environ = parent->environ;
    }
  }
  if (s.cmdline && !s.cmdline->empty()) {
    r.cmdline = *s.cmdline;
    r.exec_argv.reset();  // /proc now shows what the exec did
  }
  if (s.environ && !s.environ->empty()) {
    r.environ = *s.environ;
  }
  r.image_may_have_changed = s.image_may_have_changed;
  r.fd_table_checked = r.fd_table_checked || s.fd_table_checked;
}

void ProcessTable::exec_started(int pid, std::optional<std::string> argv) {
  const auto it = live_.find(pid);
  if (it != live_.end()) {
    records_[it->second].image_may_have_changed = true;
    records_[it->second].exec_argv = std::move(argv);
  }
  // A successful exec ends every other thread and hands the caller the pid as its tid; their
  // tids may then be reused by unrelated processes, so forget them all but the pid's own, which
  // names the process's thread whether the exec succeeds or fails.
  const auto threads = threads_.find(pid);
  if (threads != threads_.end()) {
    const bool leader_known = std::erase(threads->second, pid) > 0;
    for (int tid : threads->second) {
      tgid_of_.erase(tid);
    }
    threads->second.clear();
    if (leader_known) {
      threads->second.push_back(pid);
    } else {
      threads_.erase(threads);
    }
  }
}

void ProcessTable::died_after_exec(int pid) {
  const auto it = live_.find(pid);
  if (it == live_.end()) {
    return;
  }
  ProcessRecord& r = records_[it->second];
  if (r.image_may_have_changed && r.exec_argv) {
    r.cmdline = std::move(*r.exec_argv);
    r.exec_argv.reset();
  }
}

void ProcessTable::thread_exited(int tid) {
  const auto it = tgid_of_.find(tid);
  if (it == tgid_of_.end()) {
    return;
  }
  auto& siblings = threads_[it->second];
  siblings.erase(std::remove(siblings.begin(), siblings.end(), tid), siblings.end());
  tgid_of_.erase(it);
}

void ProcessTable::process_exited(int pid) {
  const auto it = live_.find(pid);
  if (it != live_.end()) {
    records_[it->second].exited = true;
    live_.erase(it);
    exited_.insert(pid);
  }
  const auto threads = threads_.find(pid);
  if (threads != threads_.end()) {
    for (int tid : threads->second) {
      tgid_of_.erase(tid);
    }
    threads_.erase(threads);
  }
}

void ProcessTable::start_nested_run(std::uint32_t id, int tracer, int root, std::string cmdline,
                                    std::string environ) {
  nested_run_tracers_[tracer].push_back(id);
  ProcessSighting s{root, tracer, std::move(cmdline), std::move(environ), false};
  apply(s);  // a new record inherits the id through the tracer
  // The command may have been seen already (its failed attempt to install a listener).
  ProcessRecord& r = records_[live_.at(root)];
  if (std::find(r.subtrees.begin(), r.subtrees.end(), id) == r.subtrees.end()) {
    r.subtrees.push_back(id);
  }
}

void ProcessTable::end_subtree(std::uint32_t id) {
  for (auto it = nested_run_tracers_.begin(); it != nested_run_tracers_.end();) {
    std::erase(it->second, id);
    it = it->second.empty() ? nested_run_tracers_.erase(it) : std::next(it);
  }
}

std::vector<ProcessRecord> ProcessTable::sorted() const {
  std::vector<ProcessRecord> out = records_;
  std::stable_sort(out.begin(), out.end(),
                   [](const ProcessRecord& a, const ProcessRecord& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace roar::seccomp
