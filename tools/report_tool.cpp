// roar-seccomp-report: prints a roar-seccomp msgpack report as a readable table or as JSON.
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
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roar/seccomp/json.hpp"
#include "roar/seccomp/report.hpp"
#include "roar/seccomp/unique_fd.hpp"
#include "roar/seccomp/version.hpp"
#include "tool_cli.hpp"

namespace roar::seccomp {
namespace {

constexpr const char* kProgram = "roar-seccomp-report";
constexpr int kExitFailure = 1;  // unreadable or invalid report, or output failed

enum class Format { kTable, kJson };

struct ToolOptions {
  std::string report_path;
  Format format = Format::kTable;
  bool filter = false;
  std::string filter_prefix;
};

// ---- input -------------------------------------------------------------------------------------

// A report is small enough to hold in memory, and decode_report wants it contiguous.
Result<std::string> read_whole_file(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error::from_errno("cannot open " + path);
  }
  std::string bytes;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error::from_errno("cannot read " + path);
    }
    if (n == 0) {
      return bytes;
    }
    bytes.append(buf, static_cast<std::size_t>(n));
  }
}

// True if `path` is `dir` or lies below it, comparing whole components bytewise ("/a/b" is not
// under "/a/bc"). Trailing slashes of `dir` do not matter.
bool is_under(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') {
    dir.remove_suffix(1);
  }
  if (dir == "/") {
    return path.starts_with('/');
  }
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

void keep_files_under(Report& report, std::string_view dir) {
  std::erase_if(report.files, [dir](const ReportFile& f) { return !is_under(f.path, dir); });
}

// ---- text escaping -----------------------------------------------------------------------------

std::string hex_bytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4U];
    out += kDigits[b & 0xfU];
  }
  return out;
}

std::string escaped_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(b));
  return buf;
}

// Length of the UTF-8 sequence a lead byte announces; 0 for a byte that cannot start one.
std::size_t announced_length(unsigned char lead) {
  if (lead >= 0xc2 && lead <= 0xdf)
    return 2;
  if (lead >= 0xe0 && lead <= 0xef)
    return 3;
  if (lead >= 0xf0 && lead <= 0xf4)
    return 4;
  return 0;
}

char32_t code_point(std::string_view seq) {
  const auto byte = [seq](std::size_t i) { return static_cast<unsigned char>(seq[i]); };
  const unsigned lead_bits = seq.size() == 2 ? 0x1fU : seq.size() == 3 ? 0x0fU : 0x07U;
  char32_t cp = byte(0) & lead_bits;
  for (std::size_t i = 1; i < seq.size(); ++i) {
    cp = (cp << 6U) | (byte(i) & 0x3fU);
  }
  return cp;
}

// Characters that move the cursor or reorder text instead of showing a glyph: a path made of
// them could make one line of the table look like another.
bool is_invisible_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// One line of terminal-safe text: printable ASCII and well-formed UTF-8 as they are, a
// backslash doubled, every other byte as \xNN, so that distinct byte strings stay distinct.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == '\\') {
      out += "\\\\";
      ++i;
    } else if (b >= 0x20 && b < 0x7f) {
      out += static_cast<char>(b);
      ++i;
    } else if (const std::size_t len = announced_length(b);
               len != 0 && i + len <= s.size() && is_valid_utf8(s.substr(i, len)) &&
               !is_invisible_control(code_point(s.substr(i, len)))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += escaped_byte(b);
      ++i;
    }
  }
  return out;
}

// ---- JSON --------------------------------------------------------------------------------------

