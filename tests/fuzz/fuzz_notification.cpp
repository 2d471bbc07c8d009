// libFuzzer target: NotificationHandler over a sequence of notifications, each answered by a
// byte-driven fake of the traced thread, then the run's report and its encoding.
//
// Input format (read front to back by ByteReader; missing bytes read as zero):
//   u8 flags            bit 0: --allow-io-uring; bit 1: a process watcher; bit 2: it accepts
//   u8 len, bytes       the root's cmdline (NUL-separated)
//   u8 len, bytes       the root's environment
//   then up to kMaxSteps steps, each a u8 op (op % 16):
//     0..10  notification, prepared and committed
//     11     notification, prepared only (the thread died or the call was abandoned)
//     12     u8 pid: process_gone
//     13     u8 tracer, u8 pid, 3 arguments (argv, fallback argv, envp), u16 len + view
//            bytes: start_nested_run
//     14     u8 tracer, u8 id, u16 len + view bytes: finish_nested_run
//     15     u8 tracer: drop_nested_runs_of
//   a notification: u8 tid; u8 mode; if mode % 8 != 0, u16 row of the resolved table, else the
//   arch (mode & 8: u32, else u8 host ABI) and nr (mode & 16: u32, else u16, with the x32 bit if
//   mode & 32); 6 arguments (u8 kind + value, see argument()); u16 len + bytes that answer the
//   fake TraceeView's queries (see byte_tracee_view.hpp).
//   Finally, u16 len + view bytes answer settle_remaining's queries.
#include <fcntl.h>
#include <linux/audit.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "byte_reader.hpp"
#include "byte_tracee_view.hpp"
#include "report_check.hpp"
#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"

namespace roar::seccomp::fuzz {
namespace {

constexpr std::size_t kMaxSteps = 64;
constexpr std::size_t kMaxViewBytes = 4096;

// The launcher's execve of the root: argv, the ENOEXEC fallback argv, envp.
constexpr std::uint64_t kArgv = 0x7ffd0000;
constexpr std::uint64_t kArgvFallback = 0x7ffd1000;
constexpr std::uint64_t kEnvp = 0x7ffd2000;

struct Tables {
  std::vector<ResolvedSyscall> resolved;
  SyscallIndex index;
  Tables() : resolved(resolve_table(traced_syscalls())), index(resolved) {}
};

const Tables& tables() {
  static const Tables t;
  return t;
}

// Keeps accepted pidfds like the epoll watcher does, and closes them when unwatched.
class FuzzWatcher final : public ProcessWatcher {
 public:
  explicit FuzzWatcher(bool accept) : accept_(accept) {}
  bool watch(int pid, UniqueFd pidfd) override {
    if (!accept_ || !pidfd) {
      return false;
    }
    watched_[pid] = std::move(pidfd);
    return true;
  }
  void unwatch(int pid) override { watched_.erase(pid); }

