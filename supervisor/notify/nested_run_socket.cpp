// Nested runs: the abstract unix socket protocol between an inner and an outer roar-seccomp.
#include "roar/seccomp/notify/nested_run_socket.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "roar/seccomp/proc/proc_files.hpp"
#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/fd_passing.hpp"

namespace roar::seccomp {
namespace {

// SEQPACKET keeps requests whole; a request carries at most one descriptor.
sockaddr_un address_of(const std::string& name, socklen_t& length) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), std::min(name.size(), sizeof addr.sun_path));
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  return addr;
}

// What the inner run needs to know of an ancestor, as /proc shows it.
struct Ancestor {
  unsigned long long start_ticks = 0;
  std::vector<int> pids;  // its pid in each namespace from /proc's down to its own (NSpid)
  int parent = 0;         // in /proc's namespace
};

std::optional<Ancestor> ancestor(int proc_dir, const std::string& pid) {
  const std::optional<std::string> status = read_small_file(proc_dir, (pid + "/status").c_str());
  const std::optional<std::string> stat = read_small_file(proc_dir, (pid + "/stat").c_str());
  if (!status || !stat) {
    return std::nullopt;
  }
  Ancestor a;
  // The command name may hold spaces and parentheses: starttime is the 20th field after the
  // last closing parenthesis.
  std::size_t at = stat->rfind(')');
  for (int field = 0; field < 20 && at != std::string::npos; ++field) {
    at = stat->find(' ', at + 1);
  }
  if (at == std::string::npos) {
    return std::nullopt;
  }
  a.start_ticks = std::strtoull(stat->c_str() + at + 1, nullptr, 10);
  const std::size_t ppid = status->find("\nPPid:");
  a.parent = ppid == std::string::npos ? 0 : std::atoi(status->c_str() + ppid + 6);
  const std::size_t nspid = status->find("\nNSpid:");
  if (nspid != std::string::npos) {
    const char* p = status->c_str() + nspid + 7;
    char* end = nullptr;
    for (long n = std::strtol(p, &end, 10); end != p; n = std::strtol(p, &end, 10)) {
      a.pids.push_back(static_cast<int>(n));
      p = end;
    }
  }
  return a;
}

}  // namespace

std::string nested_run_socket_name(unsigned long long start_ticks, int tracer_pid) {
  return std::string(1, '\0') + "roar-seccomp-nest-" + std::to_string(start_ticks) + "-" +
         std::to_string(tracer_pid);
}

// ---- inner side ----------------------------------------------------------------------------

Result<NestedRunClient> NestedRunClient::connect_to_outer(int proc_dir) {
  const std::optional<Ancestor> self = ancestor(proc_dir, "self");
  for (int pid = self ? self->parent : 0; pid > 1;) {
    const std::optional<Ancestor> a = ancestor(proc_dir, std::to_string(pid));
    if (!a) {
      break;
    }
    for (const int candidate : a->pids) {
      UniqueFd sock(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
      if (!sock) {
        return Error::from_errno("socket");
      }
      socklen_t length = 0;
      const sockaddr_un addr =
          address_of(nested_run_socket_name(a->start_ticks, candidate), length);
      if (connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), length) == 0) {
        return NestedRunClient(std::move(sock), candidate);
      }
    }
    pid = a->parent;
  }
  return Error{ENOENT, "no roar-seccomp tracer among this process's ancestors"};
}

Result<NestedRunReply> NestedRunClient::call(const NestedRunRequest& request, int fd) {
  if (send_with_fd(socket_.get(), &request, sizeof request, fd) != sizeof request) {
    return Error::from_errno("asking the outer roar-seccomp");
  }
  NestedRunReply reply{};
  UniqueFd unused;
  ssize_t n;
  do {
    n = receive_with_fd(socket_.get(), &reply, sizeof reply, unused, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof reply)) {
    return Error{n < 0 ? errno : EPROTO, "the outer roar-seccomp did not answer"};
  }
  if (reply.error != 0) {
    return Error{reply.error, "the outer roar-seccomp refused"};
  }
  return reply;
}

Status NestedRunClient::register_command(const LauncherExec& command, double start_time) {
  NestedRunRequest request{
      NestedRunOp::kRegister, 0,         command.pid, 0, command.argv, command.argv_fallback,
      command.envp,           start_time};
  Result<NestedRunReply> reply = call(request, -1);
  if (!reply) {
    return reply.error();
  }
  nested_run_ = reply->subtree;
  return Ok{};
}