// Emits indented JSON; tracks only where commas and line breaks go, the caller supplies values.
class JsonWriter {
 public:
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name) {
    separate();
    out_ += json_quote(name);
    out_ += ": ";
    after_key_ = true;
  }
  void value(std::string_view json_text) {
    separate();
    out_ += json_text;
  }
  [[nodiscard]] std::string finish() && {
    out_ += '\n';
    return std::move(out_);
  }

 private:
  void separate() {
    if (std::exchange(after_key_, false) || empty_.empty()) {
      return;
    }
    if (!empty_.back()) {
      out_ += ',';
    }
    empty_.back() = false;
    newline();
  }
  void open(char bracket) {
    separate();
    out_ += bracket;
    empty_.push_back(true);
  }
  void close(char bracket) {
    const bool was_empty = empty_.back();
    empty_.pop_back();
    if (!was_empty) {
      newline();
    }
    out_ += bracket;
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * empty_.size(), ' ');
  }

  std::string out_;
  std::vector<bool> empty_;  // per open container: nothing written into it yet
  bool after_key_ = false;
};

// Shortest text that reads back as the same double; always with a fraction or exponent so that
// JSON readers see a float, as msgpack readers do.
std::string json_double(double v) {
  if (!std::isfinite(v)) {
    return "null";
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, ec == std::errc() ? end : buf);
  if (out.find_first_of(".eE") == std::string::npos) {
    out += ".0";
  }
  return out;
}

// A path that is not UTF-8 cannot be a JSON string without losing bytes.
std::string json_path(std::string_view path) {
  if (is_valid_utf8(path)) {
    return json_quote(path);
  }
  return "{\"bytes_hex\": \"" + hex_bytes(path) + "\"}";
}

void write_ints(JsonWriter& w, const std::vector<int>& values) {
  w.begin_array();
  for (const int v : values) {
    w.value(std::to_string(v));
  }
  w.end_array();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& values) {
  w.begin_array();
  for (const std::string& v : values) {
    w.value(json_quote(v));
  }
  w.end_array();
}

void write_env(JsonWriter& w, const std::map<std::string, std::string>& env) {
  w.begin_object();
  for (const auto& [name, value] : env) {
    w.key(name);
    w.value(json_quote(value));
  }
  w.end_object();
}

void write_process(JsonWriter& w, const ReportProcess& p) {
  w.begin_object();
  w.key("pid");
  w.value(std::to_string(p.pid));
  w.key("parent_pid");
  w.value(p.parent_pid ? std::to_string(*p.parent_pid) : "null");
  w.key("command");
  write_strings(w, p.command);
  w.key("env");
  write_env(w, p.env);
  w.end_object();
}

void write_file(JsonWriter& w, const ReportFile& f) {
  w.begin_object();
  w.key("path");
  w.value(json_path(f.path));
  w.key("read");
  w.value(f.read ? "true" : "false");
  w.key("written");
  w.value(f.written ? "true" : "false");
  if (!f.read_threads.empty()) {
    w.key("read_threads");
    write_ints(w, f.read_threads);
  }
  if (!f.written_threads.empty()) {
    w.key("written_threads");
    write_ints(w, f.written_threads);
  }
  w.end_object();
}

// opened_files / read_files / written_files, derived from `files` and omitted when empty, as
// encode_report writes them.
template <typename Pred>
void write_path_list(JsonWriter& w, const char* name, const Report& r, Pred selected) {
  std::vector<const ReportFile*> chosen;
  for (const ReportFile& f : r.files) {
    if (selected(f)) {
      chosen.push_back(&f);
    }
  }
  if (chosen.empty()) {
    return;
  }
  w.key(name);
  w.begin_array();
  for (const ReportFile* f : chosen) {
    w.value(json_path(f->path));
  }
  w.end_array();
}

