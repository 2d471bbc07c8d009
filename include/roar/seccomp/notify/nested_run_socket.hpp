// Nested runs: roar-seccomp inside a command traced by another roar-seccomp.
//
// The kernel allows one seccomp listener per filter chain, so the inner run cannot install one
// (EBUSY). The outer run already sees every call of the inner run's command, so the inner run
// asks it, over a unix socket, to keep a separate log for that command's subtree and to hand
// back the subtree's report at the end. The socket is abstract and named after the outer
// tracer's pid: the inner run finds it by walking up its ancestors, so no environment variable
// or inherited descriptor reaches the traced command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roar/seccomp/notify/notification_handler.hpp"
#include "roar/seccomp/proc/proc_context.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// sockaddr_un path (with the leading NUL of the abstract namespace) of the socket of the tracer
// started at `start_ticks` (field 22 of /proc/PID/stat) with pid `tracer_pid` in its namespace.
std::string nested_run_socket_name(unsigned long long start_ticks, int tracer_pid);

enum class NestedRunOp : std::uint32_t { kRegister = 1, kFinish = 2 };

struct NestedRunRequest {
  NestedRunOp op;
  std::uint32_t subtree;  // kFinish
  std::int32_t pid;       // kRegister: the command, forked and waiting to exec
  std::int32_t reserved;
  std::uint64_t argv;  // kRegister: its LauncherExec pointers
  std::uint64_t argv_fallback;
  std::uint64_t envp;
  double time;  // kRegister: start time; kFinish: end time
};

struct NestedRunReply {
  std::int32_t error;  // errno, 0 on success
  std::uint32_t subtree;
  std::uint64_t size;  // kFinish: bytes of report written to the descriptor sent along
};

// The inner run's side.
class NestedRunClient {
 public:
  // Connects to the closest ancestor that is a roar-seccomp tracer; ENOENT if there is none.
  static Result<NestedRunClient> connect_to_outer(int proc_dir);

  [[nodiscard]] int outer_pid() const noexcept { return outer_pid_; }
  // Asks the outer run to log the subtree of `command` from its exec on.
  Status register_command(const LauncherExec& command, double start_time);
  // The subtree is gone: its report (msgpack), as the outer run saw it.
  Result<std::string> finish(double end_time);

 private:
  NestedRunClient(UniqueFd socket, int outer_pid)
      : socket_(std::move(socket)), outer_pid_(outer_pid) {}
  Result<NestedRunReply> call(const NestedRunRequest& request, int fd);

  UniqueFd socket_;
  int outer_pid_;
  std::uint32_t nested_run_ = 0;
};

// The outer run's side, served by the supervisor thread, which owns the handler.
class NestedRunServer {
 public:
  // Listens on nested_run_socket_name(<own start time>, getpid()).
  static Result<NestedRunServer> listen(int proc_dir);

  [[nodiscard]] int fd() const noexcept { return listen_.get(); }
  [[nodiscard]] std::vector<int> clients() const;
  // Accepts waiting connections; they must come from processes of the traced tree.
  void accept_clients(const NotificationHandler& handler);
  // Answers one request of client `fd`; a client that hung up is dropped with its subtrees.
  void serve(int fd, NotificationHandler& handler, ProcContext& proc);

 private:
  struct Client {
    UniqueFd socket;
    int pid;  // the inner tracer, from SO_PEERCRED
  };
  explicit NestedRunServer(UniqueFd listen) : listen_(std::move(listen)) {}
  void drop(int fd, NotificationHandler& handler);

  UniqueFd listen_;
  std::vector<Client> clients_;
};

}  // namespace roar::seccomp
