// OwnTracing: the run holds the listener of its own filter, and a second thread answers the
// command's notifications, so that the main thread's waiting never delays a traced call.
#pragma once

#include <memory>
#include <vector>

#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/launch/run_root.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"
#include "roar/seccomp/proc/proc_context.hpp"
#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/logger.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

class OwnTracing {
 public:
  // Adopts the listener the launched child sent, records the root and starts the supervisor
  // thread. The command cannot run before that: its exec is a traced call, and it waits for an
  // answer. `syscalls` and `proc` must outlive the tracing.
  // `fast_path_library`: the command loads this preload library, whose tables the supervisor
  // keeps (nullopt: the fast path is off).
  static Result<OwnTracing> start(UniqueFd listener, const RunRoot& root, const LauncherExec& exec,
                                  bool allow_io_uring,
                                  const std::optional<std::string>& fast_path_library,
                                  unsigned threads, const std::vector<ResolvedSyscall>& syscalls,
                                  ProcContext& proc, const Logger& log);

  OwnTracing(OwnTracing&&) noexcept;
  OwnTracing& operator=(OwnTracing&&) noexcept;
  ~OwnTracing();  // stops the supervisor thread if report() did not

  // Only once the whole tree is reaped, so that no notification can come any more: stops the
  // supervisor thread, settles the calls that only the final state decides, and builds the
  // report.
  [[nodiscard]] Report report();

 private:
  struct Session;  // what the supervisor thread refers to: it stays put when OwnTracing moves
  explicit OwnTracing(std::unique_ptr<Session> session) noexcept;

  std::unique_ptr<Session> session_;
};

}  // namespace roar::seccomp
