// roar-seccomp-report: prints a report as a table, JSON, HTML or DOT, or compares two reports.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "report_diff.hpp"
#include "report_load.hpp"
#include "report_text.hpp"
#include "report_views.hpp"
#include "roar/seccomp/util/version.hpp"
#include "tool_cli.hpp"

namespace roar::seccomp {
namespace {

constexpr const char* kProgram = "roar-seccomp-report";
constexpr int kExitFailure = 1;  // unreadable or invalid report, or output failed

enum class Format { kTable, kJson, kHtml, kDot };

struct ToolOptions {
  std::vector<std::string> reports;  // REPORT, or OLD NEW with --diff
  std::vector<Format> formats;       // every view flag given, in order
  bool diff = false;
  std::optional<std::string> filter_prefix;
  std::string filter_prefix_text;  // what --filter-prefix gave, if it was given
};

constexpr const char* kFooter =
    R"(Views:
  table  header (tracer_mode, version, start/end in ISO-8601 UTC, duration, events_dropped,
         complete, warnings), then one line per process (PID, PARENT or '-' for the root,
         number of environment entries, COMMAND) and one line per file: flags R (read) /
         W (written) or '-', the path, then r=TIDS and w=TIDS, the threads that read and wrote
         it. In paths, commands and warnings a backslash is doubled and every byte that is not
         printable ASCII or printable UTF-8 is shown as \xNN.
  json   one object with the report's keys and nesting (version, processes, files,
         opened_files, read_files, written_files, env_accessed, start_time, end_time,
         tracer_mode, events_dropped, complete, warnings; empty lists and maps omitted as in
         the report). A path that is not valid UTF-8 is written as {"bytes_hex": "HEX"}, its
         bytes in lowercase hex, so that no byte is lost; every other path is a string.
  html   one self-contained page (inline style and script, nothing loaded from anywhere):
         summary (duration, complete, warnings), the process tree with commands, a files table
         filtered by path prefix and by read/written and sorted by column, and the lineage
         graph (files read -> process -> files written) in SVG. Large reports stay quick: the
         table shows 100 rows per page, the tree lists children when a process is opened, the
         graph draws at most 20 processes and 40 files per side. Paths escaped as in the table.
  dot    the lineage as a Graphviz digraph: processes as boxes (pid, command cut to 60
         characters), files read or written as ellipses, edges file -> process (class "read")
         and process -> file (class "written"), dashed edges from each process's parent. A
         thread id that is no process's pid is a dashed box "thread TID".
  diff   --diff OLD NEW: what changed from OLD to NEW (two runs of the same job): inputs
         (files read) and outputs (files written) added and removed, processes whose command
         changed, processes added and removed, warnings added and removed, complete. A table,
         or one JSON object with --json. Processes are matched from the root down: children
         with the same argv first, then the same program, then in pid order.
Examples:
  roar-seccomp-report run.msgpack
  roar-seccomp-report --table --filter-prefix "$PWD" run.msgpack
  roar-seccomp-report --json run.msgpack > run.json
  roar-seccomp-report --html run.msgpack > run.html
  roar-seccomp-report --dot --filter-prefix "$PWD" run.msgpack | dot -Tsvg > lineage.svg
  roar-seccomp-report --diff yesterday.msgpack today.msgpack
  roar-seccomp-report --diff yesterday.msgpack today.msgpack --json --filter-prefix "$PWD"
  roar-seccomp-report --version
  roar-seccomp-report --help
Exit status: 0 on success (also when --diff finds differences); 1 if a report cannot be read
or is not one (the message names the file and what is wrong with it: empty, truncated, not
msgpack, not a report, a version this tool does not read); 2 on bad usage.)";

