// roar-bench-floor: the least a seccomp-notification tracer can pay, for tools/bench.py to compare.
//
//   roar-bench-floor [--bpf FILE] [--no-sync] [--stats] [--] CMD [ARGS...]
//
// Runs CMD under a seccomp filter that notifies a supervisor which does nothing but answer
// SECCOMP_USER_NOTIF_FLAG_CONTINUE at once: no /proc reads, no bookkeeping, no report. Whatever a
// real tracer costs beyond this is its own work. FILE is the output of
// `roar-seccomp-filter --bpf` (so the same calls notify as under roar-seccomp); without it a
// built-in filter notifies the read and write families, open, close, execve and exit_group.
// --no-sync leaves out SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP; --stats prints the number of
// notifications on stderr at the end. Exits with CMD's status (128+N if a signal N killed it),
// 125 if the filter could not be installed, 126/127 if CMD could not be run.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// Debian 12's headers (Linux 6.1) predate these (6.6 and 5.19); the values are the kernel ABI.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace {

constexpr const char* kProgram = "roar-bench-floor";
constexpr int kExitSetup = 125;

struct Options {
  const char* bpf_file = nullptr;
  bool sync = true;
  bool stats = false;
  std::vector<char*> command;  // null-terminated
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: %s [--bpf FILE] [--no-sync] [--stats] [--] CMD [ARGS...]\n",
               kProgram);
  std::exit(2);
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", kProgram, what, std::strerror(errno));
  std::exit(kExitSetup);
}

Options parse(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--bpf" && i + 1 < argc) {
      o.bpf_file = argv[++i];
    } else if (arg == "--no-sync") {
      o.sync = false;
    } else if (arg == "--stats") {
      o.stats = true;
    } else if (arg.starts_with("-")) {
      usage();
    } else {
      break;
    }
  }
  if (i >= argc) {
    usage();
  }
  o.command.assign(argv + i, argv + argc);
  o.command.push_back(nullptr);
  return o;
}

// ---- the filter --------------------------------------------------------------------------------

// The format roar-seccomp-filter --bpf prints: '#' comment lines, then "code jt jf k" in hex.
std::vector<sock_filter> read_bpf(const char* path) {
  std::ifstream in(path);
  if (!in) {
    fail(path);
  }
  std::vector<sock_filter> program;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::istringstream fields(line);
    unsigned long code = 0, jt = 0, jf = 0, k = 0;
    if (!(fields >> std::hex >> code >> jt >> jf >> k) || code > 0xffff || jt > 0xff || jf > 0xff ||
        k > 0xffffffff) {
      std::fprintf(stderr, "%s: %s: not a 'code jt jf k' line: %s\n", kProgram, path, line.c_str());
      std::exit(2);
    }
    program.push_back({static_cast<std::uint16_t>(code), static_cast<std::uint8_t>(jt),
                       static_cast<std::uint8_t>(jf), static_cast<std::uint32_t>(k)});
  }
  if (program.empty() || program.size() > BPF_MAXINSNS) {
    std::fprintf(stderr, "%s: %s: %zu instructions\n", kProgram, path, program.size());
    std::exit(2);
  }
  return program;
}

#if defined(__x86_64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t kNativeArch = 0;
#endif

sock_filter stmt(std::uint16_t code, std::uint32_t k) {
  return {code, 0, 0, k};
}

// Native-ABI calls only: other ABIs (and x32 numbers, which share x86-64's arch value but carry
// bit 30) fall through to ALLOW. Enough to measure the notification path without the tracer.
std::vector<sock_filter> builtin_filter() {
  if (kNativeArch == 0) {
    std::fprintf(stderr, "%s: no built-in filter for this architecture: pass --bpf\n", kProgram);
    std::exit(2);
  }
  const std::vector<long> calls = {
#ifdef SYS_open
      SYS_open,
#endif
      SYS_read,   SYS_pread64, SYS_readv,    SYS_preadv, SYS_preadv2, SYS_write,  SYS_pwrite64,
      SYS_writev, SYS_pwritev, SYS_pwritev2, SYS_openat, SYS_close,   SYS_execve, SYS_exit_group};
  const auto n = static_cast<std::uint8_t>(calls.size());
  std::vector<sock_filter> p;
  p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  p.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, static_cast<std::uint8_t>(n + 1), kNativeArch});
  p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  for (std::uint8_t i = 0; i < n; ++i) {
    // Jump to the USER_NOTIF return that follows the ALLOW after the last comparison.
    p.push_back({BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint8_t>(n - i), 0,
                 static_cast<std::uint32_t>(calls[i])});
  }
  p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  return p;
}

// ---- the child ---------------------------------------------------------------------------------

bool send_fd(int socket, int fd) {
  char byte = 'L';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(socket, &msg, MSG_NOSIGNAL) == 1;
}

int receive_fd(int socket) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  const cmsghdr* c = got == 1 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
    return -1;
  }
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

