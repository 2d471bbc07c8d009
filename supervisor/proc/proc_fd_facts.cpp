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

namespace {

// O_PATH descriptors (whose access bits the kernel clears) and O_ACCMODE itself (3, which some
// drivers take for "ioctl only") neither read nor write.
FdAccess access_of_open_flags(std::uint64_t flags) {
  if ((flags & O_PATH) != 0) {
    return {};
  }
  switch (flags & O_ACCMODE) {
    case O_RDONLY: return {true, false};
    case O_WRONLY: return {false, true};
    case O_RDWR: return {true, true};
    default: return {};
  }
}

}  // namespace

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
      note(read_proc_record(proc_dir_, ProcPath(proc_tid_, "fdinfo", fd).c_str()));
  if (!info) {
    return std::nullopt;
  }
  // The same text has the description's open flags, which tell what fd_access would look up.
  const std::optional<std::uint64_t> flags = field_after(*info, "flags:", 8);
  if (flags && fd >= 0 && access_memo_.fd != fd) {
    access_memo_ = {fd, access_of_open_flags(*flags)};
  }
  return field_after(*info, "pos:");
}

std::optional<std::uint64_t> ProcTraceeView::pipe_bytes(int fd) {
  // Opening a pipe through its magic link adds a reader to the same pipe. O_NONBLOCK never
  // waits, and the caller already holds the read side, so no writer can be waiting on us.
  UniqueFd pipe(openat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(),
                       O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!pipe) {
    note_shortage();
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
  if (fds.empty()) {
    note_failure();
  }
  return fds;
}

}  // namespace roar::seccomp
