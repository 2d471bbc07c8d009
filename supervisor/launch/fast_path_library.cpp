// Finding the fast path's preload library relative to the tracer's own executable.
#include "roar/seccomp/launch/fast_path_library.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <memory>

namespace roar::seccomp {

std::optional<std::string> fast_path_library_beside(const std::string& executable_dir) {
  const std::string candidate =
      executable_dir + "/../lib/roar-seccomp/" + std::string(kFastPathLibraryName);
  const std::unique_ptr<char, decltype(&std::free)> canonical(realpath(candidate.c_str(), nullptr),
                                                              &std::free);
  if (!canonical || access(canonical.get(), R_OK) != 0) {
    return std::nullopt;
  }
  return std::string(canonical.get());
}

std::optional<std::string> find_fast_path_library() {
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    return std::nullopt;
  }
  const std::string path(exe, static_cast<std::size_t>(n));
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  return fast_path_library_beside(path.substr(0, slash));
}

}  // namespace roar::seccomp
