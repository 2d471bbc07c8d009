// The NotificationHandler tests' common ground: notifications by name, a run, a process 20.
#pragma once

#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "fake_process_watcher.hpp"
#include "fake_tracee_view.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"

namespace roar::seccomp::handler_test {

using Regs = std::array<std::uint64_t, 6>;

inline constexpr int kRoot = 10;
inline constexpr int kRootParent = 2;  // the tracer, as far as these tests are concerned
inline constexpr std::uint64_t kArgv = 0x1000;
inline constexpr std::uint64_t kArgvFallback = 0x1800;
inline constexpr std::uint64_t kEnvp = 0x2000;
inline constexpr std::uint64_t kAtFdCwdReg = static_cast<std::uint32_t>(kAtFdCwd);

inline std::string nul(std::initializer_list<const char*> items) {
  std::string out;
  for (const char* item : items) {
    out += item;
    out += '\0';
  }
  return out;
}

// An x86-64 notification of call `name` by thread `tid`.
inline Notification notification(int tid, const char* name, const Regs& args = {}) {
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
inline FakeTraceeView process_20() {
  FakeTraceeView view;
  view.thread_status = ThreadStatus{20, kRoot};
  view.cmdlines[20] = nul({"ls", "-l"});
  view.environs[20] = nul({"A=1"});
  view.fd_table_of[21] = 20;
  view.fd_table_of[22] = 20;
  return view;
}

}  // namespace roar::seccomp::handler_test
