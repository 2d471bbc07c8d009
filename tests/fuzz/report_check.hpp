// Round-trip checks of the report encoding shared by the fuzz targets.
//
// encode_report documents one lossy step: argv, environment, warning and tracer_mode strings
// that are not UTF-8 are made valid (U+FFFD) while paths keep every byte. So decoding an encoded
// report yields the report with those strings made valid (environment keys that become equal
// collapse into the first, as decode_report keeps the first of duplicate keys), and encoding that
// again must be exact.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::map<std::string, std::string> valid_env(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : env) {
    out.emplace(to_valid_utf8(key), to_valid_utf8(value));  // in encoding order; first wins
  }
  return out;
}

// What decode_report(encode_report(r)) should return.
inline Report as_encoded(const Report& r) {
  Report out = r;
  for (ReportProcess& p : out.processes) {
    for (std::string& arg : p.command) {
      arg = to_valid_utf8(arg);
    }
    p.env = valid_env(p.env);
  }
  out.env_accessed = valid_env(r.env_accessed);
  out.tracer_mode = to_valid_utf8(r.tracer_mode);
  for (std::string& w : out.warnings) {
    w = to_valid_utf8(w);
  }
  return out;
}

inline std::string shown(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(b));
      out += buf;
    }
  }
  return out + "\"";
}

inline bool same_double(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

// The first field where `a` and `b` differ, or "" if they are equal.
inline std::string first_difference(const Report& a, const Report& b) {
  std::ostringstream d;
  if (a.version != b.version)
    d << "version " << a.version << " != " << b.version;
  else if (!same_double(a.start_time, b.start_time))
    d << "start_time " << a.start_time << " != " << b.start_time;
  else if (!same_double(a.end_time, b.end_time))
    d << "end_time " << a.end_time << " != " << b.end_time;
  else if (a.tracer_mode != b.tracer_mode)
    d << "tracer_mode " << shown(a.tracer_mode) << " != " << shown(b.tracer_mode);
  else if (a.events_dropped != b.events_dropped)
    d << "events_dropped";
  else if (a.complete != b.complete)
    d << "complete";
  else if (a.warnings != b.warnings)
    d << "warnings (" << a.warnings.size() << " vs " << b.warnings.size() << ")";
  else if (a.env_accessed != b.env_accessed)
    d << "env_accessed (" << a.env_accessed.size() << " vs " << b.env_accessed.size()
      << " entries)";
  else if (a.processes.size() != b.processes.size())
    d << "number of processes " << a.processes.size() << " != " << b.processes.size();
  else if (a.files.size() != b.files.size())
    d << "number of files " << a.files.size() << " != " << b.files.size();
  if (!d.str().empty()) {
    return d.str();
  }
  for (std::size_t i = 0; i < a.processes.size(); ++i) {
    const ReportProcess& x = a.processes[i];
    const ReportProcess& y = b.processes[i];
    if (x.pid != y.pid)
      d << "processes[" << i << "].pid " << x.pid << " != " << y.pid;
    else if (x.parent_pid != y.parent_pid)
      d << "processes[" << i << "].parent_pid";
    else if (x.command != y.command)
      d << "processes[" << i << "].command";
    else if (x.env != y.env)
      d << "processes[" << i << "].env (" << x.env.size() << " vs " << y.env.size() << " entries)";
    if (!d.str().empty()) {
      return d.str();
    }
  }
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    const ReportFile& x = a.files[i];
    const ReportFile& y = b.files[i];
    if (x.path != y.path)
      d << "files[" << i << "].path " << shown(x.path) << " != " << shown(y.path);
    else if (x.read != y.read)
      d << "files[" << i << "].read";
    else if (x.written != y.written)
      d << "files[" << i << "].written";
    else if (x.read_threads != y.read_threads)
      d << "files[" << i << "].read_threads";
    else if (x.written_threads != y.written_threads)
      d << "files[" << i << "].written_threads";
    if (!d.str().empty()) {
      return d.str();
    }
  }
  return "";
}

// Encodes `r`, decodes it, and checks that nothing but the documented UTF-8 repair changed and
// that a second round trip is exact. Returns the decoded report.
inline Report expect_round_trip(const Report& r, const char* what) {
  const std::string bytes = encode_report(r);
  Result<Report> decoded = decode_report(bytes);
  if (!decoded) {
    finding(std::string(what) +
            ": decode_report(encode_report(report)) failed: " + decoded.error().context);
  }
  if (const std::string diff = first_difference(*decoded, as_encoded(r)); !diff.empty()) {
    finding(std::string(what) + ": the encoded report decodes differently: " + diff);
  }
  const std::string again = encode_report(*decoded);
  Result<Report> redecoded = decode_report(again);
  if (!redecoded) {
    finding(std::string(what) +
            ": a decoded report does not decode again: " + redecoded.error().context);
  }
  if (const std::string diff = first_difference(*redecoded, *decoded); !diff.empty()) {
    finding(std::string(what) + ": a second round trip changed the report: " + diff);
  }
  if (again != bytes && first_difference(as_encoded(r), r).empty()) {
    finding(std::string(what) + ": a report with valid UTF-8 strings encodes differently twice");
  }
  return std::move(decoded.value());
}

}  // namespace roar::seccomp::fuzz
