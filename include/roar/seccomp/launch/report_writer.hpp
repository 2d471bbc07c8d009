// ReportWriter: the report's destination, opened before the command runs and written at the end,
// next to the path given when the command wrote that path itself.
#pragma once

#include <optional>
#include <string>

#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/report/report_destination.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

class ReportWriter {
 public:
  // Checks that the report can be written there, so that a bad path fails while nothing ran.
  static Result<ReportWriter> open(const std::string& path);

  // Writes `report` atomically, then says on the info level how much memory the tracer used
  // and how large the report is. A failure to write is said as an error and changes no exit
  // status: the command has run.
  void write(const Report& report, const Logger& log) const;

 private:
  explicit ReportWriter(ReportDestination destination) : destination_(std::move(destination)) {}

  ReportDestination destination_;
};

// Where the report goes: `path`, unless `report` says the command wrote that file itself (its
// kernel name is `canonical`); then the command keeps its file, and the report goes to the first
// of PATH.roar-seccomp, PATH.roar-seccomp.1, ... that neither exists nor was written by the
// command (and deleted since).
std::string choose_report_path(const Report& report, const std::string& path,
                               const std::optional<std::string>& canonical);

}  // namespace roar::seccomp
