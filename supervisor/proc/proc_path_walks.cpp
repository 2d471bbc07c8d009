// ProcTraceeView's path walks (PathView): as the caller would walk, never waiting on the tree.
//
// Walks start from the caller's root, cwd or dirfd reached through /proc, and never wait on a
// FUSE file system the traced tree may serve.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "proc_path.hpp"
#include "roar/seccomp/proc/proc_tracee_view.hpp"

namespace roar::seccomp {

using detail::ProcPath;

std::optional<std::string> ProcTraceeView::own_fd_path(int fd) {
  return read_link(proc_dir_, ("self/fd/" + std::to_string(fd)).c_str());
}

namespace {

// RESOLVE_CACHED (Linux 5.12) walks only what the dentry cache holds and fails with EAGAIN
// where the walk would have to ask a file system, so it cannot wait on a FUSE server. nullopt:
// not answered from the cache (errno EAGAIN), or no RESOLVE_CACHED here.
std::optional<UniqueFd> open_cached(int base, const std::string& path, int flags, bool in_root) {
  open_how how{};
  how.flags = static_cast<unsigned>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_CACHED;
  std::string relative;
  const char* name = path.c_str();
  if (in_root) {
    how.resolve |= RESOLVE_IN_ROOT;
    const std::size_t start = path.find_first_not_of('/');
    relative = start == std::string::npos ? "." : path.substr(start);
    name = relative.c_str();
  }
  const long fd = syscall(SYS_openat2, base, name, &how, sizeof how);
  if (fd < 0 && (errno == ENOSYS || errno == EINVAL || errno == EAGAIN)) {
    return std::nullopt;
  }
  return UniqueFd(static_cast<int>(fd));
}

}  // namespace

UniqueFd ProcTraceeView::walk(int base, const std::string& path, int flags, bool in_root,
                              Namespace where) {
  if (!may_wait_on_tree(where)) {
    return open_below(base, path, flags, in_root);
  }
  if (std::optional<UniqueFd> cached = open_cached(base, path, flags, in_root)) {
    return std::move(*cached);
  }
  if (errno == EAGAIN) {
    refused_ = true;
    return UniqueFd();
  }
  return open_below(base, path, flags, in_root);  // no RESOLVE_CACHED (Linux < 5.12)
}

bool ProcTraceeView::may_wait_on_tree(Namespace where) {
  if (fuse_ == nullptr) {
    return false;
  }
  const std::optional<FileId> caller =
      where == Namespace::kCaller ? caller_mount_namespace() : fuse_->own_namespace();
  if (!caller) {
    return true;  // cannot tell: the safe side
  }
  const bool ours = *caller == fuse_->own_namespace();
  std::optional<bool>& known = may_wait_[ours ? 0 : 1];
  if (!known) {
    known = ours ? fuse_->new_in_namespace(proc_dir_, "self", *caller)
                 : fuse_->new_in_namespace(proc_dir_, std::to_string(proc_tid_).c_str(), *caller);
  }
  return *known;
}

std::optional<FileId> ProcTraceeView::caller_mount_namespace() {
  if (!caller_mount_namespace_) {
    caller_mount_namespace_ = FileId{};
    if (const std::optional<FileStat> ns =
            stat_at(proc_dir_, ProcPath(proc_tid_, "ns/mnt").c_str(), 0)) {
      caller_mount_namespace_ = ns->id;
    }
  }
  if (*caller_mount_namespace_ == FileId{}) {
    return std::nullopt;
  }
  return caller_mount_namespace_;
}

std::optional<FileStat> ProcTraceeView::stat_name(int dir, const std::string& name, bool follow,
                                                  Namespace where) {
  if (!may_wait_on_tree(where)) {
    return stat_at(dir, name.c_str(), follow ? 0 : AT_SYMLINK_NOFOLLOW);
  }
  const UniqueFd fd = walk(dir, name, O_PATH | (follow ? 0 : O_NOFOLLOW), false, where);
  return fd ? stat_at(fd.get(), "", AT_EMPTY_PATH) : std::nullopt;
}

// Resolution runs in the supervisor, starting from the thread's own cwd or dirfd reached through
// their /proc magic links, so relative paths, dirfds and symlinked directories resolve as they
// do for the caller. "/proc/self" is rewritten: for us it would name the supervisor. Every walk
// is one that cannot wait on the traced tree (see walk()); one refused for that reason leaves
// the path unknown, or only what it names (looked_up), never "absent".
std::optional<ResolvedPath> ProcTraceeView::resolve(int dirfd, std::string_view path, bool follow) {
  refused_ = false;
  std::optional<ResolvedPath> out = resolve_walking(dirfd, path, follow);
  if (refused_ && out) {
    out->looked_up = false;
    out->stat.reset();
  } else if (refused_) {
    walk_refused_ = true;
  }
  return out;
}

UniqueFd ProcTraceeView::regular_file(int dirfd, std::string_view path, FileStat& st) {
  if (path.empty()) {
    return UniqueFd();
  }
  const bool in_root = path.front() == '/';
  UniqueFd base(openat(proc_dir_,
                       in_root                        ? ProcPath(proc_tid_, "root").c_str()
                       : dirfd == -100 /* AT_FDCWD */ ? ProcPath(proc_tid_, "cwd").c_str()
                                                      : ProcPath(proc_tid_, "fd", dirfd).c_str(),
                       O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!base) {
    note_shortage();
    return UniqueFd();
  }
  // Not a FIFO or a device: opening those could wait, or do something.
  UniqueFd file = walk(base.get(), std::string(path), O_PATH, in_root, Namespace::kCaller);
  const std::optional<FileStat> found =
      file ? stat_at(file.get(), "", AT_EMPTY_PATH) : std::nullopt;
  if (!found || found->type != S_IFREG) {
    return UniqueFd();
  }
  st = *found;
  return file;
}

UniqueFd ProcTraceeView::open_file(int dirfd, std::string_view path) {
  FileStat st;
  const UniqueFd file = regular_file(dirfd, path, st);
  if (!file) {
    return UniqueFd();
  }
  return UniqueFd(openat(proc_dir_, ("self/fd/" + std::to_string(file.get())).c_str(),
                         O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
}

std::optional<FileId> ProcTraceeView::file_id(int dirfd, std::string_view path) {
  FileStat st;
  if (!regular_file(dirfd, path, st)) {
    return std::nullopt;
  }
  return st.id;
}

std::optional<ResolvedPath> ProcTraceeView::resolve_walking(int dirfd, std::string_view path,
                                                            bool follow) {
  if (path.empty()) {
    return std::nullopt;
  }
  std::string p(path);
  for (const char* self : {"/proc/self/", "/proc/thread-self/"}) {
    if (p.starts_with(self)) {
      p = "/proc/" + std::to_string(proc_tid_) + "/" + p.substr(std::strlen(self));
    }
  }
  while (p.size() > 1 && p.back() == '/') {
    p.pop_back();
  }
  if (follow) {
    if (std::optional<int> fd = descriptor_link(p)) {
      return resolve_descriptor(*fd);
    }
  }
  const std::size_t slash = p.rfind('/');
  std::string parent = slash == std::string::npos ? "" : (slash == 0 ? "/" : p.substr(0, slash));
  std::string last = slash == std::string::npos ? p : p.substr(slash + 1);
  if (last.empty() || last == "." || last == "..") {
    parent = p;  // the path names a directory itself: resolve it whole
    last.clear();
  }
  // An absolute path starts at the caller's root (not ours, if it is chrooted).
  const bool in_root = p.front() == '/';
  UniqueFd base;
  if (in_root) {
    base.reset(
        openat(proc_dir_, ProcPath(proc_tid_, "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  } else if (dirfd == -100) {  // AT_FDCWD
    base.reset(
        openat(proc_dir_, ProcPath(proc_tid_, "cwd").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  } else {
    base.reset(openat(proc_dir_, ProcPath(proc_tid_, "fd", dirfd).c_str(),
                      O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  if (!base) {
    note_shortage();
    return std::nullopt;
  }
  UniqueFd dir = parent.empty()
                     ? UniqueFd(dup(base.get()))
                     : walk(base.get(), parent, O_PATH | O_DIRECTORY, in_root, Namespace::kCaller);
  if (!dir) {
    note_shortage();
    return std::nullopt;
  }
  const std::optional<std::string> dir_path = own_fd_path(dir.get());
  if (!dir_path) {
    return std::nullopt;
  }
  if (last.empty()) {
    return ResolvedPath{*dir_path, stat_at(dir.get(), "", AT_EMPTY_PATH)};
  }
  ResolvedPath out{*dir_path == "/" ? "/" + last : *dir_path + "/" + last, std::nullopt};
  if (follow) {
    // O_PATH opens nothing (a FIFO does not block) but follows symlinks to the file's own name.
    const UniqueFd target = in_root ? walk(base.get(), p, O_PATH, true, Namespace::kCaller)
                                    : walk(dir.get(), last, O_PATH, false, Namespace::kCaller);
    if (target) {
      if (const std::optional<std::string> target_path = own_fd_path(target.get())) {
        out.path = *target_path;
      }
      out.stat = stat_at(target.get(), "", AT_EMPTY_PATH);
    }
  } else {
    out.stat = stat_name(dir.get(), last, false, Namespace::kCaller);
  }
  return out;
}

// "/proc/<tid>/fd/N" (what "/proc/self/fd/N" became above) or "/dev/fd/N": followed, these
// name what the caller's descriptor N refers to (linkat(..., AT_SYMLINK_FOLLOW) gives an
// O_TMPFILE file its name so). A walk would not: in the caller's root the kernel refuses to
// follow magic links, and "/dev/fd" leads to the supervisor's own /proc/self.
std::optional<int> ProcTraceeView::descriptor_link(std::string_view path) const {
  const std::string own = "/proc/" + std::to_string(proc_tid_) + "/fd/";
  for (const std::string_view prefix : {std::string_view(own), std::string_view("/dev/fd/")}) {
    if (path.starts_with(prefix)) {
      const std::string_view number = path.substr(prefix.size());
      int fd = -1;
      const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), fd);
      if (ec == std::errc() && ptr == number.data() + number.size() && fd >= 0) {
        return fd;
      }
    }
  }
  return std::nullopt;
}

std::optional<ResolvedPath> ProcTraceeView::resolve_descriptor(int fd) {
  // O_PATH opens nothing: a FIFO or a device behind the descriptor is not touched.
  const UniqueFd target(
      openat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), O_PATH | O_CLOEXEC));
  if (!target) {
    note_shortage();
    return std::nullopt;
  }
  const std::optional<std::string> path = own_fd_path(target.get());
  if (!path) {
    return std::nullopt;
  }
  return ResolvedPath{*path, stat_at(target.get(), "", AT_EMPTY_PATH)};
}

std::optional<FileStat> ProcTraceeView::lstat(const std::string& path) {
  // The path is named as the supervisor sees it. A caller in a mount namespace of its own that
  // keeps our root (unshare -m, bwrap --bind / /) names the same paths but may have other
  // file systems mounted on them: the walk then runs in its view.
  if (proc_tid_ != 0 && !in_our_mount_namespace()) {
    const UniqueFd root(
        openat(proc_dir_, ProcPath(proc_tid_, "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    const std::optional<FileStat> theirs =
        root ? stat_at(root.get(), "", AT_EMPTY_PATH) : std::nullopt;
    const std::optional<FileStat> ours = stat_at(AT_FDCWD, "/", 0);
    if (theirs && ours && theirs->id == ours->id) {
      refused_ = false;
      const UniqueFd fd = walk(root.get(), path, O_PATH | O_NOFOLLOW, true, Namespace::kCaller);
      walk_refused_ = walk_refused_ || refused_;
      return fd ? stat_at(fd.get(), "", AT_EMPTY_PATH) : std::nullopt;
    }
  }
  refused_ = false;
  std::optional<FileStat> out = stat_name(AT_FDCWD, path, false, Namespace::kSupervisor);
  walk_refused_ = walk_refused_ || refused_;
  return out;
}

bool ProcTraceeView::in_our_mount_namespace() {
  const std::optional<FileId> theirs = caller_mount_namespace();
  if (!theirs) {
    return true;
  }
  if (fuse_ != nullptr) {
    return *theirs == fuse_->own_namespace();
  }
  const std::optional<FileStat> ours = stat_at(proc_dir_, "self/ns/mnt", 0);
  return !ours || *theirs == ours->id;
}

}  // namespace roar::seccomp
