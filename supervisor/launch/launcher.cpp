// Launcher: everything between fork and exec. The child runs only async-signal-safe code over
// memory prepared by the parent, and after installing the filter only calls that are not traced.
#include "roar/seccomp/launch/launcher.hpp"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "roar/seccomp/attribution/preload_environment.hpp"
#include "roar/seccomp/launch/executable_search.hpp"
#include "roar/seccomp/launch/exit_status.hpp"
#include "roar/seccomp/util/fd_passing.hpp"
#include "roar/seccomp/util/seccomp_compat.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace roar::seccomp {
namespace {

constexpr char kGoUntraced = 'x';

struct WireReport {
  std::int32_t stage;
  std::int32_t error;
};

// Everything the child needs, built before fork so that the child never allocates.
struct ExecPlan {
  std::vector<std::string> candidates;  // paths to try, in PATH order
  std::vector<char*> argv;
  std::vector<char*> fallback_argv;  // /bin/sh FILE ARGS... for a file the kernel cannot run
  std::vector<std::string> traced_environment;  // with the fast path's LD_PRELOAD
  std::vector<char*> traced_envp;               // empty: the tracer's own environment
  sock_fprog program{};
  sigset_t mask{};
  bool no_new_privs = true;
  std::optional<rlimit> nofile;
  pid_t parent = 0;
};

void report(int control, LaunchStage stage, int error) {
  const WireReport r{static_cast<std::int32_t>(stage), error};
  // send() is sendto(2): never in the filter, so it cannot block on the tracer.
  static_cast<void>(send(control, &r, sizeof r, MSG_NOSIGNAL));
}

bool send_listener(int control, int listener) {
  const WireReport r{static_cast<std::int32_t>(LaunchStage::kListener), 0};
  return send_with_fd(control, &r, sizeof r, listener) == static_cast<ssize_t>(sizeof r);
}

[[noreturn]] void child_main(ExecPlan& plan, int control) {
  sigprocmask(SIG_SETMASK, &plan.mask, nullptr);
  // Killed with the tracer rather than left running with every traced call failing (ENOSYS).
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != plan.parent) {
    report(control, LaunchStage::kSetup, errno);
    _exit(kExitTracerFailed);
  }
  if (plan.nofile && setrlimit(RLIMIT_NOFILE, &*plan.nofile) != 0) {
    report(control, LaunchStage::kSetup, errno);
    _exit(kExitTracerFailed);
  }
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    report(control, LaunchStage::kSetup, errno);
    _exit(kExitTracerFailed);
  }
  // WAIT_KILLABLE_RECV (5.19) keeps a received notification from being abandoned by a
  // non-fatal signal (Go's preemption signals would otherwise restart calls over and over).
  auto flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  long listener = -1;
  errno = ENOSYS;  // no filter to install: the kernel cannot trace (reported by the tracer)
  if (plan.program.filter != nullptr) {
    listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &plan.program);
  }
  if (listener < 0 && errno == EINVAL && plan.program.filter != nullptr) {
    flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
    listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &plan.program);
  }
  if (listener < 0) {
    // The tracer decides: run untraced by us (nested under another tracer that reports for us,
    // or as asked with --if-untraceable run), or give up.
    report(control, LaunchStage::kFilter, errno);
    char go = 0;
    if (recv(control, &go, 1, 0) != 1 || go != kGoUntraced) {
      _exit(kExitTracerFailed);
    }
  } else if (!send_listener(control, static_cast<int>(listener))) {
    // From here on a traced call blocks until the tracer holds the listener and answers.
    _exit(kExitTracerFailed);
  }
  // Only a command under this run's own filter loads the fast path's library.
  char** envp = listener >= 0 && !plan.traced_envp.empty() ? plan.traced_envp.data() : environ;
  ExecSearch search;
  for (const std::string& candidate : plan.candidates) {
    execve(candidate.c_str(), plan.argv.data(), envp);
    if (errno == ENOEXEC) {
      char** argv = plan.fallback_argv.data();
      argv[1] = const_cast<char*>(candidate.c_str());
      execve("/bin/sh", argv, envp);
    }
    if (!search.failed(candidate, errno)) {
      break;
    }
  }
  report(control, LaunchStage::kExec, search.error());
  _exit(exit_code_of_exec_error(search.error()));
}

}  // namespace

