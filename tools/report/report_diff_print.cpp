// The diff view's two renderings: a table for people and JSON for scripts.
#include <utility>

#include "report_diff.hpp"
#include "report_text.hpp"
#include "report_views.hpp"
#include "roar/seccomp/report/json.hpp"

namespace roar::seccomp {
namespace {

std::string process_line(const DiffProcess& p) {
  std::string out = std::to_string(p.pid);
  out += " (parent ";
  out += p.parent_pid ? std::to_string(*p.parent_pid) : std::string("-");
  out += "): ";
  out += p.command.empty() ? std::string("-") : printable_command(p.command);
  return out;
}

void section(std::ostream& out, const char* title, const std::vector<std::string>& lines,
             const char* mark) {
  out << title << " (" << lines.size() << "):\n";
  for (const std::string& line : lines) {
    out << "  " << mark << ' ' << line << '\n';
  }
}

std::vector<std::string> printable_all(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const std::string& item : items) {
    out.push_back(printable(item));
  }
  return out;
}

std::vector<std::string> process_lines(const std::vector<DiffProcess>& processes) {
  std::vector<std::string> out;
  out.reserve(processes.size());
  for (const DiffProcess& p : processes) {
    out.push_back(process_line(p));
  }
  return out;
}

void json_paths(JsonWriter& w, const std::vector<std::string>& paths) {
  w.begin_array();
  for (const std::string& path : paths) {
    json_path(w, path);
  }
  w.end_array();
}

void json_added_removed(JsonWriter& w, const char* key, const std::vector<std::string>& added,
                        const std::vector<std::string>& removed, bool are_paths) {
  w.key(key);
  w.begin_object();
  for (const auto& [name, items] : {std::pair{"added", &added}, std::pair{"removed", &removed}}) {
    w.key(name);
    if (are_paths) {
      json_paths(w, *items);
      continue;
    }
    w.begin_array();
    for (const std::string& item : *items) {
      w.string(item);
    }
    w.end_array();
  }
  w.end_object();
}

void json_process(JsonWriter& w, const DiffProcess& p) {
  w.begin_object();
  w.key("pid");
  w.number(p.pid);
  w.key("parent_pid");
  if (p.parent_pid) {
    w.number(*p.parent_pid);
  } else {
    w.null();
  }
  w.key("command");
  w.begin_array();
  for (const std::string& arg : p.command) {
    w.string(arg);
  }
  w.end_array();
  w.end_object();
}

void json_processes(JsonWriter& w, const char* key, const std::vector<DiffProcess>& processes) {
  w.key(key);
  w.begin_array();
  for (const DiffProcess& p : processes) {
    json_process(w, p);
  }
  w.end_array();
}

}  // namespace

void print_diff_table(std::ostream& out, const ReportDiff& d, const DiffNames& names) {
  out << "old: " << printable(names.old_source) << '\n'
      << "new: " << printable(names.new_source) << '\n'
      << "same: " << (d.same() ? "yes" : "no") << "\n\n";
  section(out, "inputs added", printable_all(d.inputs_added), "+");
  section(out, "inputs removed", printable_all(d.inputs_removed), "-");
  section(out, "outputs added", printable_all(d.outputs_added), "+");
  section(out, "outputs removed", printable_all(d.outputs_removed), "-");
  out << "processes whose command changed (" << d.commands_changed.size() << "):\n";
  for (const auto& [before, after] : d.commands_changed) {
    out << "  - " << process_line(before) << "\n  + " << process_line(after) << '\n';
  }
  section(out, "processes added", process_lines(d.processes_added), "+");
  section(out, "processes removed", process_lines(d.processes_removed), "-");
  section(out, "warnings added", printable_all(d.warnings_added), "+");
  section(out, "warnings removed", printable_all(d.warnings_removed), "-");
  out << "complete: " << (d.old_complete ? "yes" : "no") << " -> "
      << (d.new_complete ? "yes" : "no") << '\n';
}

std::string render_diff_json(const ReportDiff& d, const DiffNames& names) {
  JsonWriter w(JsonWriter::Layout::kIndented);
  w.begin_object();
  w.key("old");
  w.string(names.old_source);
  w.key("new");
  w.string(names.new_source);
  w.key("same");
  w.boolean(d.same());
  json_added_removed(w, "inputs", d.inputs_added, d.inputs_removed, true);
  json_added_removed(w, "outputs", d.outputs_added, d.outputs_removed, true);
  w.key("processes");
  w.begin_object();
  w.key("command_changed");
  w.begin_array();
  for (const auto& [before, after] : d.commands_changed) {
    w.begin_object();
    w.key("old");
    json_process(w, before);
    w.key("new");
    json_process(w, after);
    w.end_object();
  }
  w.end_array();
  json_processes(w, "added", d.processes_added);
  json_processes(w, "removed", d.processes_removed);
  w.end_object();
  json_added_removed(w, "warnings", d.warnings_added, d.warnings_removed, false);
  w.key("complete");
  w.begin_object();
  w.key("old");
  w.boolean(d.old_complete);
  w.key("new");
  w.boolean(d.new_complete);
  w.end_object();
  w.end_object();
  return std::move(w).finish() + '\n';
}

}  // namespace roar::seccomp