 private:
  bool accept_;
  std::map<int, UniqueFd> watched_;
};

// Flag words the table's argument roles care about.
constexpr std::array<std::uint64_t, 16> kFlagWords = {
    O_WRONLY | O_TRUNC,
    O_RDWR | O_CREAT | O_TRUNC,
    O_TMPFILE | O_RDWR,
    O_NOFOLLOW | O_WRONLY | O_TRUNC,
    AT_EMPTY_PATH,
    AT_SYMLINK_FOLLOW,
    1,  // RENAME_NOREPLACE, SECCOMP_SET_MODE_FILTER, PROT_READ, MAP_SHARED
    2,  // RENAME_EXCHANGE, PROT_WRITE, MAP_PRIVATE
    CLONE_FILES,
    CLONE_FILES | CLONE_FS,
    PROT_READ | PROT_WRITE,
    MAP_SHARED | MAP_FIXED,
    MAP_PRIVATE | MAP_ANONYMOUS,
    8,     // SECCOMP_FILTER_FLAG_NEW_LISTENER
    0x40,  // O_CREAT alone
    0x80000000ULL,
};

std::uint64_t argument(ByteReader& in) {
  switch (in.pick(10)) {
    case 0: return 0;
    case 1: return in.pick(8);  // a small descriptor
    case 2:
      return in.flag() ? static_cast<std::uint64_t>(static_cast<std::int64_t>(kAtFdCwd))
                       : static_cast<std::uint32_t>(kAtFdCwd);
    case 3: return 0x10000 + 0x100 * static_cast<std::uint64_t>(in.u8());  // some pointer
    case 4: {
      static constexpr std::array<std::uint64_t, 3> kLauncher = {kArgv, kArgvFallback, kEnvp};
      return kLauncher[in.pick(kLauncher.size())];
    }
    case 5: return in.u64();
    case 6: return in.u8();  // a small count or length
    case 7: return kFlagWords[in.pick(kFlagWords.size())];
    case 8: return ~std::uint64_t{0};  // -1
    default: return in.u32();
  }
}

Notification notification(ByteReader& in, std::uint64_t id) {
  const Tables& t = tables();
  Notification n;
  n.id = id;
  n.tid = kTids[in.pick(kTids.size())];
  const std::uint8_t mode = in.u8();
  if (mode % 8 != 0) {
    // A call the filter notifies: a row of the resolved table.
    const ResolvedSyscall& row = t.resolved[in.pick16(t.resolved.size())];
    n.arch = row.abi->audit_arch;
    n.nr = row.nr;
  } else {
    // Anything else: the handler must ignore it (or treat it by its number).
    const std::span<const AbiInfo> abis = host_abis();
    n.arch = (mode & 8U) != 0 ? in.u32() : abis[in.pick(abis.size())].audit_arch;
    n.nr = (mode & 16U) != 0
               ? static_cast<std::int32_t>(in.u32())
               : static_cast<std::int32_t>(in.u16() | ((mode & 32U) != 0 ? 0x40000000U : 0U));
  }
  n.instruction_pointer = 0x401000;
  for (std::uint64_t& arg : n.args) {
    arg = argument(in);
  }
  return n;
}

bool is_tid(int tid) {
  return std::find(kTids.begin(), kTids.end(), tid) != kTids.end();
}

bool strictly_sorted(const std::vector<int>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](int a, int b) { return a >= b; }) == v.end();
}

// What every report built from a log promises, whatever the traced threads showed.
void check_report(const Report& r, const char* what) {
  const std::string prefix = std::string(what) + ": ";
  std::vector<int> pids;
  for (const ReportProcess& p : r.processes) {
    pids.push_back(p.pid);
  }
  if (!std::is_sorted(pids.begin(), pids.end())) {
    finding(prefix + "processes are not in pid order");
  }
  for (const ReportProcess& p : r.processes) {
    if (p.parent_pid && !std::binary_search(pids.begin(), pids.end(), *p.parent_pid)) {
      finding(prefix + "process " + std::to_string(p.pid) + " has parent " +
              std::to_string(*p.parent_pid) + ", which is not in the report");
    }
  }
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    const ReportFile& f = r.files[i];
    if (i > 0 && !(r.files[i - 1].path < f.path)) {
      finding(prefix + "files are not in strictly increasing byte order at " + shown(f.path));
    }
    if (!f.path.starts_with('/')) {
      finding(prefix + "a recorded path is not absolute: " + shown(f.path));
    }
    if (f.read != !f.read_threads.empty() || f.written != !f.written_threads.empty()) {
      finding(prefix + "read/written flags disagree with the thread lists of " + shown(f.path));
    }
    if (!strictly_sorted(f.read_threads) || !strictly_sorted(f.written_threads)) {
      finding(prefix + "thread lists are not sorted and unique for " + shown(f.path));
    }
    for (const std::vector<int>* threads : {&f.read_threads, &f.written_threads}) {
      for (const int tid : *threads) {
        if (!is_tid(tid)) {
          finding(prefix + "thread " + std::to_string(tid) + " never made a call, yet accessed " +
                  shown(f.path));
        }
      }
    }
  }
}

