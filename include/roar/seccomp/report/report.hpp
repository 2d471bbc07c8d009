// The report roar reads: its data model and its msgpack encoding (README "The report").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roar/seccomp/report/utf8.hpp"
#include "roar/seccomp/util/error.hpp"

namespace roar::seccomp {

struct ReportProcess {
  int pid = 0;
  std::optional<int> parent_pid;     // nil for the root only
  std::vector<std::string> command;  // argv of the last successful exec
  std::map<std::string, std::string> env;
};

struct ReportFile {
  std::string path;  // bytes; written as msgpack str when valid UTF-8, else as bin
  bool read = false;
  bool written = false;
  std::vector<int> read_threads;
  std::vector<int> written_threads;
};

struct Report {
  int version = 1;
  std::vector<ReportProcess> processes;  // sorted by pid
  std::vector<ReportFile> files;         // sorted by path, bytewise
  std::map<std::string, std::string> env_accessed;
  double start_time = 0;
  double end_time = 0;
  std::string tracer_mode = "seccomp";
  std::uint64_t events_dropped = 0;
  bool complete = true;               // extra key: false if some I/O was certainly not observed
  std::vector<std::string> warnings;  // extra key: what could not be observed
};

// One msgpack map with string keys, in roar's field order. Empty optional lists are omitted,
// as roar's own tracers do; argv and environment strings that are not UTF-8 are made valid
// (U+FFFD), paths that are not are written as bin so that no byte is lost.
std::string encode_report(const Report& report);

// Reads a report back (tools and tests); accepts str or bin paths.
Result<Report> decode_report(std::string_view bytes);

}  // namespace roar::seccomp
