// The PATH search: the candidates, the errno a search by execve ends with, preflight's lookup.
#include "roar/seccomp/launch/executable_search.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace roar::seccomp {

std::vector<std::string> executable_candidates(const std::string& name, const char* path) {
  if (name.empty()) {
    return {};
  }
  if (name.find('/') != std::string::npos) {
    return {name};
  }
  const std::string dirs = path != nullptr ? path : "/bin:/usr/bin";  // glibc's _CS_PATH
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = dirs.find(':', start);
    std::string dir =
        dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    out.push_back(dir.empty() ? name : dir + "/" + name);
    if (colon == std::string::npos) {
      return out;
    }
    start = colon + 1;
  }
}

bool ExecSearch::failed(const std::string& candidate, int error) noexcept {
  // stat(2) is not traced, so the child may call it under the filter.
  struct stat st;
  if (error == EACCES && stat(candidate.c_str(), &st) != 0) {
    error = ENOENT;
  }
  error_ = error;
  if (error == EACCES) {
    denied_ = true;
    return true;
  }
  return error == ENOENT || error == ENOTDIR || error == ESTALE || error == ENODEV ||
         error == ETIMEDOUT;
}

int ExecSearch::error() const noexcept {
  return denied_ && (error_ == ENOENT || error_ == ENOTDIR) ? EACCES : error_;
}

std::string resolve_command(const std::string& name, const char* path) {
  for (const std::string& candidate : executable_candidates(name, path)) {
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      // Only a candidate from the cwd entry lacks a '/'; ./NAME says where it was found.
      return candidate.find('/') == std::string::npos ? "./" + candidate : candidate;
    }
  }
  return {};
}

}  // namespace roar::seccomp
