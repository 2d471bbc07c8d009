// TreeWaiter: the wait and forward loop over the signalfd and the launched child's control
// socket.
#include "roar/seccomp/launch/tree_waiter.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "roar/seccomp/launch/background_wait.hpp"
#include "roar/seccomp/launch/diagnostics.hpp"
#include "roar/seccomp/launch/launcher.hpp"

namespace roar::seccomp {
namespace {

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

}  // namespace

sigset_t TreeWaiter::block_signals() {
  const sigset_t handled = handled_signals();
  sigset_t caller_mask{};
  sigprocmask(SIG_BLOCK, &handled, &caller_mask);
  return caller_mask;
}

Result<TreeWaiter> TreeWaiter::create() {
  const sigset_t handled = handled_signals();
  UniqueFd signals(signalfd(-1, &handled, SFD_CLOEXEC));
  if (!signals || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return Error::from_errno("setting up the tracer");
  }
  return TreeWaiter(std::move(signals));
}

TreeOutcome TreeWaiter::wait(ProcessTree& tree, UniqueFd control, const Options& options,
                             const Logger& log) {
  TreeOutcome outcome;
  BackgroundWait background(options.wait_timeout);
  while (!tree.empty()) {
    pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {control.get(), POLLIN, 0}};
    if (poll(fds, control ? 2 : 1, background.poll_timeout(tree)) < 0) {
      continue;  // EINTR
    }
    if (control && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      Result<std::optional<ChildReport>> r = read_child_report(control.get());
      if (r && r->has_value() && (*r)->stage == LaunchStage::kExec) {
        outcome.exec_error = (*r)->error;
        explain_exec_error(log, options.command.front(), (*r)->error);
      } else {
        control.reset();  // end of file: the command is running
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGCHLD) {
          tree.reap();
        } else if (info.ssi_signo != SIGPIPE) {
          forward(tree, info, log);
        }
      }
    }
    background.step(tree, log, outcome.warnings);
  }
  return outcome;
}

}  // namespace roar::seccomp
