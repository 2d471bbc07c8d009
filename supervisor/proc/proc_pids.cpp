// ProcPids: pidfd fdinfo one way, NSpid the other.
#include "roar/seccomp/proc/proc_pids.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "roar/seccomp/proc/proc_files.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

// The numbers after `key` on its line, e.g. "NSpid:\t812\t3".
std::vector<int> numbers_after(const std::string& text, std::string_view key) {
  std::vector<int> out;
  const std::size_t at = text.find(key);
  if (at == std::string::npos) {
    return out;
  }
  const char* p = text.data() + at + key.size();
  const std::size_t line_end = text.find('\n', at + key.size());
  const char* const end = text.data() + (line_end == std::string::npos ? text.size() : line_end);
  while (p < end) {
    int n = 0;
    const auto [next, ec] = std::from_chars(p, end, n);
    if (ec == std::errc()) {
      out.push_back(n);
      p = next;
    } else {
      ++p;
    }
  }
  return out;
}

}  // namespace

ProcPids ProcPids::detect(int proc_dir) {
  char self[32] = {};
  const ssize_t n = readlinkat(proc_dir, "self", self, sizeof self - 1);
  if (n <= 0 || std::atoi(self) == getpid()) {
    return ProcPids(proc_dir, -1, true);
  }
  const std::optional<std::string> status = read_proc_record(proc_dir, "self/status");
  const std::vector<int> nspid = status ? numbers_after(*status, "\nNSpid:") : std::vector<int>{};
  if (nspid.empty() || nspid.back() != getpid()) {
    return ProcPids(proc_dir, -1, false);
  }
  ProcPids pids(proc_dir, static_cast<int>(nspid.size()) - 1, false);
  pids.usable_ = pids.to_proc(getpid()) == std::atoi(self);
  return pids;
}

std::optional<int> ProcPids::to_proc(int pid) const {
  if (identity()) {
    return pid;
  }
  constexpr unsigned kPidfdThread = 0200;  // PIDFD_THREAD (O_EXCL), Linux 6.9
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, kPidfdThread)));
  if (!pidfd) {
    pidfd.reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  }
  if (!pidfd) {
    return std::nullopt;
  }
  const std::optional<std::string> info =
      read_proc_record(proc_dir_, ("self/fdinfo/" + std::to_string(pidfd.get())).c_str());
  const std::vector<int> proc_pid = info ? numbers_after(*info, "\nPid:") : std::vector<int>{};
  if (proc_pid.empty() || proc_pid.front() <= 0) {
    return std::nullopt;
  }
  return proc_pid.front();
}

std::optional<int> ProcPids::from_proc(int proc_pid) const {
  if (identity()) {
    return proc_pid;
  }
  const std::optional<std::string> status =
      read_proc_record(proc_dir_, (std::to_string(proc_pid) + "/status").c_str());
  const std::vector<int> nspid = status ? numbers_after(*status, "\nNSpid:") : std::vector<int>{};
  if (static_cast<int>(nspid.size()) <= level_) {
    return std::nullopt;  // not in the tracer's namespace
  }
  return nspid[static_cast<std::size_t>(level_)];
}

}  // namespace roar::seccomp
