// Loading a report file for the report views, with errors that name the file and what is wrong.
#pragma once

#include <string>
#include <string_view>

#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/error.hpp"

namespace roar::seccomp {

// The report in `path`. Errors read "PATH: what is wrong" (cannot open, empty, truncated, not
// msgpack, not a report, a version this tool does not read).
Result<Report> load_report(const std::string& path);

// Drops the files that are not `dir` or below it (whole components); processes are all kept.
void keep_files_under(Report& report, std::string_view dir);

}  // namespace roar::seccomp