// Runs `f`, turning an exception (which the supervisor would only log) into a finding.
template <typename F>
decltype(auto) no_throw(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    finding(std::string(what) + " threw: " + e.what());
  }
}

void run(ByteReader& in, PidfdLedger& ledger) {
  const Tables& t = tables();
  const std::uint8_t flags = in.u8();
  const bool allow_io_uring = (flags & 1U) != 0;
  FuzzWatcher watcher((flags & 4U) != 0);
  RunRecord log;
  std::string root_cmdline = in.short_bytes();
  std::string root_environ = in.short_bytes();
  log.processes.add_root(kRoot, std::move(root_cmdline), std::move(root_environ));
  NotificationHandler handler(t.index, log, LauncherExec{kRoot, kArgv, kArgvFallback, kEnvp},
                              allow_io_uring, (flags & 2U) != 0 ? &watcher : nullptr);
  std::vector<std::uint32_t> subtrees;

  for (std::size_t step = 0; step < kMaxSteps && !in.empty(); ++step) {
    const unsigned op = in.u8() % 16U;
    if (op <= 11) {
      const Notification n = notification(in, step + 1);
      ByteTraceeView view(in.chunk(kMaxViewBytes), n.tid, ledger);
      CallFindings p = no_throw("prepare", [&] { return handler.prepare(n, view); });
      if (p.error != 0 && p.error != ENOSYS) {
        finding("prepare chose an unexpected errno " + std::to_string(p.error));
      }
      if (op <= 10) {
        no_throw("commit", [&] {
          handler.commit(std::move(p));
          return 0;
        });
      }
    } else if (op == 12) {
      const int pid = pick_pid(in);
      no_throw("process_gone", [&] {
        handler.process_gone(pid);
        return 0;
      });
    } else if (op == 13) {
      const int tracer = pick_pid(in);
      LauncherExec launched;
      launched.pid = pick_pid(in);
      launched.argv = argument(in);
      launched.argv_fallback = argument(in);
      launched.envp = argument(in);
      ByteTraceeView view(in.chunk(kMaxViewBytes), launched.pid, ledger);
      const std::optional<std::uint32_t> id = no_throw("start_nested_run", [&] {
        return handler.start_nested_run(tracer, launched, 10.0, view);
      });
      if (id) {
        subtrees.push_back(*id);
      }
    } else if (op == 14) {
      const int tracer = pick_pid(in);
      const std::uint8_t which = in.u8();
      const std::uint32_t id = !subtrees.empty() && which < 0xf0
                                   ? subtrees[which % subtrees.size()]
                                   : static_cast<std::uint32_t>(which & 0x0fU);
      ByteTraceeView view(in.chunk(kMaxViewBytes), 0, ledger);
      const std::optional<Report> report = no_throw(
          "finish_nested_run", [&] { return handler.finish_nested_run(tracer, id, 20.0, view); });
      if (report) {
        check_report(*report, "subtree report");
        expect_round_trip(*report, "subtree report");
      }
    } else {
      const int tracer = pick_pid(in);
      no_throw("drop_nested_runs_of", [&] {
        handler.drop_nested_runs_of(tracer);
        return 0;
      });
    }
  }

  ByteTraceeView final_state(in.chunk(kMaxViewBytes), 0, ledger);
  no_throw("settle_remaining", [&] {
    handler.settle_remaining(final_state);
    return 0;
  });
  Report report = build_report(log, 1.7e9, 1.7e9 + 2.5);
  report.complete = !log.incomplete;
  check_report(report, "run report");
  expect_round_trip(report, "run report");
}

}  // namespace
}  // namespace roar::seccomp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace roar::seccomp::fuzz;
  PidfdLedger ledger;
  {
    ByteReader in(data, size);
    run(in, ledger);
  }
  ledger.expect_all_closed();
  return 0;
}
