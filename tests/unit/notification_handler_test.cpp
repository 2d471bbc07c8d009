// Tests of NotificationHandler: process bookkeeping, the launcher's exec, io_uring, pending checks.
#include "roar/seccomp/notify/notification_handler.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "fake_process_watcher.hpp"
#include "fake_tracee_view.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
namespace {

using Regs = std::array<std::uint64_t, 6>;

constexpr int kRoot = 10;
constexpr int kRootParent = 2;  // the tracer, as far as these tests are concerned
constexpr std::uint64_t kArgv = 0x1000;
constexpr std::uint64_t kArgvFallback = 0x1800;
constexpr std::uint64_t kEnvp = 0x2000;
constexpr std::uint64_t kAtFdCwdReg = static_cast<std::uint32_t>(kAtFdCwd);

std::string nul(std::initializer_list<const char*> items) {
  std::string out;
  for (const char* item : items) {
    out += item;
    out += '\0';
  }
  return out;
}

Notification notification(int tid, const char* name, const Regs& args = {}) {
  Notification n;
  n.id = 1;
  n.tid = tid;
  n.arch = AUDIT_ARCH_X86_64;
  n.nr = seccomp_syscall_resolve_name(name);
  n.args = args;
  return n;
}

// A run whose root (pid 10) was launched with argv at kArgv and envp at kEnvp, and whose
// processes are watched through pidfds unless the test says otherwise.
struct Run {
  explicit Run(bool allow_io_uring = false, bool with_watcher = true)
      : index(resolve_table(traced_syscalls())),
        handler(index, log, LauncherExec{kRoot, kArgv, kArgvFallback, kEnvp}, allow_io_uring,
                with_watcher ? &watcher : nullptr) {
    log.processes.add_root(kRoot, nul({"script.sh", "arg"}), nul({"HOME=/root"}));
  }

  void handle(const Notification& n, TraceeView& view) { handler.commit(handler.prepare(n, view)); }

  bool warned(const std::string& fragment) const {
    const std::vector<std::string> lines = log.warnings.lines();
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(fragment) != std::string::npos;
    });
  }

  const ProcessRecord* record(int pid) const {
    const std::vector<ProcessRecord> all = log.processes.sorted();
    const auto it = std::find_if(all.rbegin(), all.rend(),
                                 [pid](const ProcessRecord& r) { return r.pid == pid; });
    if (it == all.rend()) {
      return nullptr;
    }
    last = *it;
    return &last;
  }

  SyscallIndex index;
  RunRecord log;
  FakeProcessWatcher watcher;
  NotificationHandler handler;
  mutable ProcessRecord last;
};

// A process 20, child of the root, whose threads share one descriptor table.
FakeTraceeView process_20() {
  FakeTraceeView view;
  view.thread_status = ThreadStatus{20, kRoot};
  view.cmdlines[20] = nul({"ls", "-l"});
  view.environs[20] = nul({"A=1"});
  view.fd_table_of[21] = 20;
  view.fd_table_of[22] = 20;
  return view;
}

}  // namespace

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
    Prepared p = run.handler.prepare(notification(kRoot, "io_uring_setup", {8, 0x7000}), view);
    CHECK(p.error == ENOSYS);
    run.handler.commit(std::move(p));
    CHECK(run.log.io_uring_refused);
    CHECK_FALSE(run.log.incomplete);
    CHECK(run.warned("ENOSYS"));
    CHECK_FALSE(run.warned("--allow-io-uring"));
  }
  SUBCASE("allowed with --allow-io-uring, and the report says it is incomplete") {
    Run run(true);
    Prepared p = run.handler.prepare(notification(kRoot, "io_uring_setup", {8, 0x7000}), view);
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
  Prepared p = run.handler.prepare(notification(20, "seccomp", {1, 8, 0x1000}), view);
  CHECK(p.error == 0);
  run.handler.commit(std::move(p));
  // Unless it turned out to be a nested run, the report says what the program was refused.
  FakeTraceeView after_the_run;
  run.handler.settle_remaining(after_the_run);
  CHECK(run.warned("EBUSY"));
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
      CHECK(cc->cmdline == nul({"cc"}));
      // A child already known keeps its record.
      CHECK(run.log.processes.live(31)->cmdline == nul({"ld"}));
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
  SUBCASE("a vanished thread of an unknown process registers nothing") {
    FakeTraceeView gone;
    run.handle(notification(40, "close", {3}), gone);
    CHECK(run.log.processes.live(40) == nullptr);
    CHECK_FALSE(run.log.processes.tgid_of(40).has_value());
  }
}
#endif

}  // namespace roar::seccomp
