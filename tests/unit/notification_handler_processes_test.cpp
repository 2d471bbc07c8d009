// Tests of NotificationHandler's process bookkeeping: sightings, exits, descriptor tables.
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "handler_test_support.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"
#include "test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
using namespace handler_test;

TEST_CASE("NotificationHandler: a new process is registered once") {
  Run run;
  FakeTraceeView view = process_20();
  view.add_file(3, "/etc/passwd", FdAccess{true, false}, 100, 0);

  run.handle(notification(20, "read", {3, 0x7000, 10}), view);
  const ProcessRecord* p = run.log.processes.live(20);
  REQUIRE(p != nullptr);
  CHECK(p->parent_pid == std::optional<int>(kRoot));
  CHECK(p->cmdline == nul({"ls", "-l"}));
  CHECK(p->environ == nul({"A=1"}));
  CHECK(p->watched);
  CHECK(run.watcher.watched.count(20) == 1);
  CHECK(run.log.processes.tgid_of(20) == std::optional<int>(20));
  CHECK(run.log.files.contains("/etc/passwd", Access::kRead, 20));
  CHECK(run.log.notifications == 1);
  CHECK(view.calls.status == 1);

  SUBCASE("the next call of that thread reads neither status nor cmdline") {
    run.handle(notification(20, "close", {3}), view);
    CHECK(view.calls.status == 1);
    CHECK(view.calls.cmdline == 1);
    CHECK(view.calls.environ == 1);
    CHECK(view.calls.open_pidfd == 1);
  }
  SUBCASE("another thread of the process is mapped to it without re-reading argv") {
    run.handle(notification(21, "close", {3}), view);
    CHECK(view.calls.status == 2);
    CHECK(view.calls.cmdline == 1);
    CHECK(run.log.processes.tgid_of(21) == std::optional<int>(20));
  }
  SUBCASE("a thread's exit forgets its tid") {
    run.handle(notification(21, "exit"), view);
    CHECK_FALSE(run.log.processes.tgid_of(21).has_value());
    CHECK(run.log.processes.live(20) != nullptr);
  }
}

TEST_CASE("NotificationHandler: an unwatched process is looked up in /proc every time") {
  for (const bool with_watcher : {false, true}) {
    CAPTURE(with_watcher);
    Run run(false, with_watcher);
    run.watcher.accept = false;  // with a watcher that refuses the pidfd: the same
    FakeTraceeView view = process_20();
    run.handle(notification(20, "close", {99}), view);
    run.handle(notification(20, "close", {99}), view);
    CHECK(view.calls.status == 2);
    CHECK(view.calls.cmdline == 1);  // the record is there; only the tid is not trusted
    CHECK_FALSE(run.log.processes.live(20)->watched);
    CHECK_FALSE(run.log.processes.tgid_of(20).has_value());
  }
}

TEST_CASE("NotificationHandler: a process whose pidfd cannot be opened stays unwatched") {
  Run run;
  FakeTraceeView view = process_20();
  view.pidfds = false;
  run.handle(notification(20, "close", {99}), view);
  CHECK(view.calls.open_pidfd == 1);
  CHECK(run.watcher.watched.empty());
  CHECK_FALSE(run.log.processes.live(20)->watched);
}

TEST_CASE("NotificationHandler: children are found through their parent") {
  SUBCASE("when it exits or waits") {
    for (const char* call : {"exit_group", "wait4"}) {
      const std::string name = call;
      CAPTURE(name);
      Run run;
      FakeTraceeView view = process_20();
      view.cmdlines[20] = nul({"make"});
      view.cmdlines[30] = nul({"cc"});
      view.cmdlines[31] = nul({"changed"});
      run.log.processes.apply(sighting(31, 20, nul({"ld"})));
      view.child_pids[20] = {30, 31};

      run.handle(notification(20, call), view);
      const ProcessRecord* cc = run.log.processes.live(30);
      REQUIRE(cc != nullptr);
      CHECK(cc->parent_pid == std::optional<int>(20));
      // Not seen before, so it has made no exec: it runs its parent's image until /proc is read
      // at its own next call.
      CHECK(cc->cmdline == nul({"make"}));
      // A child already known keeps its record.
      CHECK(run.log.processes.live(31)->cmdline == nul({"ld"}));
      if (name == "wait4") {
        view.thread_status = ThreadStatus{30, 20};
        run.handle(notification(30, "close", {99}), view);
        CHECK(run.log.processes.live(30)->cmdline == nul({"cc"}));
      }
    }
  }
  SUBCASE("a zombie child shows no argv: it ran its parent's image") {
    Run run;
    FakeTraceeView view = process_20();
    view.cmdlines[30] = "";
    view.child_pids[20] = {30};
    run.handle(notification(20, "wait4"), view);
    REQUIRE(run.log.processes.live(30) != nullptr);
    CHECK(run.log.processes.live(30)->cmdline == nul({"ls", "-l"}));
    CHECK(run.log.processes.live(30)->environ == nul({"A=1"}));
  }
}

