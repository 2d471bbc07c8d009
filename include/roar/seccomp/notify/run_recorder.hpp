// RunRecorder: each record made in the run's record and in every nested run of the caller.
//
// So that each nested run's report holds what its subtree did, and the run's all of it.
#pragma once

#include <optional>
#include <string>

#include "roar/seccomp/attribution/attribution.hpp"
#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/notify/nested_runs.hpp"

namespace roar::seccomp {

class RunRecorder {
 public:
  RunRecorder(RunRecord& run, NestedRuns& nested) noexcept : run_(run), nested_(nested) {}

  // Thread `tid` of process `pid` (nullopt: unknown, the run's record only) accessed a file.
  void access(const FileEvent& e, int tid, std::optional<int> pid);
  void warn(const std::string& message, std::optional<int> pid);
  // Some file I/O of the process was certainly not observed.
  void incomplete(std::optional<int> pid);
  // What settling a pending check established: accesses, and the facts later calls depend on.
  void settlement(const Settlement& s, int tid, std::optional<int> pid);

 private:
  RunRecord& run_;
  NestedRuns& nested_;
};

}  // namespace roar::seccomp