// sendmsg is not among the notified calls (nor in roar-seccomp's table): the parent only starts
// answering once it holds the listener.
[[noreturn]] void child_main(const Options& o, sock_fprog* program, int socket, pid_t parent) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
    _exit(kExitSetup);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail("prctl(PR_SET_NO_NEW_PRIVS)");
  }
  // As roar-seccomp does: WAIT_KILLABLE_RECV (5.19) where the kernel has it.
  long listener =
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
              SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, program);
  if (listener < 0 && errno == EINVAL) {
    listener =
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, program);
  }
  if (listener < 0) {
    fail("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)");
  }
  if (!send_fd(socket, static_cast<int>(listener))) {
    // Nobody else holds the listener: closing it makes the notified calls on the way out fail
    // (ENOSYS) instead of waiting for an answer forever.
    close(static_cast<int>(listener));
    _exit(kExitSetup);
  }
  close(static_cast<int>(listener));
  close(socket);
  execvp(o.command[0], o.command.data());
  const int error = errno;
  std::fprintf(stderr, "%s: %s: %s\n", kProgram, o.command[0], std::strerror(error));
  _exit(error == ENOENT || error == ENOTDIR ? 127 : 126);
}

// ---- the supervisor ----------------------------------------------------------------------------

std::atomic<bool> g_tree_gone{false};
std::atomic<bool> g_loop_left{false};

void on_wake(int) {}  // its only job is to interrupt the blocking RECV (no SA_RESTART)

// Reaps the whole tree (the floor is a subreaper, so orphans come back to it): once nothing is
// left no task holds the filter, and no notification can come. Then interrupts the main thread's
// RECV, which older kernels leave blocked for good, repeatedly, since a signal that lands outside
// the ioctl is lost.
void reap_tree(pid_t child, pthread_t main_thread, int* status) {
  for (;;) {
    int st = 0;
    const pid_t pid = waitpid(-1, &st, __WALL);
    if (pid == child) {
      *status = st;
    } else if (pid < 0 && errno != EINTR) {
      break;  // ECHILD
    }
  }
  g_tree_gone.store(true);
  while (!g_loop_left.load()) {
    pthread_kill(main_thread, SIGUSR1);
    usleep(1000);
  }
}

struct Sizes {
  std::size_t notif;
  std::size_t resp;
};

Sizes notif_sizes() {
  seccomp_notif_sizes s{};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) != 0) {
    fail("seccomp(SECCOMP_GET_NOTIF_SIZES)");
  }
  // The kernel's structs may be larger than this program's; never smaller than what we write.
  return {std::max<std::size_t>(s.seccomp_notif, sizeof(seccomp_notif)),
          std::max<std::size_t>(s.seccomp_notif_resp, sizeof(seccomp_notif_resp))};
}

// Recent kernels fail RECV with ENOENT at once, in a loop, when no task uses the filter any more
// (POLLHUP); no task can start using it again, so serving is over.
bool orphaned(int listener) {
  pollfd p{listener, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0 && (p.revents & POLLIN) == 0;
}

// Every received notification is answered exactly once. ENOENT from RECV or SEND: the caller was
// interrupted or killed meanwhile (it will be notified again if it retries), nothing to answer.
std::uint64_t serve(int listener) {
  const Sizes sizes = notif_sizes();
  std::vector<std::uint64_t> req_buf(sizes.notif / 8 + 1);
  std::vector<std::uint64_t> resp_buf(sizes.resp / 8 + 1);
  auto* req = reinterpret_cast<seccomp_notif*>(req_buf.data());
  auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buf.data());
  std::uint64_t answered = 0;
  for (;;) {
    std::memset(req, 0, sizes.notif);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
      if (errno != EINTR && errno != ENOENT) {
        fail("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
      }
      if (g_tree_gone.load() || (errno == ENOENT && orphaned(listener))) {
        return answered;
      }
      continue;
    }
    std::memset(resp, 0, sizes.resp);
    resp->id = req->id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    int rc;
    do {
      rc = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
    } while (rc != 0 && errno == EINTR);  // the lock was not taken: nothing was answered yet
    if (rc != 0 && errno != ENOENT) {
      fail("ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
    }
    ++answered;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<sock_filter> filter = o.bpf_file != nullptr ? read_bpf(o.bpf_file) : builtin_filter();
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};

  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    fail("prctl(PR_SET_CHILD_SUBREAPER)");
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    fail("socketpair");
  }
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    fail("fork");
  }
  if (child == 0) {
    close(sv[0]);
    child_main(o, &program, sv[1], parent);
  }
  close(sv[1]);
  const int listener = receive_fd(sv[0]);
  close(sv[0]);
  if (listener < 0) {
    int st = 0;
    waitpid(child, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : kExitSetup;
  }
  // By value, as the kernel expects; EINVAL before Linux 6.6.
  const bool sync = o.sync && ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                                    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;

  struct sigaction sa {};
  sa.sa_handler = on_wake;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, nullptr) != 0) {
    fail("sigaction");
  }
  int status = 0;
  std::thread reaper(reap_tree, child, pthread_self(), &status);
  const std::uint64_t answered = serve(listener);
  g_loop_left.store(true);
  reaper.join();
  close(listener);
  if (o.stats) {
    std::fprintf(stderr, "%s: %llu notifications (sync wake-up %s)\n", kProgram,
                 static_cast<unsigned long long>(answered), sync ? "on" : "off");
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}
