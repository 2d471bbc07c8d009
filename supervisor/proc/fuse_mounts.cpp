// Finding the FUSE file systems in a mountinfo text (proc_pid_mountinfo(5)), and watching the
// mount namespaces of the traced tree for new ones.
#include "roar/seccomp/proc/fuse_mounts.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <string>

namespace roar::seccomp {
namespace {

// "MAJOR:MINOR", the third field of a mountinfo line.
std::optional<dev_t> parse_device(std::string_view field) {
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  unsigned major = 0;
  unsigned minor = 0;
  const char* end = field.data() + field.size();
  const auto [major_end, major_error] = std::from_chars(field.data(), field.data() + colon, major);
  const auto [minor_end, minor_error] = std::from_chars(field.data() + colon + 1, end, minor);
  if (major_error != std::errc() || minor_error != std::errc() ||
      major_end != field.data() + colon || minor_end != end) {
    return std::nullopt;
  }
  return makedev(major, minor);
}

bool is_fuse(std::string_view fstype) {
  return fstype == "fuse" || fstype == "fuseblk" || fstype.starts_with("fuse.");
}

// The whole text behind `fd`, from its start; nullopt if it cannot be read.
std::optional<std::string> read_from_start(int fd) {
  if (lseek(fd, 0, SEEK_SET) != 0) {
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::vector<dev_t> fuse_devices(std::string_view mountinfo) {
  std::vector<dev_t> out;
  while (!mountinfo.empty()) {
    const std::size_t eol = mountinfo.find('\n');
    const std::string_view line = mountinfo.substr(0, eol);
    mountinfo = eol == std::string_view::npos ? std::string_view() : mountinfo.substr(eol + 1);
    // Fields before " - " are space-separated, and spaces inside them are escaped (\040), so
    // the first " - " ends the optional fields and the file system type follows it.
    const std::size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) {
      continue;
    }
    std::string_view fstype = line.substr(dash + 3);
    fstype = fstype.substr(0, fstype.find(' '));
    if (!is_fuse(fstype)) {
      continue;
    }
    const std::size_t first = line.find(' ');
    const std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    const std::size_t third =
        second == std::string_view::npos ? second : line.find(' ', second + 1);
    if (third == std::string_view::npos) {
      continue;
    }
    if (const std::optional<dev_t> dev =
            parse_device(line.substr(second + 1, third - second - 1))) {
      out.push_back(*dev);
    }
  }
  return out;
}

bool FuseMounts::any_new(std::string_view mountinfo) const {
  const std::vector<dev_t> now = fuse_devices(mountinfo);
  return std::any_of(now.begin(), now.end(), [this](dev_t dev) {
    return std::find(before_run_.begin(), before_run_.end(), dev) == before_run_.end();
  });
}

FuseMounts FuseMounts::before_run(int proc_dir) {
  UniqueFd mountinfo(openat(proc_dir, "self/mountinfo", O_RDONLY | O_CLOEXEC));
  const std::optional<std::string> text =
      mountinfo ? read_from_start(mountinfo.get()) : std::nullopt;
  struct stat ns {};
  FileId own;
  if (fstatat(proc_dir, "self/ns/mnt", &ns, 0) == 0) {
    own = FileId{ns.st_dev, ns.st_ino};
  }
  // Unreadable: every FUSE file system will count as new, the safe side.
  return FuseMounts(text ? fuse_devices(*text) : std::vector<dev_t>(), own);
}

bool FuseMounts::new_in_namespace(int proc_dir, const char* pid, FileId ns) {
  for (Namespace& known : namespaces_) {
    if (known.id != ns) {
      continue;
    }
    // mountinfo reports POLLERR|POLLPRI once after its namespace's mounts changed.
    pollfd changed{known.mountinfo.get(), POLLPRI, 0};
    if (poll(&changed, 1, 0) != 0) {
      const std::optional<std::string> text = read_from_start(known.mountinfo.get());
      known.any_new = !text || any_new(*text);
    }
    return known.any_new;
  }
  Namespace seen;
  seen.id = ns;
  seen.mountinfo.reset(
      openat(proc_dir, (std::string(pid) + "/mountinfo").c_str(), O_RDONLY | O_CLOEXEC));
  const std::optional<std::string> text =
      seen.mountinfo ? read_from_start(seen.mountinfo.get()) : std::nullopt;
  seen.any_new = !text || any_new(*text);
  const bool answer = seen.any_new;
  if (text) {
    if (namespaces_.size() == kMaxNamespaces) {
      namespaces_.erase(namespaces_.begin());
    }
    namespaces_.push_back(std::move(seen));
  }
  return answer;
}

}  // namespace roar::seccomp
