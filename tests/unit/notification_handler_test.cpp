// Tests of NotificationHandler: the launcher's exec, io_uring, own listeners, nested runs, the
// rest.
#include "roar/seccomp/notify/notification_handler.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "handler_test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
using namespace handler_test;

TEST_CASE("NotificationHandler: the launcher's exec keeps the command as given") {
  Run run;
  FakeTraceeView view;
  view.thread_status = ThreadStatus{kRoot, kRootParent};
  view.cmdlines[kRoot] = nul({"/bin/sh", "script.sh", "arg"});
  view.environs[kRoot] = nul({"HOME=/root"});

  SUBCASE("exec with the launcher's argv and envp") {
    run.handle(notification(kRoot, "execve", {0x900, kArgv, kEnvp}), view);
    run.handle(notification(kRoot, "exit_group"), view);
    run.handler.process_gone(kRoot);
    const std::vector<ProcessRecord> all = run.log.processes.sorted();
    REQUIRE(all.size() == 1);
    CHECK(all[0].cmdline == nul({"script.sh", "arg"}));
    CHECK(view.calls.cmdline == 0);
  }
  SUBCASE("the ENOEXEC fallback argv is the launcher's too") {
    run.handle(notification(kRoot, "execve", {0x900, kArgvFallback, kEnvp}), view);
    run.handle(notification(kRoot, "exit_group"), view);
    run.handler.process_gone(kRoot);
    CHECK(run.log.processes.sorted().at(0).cmdline == nul({"script.sh", "arg"}));
  }
  SUBCASE("a later exec of the program is a new image, read at the next call") {
    run.handle(notification(kRoot, "execve", {0x900, kArgv, kEnvp}), view);
    view.cmdlines[kRoot] = nul({"python3", "x.py"});
    run.handle(notification(kRoot, "execve", {0x900, 0x5000, 0x6000}), view);
    const ProcessRecord* root = run.log.processes.live(kRoot);
    REQUIRE(root != nullptr);
    CHECK(root->image_may_have_changed);
    CHECK(root->cmdline == nul({"script.sh", "arg"}));

    run.handle(notification(kRoot, "exit"), view);
    root = run.log.processes.live(kRoot);
    REQUIRE(root != nullptr);
    CHECK(root->cmdline == nul({"python3", "x.py"}));
    CHECK_FALSE(root->image_may_have_changed);
    // The root stays the root: /proc's ppid (the tracer) must not become its parent.
    CHECK_FALSE(root->parent_pid.has_value());
  }
  SUBCASE("once the program ran, the launcher's pointers no longer mean the launcher") {
    run.handle(notification(kRoot, "execve", {0x900, kArgv, kEnvp}), view);
    run.handle(notification(kRoot, "close", {99}), view);
    run.handle(notification(kRoot, "execve", {0x900, kArgv, kEnvp}), view);
    CHECK(run.log.processes.live(kRoot)->image_may_have_changed);
  }
  SUBCASE("an exec by another process is never the launcher's") {
    FakeTraceeView child = process_20();
    run.handle(notification(20, "execve", {0x900, kArgv, kEnvp}), child);
    CHECK(run.log.processes.live(20)->image_may_have_changed);
  }
  SUBCASE("the launcher's exec looks at no descriptor: they are the tracer's own") {
    view.add_file(3, "/tracer/own", FdAccess{true, true}, 1);
    run.handle(notification(kRoot, "execve", {0x900, kArgv, kEnvp}), view);
    CHECK(view.calls.open_fds == 0);
    CHECK_FALSE(run.log.files.contains("/tracer/own"));
  }
}

TEST_CASE("NotificationHandler: a process that dies right after exec keeps exec's argv") {
  Run run;
  FakeTraceeView view = process_20();
  std::string array(24, '\0');  // argv: two pointers and the terminating NULL
  const std::uint64_t ptrs[3] = {0x5100, 0x5200, 0};
  std::memcpy(array.data(), ptrs, sizeof ptrs);
  view.put_memory(0x5000, array);
  view.put_string(0x5100, "python3");
  view.put_string(0x5200, "x.py");
  run.handle(notification(20, "execve", {0x900, 0x5000, 0x6000}), view);

  SUBCASE("gone before its next call: the argv exec was given") {
    run.handler.process_gone(20);
    REQUIRE(run.record(20) != nullptr);
    CHECK(run.record(20)->cmdline == nul({"python3", "x.py"}));
  }
  SUBCASE("it trapped again: what /proc shows") {
    view.cmdlines[20] = nul({"/usr/bin/python3", "x.py"});
    run.handle(notification(20, "close", {99}), view);
    run.handler.process_gone(20);
    CHECK(run.record(20)->cmdline == nul({"/usr/bin/python3", "x.py"}));
  }
}

