// run_traced: the launcher process's main thread. It owns signals and reaping; a second thread
// answers notifications, so that waiting here never delays a traced call. A run traces with a
// listener of its own, or (inside another roar-seccomp) through the outer run, or untraced.
#include "roar/seccomp/launch/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/launch/background_wait.hpp"
#include "roar/seccomp/launch/diagnostics.hpp"
#include "roar/seccomp/launch/exit_status.hpp"
#include "roar/seccomp/launch/launcher.hpp"
#include "roar/seccomp/launch/process_tree.hpp"
#include "roar/seccomp/notify/nested_run_socket.hpp"
#include "roar/seccomp/notify/supervisor.hpp"
#include "roar/seccomp/report/report_destination.hpp"

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
void forward(const ProcessTree& tree, const signalfd_siginfo& info, const Logger& log) {
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

class TracedRun {
 public:
  TracedRun(const Options& options, const Logger& log) : options_(options), log_(log) {}
  int run();

 private:
  enum class Mode { kOwn, kNested, kUntraced };

  bool prepare();
  bool start_tracing();
  bool start_own(UniqueFd listener_fd);
  bool delegate_or_run_untraced(const std::string& cause, int error);
  void wait_for_tree();
  Report own_report();
  Report nested_report();
  Report untraced_report();
  void write(Report report);
  [[nodiscard]] int exit_code() const;
  void give_up_on_child();

  const Options& options_;
  const Logger& log_;
  const double start_time_ = unix_now();
  std::optional<ReportDestination> destination_;
  std::vector<ResolvedSyscall> resolved_;
  std::optional<BpfProgram> filter_;
  std::optional<ProcContext> proc_;
  UniqueFd signals_;
  sigset_t caller_mask_{};
  LaunchedChild child_;
  std::optional<ProcessTree> tree_;
  Mode mode_ = Mode::kOwn;
  std::string untraced_cause_;
  std::vector<std::string> warnings_;  // found by this thread, added to the report
  std::optional<int> exec_error_;

  // Own tracing.
  RunRecord trace_;
  std::optional<Listener> listener_;
  std::optional<SyscallIndex> index_;
  std::optional<EpollProcessWatcher> watcher_;
  std::optional<NestedRunServer> nested_run_server_;
  std::unique_ptr<NotificationHandler> handler_;
  std::unique_ptr<Supervisor> supervisor_;
  UniqueFd stop_;
  std::thread supervising_;

  // Nested tracing.
  std::optional<NestedRunClient> nested_run_client_;
};

bool TracedRun::prepare() {
  // Signals first: one that arrives while the filter is being built is then handled (passed on
  // to the command once it runs) instead of killing the tracer before it could write a report.
  const sigset_t handled = handled_signals();
  sigprocmask(SIG_BLOCK, &handled, &caller_mask_);
  Result<ReportDestination> destination = ReportDestination::open(options_.report);
  if (!destination) {
    log_.error("cannot write the report %s: %s; choose a writable path", options_.report.c_str(),
               destination.error().message().c_str());
    return false;
  }
  destination_.emplace(std::move(destination.value()));
  resolved_ = resolve_table(traced_syscalls());
  Result<BpfProgram> filter = build_filter(resolved_);
  if (!filter) {
    log_.error("%s", filter.error().message().c_str());
    return false;
  }
  filter_.emplace(std::move(filter.value()));
  Result<ProcContext> proc = ProcContext::open(ViewCapabilities::from_environment());
  if (!proc) {
    log_.error("%s", proc.error().message().c_str());
    return false;
  }
  proc_.emplace(std::move(proc.value()));
  if (!proc_->pids().identity()) {
    log_.info("/proc shows another pid namespace: translating pids");
  }
  signals_.reset(signalfd(-1, &handled, SFD_CLOEXEC));
  // Orphans of the tree are re-parented to us, so every descendant is waited for and stays
  // our descendant for /proc access under Yama.
  if (!signals_ || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    log_.error("setting up the tracer: %s", std::strerror(errno));
    return false;
  }
  return true;
}

void TracedRun::give_up_on_child() {
  kill(child_.pid, SIGKILL);
  waitpid(child_.pid, nullptr, __WALL);
}

bool TracedRun::start_own(UniqueFd listener_fd) {
  Result<Listener> listener = Listener::adopt(std::move(listener_fd));
  if (!listener) {
    log_.error("%s", listener.error().message().c_str());
    return false;
  }
  listener_.emplace(std::move(listener.value()));
  if (!listener_->enable_sync_wakeup()) {
    log_.info("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP unavailable (Linux < 6.6): slower round trips");
  }
  trace_.processes.add_root(child_.pid, join_nul(options_.command), current_environ());
  index_.emplace(resolved_);
  if (Result<EpollProcessWatcher> watcher = EpollProcessWatcher::create()) {
    watcher_.emplace(std::move(watcher.value()));
  }
  if (Result<NestedRunServer> nest = NestedRunServer::listen(proc_->proc_dir())) {
    nested_run_server_.emplace(std::move(nest.value()));
  } else {
    log_.info("nested runs cannot reach this one: %s", nest.error().message().c_str());
  }
  EpollProcessWatcher* watcher = watcher_ ? &*watcher_ : nullptr;
  handler_ = std::make_unique<NotificationHandler>(*index_, trace_, child_.exec,
                                                   options_.allow_io_uring, watcher);
  stop_.reset(eventfd(0, EFD_CLOEXEC));
  supervisor_ = std::make_unique<Supervisor>(*listener_, *handler_, watcher,
                                             nested_run_server_ ? &*nested_run_server_ : nullptr,
                                             *proc_, stop_.get(), log_);
  supervising_ = std::thread([this] { supervisor_->run(); });
  return true;
}

// No listener of our own. Inside another roar-seccomp the outer run reports for us; anywhere
// else the command runs untraced if --if-untraceable run says so.
bool TracedRun::delegate_or_run_untraced(const std::string& cause, int error) {
  if (error == EBUSY) {
    Result<NestedRunClient> outer = NestedRunClient::connect_to_outer(proc_->proc_dir());
    if (outer) {
      const Status registered = outer->register_command(child_.exec, start_time_);
      if (registered && run_untraced(child_.control.get())) {
        log_.info("traced by the outer roar-seccomp (pid %d)", outer->outer_pid());
        nested_run_client_.emplace(std::move(outer.value()));
        mode_ = Mode::kNested;
        return true;
      }
      log_.warn("the outer roar-seccomp (pid %d) cannot report for this run: %s",
                outer->outer_pid(), registered ? "" : registered.error().message().c_str());
    }
  }
  if (options_.if_untraceable != "run") {
    log_.error("cannot trace: %s; run it with --if-untraceable run to run it untraced",
               cause.c_str());
    give_up_on_child();
    return false;
  }
  log_.warn("cannot trace, running the command untraced: %s", cause.c_str());
  if (!run_untraced(child_.control.get())) {
    give_up_on_child();
    return false;
  }
  mode_ = Mode::kUntraced;
  untraced_cause_ = cause;
  return true;
}

bool TracedRun::start_tracing() {
  const std::optional<std::string> impossible = tracing_impossible_here(proc_->proc_dir());
  LaunchRequest request{options_.command, impossible ? nullptr : &*filter_, caller_mask_,
                        !has_cap_sys_admin()};
  Result<LaunchedChild> child = launch(request);
  if (!child) {
    log_.error("%s", child.error().message().c_str());
    return false;
  }
  child_ = std::move(child.value());
  tree_.emplace(*proc_, child_.pid);
  Result<std::optional<ChildReport>> first = read_child_report(child_.control.get());
  if (!first || !first->has_value()) {
    log_.error("cannot trace: the command's process ended before tracing started");
    give_up_on_child();
    return false;
  }
  ChildReport& report = **first;
  if (report.stage == LaunchStage::kListener && report.listener) {
    return start_own(std::move(report.listener));
  }
  if (report.stage != LaunchStage::kFilter) {
    log_.error("cannot trace: setting up the command failed: %s", std::strerror(report.error));
    give_up_on_child();
    return false;
  }
  return delegate_or_run_untraced(impossible ? *impossible : explain_filter_error(report.error),
                                  report.error);
}

void TracedRun::wait_for_tree() {
  BackgroundWait background(options_.wait_timeout);
  ProcessTree& tree = *tree_;
  while (!tree.empty()) {
    pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {child_.control.get(), POLLIN, 0}};
    if (poll(fds, child_.control ? 2 : 1, background.poll_timeout(tree)) < 0) {
      continue;  // EINTR
    }
    if (child_.control && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      Result<std::optional<ChildReport>> r = read_child_report(child_.control.get());
      if (r && r->has_value() && (*r)->stage == LaunchStage::kExec) {
        exec_error_ = (*r)->error;
        explain_exec_error(log_, options_.command.front(), (*r)->error);
      } else {
        child_.control.reset();  // end of file: the command is running
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGCHLD) {
          tree.reap();
        } else if (info.ssi_signo != SIGPIPE) {
          forward(tree, info, log_);
        }
      }
    }
    background.step(tree, log_, warnings_);
  }
}