namespace {

// The tracer's environment with LD_PRELOAD naming `library` first (kept, if it already does).
std::vector<std::string> environment_with_preload(const std::string& library) {
  std::vector<std::string> out;
  const std::string key = std::string(kPreloadVariable) + "=";
  std::optional<std::string_view> existing;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with(key) && !existing) {
      existing = entry.substr(key.size());
      continue;
    }
    out.emplace_back(entry);
  }
  out.push_back(key + preload_value(library, existing));
  return out;
}

}  // namespace

bool has_cap_sys_admin() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return false;
  }
  return (data[CAP_SYS_ADMIN / 32].effective & (1U << (CAP_SYS_ADMIN % 32))) != 0;
}

Result<LaunchedChild> launch(const LaunchRequest& request) {
  ExecPlan plan;
  plan.candidates = executable_candidates(request.command.at(0), std::getenv("PATH"));
  for (const std::string& arg : request.command) {
    plan.argv.push_back(const_cast<char*>(arg.c_str()));
  }
  plan.argv.push_back(nullptr);
  plan.fallback_argv.push_back(const_cast<char*>("/bin/sh"));
  plan.fallback_argv.push_back(nullptr);  // the candidate, filled in by the child
  for (std::size_t i = 1; i < request.command.size(); ++i) {
    plan.fallback_argv.push_back(const_cast<char*>(request.command[i].c_str()));
  }
  plan.fallback_argv.push_back(nullptr);
  if (request.filter != nullptr) {
    plan.program.len = static_cast<unsigned short>(request.filter->instructions.size());
    plan.program.filter = const_cast<sock_filter*>(request.filter->instructions.data());
  }
  if (request.preload) {
    plan.traced_environment = environment_with_preload(*request.preload);
    for (std::string& entry : plan.traced_environment) {
      plan.traced_envp.push_back(entry.data());
    }
    plan.traced_envp.push_back(nullptr);
  }
  plan.mask = request.command_mask;
  plan.no_new_privs = request.no_new_privs;
  plan.nofile = request.command_nofile;
  plan.parent = getpid();

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return Error::from_errno("socketpair");
  }
  UniqueFd parent_end(sv[0]);
  UniqueFd child_end(sv[1]);
  const pid_t pid = fork();
  if (pid < 0) {
    return Error::from_errno("fork");
  }
  if (pid == 0) {
    child_main(plan, child_end.get());
  }
  child_end.reset();  // so that the parent sees end of file once the child's copy is gone
  LaunchedChild child;
  child.pid = pid;
  child.control = std::move(parent_end);
  child.plain_envp = reinterpret_cast<std::uint64_t>(environ);
  child.exec = LauncherExec{pid, reinterpret_cast<std::uint64_t>(plan.argv.data()),
                            reinterpret_cast<std::uint64_t>(plan.fallback_argv.data()),
                            plan.traced_envp.empty()
                                ? child.plain_envp
                                : reinterpret_cast<std::uint64_t>(plan.traced_envp.data())};
  return child;
}

Status run_untraced(int control) {
  if (send(control, &kGoUntraced, 1, MSG_NOSIGNAL) != 1) {
    return Error::from_errno("releasing the command");
  }
  return Ok{};
}

Result<std::optional<ChildReport>> read_child_report(int control) {
  WireReport r{};
  UniqueFd listener;
  ssize_t n;
  do {
    n = receive_with_fd(control, &r, sizeof r, listener);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return Error::from_errno("recvmsg from the launched child");
  }
  if (n == 0) {
    return std::optional<ChildReport>();
  }
  return std::optional<ChildReport>(
      ChildReport{static_cast<LaunchStage>(r.stage), r.error, std::move(listener)});
}

}  // namespace roar::seccomp
