// NotificationHandler's nested runs: a separate log for the subtree of each nested run's command,
// and its report when the nested run asks for it.
#include <algorithm>

#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"

namespace roar::seccomp {

std::optional<std::uint32_t> NotificationHandler::start_nested_run(int tracer,
                                                                   const LauncherExec& launched,
                                                                   double start_time,
                                                                   TraceeView& view) {
  const ProcessRecord* requester = log_.processes.live(tracer);
  const std::optional<ThreadStatus> root = view.status();
  if (requester == nullptr || !root || root->tgid != launched.pid || root->ppid != tracer) {
    return std::nullopt;
  }
  // The command has not exec'd yet: its argv is the one its tracer is about to exec.
  const AbiInfo& native = host_abis().front();
  std::optional<std::string> argv = read_exec_argv(launched.argv, native, view);
  std::optional<std::string> environ = view.environ(launched.pid);
  const std::uint32_t id = next_nested_run_++;
  log_.processes.start_nested_run(id, tracer, launched.pid, argv.value_or(""),
                                  environ.value_or(""));
  launches_.push_back(Launch{launched, false});
  std::erase(listener_askers_, launched.pid);  // it asked as a nested roar-seccomp
  NestedRun subtree;
  subtree.tracer = tracer;
  subtree.root = launched.pid;
  subtree.start_time = start_time;
  nested_runs_.emplace(id, std::move(subtree));
  return id;
}

std::optional<Report> NotificationHandler::finish_nested_run(int tracer, std::uint32_t id,
                                                             double end_time,
                                                             TraceeView& final_state) {
  const auto it = nested_runs_.find(id);
  if (it == nested_runs_.end() || it->second.tracer != tracer) {
    return std::nullopt;
  }
  NestedRun& subtree = it->second;
  // Checks of the subtree's threads that died without trapping again are settled now.
  for (auto pending = orphaned_.begin(); pending != orphaned_.end();) {
    const ProcessRecord* record = pending->pid ? log_.processes.latest(*pending->pid) : nullptr;
    if (record == nullptr ||
        std::find(record->subtrees.begin(), record->subtrees.end(), id) == record->subtrees.end()) {
      ++pending;
      continue;
    }
    if (pending->check.kind != PendingCheck::Kind::kSinkAdvanced) {
      for (const FileEvent& e : settle(pending->check, final_state, subtree.files).events) {
        log_.files.record(e.path, e.access, pending->tid);
        subtree.files.record(e.path, e.access, pending->tid);
      }
    }
    pending = orphaned_.erase(pending);
  }
  std::vector<ProcessRecord> processes;
  for (ProcessRecord& r : log_.processes.sorted()) {
    if (std::find(r.subtrees.begin(), r.subtrees.end(), id) != r.subtrees.end()) {
      processes.push_back(std::move(r));
    }
  }
  for (const int asker : listener_askers_) {
    const ProcessRecord* r = log_.processes.latest(asker);
    if (r != nullptr &&
        std::find(r->subtrees.begin(), r->subtrees.end(), id) != r->subtrees.end()) {
      subtree.warnings.add(kOwnListenerWarning);
    }
  }
  Report report = build_report(subtree.files, processes, subtree.root, subtree.warnings,
                               subtree.start_time, end_time);
  report.complete = !subtree.incomplete;
  log_.processes.end_subtree(id);
  std::erase_if(launches_, [&subtree](const Launch& l) { return l.exec.pid == subtree.root; });
  nested_runs_.erase(it);
  return report;
}

void NotificationHandler::drop_nested_runs_of(int tracer) {
  for (auto it = nested_runs_.begin(); it != nested_runs_.end();) {
    if (it->second.tracer == tracer) {
      log_.processes.end_subtree(it->first);
      it = nested_runs_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace roar::seccomp
