// The report's keys, their order and when each is left out: one definition for every encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// Walks `r` in roar's field order (the order rmp_serde writes TracerReport), calling on `out`:
//   begin_map(n), end_map(), begin_array(n), end_array()   n: the number of entries that follow
//   key(name)         one of the report's own key names
//   entry(name)       an environment variable's name (any bytes, like text)
//   text(s)           argv, environment values, warnings, tracer_mode: any bytes
//   path(s)           a path: any bytes, which the encoding must keep losslessly
//   integer(v)        int or std::uint64_t
//   real(d), boolean(b), nil()
// Left out when empty: the files' read_threads and written_threads, opened_files, read_files,
// written_files, env_accessed, warnings (as roar's own tracers omit empty lists and maps).
// Always present: version, processes, files, start_time, end_time, tracer_mode, events_dropped,
// complete; parent_pid is nil for the root.
template <typename Out>
void write_report(const Report& r, Out& out);

namespace report_layout {

template <typename Out>
void env(Out& out, const std::map<std::string, std::string>& vars) {
  out.begin_map(vars.size());
  for (const auto& [name, value] : vars) {
    out.entry(name);
    out.text(value);
  }
  out.end_map();
}

template <typename Out>
void ints(Out& out, const std::vector<int>& values) {
  out.begin_array(values.size());
  for (const int v : values) {
    out.integer(v);
  }
  out.end_array();
}

template <typename Out>
void process(Out& out, const ReportProcess& p) {
  out.begin_map(4);
  out.key("pid");
  out.integer(p.pid);
  out.key("parent_pid");
  if (p.parent_pid) {
    out.integer(*p.parent_pid);
  } else {
    out.nil();
  }
  out.key("command");
  out.begin_array(p.command.size());
  for (const std::string& arg : p.command) {
    out.text(arg);
  }
  out.end_array();
  out.key("env");
  env(out, p.env);
  out.end_map();
}

template <typename Out>
void file(Out& out, const ReportFile& f) {
  const bool threads_r = !f.read_threads.empty();
  const bool threads_w = !f.written_threads.empty();
  out.begin_map(3 + (threads_r ? 1U : 0U) + (threads_w ? 1U : 0U));
  out.key("path");
  out.path(f.path);
  out.key("read");
  out.boolean(f.read);
  out.key("written");
  out.boolean(f.written);
  if (threads_r) {
    out.key("read_threads");
    ints(out, f.read_threads);
  }
  if (threads_w) {
    out.key("written_threads");
    ints(out, f.written_threads);
  }
  out.end_map();
}

// opened_files, read_files, written_files: the paths of `files` that `selected` picks.
template <typename Out, typename Pred>
void path_list(Out& out, std::string_view key, const Report& r, std::size_t count, Pred selected) {
  if (count == 0) {
    return;
  }
  out.key(key);
  out.begin_array(count);
  for (const ReportFile& f : r.files) {
    if (selected(f)) {
      out.path(f.path);
    }
  }
  out.end_array();
}

}  // namespace report_layout

template <typename Out>
void write_report(const Report& r, Out& out) {
  std::size_t read = 0;
  std::size_t written = 0;
  for (const ReportFile& f : r.files) {
    read += f.read ? 1U : 0U;
    written += f.written ? 1U : 0U;
  }
  // version processes files start_time end_time tracer_mode events_dropped complete
  std::size_t keys = 8;
  keys += (r.files.empty() ? 0U : 1U) + (read == 0 ? 0U : 1U) + (written == 0 ? 0U : 1U);
  keys += (r.env_accessed.empty() ? 0U : 1U) + (r.warnings.empty() ? 0U : 1U);
  out.begin_map(keys);

  out.key("version");
  out.integer(r.version);
  out.key("processes");
  out.begin_array(r.processes.size());
  for (const ReportProcess& p : r.processes) {
    report_layout::process(out, p);
  }
  out.end_array();
  out.key("files");
  out.begin_array(r.files.size());
  for (const ReportFile& f : r.files) {
    report_layout::file(out, f);
  }
  out.end_array();
  report_layout::path_list(out, "opened_files", r, r.files.size(),
                           [](const ReportFile&) { return true; });
  report_layout::path_list(out, "read_files", r, read, [](const ReportFile& f) { return f.read; });
  report_layout::path_list(out, "written_files", r, written,
                           [](const ReportFile& f) { return f.written; });
  if (!r.env_accessed.empty()) {
    out.key("env_accessed");
    report_layout::env(out, r.env_accessed);
  }
  out.key("start_time");
  out.real(r.start_time);
  out.key("end_time");
  out.real(r.end_time);
  out.key("tracer_mode");
  out.text(r.tracer_mode);
  out.key("events_dropped");
  out.integer(r.events_dropped);
  out.key("complete");
  out.boolean(r.complete);
  if (!r.warnings.empty()) {
    out.key("warnings");
    out.begin_array(r.warnings.size());
    for (const std::string& warning : r.warnings) {
      out.text(warning);
    }
    out.end_array();
  }
  out.end_map();
}

}  // namespace roar::seccomp
