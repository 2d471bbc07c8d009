// ReportDestination: where the report goes, checked before the command runs, written atomically.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

class ReportDestination {
 public:
  // Opens the report's directory and proves it writable by creating and removing a probe file,
  // so that an unwritable path fails before the command runs rather than after.
  static Result<ReportDestination> open(const std::string& path);

  // Writes `bytes` to a temporary file in the same directory and renames it over the report, so
  // a reader never sees a partial report.
  Status write(std::string_view bytes) const;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // The report's path as the kernel names it (the directory's canonical path and the name).
  [[nodiscard]] std::optional<std::string> canonical_path() const;

 private:
  ReportDestination(std::string path, UniqueFd dir, std::string name)
      : path_(std::move(path)), dir_(std::move(dir)), name_(std::move(name)) {}
  Result<UniqueFd> create_temporary(std::string& name) const;

  std::string path_;
  UniqueFd dir_;      // the directory, held open: later cwd changes cannot move the report
  std::string name_;  // file name within dir_
  mutable unsigned next_temp_ = 0;  // distinct temporary names for the probe and the report
};

}  // namespace roar::seccomp
