// libFuzzer target: the report reader. The input is the bytes of a report file.
//
// decode_report must never crash on any bytes. When it accepts them, encoding the decoded report
// must decode again to the same report (up to the documented UTF-8 repair of argv, environment
// and warning strings), and the views of roar-seccomp-report (tools/report_*.cpp, the same
// library the tool links) must render it: valid JSON, a table with one line per process, file and
// warning, and UTF-8 HTML and DOT whose data cannot end its own <script> element.
#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>

#include "json_check.hpp"
#include "report_check.hpp"
#include "report_diff.hpp"
#include "report_load.hpp"
#include "report_views.hpp"
#include "roar/seccomp/report/report.hpp"

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

void check_table(const Report& r, const ViewOptions& options) {
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

void check_html_and_dot(const Report& r, const ViewOptions& options) {
  std::ostringstream html;
  print_html(html, r, options);
  const std::string page = html.str();
  if (!is_valid_utf8(page)) {
    finding("print_html wrote bytes that are not UTF-8");
  }
  // The data element is the page's only one of its kind: nothing in it may close it early.
  const std::size_t data = page.find("<script type=\"application/json\"");
  if (data == std::string::npos ||
      page.find("</script", data) != page.find("</script>\n<script>")) {
    finding("print_html: the report's data ends its <script> element early");
  }
  std::ostringstream dot;
  print_dot(dot, r, options);
  if (!is_valid_utf8(dot.str())) {
    finding("print_dot wrote bytes that are not UTF-8");
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
  ViewOptions options{"fuzz.msgpack", std::nullopt};
  check_table(report, options);
  check_html_and_dot(report, options);

  Report filtered = report;
  const std::string prefix = some_prefix(report);
  options.filter_prefix = prefix;
  keep_files_under(filtered, prefix);
  for (const ReportFile& f : filtered.files) {
    if (!f.path.starts_with(prefix == "/" ? "/" : prefix)) {
      finding("--filter-prefix kept " + shown(f.path) + " outside " + shown(prefix));
    }
  }
  check_table(filtered, options);
  if (!diff_reports(report, report).same()) {
    finding("--diff of a report with itself found differences");
  }
  static_cast<void>(diff_reports(report, filtered));
  return 0;
}
