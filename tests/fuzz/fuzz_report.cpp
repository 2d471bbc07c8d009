// libFuzzer target: the report reader. The input is the bytes of a report file.
//
// decode_report must never crash on any bytes. When it accepts them, encoding the decoded report
// must decode again to the same report (up to the documented UTF-8 repair of argv, environment
// and warning strings), and the report printer of tools/ (roar-seccomp-report) must render it as
// valid JSON and as a table with one line per process, file and warning.
//
// The printer's rendering functions live in tools/report_tool.cpp next to its main(); that file
// is compiled into this target with main() renamed, so that the fuzzer runs the tool's own code.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roar/seccomp/json.hpp"
#include "roar/seccomp/report.hpp"
#include "roar/seccomp/unique_fd.hpp"
#include "roar/seccomp/version.hpp"

// The tool's main, renamed; declared first so that its definition has a prior declaration.
int roar_seccomp_report_main(int argc, char** argv);
#define main roar_seccomp_report_main
#include "report_tool.cpp"  // NOLINT(bugprone-suspicious-include): tools/, on the include path
#undef main

#include "json_check.hpp"
#include "report_check.hpp"

namespace roar::seccomp::fuzz {
namespace {

std::size_t count(const std::string& s, char c) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), c));
}

void check_json(const Report& r) {
  const std::string json = render_json(r);
  if (!is_valid_utf8(json)) {
    finding("render_json wrote bytes that are not UTF-8");
  }
  if (!JsonChecker::valid(json)) {
    finding("render_json wrote invalid JSON:\n" + json);
  }
}

void check_table(const Report& r, const ToolOptions& options) {
  std::ostringstream out;
  print_table(out, r, options);
  const std::string table = out.str();
  if (!is_valid_utf8(table)) {
    finding("print_table wrote bytes that are not UTF-8");
  }
  // 8 header lines, a blank line and two headings before the processes, a blank line and one
  // heading before the files: every other line is one warning, process or file.
  const std::size_t expected = 13 + r.warnings.size() + r.processes.size() + r.files.size();
  if (count(table, '\n') != expected) {
    finding("print_table wrote " + std::to_string(count(table, '\n')) + " lines, expected " +
            std::to_string(expected) + ":\n" + table);
  }
  for (const char c : table) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && c != '\n') || b == 0x7f) {
      finding("print_table wrote a control byte " + std::to_string(b));
    }
  }
}

// The directory of the first file, as a user would pass to --filter-prefix.
std::string some_prefix(const Report& r) {
  if (r.files.empty()) {
    return "/";
  }
  const std::string& path = r.files.front().path;
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace
}  // namespace roar::seccomp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace roar::seccomp;
  using namespace roar::seccomp::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<Report> decoded = decode_report(bytes);
  if (!decoded) {
    if (decoded.error().context.empty()) {
      finding("decode_report failed without saying why");
    }
    return 0;
  }
  const Report& report = *decoded;
  expect_round_trip(report, "decoded report");

  check_json(report);
  ToolOptions options;
  check_table(report, options);

  Report filtered = report;
  options.filter = true;
  options.filter_prefix = some_prefix(report);
  keep_files_under(filtered, options.filter_prefix);
  for (const ReportFile& f : filtered.files) {
    if (!f.path.starts_with(options.filter_prefix == "/" ? "/" : options.filter_prefix)) {
      finding("--filter-prefix kept " + shown(f.path) + " outside " + shown(options.filter_prefix));
    }
  }
  check_table(filtered, options);
  return 0;
}
