// ReportDestination: the probe, the temporary file and the rename.
#include "roar/seccomp/report/report_destination.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

namespace roar::seccomp {

Result<ReportDestination> ReportDestination::open(const std::string& path) {
  if (path.empty()) {
    return Error{ENOENT, "the report path is empty"};
  }
  if (path.back() == '/') {
    return Error{EISDIR, path};
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name == "." || name == "..") {
    return Error{EISDIR, path};
  }
  UniqueFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) {
    return Error::from_errno(dir);
  }
  struct stat st {};
  if (fstatat(dirfd.get(), name.c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode)) {
    return Error{EISDIR, path};
  }
  ReportDestination dest(path, std::move(dirfd), name);
  std::string probe;
  Result<UniqueFd> fd = dest.create_temporary(probe);
  if (!fd) {
    return Error{fd.error().code, dir};
  }
  unlinkat(dest.dir_.get(), probe.c_str(), 0);
  return dest;
}

std::optional<std::string> ReportDestination::canonical_path() const {
  char link[PATH_MAX + 1];
  const std::string self = "/proc/self/fd/" + std::to_string(dir_.get());
  const ssize_t n = readlink(self.c_str(), link, PATH_MAX);
  if (n <= 0) {
    return std::nullopt;
  }
  const std::string dir(link, static_cast<std::size_t>(n));
  return dir == "/" ? "/" + name_ : dir + "/" + name_;
}

Result<UniqueFd> ReportDestination::create_temporary(std::string& name) const {
  for (int attempt = 0; attempt < 100; ++attempt) {
    name =
        ".roar-seccomp-" + std::to_string(getpid()) + "-" + std::to_string(next_temp_++) + ".tmp";
    UniqueFd fd(openat(dir_.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd) {
      return fd;
    }
    if (errno != EEXIST) {
      return Error::from_errno(name);
    }
  }
  return Error{EEXIST, "no free temporary name"};
}

Status ReportDestination::write(std::string_view bytes) const {
  std::string temp;
  Result<UniqueFd> fd = create_temporary(temp);
  if (!fd) {
    return fd.error();
  }
  const auto fail = [&](Error e) -> Status {
    unlinkat(dir_.get(), temp.c_str(), 0);
    return e;
  };
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd->get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Error::from_errno("writing " + path_));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd->release()) != 0) {
    return fail(Error::from_errno("writing " + path_));
  }
  if (renameat(dir_.get(), temp.c_str(), dir_.get(), name_.c_str()) != 0) {
    return fail(Error::from_errno("renaming the report into place at " + path_));
  }
  return Ok{};
}

}  // namespace roar::seccomp
