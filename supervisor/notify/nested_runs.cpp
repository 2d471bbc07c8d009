// NestedRuns: starting, finishing and dropping the separate records of nested runs.
#include "roar/seccomp/notify/nested_runs.hpp"

#include <algorithm>
#include <utility>

#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/attribution/warning_catalogue.hpp"

namespace roar::seccomp {
namespace {

bool in_run(const ProcessRecord* record, std::uint32_t id) {
  return record != nullptr &&
         std::find(record->subtrees.begin(), record->subtrees.end(), id) != record->subtrees.end();
}

}  // namespace

std::uint32_t NestedRuns::start(int tracer, int root, std::string argv, std::string environ,
                                double start_time) {
  const std::uint32_t id = next_id_++;
  processes_.start_nested_run(id, tracer, root, std::move(argv), std::move(environ));
  std::erase(listener_refusals_, root);  // it asked as a nested roar-seccomp
  NestedRun run;
  run.tracer = tracer;
  run.root = root;
  run.start_time = start_time;
  runs_.emplace(id, std::move(run));
  return id;
}

NestedRun* NestedRuns::find(std::uint32_t id, int tracer) {
  const auto it = runs_.find(id);
  return it == runs_.end() || it->second.tracer != tracer ? nullptr : &it->second;
}

bool NestedRuns::contains(std::uint32_t id, std::optional<int> pid) const {
  return pid && in_run(processes_.latest(*pid), id);
}

Report NestedRuns::finish(std::uint32_t id, double end_time) {
  NestedRun& run = runs_.at(id);
  std::vector<ProcessRecord> processes;
  for (ProcessRecord& r : processes_.sorted()) {
    if (in_run(&r, id)) {
      processes.push_back(std::move(r));
    }
  }
  for (const int pid : listener_refusals_) {
    if (contains(id, pid)) {
      run.warnings.add(warning::kOwnListener);
    }
  }
  Report report =
      build_report(run.files, processes, run.root, run.warnings, run.start_time, end_time);
  report.complete = !run.incomplete;
  processes_.end_subtree(id);
  runs_.erase(id);
  return report;
}

void NestedRuns::drop_of(int tracer) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second.tracer == tracer) {
      processes_.end_subtree(it->first);
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t NestedRuns::take_listener_refusals() {
  const std::size_t n = listener_refusals_.size();
  listener_refusals_.clear();
  return n;
}

}  // namespace roar::seccomp