std::string render_json(const Report& r) {
  JsonWriter w;
  w.begin_object();
  w.key("version");
  w.value(std::to_string(r.version));
  w.key("processes");
  w.begin_array();
  for (const ReportProcess& p : r.processes) {
    write_process(w, p);
  }
  w.end_array();
  w.key("files");
  w.begin_array();
  for (const ReportFile& f : r.files) {
    write_file(w, f);
  }
  w.end_array();
  write_path_list(w, "opened_files", r, [](const ReportFile&) { return true; });
  write_path_list(w, "read_files", r, [](const ReportFile& f) { return f.read; });
  write_path_list(w, "written_files", r, [](const ReportFile& f) { return f.written; });
  if (!r.env_accessed.empty()) {
    w.key("env_accessed");
    write_env(w, r.env_accessed);
  }
  w.key("start_time");
  w.value(json_double(r.start_time));
  w.key("end_time");
  w.value(json_double(r.end_time));
  w.key("tracer_mode");
  w.value(json_quote(r.tracer_mode));
  w.key("events_dropped");
  w.value(std::to_string(r.events_dropped));
  w.key("complete");
  w.value(r.complete ? "true" : "false");
  if (!r.warnings.empty()) {
    w.key("warnings");
    write_strings(w, r.warnings);
  }
  w.end_object();
  return std::move(w).finish();
}

// ---- table -------------------------------------------------------------------------------------

// Beyond this a timestamp in microseconds would not fit 64 bits; no report carries such a time.
constexpr double kMaxTimestamp = 1e12;

std::string iso8601_utc(double unix_seconds) {
  if (!std::isfinite(unix_seconds) || std::fabs(unix_seconds) > kMaxTimestamp) {
    return "?";
  }
  // Whole microseconds first, so that rounding may carry into the seconds.
  const auto micros = static_cast<std::int64_t>(std::llround(unix_seconds * 1e6));
  const std::int64_t floor_seconds = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  const auto fraction = static_cast<unsigned>(micros - floor_seconds * 1000000);
  const auto seconds = static_cast<std::time_t>(floor_seconds);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) {
    return "?";
  }
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06uZ", date, fraction % 1000000U);  // % bounds the width
  return out;
}

std::string seconds_text(double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxTimestamp) {
    return "?";
  }
  char out[48];
  std::snprintf(out, sizeof out, "%.3f s", seconds);
  return out;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

std::string join_ints(const std::vector<int>& values) {
  std::string out;
  for (const int v : values) {
    out += (out.empty() ? "" : ",") + std::to_string(v);
  }
  return out;
}

void print_header(std::ostream& out, const Report& r) {
  out << "tracer_mode:    " << printable(r.tracer_mode) << '\n'
      << "version:        " << r.version << '\n'
      << "start:          " << iso8601_utc(r.start_time) << '\n'
      << "end:            " << iso8601_utc(r.end_time) << '\n'
      << "duration:       " << seconds_text(r.end_time - r.start_time) << '\n'
      << "events_dropped: " << r.events_dropped << '\n'
      << "complete:       " << (r.complete ? "yes" : "no") << '\n'
      << "warnings:       " << r.warnings.size() << '\n';
  for (const std::string& warning : r.warnings) {
    out << "  " << printable(warning) << '\n';
  }
}

std::string command_line(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return "-";
  }
  std::string out;
  for (const std::string& arg : argv) {
    out += (out.empty() ? "" : " ") + printable(arg);
  }
  return out;
}

void print_processes(std::ostream& out, const Report& r) {
  out << "\nprocesses (" << r.processes.size() << "):\n"
      << "  " << pad("PID", 8) << pad("PARENT", 8) << pad("ENV", 6) << "COMMAND\n";
  for (const ReportProcess& p : r.processes) {
    const std::string parent = p.parent_pid ? std::to_string(*p.parent_pid) : "-";
    out << "  " << pad(std::to_string(p.pid), 8) << pad(parent, 8)
        << pad(std::to_string(p.env.size()), 6) << command_line(p.command) << '\n';
  }
}

std::string flags(const ReportFile& f) {
  return std::string(f.read ? "R" : "-") + (f.written ? "W" : "-");
}

std::string thread_columns(const ReportFile& f) {
  std::string out;
  if (!f.read_threads.empty()) {
    out += "  r=" + join_ints(f.read_threads);
  }
  if (!f.written_threads.empty()) {
    out += "  w=" + join_ints(f.written_threads);
  }
  return out;
}

