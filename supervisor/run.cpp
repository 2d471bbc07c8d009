// run_traced: the launcher process's main thread. It owns signals and child reaping; a second
// thread answers notifications, so that waiting here never delays a traced call.
#include "roar/seccomp/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "roar/seccomp/exit_status.hpp"
#include "roar/seccomp/launcher.hpp"
#include "roar/seccomp/proc_tracee_view.hpp"
#include "roar/seccomp/process_tree.hpp"
#include "roar/seccomp/report_builder.hpp"
#include "roar/seccomp/report_destination.hpp"
#include "roar/seccomp/supervisor.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace roar::seccomp {
namespace {

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string current_environ() {
  std::string out;
  for (char** e = environ; *e != nullptr; ++e) {
    out += *e;
    out += '\0';
  }
  return out;
}

// Why the filter could not be installed, and what to do about it.
std::string explain_filter_error(int error) {
  switch (error) {
    case EBUSY:
      return "another seccomp listener already supervises this process (a tracer such as "
             "roar-seccomp, a sandbox, or WSL2's mirrored networking); the kernel allows one "
             "per process";
    case EINVAL:
      return "this kernel does not offer seccomp user notification (Linux 5.5 or later is "
             "needed; gVisor does not implement it)";
    case EACCES:
    case EPERM:
      return "installing a seccomp filter is denied here (a sandbox or container policy); run "
             "outside it or allow seccomp(2)";
    default:
      return std::string("installing the seccomp filter failed: ") + std::strerror(error);
  }
}

void explain_exec_error(const Log& log, const std::string& command, int error) {
  struct stat st {};
  if (error == ENOENT || error == ENOTDIR) {
    if (command.find('/') != std::string::npos) {
      log.error("%s: no such file; check the path", command.c_str());
    } else {
      log.error("%s: command not found; check the name and PATH", command.c_str());
    }
  } else if (error == EACCES && stat(command.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    log.error("%s: is a directory, not a program", command.c_str());
  } else if (error == EACCES) {
    log.error("%s: permission denied; make it executable (chmod +x) or run its interpreter",
              command.c_str());
  } else {
    log.error("%s: cannot execute: %s", command.c_str(), std::strerror(error));
  }
}

// Signals the tracer handles itself; the command gets the caller's mask back before exec.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) {
    sigaddset(&set, sig);
  }
  return set;
}

// A signal the terminal sent reached the command's process group too; one another process sent
// to the tracer alone is passed on: to the command while it runs, afterwards to the background
// processes it left, so that `kill <tracer>` stops the work and the report is still written.
void forward(const ProcessTree& tree, const signalfd_siginfo& info, const Log& log) {
  const auto code = static_cast<int>(info.ssi_code);
  if (code != SI_USER && code != SI_QUEUE && code != SI_TKILL) {
    return;
  }
  const auto sig = static_cast<int>(info.ssi_signo);
  if (!tree.root_status()) {
    log.info("forwarding signal %d to the command", sig);
    kill(tree.root(), sig);
  } else {
    const std::size_t n = tree.signal_all(sig);
    log.info("forwarding signal %d to %zu background processes", sig, n);
  }
}

// Once the command has exited, the tracer keeps waiting for the processes it left behind; it
// says so after a second, and gives up after --wait-timeout by killing them.
class BackgroundWait {
 public:
  explicit BackgroundWait(std::optional<double> timeout) : timeout_(timeout) {}

  // Milliseconds poll() may sleep before step() has something to do, or -1.
  [[nodiscard]] int poll_timeout(const ProcessTree& tree) const {
    if (!tree.root_status() || done_) {
      return -1;
    }
    const double now = monotonic_now();
    double next = announced_ ? 1e300 : since_ + kAnnounceAfter;
    if (timeout_) {
      next = std::min(next, since_ + *timeout_);
    }
    if (next >= 1e299) {
      return -1;
    }
    return static_cast<int>(std::max(0.0, (next - now) * 1000.0) + 1);
  }

  // Called after every wake-up; `warnings` collects what the report must say.
  void step(const ProcessTree& tree, const Log& log, std::vector<std::string>& warnings) {
    if (!tree.root_status() || tree.empty() || done_) {
      return;
    }
    const double now = monotonic_now();
    if (since_ == 0) {
      since_ = now;
    }
    if (!announced_ && now - since_ >= kAnnounceAfter) {
      announced_ = true;
      log.warn("the command exited; waiting for %zu background processes it started%s",
               tree.descendants().size(),
               timeout_ ? "" : " (--wait-timeout SECONDS bounds the wait)");
    }
    if (timeout_ && now - since_ >= *timeout_) {
      done_ = true;
      const std::size_t n = tree.signal_all(SIGKILL);
      log.warn("killed %zu background processes still running after --wait-timeout %g", n,
               *timeout_);
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", *timeout_);
      warnings.push_back(std::string("background processes still running ") + seconds +
                         " s after the command exited were killed (--wait-timeout); what they "
                         "would have done later is not in this report");
    }
  }

 private:
  static constexpr double kAnnounceAfter = 1.0;
  static double monotonic_now() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
  }
  std::optional<double> timeout_;
  double since_ = 0;
  bool announced_ = false;
  bool done_ = false;
};

}  // namespace