TEST_CASE("NotificationHandler: io_uring_setup") {
  FakeTraceeView view;
  view.thread_status = ThreadStatus{kRoot, kRootParent};
  SUBCASE("refused with ENOSYS by default") {
    Run run;
    CallFindings p = run.handler.prepare(notification(kRoot, "io_uring_setup", {8, 0x7000}), view);
    CHECK(p.error == ENOSYS);
    run.handler.commit(std::move(p));
    CHECK(run.log.io_uring_refused);
    CHECK_FALSE(run.log.incomplete);
    CHECK(run.warned("ENOSYS"));
    CHECK_FALSE(run.warned("--allow-io-uring"));
  }
  SUBCASE("allowed with --allow-io-uring, and the report says it is incomplete") {
    Run run(true);
    CallFindings p = run.handler.prepare(notification(kRoot, "io_uring_setup", {8, 0x7000}), view);
    CHECK(p.error == 0);
    run.handler.commit(std::move(p));
    CHECK_FALSE(run.log.io_uring_refused);
    CHECK(run.log.incomplete);
    CHECK(run.warned("--allow-io-uring"));
    CHECK_FALSE(run.warned("ENOSYS"));
  }
}

TEST_CASE("NotificationHandler: a program asking for its own listener is let through") {
  Run run;
  FakeTraceeView view = process_20();
  // The kernel answers EBUSY itself (one listener per filter chain): failing the call here
  // would hide that from a nested roar-seccomp, which asks the outer run instead.
  CallFindings p = run.handler.prepare(notification(20, "seccomp", {1, 8, 0x1000}), view);
  CHECK(p.error == 0);
  run.handler.commit(std::move(p));
  // Unless it turned out to be a nested run, the report says what the program was refused.
  FakeTraceeView after_the_run;
  run.handler.settle_remaining(after_the_run);
  CHECK(run.warned("EBUSY"));
}

TEST_CASE("NotificationHandler: a nested run reports its command's subtree") {
  Run run;
  // Process 20 is an inner roar-seccomp; its command 21 is forked and about to exec "ls" with
  // the argv and envp pointers it registers.
  FakeTraceeView tracer = process_20();
  tracer.add_file(3, "/outer-only", FdAccess{true, false}, 100);
  run.handle(notification(20, "read", {3, 0x7000, 10}), tracer);
  FakeTraceeView command;
  command.thread_status = ThreadStatus{21, 20};
  std::string array(16, '\0');
  const std::uint64_t pointers[2] = {0x3100, 0};
  std::memcpy(array.data(), pointers, sizeof pointers);
  command.put_memory(0x3000, array);
  command.put_string(0x3100, "ls");
  command.environs[21] = nul({"A=1"});
  const LauncherExec launched{21, 0x3000, 0x3800, 0x4000};
  CHECK_FALSE(run.handler.start_nested_run(kRoot, launched, 1.0, command));  // not its parent
  const std::optional<std::uint32_t> id = run.handler.start_nested_run(20, launched, 1.0, command);
  REQUIRE(id);

  // The exec with the registered pointers is the inner launcher's: the command stays "ls".
  command.add_file(3, "/in", FdAccess{true, false}, 100);
  run.handle(notification(21, "execve", {0x900, 0x3000, 0x4000}), command);
  run.handle(notification(21, "read", {3, 0x7000, 10}), command);
  CHECK(run.log.files.contains("/in", Access::kRead, 21));

  FakeTraceeView final_state;
  CHECK_FALSE(run.handler.finish_nested_run(kRoot, *id, 2.0, final_state));  // not its tracer
  SUBCASE("finished: the subtree's report") {
    const std::optional<Report> report = run.handler.finish_nested_run(20, *id, 2.0, final_state);
    REQUIRE(report);
    CHECK(report->complete);
    REQUIRE(report->files.size() == 1);
    CHECK(report->files[0].path == "/in");
    REQUIRE(report->processes.size() == 1);
    CHECK(report->processes[0].pid == 21);
    CHECK(report->processes[0].command == std::vector<std::string>{"ls"});
    CHECK(report->env_accessed.at("A") == "1");
    CHECK_FALSE(run.handler.finish_nested_run(20, *id, 2.0, final_state));  // once
  }
  SUBCASE("its tracer went away") {
    run.handler.drop_nested_runs_of(20);
    CHECK_FALSE(run.handler.finish_nested_run(20, *id, 2.0, final_state));
  }
}

