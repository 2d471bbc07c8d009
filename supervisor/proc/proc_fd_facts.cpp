// ProcTraceeView's descriptors (FdLinkView, FdView): /proc/<tid>/fd and fdinfo, one read each.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_path.hpp"
#include "roar/seccomp/proc/proc_tracee_view.hpp"

namespace roar::seccomp {

using detail::field_after;
using detail::ProcPath;

std::optional<std::string> ProcTraceeView::fd_link(int fd) {
  return note(read_link(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str()));
}

std::optional<FdAccess> ProcTraceeView::fd_access(int fd) {
  if (access_memo_.fd == fd && fd >= 0) {
    return access_memo_.value;
  }
  // The kernel gives each /proc/<tid>/fd link owner-read/write bits that mirror the file
  // description's FMODE_READ/FMODE_WRITE; an O_PATH descriptor has neither.
  struct stat st {};
  if (fstatat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return note(std::optional<FdAccess>());  // not kept: a refusal must be noted every time
  }
  access_memo_ = {fd, FdAccess{(st.st_mode & S_IRUSR) != 0, (st.st_mode & S_IWUSR) != 0}};
  return access_memo_.value;
}

std::optional<FileStat> ProcTraceeView::fd_stat(int fd) {
  if (stat_memo_.fd == fd && fd >= 0) {
    return stat_memo_.value;
  }
  std::optional<FileStat> st = stat_at(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), 0);
  if (st) {
    stat_memo_ = {fd, st};
  }
  return st;
}

std::optional<std::uint64_t> ProcTraceeView::fd_position(int fd) {
  const std::optional<std::string> info =
      read_small_file(proc_dir_, ProcPath(proc_tid_, "fdinfo", fd).c_str());
  if (!info) {
    return std::nullopt;
  }
  return field_after(*info, "pos:");
}

std::optional<std::uint64_t> ProcTraceeView::pipe_bytes(int fd) {
  // Opening a pipe through its magic link adds a reader to the same pipe. O_NONBLOCK never
  // waits, and the caller already holds the read side, so no writer can be waiting on us.
  UniqueFd pipe(openat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(),
                       O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!pipe) {
    return std::nullopt;
  }
  int waiting = 0;
  if (ioctl(pipe.get(), FIONREAD, &waiting) != 0 || waiting < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(waiting);
}

std::vector<int> ProcTraceeView::open_fds() {
  errno = 0;
  std::vector<int> fds = list_numeric_entries(proc_dir_, ProcPath(proc_tid_, "fd").c_str());
  if (fds.empty() && (errno == EACCES || errno == EPERM)) {
    denied_ = true;
  }
  return fds;
}

}  // namespace roar::seccomp
