// The bounded system calls behind every /proc read and path walk (see proc_files.hpp).
#include "roar/seccomp/proc/proc_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace roar::seccomp {

namespace {

enum class ShortRead { kContinue, kEnds };

std::optional<std::string> read_text(int dir, const char* relative_path, ShortRead short_read) {
  UniqueFd fd(openat(dir, relative_path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return std::nullopt;
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (short_read == ShortRead::kEnds && static_cast<std::size_t>(n) < sizeof buf) {
      return out;
    }
  }
}

}  // namespace

std::optional<std::string> read_small_file(int dir, const char* relative_path) {
  return read_text(dir, relative_path, ShortRead::kContinue);
}

std::optional<std::string> read_proc_record(int dir, const char* relative_path) {
  return read_text(dir, relative_path, ShortRead::kEnds);
}

std::vector<int> list_numeric_entries(int dir, const char* relative_path) {
  std::vector<int> out;
  const UniqueFd fd(openat(dir, relative_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    return out;
  }
  // getdents64 itself, not opendir: readdir's stat and fcntl calls cost as much as the listing,
  // and the hot path lists a descriptor table at every exec and exit.
  alignas(dirent64) char buf[8192];
  for (;;) {
    const ssize_t n = getdents64(fd.get(), buf, sizeof buf);
    if (n <= 0) {
      return out;
    }
    const auto filled = static_cast<std::size_t>(n);
    for (std::size_t at = 0; at < filled;) {
      unsigned short reclen = 0;  // dirent64's d_reclen, read unaligned-safe
      std::memcpy(&reclen, buf + at + offsetof(dirent64, d_reclen), sizeof reclen);
      if (reclen <= offsetof(dirent64, d_name) || at + reclen > filled) {
        return out;
      }
      const char* name = buf + at + offsetof(dirent64, d_name);
      const char* end = name + strnlen(name, reclen - offsetof(dirent64, d_name));
      int number = 0;
      const auto [ptr, ec] = std::from_chars(name, end, number);
      if (ec == std::errc() && ptr == end) {
        out.push_back(number);
      }
      at += reclen;
    }
    // /proc fills the buffer until its entries end: room left over means there are no more.
    if (filled + sizeof(dirent64) < sizeof buf) {
      return out;
    }
  }
}

std::optional<std::string> read_link(int dir, const char* relative) {
  std::string out(256, '\0');
  for (;;) {
    const ssize_t n = readlinkat(dir, relative, out.data(), out.size());
    if (n < 0) {
      return std::nullopt;
    }
    if (static_cast<std::size_t>(n) < out.size()) {
      out.resize(static_cast<std::size_t>(n));
      return out;
    }
    out.resize(out.size() * 4);  // truncated: the kernel prints at most a page
  }
}

std::optional<FileStat> stat_at(int dir, const char* name, int flags) {
  struct statx stx {};
  // AT_STATX_DONT_SYNC: use cached attributes, so a FUSE file served by a blocked process of
  // the traced tree cannot block the supervisor.
  if (statx(dir, name, flags | AT_STATX_DONT_SYNC,
            STATX_TYPE | STATX_SIZE | STATX_NLINK | STATX_INO | STATX_CTIME, &stx) != 0) {
    return std::nullopt;
  }
  return FileStat{static_cast<mode_t>(stx.stx_mode & S_IFMT), stx.stx_size, stx.stx_nlink,
                  FileId{makedev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino},
                  Timestamp{stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec}};
}

// Opens `path` below `base` as the caller would. Below the caller's root (`in_root`), neither
// ".." nor an absolute symlink may climb out of it: openat2 RESOLVE_IN_ROOT (Linux 5.6; older
// kernels resolve from the supervisor's root, which is the same unless the caller is chrooted).
UniqueFd open_below(int base, const std::string& path, int flags, bool in_root) {
  if (!in_root) {
    return UniqueFd(openat(base, path.c_str(), flags | O_CLOEXEC));
  }
  const std::size_t start = path.find_first_not_of('/');
  const std::string relative = start == std::string::npos ? "." : path.substr(start);
  open_how how{};
  how.flags = static_cast<unsigned>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT;
  const long fd = syscall(SYS_openat2, base, relative.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) {
    return UniqueFd(static_cast<int>(fd));
  }
  return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC));
}

}  // namespace roar::seccomp
