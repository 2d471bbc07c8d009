// Tests of NestedRuns and RunRecorder: each nested run records what its subtree did.
#include "roar/seccomp/notify/nested_runs.hpp"

#include <doctest/doctest.h>

#include <string>

#include "roar/seccomp/attribution/warning_catalogue.hpp"
#include "roar/seccomp/notify/run_recorder.hpp"
#include "test_support.hpp"

namespace roar::seccomp {
namespace {

constexpr int kRoot = 10;
constexpr int kInnerTracer = 20;  // a roar-seccomp run by the root
constexpr int kCommand = 21;      // its command
constexpr int kOutsider = 30;     // another child of the root

struct Runs {
  Runs() : nested(log.processes), recorder(log, nested) {
    log.processes.add_root(kRoot, std::string("make\0", 5), std::string());
    log.processes.apply(sighting(kInnerTracer, kRoot, std::string("roar-seccomp\0", 13)));
    log.processes.apply(sighting(kOutsider, kRoot, std::string("cc\0", 3)));
  }
  std::uint32_t start() {
    return nested.start(kInnerTracer, kCommand, std::string("ls\0", 3), std::string("A=1\0", 4),
                        100.0);
  }

  RunRecord log;
  NestedRuns nested;
  RunRecorder recorder;
};

}  // namespace

TEST_CASE("RunRecorder: without nested runs, the run's record only") {
  Runs runs;
  runs.recorder.access(FileEvent{"/a", Access::kRead}, kOutsider, kOutsider);
  runs.recorder.warn("lost", kOutsider);
  runs.recorder.incomplete(std::nullopt);
  CHECK(runs.log.files.contains("/a", Access::kRead, kOutsider));
  CHECK(runs.log.warnings.lines() == std::vector<std::string>{"lost"});
  CHECK(runs.log.incomplete);
}

TEST_CASE("NestedRuns: a nested run records its subtree, and the run records everything") {
  Runs runs;
  const std::uint32_t id = runs.start();
  CHECK(runs.nested.find(id, kInnerTracer) != nullptr);
  CHECK(runs.nested.find(id, kOutsider) == nullptr);  // not the tracer that asked
  CHECK(runs.nested.find(id + 1, kInnerTracer) == nullptr);
  CHECK(runs.nested.contains(id, kCommand));
  CHECK_FALSE(runs.nested.contains(id, kOutsider));
  CHECK_FALSE(runs.nested.contains(id, std::nullopt));
  // A child of the command belongs to the run too.
  runs.log.processes.apply(sighting(22, kCommand, std::string("cat\0", 4)));
  CHECK(runs.nested.contains(id, 22));

  runs.recorder.access(FileEvent{"/in", Access::kRead}, 22, 22);
  runs.recorder.access(FileEvent{"/other", Access::kWritten}, kOutsider, kOutsider);
  runs.recorder.settlement(Settlement{{FileEvent{"/out", Access::kWritten}}, {}, {}}, 22, 22);
  runs.recorder.warn("lost in the subtree", 22);
  runs.recorder.incomplete(22);
  CHECK(runs.log.files.contains("/in", Access::kRead, 22));
  CHECK(runs.log.files.contains("/other", Access::kWritten, kOutsider));
  CHECK(runs.log.files.contains("/out", Access::kWritten, 22));
  CHECK(runs.log.incomplete);

  const Report report = runs.nested.finish(id, 200.0);
  CHECK(report.start_time == 100.0);
  CHECK(report.end_time == 200.0);
  CHECK_FALSE(report.complete);
  CHECK(report.warnings == std::vector<std::string>{"lost in the subtree"});
  REQUIRE(report.files.size() == 2);
  CHECK(report.files[0].path == "/in");
  CHECK(report.files[1].path == "/out");
  REQUIRE(report.processes.size() == 2);
  CHECK(report.processes[0].pid == kCommand);
  CHECK_FALSE(report.processes[0].parent_pid.has_value());  // its root
  CHECK(report.processes[0].command == std::vector<std::string>{"ls"});
  CHECK(report.processes[1].pid == 22);
  // Finished: gone, and later processes of the tracer no longer join it.
  CHECK(runs.nested.find(id, kInnerTracer) == nullptr);
  runs.log.processes.apply(sighting(23, kInnerTracer, std::string("x\0", 2)));
  CHECK_FALSE(runs.nested.contains(id, 23));
}

TEST_CASE("NestedRuns: a tracer that goes away drops its runs") {
  Runs runs;
  const std::uint32_t id = runs.start();
  runs.nested.drop_of(kOutsider);
  CHECK(runs.nested.find(id, kInnerTracer) != nullptr);
  runs.nested.drop_of(kInnerTracer);
  CHECK(runs.nested.find(id, kInnerTracer) == nullptr);
  runs.recorder.access(FileEvent{"/in", Access::kRead}, kCommand, kCommand);
  CHECK(runs.log.files.contains("/in", Access::kRead, kCommand));
}

TEST_CASE("NestedRuns: a refused listener is news unless a nested run's command asked") {
  Runs runs;
  runs.nested.listener_refused(kCommand);  // the inner roar-seccomp's command, before it registers
  runs.nested.listener_refused(kOutsider);
  const std::uint32_t id = runs.start();
  runs.log.processes.apply(sighting(22, kCommand, std::string("cat\0", 4)));
  runs.nested.listener_refused(22);  // a program of the subtree
  const Report report = runs.nested.finish(id, 200.0);
  CHECK(report.warnings == std::vector<std::string>{warning::kOwnListener});
  CHECK(runs.nested.take_listener_refusals() == 2);  // the outsider's and 22's
  CHECK(runs.nested.take_listener_refusals() == 0);
}

}  // namespace roar::seccomp