TEST_CASE("NotificationHandler: a read of a file its thread already read needs nothing recorded") {
  Run run;
  FakeTraceeView view = process_20();
  view.add_file(3, "/in", FdAccess{true, false}, 100, 0);
  const Regs read3{3, 0x7000, 10};
  run.handle(notification(20, "read", read3), view);  // first sighting: not watched yet
  run.handle(notification(20, "read", read3), view);  // watched: the link is stored
  const int reads = view.calls.fd_link + view.calls.status;
  CHECK(run.handler.prepare(notification(20, "read", read3), view).nothing_to_record());
  CHECK(view.calls.fd_link + view.calls.status == reads);

  SUBCASE("another file is news") {
    view.add_file(4, "/other", FdAccess{true, false}, 100, 0);
    CHECK_FALSE(
        run.handler.prepare(notification(20, "read", {4, 0x7000, 10}), view).nothing_to_record());
  }
  SUBCASE("so is another thread's read") {
    CHECK_FALSE(run.handler.prepare(notification(21, "read", read3), view).nothing_to_record());
  }
}

TEST_CASE("NotificationHandler: other notifications") {
  Run run;
  FakeTraceeView view;
  view.thread_status = ThreadStatus{kRoot, kRootParent};
  SUBCASE("a call not in the table is counted and nothing is read") {
    run.handle(notification(kRoot, "getpid"), view);
    CHECK(run.log.notifications == 1);
    CHECK(view.calls.total() == 0);
  }
  SUBCASE("an unknown architecture is counted and nothing is read") {
    Notification n = notification(kRoot, "read", {3, 0, 1});
    n.arch = AUDIT_ARCH_AARCH64;
    run.handle(n, view);
    CHECK(run.log.notifications == 1);
    CHECK(view.calls.total() == 0);
  }
  SUBCASE("unreadable memory is reported as a warning") {
    view.add_file(3, "/in", FdAccess{true, false}, 100, 0);
    run.handle(notification(kRoot, "readv", {3, 0xdead0000, 2}), view);
    CHECK(run.log.files.contains("/in", Access::kRead, kRoot));
    CHECK(run.warned("memory"));
  }
  SUBCASE("a process /proc will not show makes the report incomplete") {
    view.access_denied = true;
    run.handle(notification(kRoot, "close", {3}), view);
    CHECK(run.log.incomplete);
    CHECK(run.warned("inspected"));
  }
  SUBCASE("a /proc read the tracer could not make for want of descriptors makes it incomplete") {
    view.short_of_resources = true;
    run.handle(notification(kRoot, "close", {3}), view);
    CHECK(run.log.incomplete);
    CHECK(run.warned("ran out of descriptors or memory"));
  }
  SUBCASE("a failure of the tracer itself makes the report incomplete") {
    run.handle(notification(kRoot, "close", {3}), view);
    REQUIRE_FALSE(run.log.incomplete);
    run.handler.failed(kRoot, "std::bad_alloc");
    CHECK(run.log.incomplete);
    CHECK(run.warned("the tracer failed while attributing a traced call (std::bad_alloc)"));
  }
  SUBCASE("a vanished thread of an unknown process registers nothing") {
    FakeTraceeView gone;
    run.handle(notification(40, "close", {3}), gone);
    CHECK(run.log.processes.live(40) == nullptr);
    CHECK_FALSE(run.log.processes.tgid_of(40).has_value());
  }
}
#endif

}  // namespace roar::seccomp