void print_files(std::ostream& out, const Report& r, const ToolOptions& options) {
  out << "\nfiles (" << r.files.size();
  if (options.filter) {
    out << " under " << printable(options.filter_prefix);
  }
  out << "):\n";
  for (const ReportFile& f : r.files) {
    out << "  " << flags(f) << "  " << printable(f.path) << thread_columns(f) << '\n';
  }
}

void print_table(std::ostream& out, const Report& r, const ToolOptions& options) {
  print_header(out, r);
  print_processes(out, r);
  print_files(out, r, options);
}

// ---- command line ------------------------------------------------------------------------------

constexpr const char* kFooter =
    "Output formats:\n"
    "  table  header (tracer_mode, version, start/end in ISO-8601 UTC, duration, events_dropped,\n"
    "         warnings), then one line per process (PID, PARENT or '-' for the root, number of\n"
    "         environment entries, COMMAND) and one line per file: flags R (read) / W (written)\n"
    "         or '-', the path, then r=TIDS and w=TIDS, the threads that read and wrote it. In\n"
    "         paths, commands and warnings a backslash is doubled and every byte that is not\n"
    "         printable ASCII or printable UTF-8 is shown as \\xNN.\n"
    "  json   one object with the report's keys and nesting (version, processes, files,\n"
    "         opened_files, read_files, written_files, env_accessed, start_time, end_time,\n"
    "         tracer_mode, events_dropped, complete, warnings; empty lists and maps omitted as in "
    "the\n"
    "         report). A path that is not valid UTF-8 is written as {\"bytes_hex\": \"HEX\"}, its\n"
    "         bytes in lowercase hex, so that no byte is lost; every other path is a string.\n"
    "Exit status: 0 on success, 1 if REPORT cannot be read or is not a report, 2 on bad usage.";

void add_options(CLI::App& app, ToolOptions& o) {
  app.description(
      "Prints a report written by roar-seccomp (or any roar tracer report in the same msgpack "
      "shape) as a readable table (default) or as JSON.");
  CLI::Option* json = app.add_flag_callback(
      "--json", [&o] { o.format = Format::kJson; }, "Print one JSON object mirroring the report");
  CLI::Option* table = app.add_flag_callback(
      "--table", [&o] { o.format = Format::kTable; }, "Print the readable table (the default)");
  json->excludes(table);
  app.add_option("--filter-prefix", o.filter_prefix,
                 "Keep only files whose path is DIR or lies below it (bytewise, whole "
                 "components); processes are all kept")
      ->type_name("DIR");
  app.add_option("report", o.report_path, "The msgpack report to print")
      ->required()
      ->type_name("REPORT");
  app.set_version_flag("--version", std::string(kProgram) + " " + kVersion);
  app.footer(kFooter);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string(kProgram) + ": " + e.what() + "\nRun with --help for more information.\n";
  });
}

int fail(const std::string& message) {
  std::cerr << kProgram << ": " << printable(message) << '\n';
  return kExitFailure;
}

int run(const ToolOptions& options) {
  const Result<std::string> bytes = read_whole_file(options.report_path);
  if (!bytes) {
    return fail(bytes.error().message());
  }
  Result<Report> report = decode_report(*bytes);
  if (!report) {
    return fail(options.report_path + ": " + report.error().context);
  }
  if (options.filter) {
    keep_files_under(*report, options.filter_prefix);
  }
  if (options.format == Format::kJson) {
    std::cout << render_json(*report);
  } else {
    print_table(std::cout, *report, options);
  }
  if (!std::cout.flush()) {
    return fail("writing to stdout failed");
  }
  return 0;
}

}  // namespace
}  // namespace roar::seccomp

int main(int argc, char** argv) {
  using namespace roar::seccomp;
  ToolOptions options;
  CLI::App app("", kProgram);
  add_options(app, options);
  if (const std::optional<int> status = parse_tool_args(app, argc, argv)) {
    return *status;
  }
  options.filter = app.count("--filter-prefix") > 0;
  return run(options);
}
