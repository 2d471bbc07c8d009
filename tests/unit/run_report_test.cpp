// Tests of the report builder: /proc text splitting, environment parsing and report assembly.
#include "roar/seccomp/attribution/run_report.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace roar::seccomp {
namespace {

using Strings = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

std::string text(const char* s, std::size_t n) {
  return std::string(s, n);
}

}  // namespace

TEST_CASE("split_nul and join_nul") {
  CHECK(split_nul("").empty());
  CHECK(split_nul(text("a\0", 2)) == Strings{"a"});
  CHECK(split_nul(text("a\0bc\0", 5)) == Strings{"a", "bc"});
  CHECK(split_nul(text("a\0\0b\0", 5)) == Strings{"a", "", "b"});
  // A program that rewrote its argv may leave the last string unterminated.
  CHECK(split_nul(text("a\0b", 3)) == Strings{"a", "b"});
  CHECK(join_nul({}).empty());
  CHECK(join_nul({"a", "", "bc"}) == text("a\0\0bc\0", 6));
  for (const Strings& argv : {Strings{"x"}, Strings{"", ""}, Strings{"sh", "-c", "a b"}}) {
    CHECK(split_nul(join_nul(argv)) == argv);
  }
}

TEST_CASE("parse_environ") {
  CHECK(parse_environ("").empty());
  CHECK(parse_environ(text("A=1\0B=x=y\0C=\0", 14)) == Env{{"A", "1"}, {"B", "x=y"}, {"C", ""}});
  // getenv(3) returns the first definition, so the report does too.
  CHECK(parse_environ(text("A=first\0A=second\0", 17)) == Env{{"A", "first"}});
  // Entries without a name are not variables.
  CHECK(parse_environ(text("NOEQUALS\0=nameless\0K=V\0", 23)) == Env{{"K", "V"}});
}

TEST_CASE("build_report") {
  RunRecord log;
  log.processes.add_root(20, text("cmd\0arg\0", 8), text("K=V\0K=W\0HOME=/h\0", 16));
  log.processes.apply(sighting(30, 20, text("child\0", 6), text("C=1\0", 4)));
  log.processes.apply(sighting(5, 20, text("low\0", 4), text("", 0)));
  log.files.record("/z", Access::kWritten, 30);
  log.files.record("/a", Access::kRead, 20);
  log.files.record("/a", Access::kRead, 21);
  log.files.record("/m", Access::kOpened, 20);
  log.warnings.add("w");
  log.warnings.add("w");

  const Report r = build_report(log, 100.5, 102.0);
  CHECK(r.version == 1);
  CHECK(r.tracer_mode == "seccomp");
  CHECK(r.start_time == 100.5);
  CHECK(r.end_time == 102.0);
  CHECK(r.events_dropped == 0);
  // env_accessed is the root's environment, not a child's.
  CHECK(r.env_accessed == Env{{"K", "V"}, {"HOME", "/h"}});
  CHECK(r.warnings == Strings{"w (2 times)"});

  REQUIRE(r.processes.size() == 3);
  CHECK(r.processes[0].pid == 5);
  CHECK(r.processes[1].pid == 20);
  CHECK(r.processes[2].pid == 30);
  CHECK_FALSE(r.processes[1].parent_pid.has_value());
  CHECK(r.processes[1].command == Strings{"cmd", "arg"});
  CHECK(r.processes[2].parent_pid == std::optional<int>(20));
  CHECK(r.processes[2].command == Strings{"child"});
  CHECK(r.processes[2].env == Env{{"C", "1"}});

  REQUIRE(r.files.size() == 3);
  CHECK(r.files[0].path == "/a");
  CHECK(r.files[0].read);
  CHECK_FALSE(r.files[0].written);
  CHECK(r.files[0].read_threads == std::vector<int>{20, 21});
  CHECK(r.files[1].path == "/m");
  CHECK_FALSE(r.files[1].read);
  CHECK_FALSE(r.files[1].written);
  CHECK(r.files[2].path == "/z");
  CHECK(r.files[2].written);
  CHECK(r.files[2].written_threads == std::vector<int>{30});
}

TEST_CASE("build_report: a pid reused after the root exited is not a second root") {
  RunRecord log;
  log.processes.add_root(20, text("cmd\0", 4), text("ROOT=1\0", 7));
  log.processes.apply(sighting(30, 20, text("bg\0", 3), text("BG=1\0", 5)));
  log.processes.process_exited(20);
  // A background process forks after the root was reaped; the kernel hands out pid 20 again.
  log.processes.apply(sighting(20, 30, text("late\0", 5), text("LATE=1\0", 7)));

  const Report r = build_report(log, 0, 1);
  REQUIRE(r.processes.size() == 3);
  int roots = 0;
  for (const ReportProcess& p : r.processes) {
    roots += p.parent_pid ? 0 : 1;
  }
  CHECK(roots == 1);
  CHECK(r.env_accessed == Env{{"ROOT", "1"}});
  const auto late =
      std::find_if(r.processes.begin(), r.processes.end(),
                   [](const ReportProcess& p) { return p.command == Strings{"late"}; });
  REQUIRE(late != r.processes.end());
  CHECK(late->parent_pid == std::optional<int>(30));
}

}  // namespace roar::seccomp
