// OwnTracing: wiring the listener, the handler and the supervisor thread, and stopping them.
#include "roar/seccomp/launch/own_tracing.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/notify/listener.hpp"
#include "roar/seccomp/notify/nested_run_socket.hpp"
#include "roar/seccomp/notify/preload_guard.hpp"
#include "roar/seccomp/notify/supervisor.hpp"
#include "roar/seccomp/proc/memory_writer.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"

namespace roar::seccomp {
namespace {

// "mmap 2300, close 1200, ...": the most notified calls first.
std::string by_count(const std::unordered_map<const char*, std::uint64_t>& counts) {
  std::map<std::string_view, std::uint64_t> by_name;  // rows that share a name add up
  for (const auto& [name, count] : counts) {
    by_name[name] += count;
  }
  std::vector<std::pair<std::string_view, std::uint64_t>> sorted(by_name.begin(), by_name.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, count] : sorted) {
    out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(count);
  }
  return out;
}

}  // namespace

struct OwnTracing::Session {
  Session(Listener adopted, ProcContext& proc_context, const std::optional<std::string>& library,
          double started, const Logger& logger)
      : listener(std::move(adopted)),
        proc(proc_context),
        memory_writer(proc_context),
        fast_path(library.has_value(), memory_writer),
        preload_guard(library.value_or("")),
        start_time(started),
        log(logger) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { stop(); }

  void stop() noexcept {
    if (!thread.joinable()) {
      return;
    }
    const std::uint64_t one = 1;
    static_cast<void>(::write(stop_fd.get(), &one, sizeof one));
    thread.join();
  }

  Listener listener;
  ProcContext& proc;
  MemoryWriter memory_writer;
  FastPath fast_path;
  PreloadGuard preload_guard;
  double start_time;
  const Logger& log;
  RunRecord record;
  std::optional<SyscallIndex> index;
  std::optional<EpollProcessWatcher> watcher;
  std::optional<NestedRunServer> nested_run_server;
  std::optional<NotificationHandler> handler;
  std::optional<Supervisor> supervisor;
  UniqueFd stop_fd;  // an eventfd: written once the tree is gone
  std::thread thread;
};

OwnTracing::OwnTracing(std::unique_ptr<Session> session) noexcept : session_(std::move(session)) {}
OwnTracing::OwnTracing(OwnTracing&&) noexcept = default;
OwnTracing& OwnTracing::operator=(OwnTracing&&) noexcept = default;
OwnTracing::~OwnTracing() = default;

Result<OwnTracing> OwnTracing::start(UniqueFd listener, const RunRoot& root,
                                     const LauncherExec& exec, bool allow_io_uring,
                                     const std::optional<std::string>& fast_path_library,
                                     unsigned threads, const std::vector<ResolvedSyscall>& syscalls,
                                     ProcContext& proc, const Logger& log) {
  Result<Listener> adopted = Listener::adopt(std::move(listener));
  if (!adopted) {
    return adopted.error();
  }
  auto s = std::make_unique<Session>(std::move(adopted.value()), proc, fast_path_library,
                                     root.start_time, log);
  if (!s->listener.enable_sync_wakeup()) {
    log.info("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP unavailable (Linux < 6.6): slower round trips");
  }
  root.add_to(s->record.processes);
  s->index.emplace(syscalls);
  if (Result<EpollProcessWatcher> watcher = EpollProcessWatcher::create()) {
    s->watcher.emplace(std::move(watcher.value()));
  }
  if (Result<NestedRunServer> nest = NestedRunServer::listen(proc.proc_dir())) {
    s->nested_run_server.emplace(std::move(nest.value()));
  } else {
    log.info("nested runs cannot reach this one: %s", nest.error().what());
  }
  EpollProcessWatcher* watcher = s->watcher ? &*s->watcher : nullptr;
  s->handler.emplace(*s->index, s->record, exec, allow_io_uring, watcher, &s->fast_path,
                     fast_path_library ? &s->preload_guard : nullptr);
  s->stop_fd.reset(eventfd(0, EFD_CLOEXEC));
  s->supervisor.emplace(s->listener, *s->handler, watcher,
                        s->nested_run_server ? &*s->nested_run_server : nullptr, proc,
                        s->stop_fd.get(), threads, log);
  Session* session = s.get();
  s->thread = std::thread([session] { session->supervisor->run(); });
  return OwnTracing(std::move(s));
}

Report OwnTracing::report() {
  Session& s = *session_;
  s.stop();
  ProcTraceeView final_state = s.proc.view(0);
  s.handler->settle_remaining(final_state);
  Report report = build_report(s.record, s.start_time, unix_now());
  report.complete = !s.record.incomplete;
  s.log.debug("%llu notifications", static_cast<unsigned long long>(s.record.notifications));
  if (!s.record.notifications_by_call.empty()) {
    s.log.debug("notifications by call: %s", by_count(s.record.notifications_by_call).c_str());
  }
  return report;
}

}  // namespace roar::seccomp
