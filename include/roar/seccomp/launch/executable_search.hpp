// The PATH search of execvp(3), shared by the launcher (which execs each candidate in turn) and
// preflight (which says whether the command resolves), so that both look in the same places.
#pragma once

#include <cerrno>
#include <string>
#include <vector>

namespace roar::seccomp {

// Where execvp looks for `name`, in order: `name` itself when it holds a '/', else one place per
// entry of `path` (the value of PATH; glibc's default "/bin:/usr/bin" when null), an empty entry
// meaning the cwd and tried as `name`. Nothing for an empty name.
std::vector<std::string> executable_candidates(const std::string& name, const char* path);

// The errno a search by execve ends with, folded from each failure as execvp does: it goes on
// past missing entries, and past EACCES, which it reports if nothing better is found. Unlike
// execvp, EACCES counts only for a candidate that exists: a PATH directory the caller may not
// search does not make a missing command "not executable" (126 instead of 127).
// Async-signal-safe, for the child between fork and exec.
class ExecSearch {
 public:
  // Records the failed execve of `candidate` with `error`; false when the search must stop.
  bool failed(const std::string& candidate, int error) noexcept;
  // What the search failed with, once it stopped or ran out of candidates.
  [[nodiscard]] int error() const noexcept;

 private:
  int error_ = ENOENT;  // also the outcome of a search with no candidate at all
  bool denied_ = false;
};

// The first candidate for `name` on `path` (as above) that is an executable regular file, or
// empty. One found through an empty entry (the cwd) is given as ./NAME.
std::string resolve_command(const std::string& name, const char* path);

}  // namespace roar::seccomp
