// Turns what a run recorded into the report model.
#pragma once

#include <string>
#include <vector>

#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// Splits NUL-separated /proc text (cmdline, environ) into its strings.
std::vector<std::string> split_nul(std::string_view text);
// Joins strings into NUL-terminated /proc form.
std::string join_nul(const std::vector<std::string>& items);
// KEY=VALUE entries to a map; the first definition of a key wins, as getenv(3) sees it.
std::map<std::string, std::string> parse_environ(std::string_view text);

// The report of `processes` (in pid order) rooted at `root_pid`, with `files` and `warnings`.
Report build_report(const AccessTable& files, const std::vector<ProcessRecord>& processes,
                    int root_pid, const Warnings& warnings, double start_time, double end_time);
// The report of a whole run.
Report build_report(const RunRecord& log, double start_time, double end_time);

}  // namespace roar::seccomp