void add_options(CLI::App& app, ToolOptions& o) {
  app.description(
      "Prints a report written by roar-seccomp (or any roar tracer report in the same msgpack "
      "shape) as a readable table (default), JSON, an HTML page or Graphviz DOT, or what "
      "changed between two reports.");
  const auto view = [&](const char* name, Format format, const char* help) {
    app.add_flag_callback(
        name, [&o, format] { o.formats.push_back(format); }, help);
  };
  view("--table", Format::kTable, "Print the readable table (the default)");
  view("--json", Format::kJson, "Print one JSON object mirroring the report (or the diff)");
  view("--html", Format::kHtml, "Print one self-contained HTML page");
  view("--dot", Format::kDot, "Print the lineage as Graphviz DOT");
  app.add_option("--filter-prefix", o.filter_prefix_text,
                 "Keep only files whose path is DIR or lies below it (bytewise, whole "
                 "components); processes are all kept")
      ->type_name("DIR");
  app.add_flag("--diff", o.diff,
               "Print what changed from report OLD to report NEW, given as OLD NEW (a table, or "
               "JSON with --json)");
  app.add_option("reports", o.reports, "The msgpack report to print; OLD NEW with --diff")
      ->type_name("REPORT");
  app.set_version_flag("--version", std::string(kProgram) + " " + kVersion);
  app.footer(kFooter);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string(kProgram) + ": " + e.what() + "\nRun with --help for more information.\n";
  });
}

int usage_error(const std::string& message) {
  std::cerr << kProgram << ": " << message << "\nRun with --help for more information.\n";
  return kExitBadFlags;
}

int fail(const std::string& message) {
  std::cerr << kProgram << ": " << printable(message) << '\n';
  return kExitFailure;
}

std::optional<Report> load(const std::string& path, const ToolOptions& options, int& status) {
  Result<Report> report = load_report(path);
  if (!report) {
    status = fail(report.error().message());
    return std::nullopt;
  }
  if (options.filter_prefix) {
    keep_files_under(*report, *options.filter_prefix);
  }
  return std::move(*report);
}

int run_diff(const ToolOptions& options) {
  int status = 0;
  const std::optional<Report> before = load(options.reports[0], options, status);
  if (!before) {
    return status;
  }
  const std::optional<Report> after = load(options.reports[1], options, status);
  if (!after) {
    return status;
  }
  const ReportDiff diff = diff_reports(*before, *after);
  const DiffNames names{options.reports[0], options.reports[1]};
  if (options.formats == std::vector{Format::kJson}) {
    std::cout << render_diff_json(diff, names);
  } else {
    print_diff_table(std::cout, diff, names);
  }
  return 0;
}

int run_view(const ToolOptions& options) {
  int status = 0;
  const std::optional<Report> report = load(options.reports[0], options, status);
  if (!report) {
    return status;
  }
  const ViewOptions view{options.reports[0], options.filter_prefix};
  switch (options.formats.empty() ? Format::kTable : options.formats.front()) {
    case Format::kJson: std::cout << render_json(*report); break;
    case Format::kHtml: print_html(std::cout, *report, view); break;
    case Format::kDot: print_dot(std::cout, *report, view); break;
    case Format::kTable: print_table(std::cout, *report, view); break;
  }
  return 0;
}

}  // namespace
}  // namespace roar::seccomp

int main(int argc, char** argv) {
  using namespace roar::seccomp;
  std::ios::sync_with_stdio(false);  // pages of 100,000 files are written through cout
  ToolOptions options;
  CLI::App app("", kProgram);
  add_options(app, options);
  if (const std::optional<int> status = parse_tool_args(app, argc, argv)) {
    return *status;
  }
  if (app.count("--filter-prefix") > 0) {
    options.filter_prefix = options.filter_prefix_text;
  }
  if (options.formats.size() > 1) {
    return usage_error("give at most one of --table, --json, --html, --dot");
  }
  const bool diff = options.diff;
  if (diff && !options.formats.empty() && options.formats.front() != Format::kJson &&
      options.formats.front() != Format::kTable) {
    return usage_error("--diff prints a table or, with --json, JSON");
  }
  if (diff && options.reports.size() != 2) {
    return usage_error("--diff needs two reports: OLD NEW");
  }
  if (!diff && options.reports.size() != 1) {
    return usage_error(options.reports.empty() ? "REPORT is required"
                                               : "one REPORT only (two with --diff)");
  }
  const int status = diff ? run_diff(options) : run_view(options);
  if (status == 0 && !std::cout.flush()) {
    return fail("writing to stdout failed");
  }
  return status;
}
