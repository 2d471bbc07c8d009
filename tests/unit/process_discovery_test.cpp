// Tests of ProcessDiscovery: who traps, who is found through a parent, what tables mean.
#include "roar/seccomp/notify/process_discovery.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "fake_process_watcher.hpp"
#include "fake_tracee_view.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "test_support.hpp"

namespace roar::seccomp {
namespace {

constexpr int kTracer = 2;
constexpr int kRoot = 10;

// The tracer's bookkeeping around one ProcessDiscovery, with the root known from the start.
struct Discovery {
  explicit Discovery(bool with_watcher = true)
      : discovery(processes, with_watcher ? &watcher : nullptr, cache, kTracer) {
    processes.add_root(kRoot, std::string("sh\0", 3), std::string("A=1\0", 4));
  }
  // What a valid notification of `tid` does: see, then apply.
  std::optional<int> trap(int tid, FakeTraceeView& view) {
    ProcessFindings found;
    const std::optional<int> pid = discovery.see_caller(tid, view, found);
    discovery.apply(std::move(found), tid, pid);
    return pid;
  }

  ProcessTable processes;
  FakeProcessWatcher watcher;
  FdPathCache cache;
  ProcessDiscovery discovery;
};

// Process 20, child of the root; its threads 21 and 22 share its descriptor table.
FakeTraceeView process_20() {
  FakeTraceeView view;
  view.thread_status = ThreadStatus{20, kRoot};
  view.cmdlines[20] = std::string("ls\0", 3);
  view.environs[20] = std::string("B=2\0", 4);
  view.fd_table_of[21] = 20;
  view.fd_table_of[22] = 20;
  return view;
}

}  // namespace

TEST_CASE("ProcessDiscovery: a new process, then a known thread of a watched process") {
  Discovery d;
  FakeTraceeView view = process_20();
  ProcessFindings found;
  REQUIRE(d.discovery.see_caller(20, view, found) == std::optional<int>(20));
  CHECK(found.thread_looked_up);
  REQUIRE(found.sightings.size() == 1);
  CHECK(found.sightings[0].parent_pid == std::optional<int>(kRoot));
  CHECK(found.sightings[0].cmdline == std::optional<std::string>(std::string("ls\0", 3)));
  CHECK(found.sightings[0].fd_table_checked);  // compared with the root's table
  CHECK_FALSE(found.shares_parent_fd_table);
  CHECK(found.pidfd);
  CHECK_FALSE(found.empty());
  d.discovery.apply(std::move(found), 20, 20);
  CHECK(d.processes.live(20) != nullptr);
  CHECK(d.processes.live(20)->watched);
  CHECK(d.watcher.watched.count(20) == 1);
  CHECK(d.processes.tgid_of(20) == std::optional<int>(20));

  // The common case: nothing read from /proc, nothing found.
  const int reads = view.calls.total();
  ProcessFindings again;
  CHECK(d.discovery.see_caller(20, view, again) == std::optional<int>(20));
  CHECK(again.empty());
  CHECK(view.calls.total() == reads);
}

TEST_CASE("ProcessDiscovery: a new process whose first call is an exec runs its parent's image") {
  Discovery d;
  FakeTraceeView view = process_20();
  ProcessFindings found;
  REQUIRE(d.discovery.see_caller(20, view, found, true) == std::optional<int>(20));
  CHECK(view.calls.cmdline == 0);  // the exec replaces the image: the next call reads it
  REQUIRE(found.sightings.size() == 1);
  CHECK(found.sightings[0].inherits_parent_image);
  d.discovery.apply(std::move(found), 20, 20);
  REQUIRE(d.processes.live(20) != nullptr);
  CHECK(d.processes.live(20)->cmdline == std::string("sh\0", 3));
  CHECK(d.processes.live(20)->environ == std::string("A=1\0", 4));
  SUBCASE("an orphan's parent is not known: /proc is read") {
    Discovery orphan;
    FakeTraceeView child = process_20();
    child.thread_status = ThreadStatus{20, kTracer};
    ProcessFindings seen;
    orphan.discovery.see_caller(20, child, seen, true);
    CHECK(child.calls.cmdline == 1);
    REQUIRE(seen.sightings.size() == 1);
    CHECK_FALSE(seen.sightings[0].inherits_parent_image);
  }
}

TEST_CASE("ProcessDiscovery: an exec of a known process reads no image, the next call does") {
  Discovery d;
  FakeTraceeView view = process_20();
  d.trap(20, view);
  d.processes.exec_started(20, std::string("make\0", 5));  // an exec whose next call is an exec
  const int reads = view.calls.cmdline;
  ProcessFindings found;
  REQUIRE(d.discovery.see_caller(20, view, found, true) == std::optional<int>(20));
  CHECK(view.calls.cmdline == reads);  // what it would read is replaced before it is reported
  d.discovery.apply(std::move(found), 20, 20);
  CHECK(d.processes.live(20)->image_may_have_changed);
  view.cmdlines[20] = std::string("cc\0", 3);
  d.trap(20, view);
  CHECK(view.calls.cmdline == reads + 1);
  CHECK(d.processes.live(20)->cmdline == std::string("cc\0", 3));
  CHECK_FALSE(d.processes.live(20)->image_may_have_changed);
}

TEST_CASE("ProcessDiscovery: the process of an unwatched thread is looked up every time") {
  Discovery d(false);
  FakeTraceeView view = process_20();
  d.trap(20, view);
  ProcessFindings found;
  CHECK(d.discovery.see_caller(20, view, found) == std::optional<int>(20));
  CHECK(found.thread_looked_up);
  CHECK_FALSE(found.pidfd);  // no watcher to give it to
  CHECK(found.sightings.empty());
  CHECK(view.calls.status == 2);
  CHECK(view.calls.cmdline == 1);
}

TEST_CASE("ProcessDiscovery: a thread that is gone") {
  Discovery d;
  FakeTraceeView gone;
  ProcessFindings found;
  CHECK_FALSE(d.discovery.see_caller(40, gone, found).has_value());
  CHECK(found.thread_looked_up);
  CHECK(found.sightings.empty());
  d.discovery.apply(std::move(found), 40, std::nullopt);
  CHECK(d.processes.live(40) == nullptr);
  CHECK_FALSE(d.processes.tgid_of(40).has_value());
}

TEST_CASE("ProcessDiscovery: a process re-parented to the tracer hangs under the root") {
  Discovery d;
  FakeTraceeView view;
  view.thread_status = ThreadStatus{40, kTracer};
  ProcessFindings found;
  d.discovery.see_caller(40, view, found);
  CHECK(found.orphan_without_parent);
  REQUIRE(found.sightings.size() == 1);
  CHECK(found.sightings[0].parent_pid == std::optional<int>(kRoot));
}

TEST_CASE("ProcessDiscovery: descriptor tables decide what the fd cache may keep") {
  Discovery d;
  FakeTraceeView view = process_20();
  d.trap(20, view);
  d.cache.insert(20, 3, "/a");
  REQUIRE(d.cache.find(20, 3) != nullptr);

  SUBCASE("a new thread sharing its process's table changes nothing") {
    d.trap(21, view);
    CHECK(d.cache.find(20, 3) != nullptr);
  }
  SUBCASE("a thread with a table of its own ends caching for its process") {
    view.fd_table_of.erase(22);
    d.trap(22, view);
    CHECK(d.cache.enabled());
    CHECK(d.cache.find(20, 3) == nullptr);
    d.cache.insert(20, 3, "/a");
    CHECK(d.cache.find(20, 3) == nullptr);
  }
  SUBCASE("a new thread whose table cannot be compared ends caching") {
    view.kcmp_works = false;
    d.trap(21, view);
    CHECK_FALSE(d.cache.enabled());
  }
  SUBCASE("a child sharing its parent's table ends caching") {
    FakeTraceeView child = view;
    child.thread_status = ThreadStatus{30, 20};
    child.fd_table_of[30] = 20;
    ProcessFindings found;
    d.discovery.see_caller(30, child, found);
    CHECK(found.shares_parent_fd_table);
    d.discovery.apply(std::move(found), 30, 30);
    CHECK_FALSE(d.cache.enabled());
  }
  SUBCASE("a process that is gone leaves the table, the watcher and the cache") {
    d.discovery.forget(20);
    CHECK(d.processes.live(20) == nullptr);
    CHECK(d.processes.exited(20));
    CHECK(d.watcher.watched.count(20) == 0);
    CHECK(d.cache.find(20, 3) == nullptr);
  }
}

TEST_CASE("ProcessDiscovery: children are found through their parent") {
  Discovery d;
  FakeTraceeView view = process_20();
  d.trap(20, view);
  d.processes.apply(sighting(31, 20, std::string("ld\0", 3)));
  view.child_pids[20] = {30, 31, 32};
  view.cmdlines[30] = std::string("ls\0", 3);
  view.cmdlines[32] = "";  // a zombie: /proc shows no argv
  const int reads = view.calls.cmdline;
  ProcessFindings found;
  d.discovery.see_children(20, view, found);
  // Neither has made a call, so neither has made an exec: both run their parent's image, and
  // /proc is read at their next call.
  CHECK(view.calls.cmdline == reads);
  REQUIRE(found.sightings.size() == 2);  // 31 is known
  CHECK(found.sightings[0].pid == 30);
  CHECK(found.sightings[0].parent_pid == std::optional<int>(20));
  CHECK(found.sightings[1].pid == 32);
  for (const ProcessSighting& s : found.sightings) {
    CHECK(s.inherits_parent_image);
    CHECK(s.image_may_have_changed);
  }
  d.discovery.apply(std::move(found), 20, 20);
  CHECK(d.processes.live(30)->cmdline == std::string("ls\0", 3));
  CHECK(d.processes.live(32)->cmdline == std::string("ls\0", 3));
  CHECK(d.processes.live(30)->image_may_have_changed);
  // A record made meanwhile by another notification keeps what that one read.
  ProcessSighting late{30, 20, std::nullopt, std::nullopt, true};
  late.inherits_parent_image = true;
  d.processes.apply(ProcessSighting{30, 20, std::string("cc\0", 3), std::nullopt, false});
  d.processes.apply(late);
  CHECK(d.processes.live(30)->cmdline == std::string("cc\0", 3));
}

TEST_CASE("read_argv: the strings of an exec's argv array") {
  FakeTraceeView view;
  const AbiInfo& abi = host_abi(Abi::kX86_64);
  std::string array(24, '\0');
  const std::uint64_t pointers[3] = {0x5100, 0x5200, 0};
  std::memcpy(array.data(), pointers, sizeof pointers);
  view.put_memory(0x5000, array);
  view.put_string(0x5100, "python3");
  view.put_string(0x5200, "x.py");
  CHECK(read_argv(view, 0x5000, abi) ==
        std::optional<std::string>(std::string("python3\0x.py\0", 13)));
  CHECK_FALSE(read_argv(view, 0x9000, abi).has_value());
  view.memory.erase(0x5200);
  CHECK_FALSE(read_argv(view, 0x5000, abi).has_value());
}

}  // namespace roar::seccomp
