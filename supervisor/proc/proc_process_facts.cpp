// ProcTraceeView's process facts (ProcessView): status, argv, environment, children, pidfds.
//
// Pids are translated where /proc shows another pid namespace.
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "proc_path.hpp"
#include "roar/seccomp/proc/proc_tracee_view.hpp"

namespace roar::seccomp {

using detail::field_after;
using detail::ProcPath;

std::optional<ThreadStatus> ProcTraceeView::status() {
  const std::optional<std::string> text =
      note_if_short(read_proc_record(proc_dir_, ProcPath(proc_tid_, "status").c_str()));
  if (!text) {
    return std::nullopt;
  }
  auto tgid = field_after(*text, "\nTgid:");
  auto ppid = field_after(*text, "\nPPid:");
  if (!tgid || !ppid) {
    return std::nullopt;
  }
  if (pids_ != nullptr && !pids_->identity()) {
    const auto ours = [this](std::uint64_t proc) -> std::optional<std::uint64_t> {
      const std::optional<int> pid = pids_->from_proc(static_cast<int>(proc));
      return pid ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*pid)) : std::nullopt;
    };
    tgid = ours(*tgid);
    ppid = *ppid == 0 ? ppid : ours(*ppid);
    if (!tgid) {
      return std::nullopt;
    }
  }
  return ThreadStatus{static_cast<int>(*tgid), ppid ? static_cast<int>(*ppid) : 0};
}

std::optional<std::string> ProcTraceeView::cmdline(int pid) {
  return note_if_short(read_proc_record(proc_dir_, ProcPath(proc_pid(pid), "cmdline").c_str()));
}

std::optional<std::string> ProcTraceeView::environ(int pid) {
  return note_if_short(read_proc_record(proc_dir_, ProcPath(proc_pid(pid), "environ").c_str()));
}

UniqueFd ProcTraceeView::open_pidfd(int pid) {
  if (!caps_.pidfd) {
    return UniqueFd();
  }
  // pidfds are close-on-exec by definition.
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.get() >= caps_.keep_below) {
    return UniqueFd();  // one too many to keep: the process is followed without it
  }
  return pidfd;
}

std::optional<bool> ProcTraceeView::same_fd_table(int a, int b) {
  constexpr int kKcmpFiles = 2;  // KCMP_FILES from <linux/kcmp.h>
  if (!caps_.kcmp) {
    return std::nullopt;
  }
  const long r = syscall(SYS_kcmp, a, b, kKcmpFiles, 0, 0);
  if (r < 0) {
    return std::nullopt;
  }
  return r == 0;
}

std::vector<int> ProcTraceeView::children(int pid) {
  std::vector<int> out;
  const int proc = proc_pid(pid);
  errno = 0;  // an empty listing that did not fail leaves it so
  const std::vector<int> tids = list_numeric_entries(proc_dir_, ProcPath(proc, "task").c_str());
  if (tids.empty()) {
    note_shortage();
  }
  for (int tid : tids) {
    const std::string path = std::to_string(proc) + "/task/" + std::to_string(tid) + "/children";
    const std::optional<std::string> text = note_if_short(read_small_file(proc_dir_, path.c_str()));
    if (!text) {
      continue;
    }
    const char* p = text->data();
    const char* const end = p + text->size();
    while (p < end) {
      int child = 0;
      const auto [next, ec] = std::from_chars(p, end, child);
      if (ec == std::errc()) {
        if (const std::optional<int> ours = pids_ != nullptr ? pids_->from_proc(child) : child) {
          out.push_back(*ours);
        }
        p = next;
      } else {
        ++p;
      }
    }
  }
  return out;
}

}  // namespace roar::seccomp
