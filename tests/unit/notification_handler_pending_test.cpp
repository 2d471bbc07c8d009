// Tests of NotificationHandler's pending checks: settled at the thread's next call, or at the end.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <string>

#include "handler_test_support.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
using namespace handler_test;

TEST_CASE("NotificationHandler: a splice from an empty pipe is settled at the next call") {
  Run run;
  FakeTraceeView view = process_20();
  view.add_pipe(3, FdAccess{true, false}, 0);
  view.add_file(5, "/sink", FdAccess{false, true}, 0, 0);

  run.handle(notification(20, "splice", {3, 0, 5, 0, 4096, 0}), view);
  CHECK_FALSE(run.log.files.contains("/sink"));

  SUBCASE("the sink's position moved: written by that thread") {
    view.fds[5].position = 4096;
    run.handle(notification(20, "close", {99}), view);
    CHECK(run.log.files.contains("/sink", Access::kWritten, 20));
  }
  SUBCASE("the position did not move: nothing, and the check is gone") {
    run.handle(notification(20, "close", {99}), view);
    CHECK_FALSE(run.log.files.contains("/sink"));
    view.fds[5].position = 4096;
    run.handle(notification(20, "close", {99}), view);
    CHECK_FALSE(run.log.files.contains("/sink"));
  }
  SUBCASE("another thread's call does not settle it") {
    view.fds[5].position = 4096;
    run.handle(notification(22, "close", {99}), view);
    CHECK_FALSE(run.log.files.contains("/sink"));
    run.handle(notification(20, "close", {99}), view);
    CHECK(run.log.files.contains("/sink", Access::kWritten, 20));
  }
}

TEST_CASE("NotificationHandler: a dead thread's check does not follow its tid to a new process") {
  Run run;
  FakeTraceeView process = process_20();
  process.add_pipe(3, FdAccess{true, false}, 0);
  process.add_file(5, "/sink", FdAccess{false, true}, 0, 0);
  // Thread 21 blocks in a splice from an empty pipe; thread 20 ends the process meanwhile.
  run.handle(notification(21, "splice", {3, 0, 5, 0, 4096, 0}), process);
  run.handle(notification(20, "exit_group"), process);
  run.handler.process_gone(20);

  // Much later tid 21 is a new process whose descriptor 5 is an unrelated file that moved.
  FakeTraceeView reused;
  reused.thread_status = ThreadStatus{21, kRoot};
  reused.add_file(5, "/unrelated", FdAccess{true, true}, 100, 50);
  run.handle(notification(21, "close", {99}), reused);
  CHECK_FALSE(run.log.files.contains("/sink", Access::kWritten, 21));
}

TEST_CASE("NotificationHandler: an exec's killed threads do not pass their checks on") {
  Run run;
  FakeTraceeView process = process_20();
  process.add_pipe(3, FdAccess{true, false}, 0);
  process.add_file(5, "/sink", FdAccess{false, true}, 0, 0);
  // Thread 21 blocks in a splice from an empty pipe; thread 20 execs, which kills thread 21.
  run.handle(notification(21, "splice", {3, 0, 5, 0, 4096, 0}), process);
  run.handle(notification(20, "execve", {0x900, 0x5000, 0x6000}), process);
  run.handle(notification(20, "close", {99}), process);  // the exec succeeded

  // Later tid 21 is a new process whose descriptor 5 is an unrelated file that moved.
  FakeTraceeView reused;
  reused.thread_status = ThreadStatus{21, kRoot};
  reused.add_file(5, "/unrelated", FdAccess{true, true}, 100, 50);
  run.handle(notification(21, "close", {99}), reused);
  CHECK_FALSE(run.log.files.contains("/sink", Access::kWritten, 21));
}

TEST_CASE("NotificationHandler: a rename is settled at the next call, or at the end") {
  Run run;
  FakeTraceeView view = process_20();
  view.cwd = "/w";
  view.put_string(0x1000, "tmp");
  view.put_string(0x2000, "final");
  view.files["/w/tmp"] = FakeTraceeView::regular(10, 1, 1);

  run.handle(notification(20, "rename", {0x1000, 0x2000}), view);
  CHECK_FALSE(run.log.files.contains("/w/final"));
  view.files["/w/final"] = view.files["/w/tmp"];
  view.files.erase("/w/tmp");

  SUBCASE("the thread's next call") {
    run.handle(notification(20, "close", {99}), view);
    CHECK(run.log.files.contains("/w/final", Access::kWritten, 20));
  }
  SUBCASE("the thread never traps again") {
    FakeTraceeView after_the_run;
    after_the_run.files = view.files;
    run.handler.settle_remaining(after_the_run);
    CHECK(run.log.files.contains("/w/final", Access::kWritten, 20));
    // Settled once: a later call of the same tid finds nothing pending.
    run.log.files = AccessTable{};
    run.handle(notification(20, "close", {99}), view);
    CHECK_FALSE(run.log.files.contains("/w/final"));
  }
  SUBCASE("the process was killed: settled at the end against the file system") {
    run.handler.process_gone(20);
    CHECK_FALSE(run.log.files.contains("/w/final"));
    FakeTraceeView after_the_run;
    after_the_run.files = view.files;
    run.handler.settle_remaining(after_the_run);
    CHECK(run.log.files.contains("/w/final", Access::kWritten, 20));
  }
}

TEST_CASE("NotificationHandler: reading back through an O_TRUNC descriptor reads nothing") {
  Run run;
  FakeTraceeView view = process_20();
  view.cwd = "/w";
  view.put_string(0x1000, "out");
  for (int fd = 0; fd < 3; ++fd) {
    view.add_pipe(fd, FdAccess{true, true}, 0);
  }
  view.files["/w/out"] = FakeTraceeView::regular(50, 1, 77);

  run.handle(notification(20, "openat", {kAtFdCwdReg, 0x1000, O_RDWR | O_CREAT | O_TRUNC, 0644}),
             view);
  // The open returned 3, the lowest free number; the process writes, then reads back.
  view.fds[3] = FakeFd{"/w/out", FdAccess{true, true}, FakeTraceeView::regular(0, 1, 77), 0, {}};
  view.files["/w/out"].size = 0;
  run.handle(notification(20, "write", {3, 0x5000, 100}), view);
  view.files["/w/out"].size = 100;
  view.fds[3].stat->size = 100;
  CHECK(run.log.facts.is_truncating_fd(20, 3, FileId{1, 77}));

  run.handle(notification(20, "pread64", {3, 0x5000, 100, 0}), view);
  run.handle(notification(20, "mmap", {0, 100, PROT_READ, MAP_SHARED, 3, 0}), view);
  CHECK(run.log.files.contains("/w/out", Access::kWritten, 20));
  CHECK_FALSE(run.log.files.contains("/w/out", Access::kRead, 20));

  SUBCASE("another descriptor of the file reads it") {
    view.fds[4] = view.fds[3];
    run.handle(notification(20, "read", {4, 0x5000, 100}), view);
    CHECK(run.log.files.contains("/w/out", Access::kRead, 20));
  }
  SUBCASE("after close, the number may be another open of the file") {
    run.handle(notification(20, "close", {3}), view);
    CHECK_FALSE(run.log.facts.is_truncating_fd(20, 3, FileId{1, 77}));
  }
  SUBCASE("a new program reads whatever the file holds") {
    run.handle(notification(20, "execve", {0x900, 0x5000, 0x6000}), view);
    CHECK_FALSE(run.log.facts.is_truncating_fd(20, 3, FileId{1, 77}));
  }
}
#endif

}  // namespace roar::seccomp
