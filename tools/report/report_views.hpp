// The views of a report that roar-seccomp-report prints: table, JSON, HTML page, Graphviz DOT.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "roar/seccomp/report/json.hpp"
#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

struct ViewOptions {
  std::string source;                        // the report's file name, as given
  std::optional<std::string> filter_prefix;  // set when the files were filtered to this directory
};

// Header, one line per process, one line per file (see the tool's --help).
void print_table(std::ostream& out, const Report& report, const ViewOptions& options);

// One indented JSON object with the report's keys; ends with a line break.
std::string render_json(const Report& report);

// A path as JSON: a string when it is UTF-8, else {"bytes_hex": "..."} so that no byte is lost.
void json_path(JsonWriter& w, std::string_view path);

// One self-contained HTML page: summary, process tree, files table, lineage graph.
void print_html(std::ostream& out, const Report& report, const ViewOptions& options);

// The lineage as a Graphviz digraph: processes as boxes, files as ellipses, read and written
// edges, and each process's parent.
void print_dot(std::ostream& out, const Report& report, const ViewOptions& options);

}  // namespace roar::seccomp