Result<std::string> NestedRunClient::finish(double end_time) {
  // The outer run writes the report into a memfd, which can never block it.
  UniqueFd memfd(memfd_create("roar-seccomp-nested-report", MFD_CLOEXEC));
  if (!memfd) {
    return Error::from_errno("memfd_create");
  }
  NestedRunRequest request{NestedRunOp::kFinish, nested_run_, 0, 0, 0, 0, 0, end_time};
  Result<NestedRunReply> reply = call(request, memfd.get());
  if (!reply) {
    return reply.error();
  }
  std::string bytes(reply->size, '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        pread(memfd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n <= 0) {
      return Error::from_errno("reading the nested report");
    }
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

// ---- outer side ----------------------------------------------------------------------------

Result<NestedRunServer> NestedRunServer::listen(int proc_dir) {
  const std::optional<Ancestor> self = ancestor(proc_dir, "self");
  if (!self) {
    return Error{ENOENT, "reading /proc/self"};
  }
  UniqueFd sock(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) {
    return Error::from_errno("socket");
  }
  socklen_t length = 0;
  const sockaddr_un addr = address_of(nested_run_socket_name(self->start_ticks, getpid()), length);
  if (bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), length) != 0 ||
      ::listen(sock.get(), 16) != 0) {
    return Error::from_errno("listening for nested runs");
  }
  return NestedRunServer(std::move(sock));
}

std::vector<int> NestedRunServer::clients() const {
  std::vector<int> out;
  for (const Client& c : clients_) {
    out.push_back(c.socket.get());
  }
  return out;
}

void NestedRunServer::accept_clients(const NotificationHandler& handler) {
  for (;;) {
    UniqueFd client(accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!client) {
      return;
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    // Only a process of the traced tree may ask: the report reveals what the tree did.
    if (getsockopt(client.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 &&
        handler.traces(peer.pid)) {
      clients_.push_back(Client{std::move(client), peer.pid});
    }
  }
}

void NestedRunServer::drop(int fd, NotificationHandler& handler) {
  const auto it = std::find_if(clients_.begin(), clients_.end(),
                               [fd](const Client& c) { return c.socket.get() == fd; });
  if (it != clients_.end()) {
    handler.drop_nested_runs_of(it->pid);
    clients_.erase(it);
  }
}

void NestedRunServer::serve(int fd, NotificationHandler& handler, ProcContext& proc) {
  const auto it = std::find_if(clients_.begin(), clients_.end(),
                               [fd](const Client& c) { return c.socket.get() == fd; });
  if (it == clients_.end()) {
    return;
  }
  NestedRunRequest request{};
  UniqueFd passed;
  const ssize_t n = receive_with_fd(fd, &request, sizeof request, passed, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (n != static_cast<ssize_t>(sizeof request)) {
    drop(fd, handler);  // hung up, or not speaking the protocol
    return;
  }
  NestedRunReply reply{EINVAL, 0, 0};
  if (request.op == NestedRunOp::kRegister) {
    const LauncherExec launched{request.pid, request.argv, request.argv_fallback, request.envp};
    ProcTraceeView view = proc.view(request.pid);
    if (const auto id = handler.start_nested_run(it->pid, launched, request.time, view)) {
      reply = NestedRunReply{0, *id, 0};
    } else {
      reply.error = EPERM;
    }
  } else if (request.op == NestedRunOp::kFinish && passed) {
    struct stat st {};
    ProcTraceeView final_state = proc.view(0);
    const std::optional<Report> report =
        fstat(passed.get(), &st) == 0 && S_ISREG(st.st_mode)
            ? handler.finish_nested_run(it->pid, request.subtree, request.time, final_state)
            : std::nullopt;
    if (report) {
      const std::string bytes = encode_report(*report);
      const bool written =
          pwrite(passed.get(), bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
      reply = NestedRunReply{written ? 0 : EIO, request.subtree, bytes.size()};
    } else {
      reply.error = ENOENT;
    }
  }
  static_cast<void>(send(fd, &reply, sizeof reply, MSG_NOSIGNAL | MSG_DONTWAIT));
}

}  // namespace roar::seccomp