TEST_CASE("NotificationHandler: a process's exit") {
  SUBCASE("watched: forgotten when its pidfd says it is gone") {
    Run run;
    FakeTraceeView view = process_20();
    run.handle(notification(20, "exit_group"), view);
    // Threads on their way out may still trap: it must not look like a new process yet.
    CHECK(run.log.processes.live(20) != nullptr);
    run.handler.process_gone(20);
    CHECK(run.log.processes.live(20) == nullptr);
    CHECK(run.watcher.watched.count(20) == 0);
    REQUIRE(run.record(20) != nullptr);
    CHECK(run.record(20)->exited);
    CHECK(run.record(20)->parent_pid == std::optional<int>(kRoot));
  }
  SUBCASE("unwatched: forgotten at once") {
    Run run(false, false);
    FakeTraceeView view = process_20();
    run.handle(notification(20, "exit_group"), view);
    CHECK(run.log.processes.live(20) == nullptr);
    CHECK(run.record(20)->exited);
  }
  SUBCASE("killed without an exit call") {
    Run run;
    FakeTraceeView view = process_20();
    run.handle(notification(20, "close", {99}), view);
    run.handler.process_gone(20);
    CHECK(run.log.processes.live(20) == nullptr);
    CHECK(run.record(20)->exited);
  }
}

TEST_CASE("NotificationHandler: a process first seen after its parent died") {
  Run run;
  FakeTraceeView view;
  // Re-parented to the tracer (its child subreaper): /proc no longer names the real parent.
  view.thread_status = ThreadStatus{40, static_cast<int>(getpid())};
  run.handle(notification(40, "close", {99}), view);
  REQUIRE(run.log.processes.live(40) != nullptr);
  CHECK(run.log.processes.live(40)->parent_pid == std::optional<int>(kRoot));
  CHECK(run.warned("parent"));
}

TEST_CASE("NotificationHandler: descriptor links are cached only while they cannot change") {
  Run run;
  FakeTraceeView view = process_20();
  view.add_file(3, "/in", FdAccess{true, false}, 100, 0);
  const Regs read3{3, 0x7000, 10};
  run.handle(notification(20, "read", read3), view);  // first sighting: not watched yet
  run.handle(notification(20, "read", read3), view);  // watched: the link is stored
  const int links = view.calls.fd_link;
  run.handle(notification(20, "read", read3), view);
  CHECK(view.calls.fd_link == links);
  CHECK(view.calls.status == 1);

  SUBCASE("a closed and reused descriptor never carries the old file") {
    run.handle(notification(20, "close", {3}), view);
    view.add_file(3, "/other", FdAccess{true, false}, 100, 0);
    run.handle(notification(20, "read", read3), view);
    CHECK(run.log.files.contains("/other", Access::kRead, 20));
  }
  SUBCASE("dup2 onto the descriptor is a release too") {
    view.add_file(4, "/src", FdAccess{true, false}, 100, 0);
    run.handle(notification(20, "dup2", {4, 3}), view);
    view.fds[3] = view.fds[4];
    run.handle(notification(20, "read", read3), view);
    CHECK(run.log.files.contains("/src", Access::kRead, 20));
  }
  SUBCASE("a thread with a descriptor table of its own ends caching for the process") {
    view.fd_table_of.erase(22);
    run.handle(notification(22, "close", {99}), view);
    run.handle(notification(20, "read", read3), view);
    CHECK(view.calls.fd_link == links + 2);  // close's lookup of 99, then the read's
  }
  SUBCASE("unshare ends caching for the process") {
    run.handle(notification(20, "unshare", {0x400 /* CLONE_FILES */}), view);
    run.handle(notification(20, "read", read3), view);
    CHECK(view.calls.fd_link == links + 1);
  }
  SUBCASE("a new thread whose table cannot be compared ends caching") {
    view.kcmp_works = false;
    run.handle(notification(21, "close", {99}), view);
    run.handle(notification(20, "read", read3), view);
    CHECK(view.calls.fd_link == links + 2);
  }
  SUBCASE("a new thread sharing the table keeps it") {
    run.handle(notification(21, "close", {99}), view);
    run.handle(notification(20, "read", read3), view);
    CHECK(view.calls.fd_link == links + 1);  // only close's lookup of 99
  }
}

TEST_CASE("NotificationHandler: a child sharing its parent's descriptor table ends caching") {
  Run run;
  FakeTraceeView view = process_20();
  view.add_file(3, "/in", FdAccess{true, false}, 100, 0);
  const Regs read3{3, 0x7000, 10};
  run.handle(notification(20, "read", read3), view);
  run.handle(notification(20, "read", read3), view);
  const int links = view.calls.fd_link;

  FakeTraceeView child = view;
  child.thread_status = ThreadStatus{30, 20};
  child.fd_table_of[30] = 20;  // clone(CLONE_FILES) without CLONE_THREAD
  run.handle(notification(30, "close", {99}), child);
  run.handle(notification(20, "read", read3), view);
  CHECK(view.calls.fd_link == links + 1);
}
#endif

}  // namespace roar::seccomp
