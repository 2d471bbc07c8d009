// Tests of CallFindings: only a byte-moving call that found nothing at all skips the commit.
#include "roar/seccomp/notify/call_findings.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <functional>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace roar::seccomp {
namespace {

CallFindings read_call() {
  CallFindings found;
  found.tid = 20;
  found.pid = 20;
  found.spec = &spec_named("read");
  return found;
}

}  // namespace

TEST_CASE("CallFindings: what needs nothing recorded") {
  CHECK(CallFindings{}.nothing_to_record());  // not a traced call
  CHECK(read_call().nothing_to_record());
  for (const char* name :
       {"write", "pread64", "splice", "mmap", "mprotect", "io_submit", "ftruncate"}) {
    CAPTURE(name);
    CallFindings found = read_call();
    found.spec = &spec_named(name);
    CHECK(found.nothing_to_record());
  }
  // Calls that do something by themselves are committed even when they found nothing.
  for (const char* name : {"close", "execve", "exit_group", "openat", "rename", "wait4"}) {
    CAPTURE(name);
    CallFindings found = read_call();
    found.spec = &spec_named(name);
    CHECK_FALSE(found.nothing_to_record());
  }
}

TEST_CASE("CallFindings: anything found in any group is to be recorded") {
  using Change = std::function<void(ToRecord&)>;
  const std::vector<std::pair<const char*, Change>> changes = {
      {"a thread looked up", [](ToRecord& r) { r.processes.thread_looked_up = true; }},
      {"a thread's table compared",
       [](ToRecord& r) { r.processes.shares_process_fd_table = true; }},
      {"a table shared with the parent",
       [](ToRecord& r) { r.processes.shares_parent_fd_table = true; }},
      {"a process seen",
       [](ToRecord& r) { r.processes.sightings.push_back(sighting(30, 20, "")); }},
      {"a pidfd", [](ToRecord& r) { r.processes.pidfd = UniqueFd(open("/dev/null", O_RDONLY)); }},
      {"an orphan", [](ToRecord& r) { r.processes.orphan_without_parent = true; }},
      {"an access",
       [](ToRecord& r) {
         r.files.events.push_back({"/a", Access::kRead});
       }},
      {"a pending check", [](ToRecord& r) { r.files.pending = PendingCheck{}; }},
      {"unreadable memory", [](ToRecord& r) { r.files.memory_unreadable = true; }},
      {"an unresolved path", [](ToRecord& r) { r.files.path_unresolved = true; }},
      {"an unknown publication", [](ToRecord& r) { r.files.published_unknown = true; }},
      {"an unattributed call", [](ToRecord& r) { r.files.unattributed = "ioctl"; }},
      {"a writable shared mapping", [](ToRecord& r) { r.files.writable_shared_mapping = true; }},
      {"a settled check", [](ToRecord& r) { r.settled = Settlement{}; }},
      {"a link read", [](ToRecord& r) { r.fd_links.emplace_back(3, "/a"); }},
      {"/proc refused", [](ToRecord& r) { r.losses.denied = true; }},
      {"a walk refused", [](ToRecord& r) { r.losses.walk_refused = true; }},
  };
  for (const auto& change : changes) {
    const std::string what = change.first;
    CAPTURE(what);
    CallFindings found = read_call();
    change.second(found.to_record);
    CHECK_FALSE(found.to_record.empty());
    CHECK_FALSE(found.nothing_to_record());
  }
}

}  // namespace roar::seccomp
