// NestedRuns: the records kept apart for nested runs, and the listener refusals they explain.
//
// A roar-seccomp inside the traced tree cannot have a listener of its own; it asks this run for
// its command's subtree (nested_run_socket.hpp), and asking for a listener was no news then.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/access_table.hpp"
#include "roar/seccomp/attribution/process_table.hpp"
#include "roar/seccomp/attribution/warnings.hpp"
#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// What one nested run's report is made of, recorded alongside the run's own record.
struct NestedRun {
  int tracer = 0;  // the inner roar-seccomp, which asked
  int root = 0;    // its command
  double start_time = 0;
  AccessTable files;
  Warnings warnings;
  bool incomplete = false;
};

class NestedRuns {
 public:
  // Which process belongs to which run is kept in `processes` (ProcessRecord::subtrees).
  explicit NestedRuns(ProcessTable& processes) noexcept : processes_(processes) {}

  // A run of the subtree of `root` (forked, not yet exec'd, to exec `argv` with `environ`),
  // asked for by its tracer `tracer`. Returns its id.
  std::uint32_t start(int tracer, int root, std::string argv, std::string environ,
                      double start_time);
  // Run `id`, if `tracer` started it.
  [[nodiscard]] NestedRun* find(std::uint32_t id, int tracer);
  // Whether the most recent process `pid` belongs to run `id`.
  [[nodiscard]] bool contains(std::uint32_t id, std::optional<int> pid) const;
  // Ends run `id` (found by find()) and returns its report.
  Report finish(std::uint32_t id, double end_time);
  // Ends the runs of `tracer`, which went away without finishing them.
  void drop_of(int tracer);

  // Calls f(NestedRun&) for each run the live process `pid` belongs to. Costs no lookup while
  // there is no nested run, the usual case.
  template <typename F>
  void for_each_of(std::optional<int> pid, F f);

  // Process `pid` was refused a listener of its own. That is news, unless it is a nested run's
  // command (its roar-seccomp asked): said when it is known, at the end.
  void listener_refused(int pid) { listener_refusals_.push_back(pid); }
  // The refusals that were news, for the run's own report; none is kept.
  std::size_t take_listener_refusals();

 private:
  ProcessTable& processes_;
  std::map<std::uint32_t, NestedRun> runs_;
  std::uint32_t next_id_ = 1;
  std::vector<int> listener_refusals_;
};

template <typename F>
void NestedRuns::for_each_of(std::optional<int> pid, F f) {
  if (runs_.empty() || !pid) {
    return;
  }
  if (const ProcessRecord* record = processes_.live(*pid)) {
    for (const std::uint32_t id : record->subtrees) {
      if (const auto it = runs_.find(id); it != runs_.end()) {
        f(it->second);
      }
    }
  }
}

}  // namespace roar::seccomp