Report TracedRun::own_report() {
  const std::uint64_t one = 1;
  static_cast<void>(::write(stop_.get(), &one, sizeof one));
  supervising_.join();
  ProcTraceeView final_state = proc_->view(0);
  handler_->settle_remaining(final_state);
  Report report = build_report(trace_, start_time_, unix_now());
  report.complete = !trace_.incomplete;
  log_.debug("%llu notifications", static_cast<unsigned long long>(trace_.notifications));
  return report;
}

Report TracedRun::nested_report() {
  Result<std::string> bytes = nested_run_client_->finish(unix_now());
  Result<Report> report = bytes ? decode_report(*bytes) : Result<Report>(bytes.error());
  if (report) {
    return std::move(report.value());
  }
  log_.warn("the outer roar-seccomp sent no report: %s", report.error().message().c_str());
  untraced_cause_ = "the outer roar-seccomp that traced this run sent no report";
  return untraced_report();
}

Report TracedRun::untraced_report() {
  RunRecord log;
  log.processes.add_root(child_.pid, join_nul(options_.command), current_environ());
  log.warnings.add("not traced: " + untraced_cause_ +
                   "; this report lists the command but none of its processes or files");
  Report report = build_report(log, start_time_, unix_now());
  report.complete = false;
  return report;
}