int run_traced(const Options& options, const Log& log) {
  const double start_time = unix_now();
  Result<ReportDestination> destination = ReportDestination::open(options.report);
  if (!destination) {
    log.error("cannot write the report %s: %s; choose a writable path", options.report.c_str(),
              destination.error().message().c_str());
    return kExitTracerFailed;
  }
  const std::vector<ResolvedSyscall> resolved = resolve_table(traced_syscalls());
  const Result<BpfProgram> filter = build_filter(resolved);
  if (!filter) {
    log.error("%s", filter.error().message().c_str());
    return kExitTracerFailed;
  }
  const UniqueFd proc_dir(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) {
    log.error("cannot open /proc (%s); mount procfs", std::strerror(errno));
    return kExitTracerFailed;
  }

  const sigset_t handled = handled_signals();
  sigset_t caller_mask;
  sigprocmask(SIG_BLOCK, &handled, &caller_mask);
  const UniqueFd signals(signalfd(-1, &handled, SFD_CLOEXEC));
  // Orphans of the tree are re-parented to us, so every descendant is waited for and stays
  // our descendant for /proc access under Yama.
  if (!signals || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    log.error("setting up the tracer: %s", std::strerror(errno));
    return kExitTracerFailed;
  }

  LaunchRequest request{options.command, &*filter, caller_mask, !has_cap_sys_admin()};
  Result<LaunchedChild> child = launch(request);
  if (!child) {
    log.error("%s", child.error().message().c_str());
    return kExitTracerFailed;
  }
  ProcessTree tree(proc_dir.get(), child->pid);

  Result<std::optional<ChildReport>> first = read_child_report(child->control.get());
  if (!first || !first->has_value() || (*first)->stage != LaunchStage::kListener ||
      !(*first)->listener) {
    if (first && first->has_value()) {
      const ChildReport& r = **first;
      log.error("cannot trace: %s", r.stage == LaunchStage::kFilter
                                         ? explain_filter_error(r.error).c_str()
                                         : std::strerror(r.error));
    } else {
      log.error("cannot trace: the command's process ended before tracing started");
    }
    kill(child->pid, SIGKILL);
    waitpid(child->pid, nullptr, __WALL);
    return kExitTracerFailed;
  }
  Result<Listener> listener = Listener::adopt(std::move((*first)->listener));
  if (!listener) {
    log.error("%s", listener.error().message().c_str());
    kill(child->pid, SIGKILL);
    waitpid(child->pid, nullptr, __WALL);
    return kExitTracerFailed;
  }
  if (!listener->enable_sync_wakeup()) {
    log.info("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP unavailable (Linux < 6.6): slower round trips");
  }

  TraceLog trace;
  trace.processes.add_root(child->pid, join_nul(options.command), current_environ());
  const SyscallIndex index(resolved);
  Result<EpollProcessWatcher> watcher = EpollProcessWatcher::create();
  EpollProcessWatcher* watching = watcher ? &*watcher : nullptr;
  NotificationHandler handler(index, trace, child->exec, options.allow_io_uring, watching);
  const UniqueFd stop(eventfd(0, EFD_CLOEXEC));
  Supervisor supervisor(*listener, handler, watching, proc_dir.get(), stop.get(), log);
  std::thread supervising([&supervisor] { supervisor.run(); });

  std::optional<int> exec_error;
  std::vector<std::string> run_warnings;
  BackgroundWait background(options.wait_timeout);
  UniqueFd control = std::move(child->control);
  while (!tree.empty()) {
    pollfd fds[2] = {{signals.get(), POLLIN, 0}, {control.get(), POLLIN, 0}};
    if (poll(fds, control ? 2 : 1, background.poll_timeout(tree)) < 0) {
      continue;  // EINTR
    }
    if (control && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      Result<std::optional<ChildReport>> r = read_child_report(control.get());
      if (r && r->has_value() && (*r)->stage == LaunchStage::kExec) {
        exec_error = (*r)->error;
        explain_exec_error(log, options.command.front(), (*r)->error);
      } else {
        control.reset();  // end of file: the command is running
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (read(signals.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGCHLD) {
          tree.reap();
        } else if (info.ssi_signo != SIGPIPE) {
          forward(tree, info, log);
        }
      }
    }
    background.step(tree, log, run_warnings);
  }
  const std::uint64_t one = 1;
  static_cast<void>(write(stop.get(), &one, sizeof one));
  supervising.join();
  ProcTraceeView final_state(proc_dir.get(), 0);
  handler.settle_remaining(final_state);
  for (const std::string& w : run_warnings) {
    trace.warnings.add(w);
  }

  const Report report = build_report(trace, start_time, unix_now());
  if (const Status written = destination->write(encode_report(report)); !written) {
    log.error("writing the report failed: %s", written.error().message().c_str());
  }
  log.debug("%llu notifications", static_cast<unsigned long long>(trace.notifications));
  if (exec_error) {
    return *exec_error == ENOENT || *exec_error == ENOTDIR ? kExitNotFound : kExitNotExecutable;
  }
  return tree.root_status() ? exit_code_of(*tree.root_status()) : kExitTracerFailed;
}

}  // namespace roar::seccomp
