// The table view: a header, one line per process and one line per file, for a terminal.
#include "report_text.hpp"
#include "report_views.hpp"

namespace roar::seccomp {
namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

std::string join_ints(const std::vector<int>& values) {
  std::string out;
  for (const int v : values) {
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(v);
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
  return argv.empty() ? std::string("-") : printable_command(argv);
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
    out += "  r=";
    out += join_ints(f.read_threads);
  }
  if (!f.written_threads.empty()) {
    out += "  w=";
    out += join_ints(f.written_threads);
  }
  return out;
}

void print_files(std::ostream& out, const Report& r, const ViewOptions& options) {
  out << "\nfiles (" << r.files.size();
  if (options.filter_prefix) {
    out << " under " << printable(*options.filter_prefix);
  }
  out << "):\n";
  for (const ReportFile& f : r.files) {
    out << "  " << flags(f) << "  " << printable(f.path) << thread_columns(f) << '\n';
  }
}

}  // namespace

void print_table(std::ostream& out, const Report& r, const ViewOptions& options) {
  print_header(out, r);
  print_processes(out, r);
  print_files(out, r, options);
}

}  // namespace roar::seccomp