void TracedRun::write(Report report) {
  for (const std::string& w : warnings_) {
    report.warnings.push_back(w);
  }
  // A command that wrote the report path itself keeps its file; the report goes next to it.
  std::string path = options_.report;
  const std::optional<std::string> canonical = destination_->canonical_path();
  const auto written_by_command = [&report](const std::optional<std::string>& p) {
    return p && std::any_of(report.files.begin(), report.files.end(),
                            [&p](const ReportFile& f) { return f.written && f.path == *p; });
  };
  if (written_by_command(canonical)) {
    // A fresh name: one that neither exists nor was written by the command (then deleted).
    for (int n = 0;; ++n) {
      const std::string suffix = n == 0 ? ".roar-seccomp" : ".roar-seccomp." + std::to_string(n);
      path = options_.report + suffix;
      if (access(path.c_str(), F_OK) != 0 &&
          !written_by_command(canonical ? *canonical + suffix : path)) {
        break;
      }
    }
    log_.error("the command wrote %s itself; the report is in %s so that nothing is lost",
               options_.report.c_str(), path.c_str());
  }
  const std::string bytes = encode_report(report);
  Status written = path == options_.report ? destination_->write(bytes) : [&]() -> Status {
    Result<ReportDestination> alt = ReportDestination::open(path);
    return alt ? alt->write(bytes) : alt.error();
  }();
  if (!written) {
    log_.error("writing the report failed: %s", written.error().message().c_str());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  log_.info("peak memory %ld KiB; %zu processes, %zu files", usage.ru_maxrss,
            report.processes.size(), report.files.size());
}

int TracedRun::exit_code() const {
  if (exec_error_) {
    return *exec_error_ == ENOENT || *exec_error_ == ENOTDIR ? kExitNotFound : kExitNotExecutable;
  }
  return tree_->root_status() ? exit_code_of(*tree_->root_status()) : kExitTracerFailed;
}

int TracedRun::run() {
  if (!prepare() || !start_tracing()) {
    return kExitTracerFailed;
  }
  wait_for_tree();
  switch (mode_) {
    case Mode::kOwn: write(own_report()); break;
    case Mode::kNested: write(nested_report()); break;
    case Mode::kUntraced: write(untraced_report()); break;
  }
  return exit_code();
}

}  // namespace

int run_traced(const Options& options, const Logger& log) {
  TracedRun run(options, log);
  return run.run();
}

}  // namespace roar::seccomp
