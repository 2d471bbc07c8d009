// What changed between two runs of the same job: inputs, outputs, processes' commands, warnings.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

struct DiffProcess {
  int pid = 0;
  std::optional<int> parent_pid;
  std::vector<std::string> command;
};

struct ReportDiff {
  // Paths (bytes), sorted bytewise. Inputs are the files read, outputs the files written.
  std::vector<std::string> inputs_added, inputs_removed, outputs_added, outputs_removed;
  // Processes at the same place in the two trees whose commands differ, old then new.
  std::vector<std::pair<DiffProcess, DiffProcess>> commands_changed;
  std::vector<DiffProcess> processes_added, processes_removed;
  std::vector<std::string> warnings_added, warnings_removed;
  bool old_complete = true;
  bool new_complete = true;

  [[nodiscard]] bool same() const;
};

// Processes are matched from the roots down: among the children of two matched processes, those
// with the same argv pair up first (in pid order), then those running the same program (argv[0]),
// then the rest in pid order; what is left over was added or removed, with its descendants.
// Sibling order does not matter, so concurrent children started in another order still match.
ReportDiff diff_reports(const Report& old_report, const Report& new_report);

struct DiffNames {
  std::string old_source;
  std::string new_source;
};

void print_diff_table(std::ostream& out, const ReportDiff& diff, const DiffNames& names);
// One indented JSON object; ends with a line break.
std::string render_diff_json(const ReportDiff& diff, const DiffNames& names);

}  // namespace roar::seccomp
