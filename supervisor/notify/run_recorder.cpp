// RunRecorder: each record made once in the run's record, then in each nested run of the caller.
#include "roar/seccomp/notify/run_recorder.hpp"

namespace roar::seccomp {

void RunRecorder::access(const FileEvent& e, int tid, std::optional<int> pid) {
  run_.files.record(e.path, e.access, tid);
  nested_.for_each_of(pid, [&](NestedRun& run) { run.files.record(e.path, e.access, tid); });
}

void RunRecorder::warn(const std::string& message, std::optional<int> pid) {
  run_.warnings.add(message);
  nested_.for_each_of(pid, [&](NestedRun& run) { run.warnings.add(message); });
}

void RunRecorder::incomplete(std::optional<int> pid) {
  run_.incomplete = true;
  nested_.for_each_of(pid, [](NestedRun& run) { run.incomplete = true; });
}

void RunRecorder::settlement(const Settlement& s, int tid, std::optional<int> pid) {
  for (const FileEvent& e : s.events) {
    access(e, tid, pid);
  }
  if (s.truncating_fd && pid) {
    run_.facts.truncating_fd(*pid, s.truncating_fd->first, s.truncating_fd->second);
  }
  if (s.tmpfile_name) {
    run_.facts.name_tmpfile(s.tmpfile_name->first, s.tmpfile_name->second);
  }
}

}  // namespace roar::seccomp
