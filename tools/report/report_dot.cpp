// The DOT view: the lineage (files read -> process -> files written) as a Graphviz digraph.
#include <set>

#include "report_lineage.hpp"
#include "report_text.hpp"
#include "report_views.hpp"

namespace roar::seccomp {
namespace {

// Longer commands would make boxes wider than a page; the HTML view shows them whole.
constexpr std::size_t kMaxCommandChars = 60;
constexpr const char* kReadColor = "#2563eb";
constexpr const char* kWrittenColor = "#dc2626";

// printable() text as a DOT string literal: a backslash or quote is escaped once more, so that
// the rendered label shows exactly the printable() text; a line break (only ours: printable()
// escapes those of the data) becomes DOT's \n.
std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    out += c;
  }
  return out + '"';
}

std::string command_text(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string("-") : shorten(printable_command(argv), kMaxCommandChars);
}

// p<index in the report's processes>, or t<index among the actors> for a thread: DOT ids, which
// a report's own numbers (negative ones included) could not always be.
std::string node_id(const Lineage& lineage, std::size_t actor) {
  const Actor& a = lineage.actors[actor];
  std::string id(1, a.process ? 'p' : 't');
  id += std::to_string(a.process ? *a.process : actor);
  return id;
}

// The actors to draw: every process, or with a path filter those that read or wrote a file kept
// and their ancestors.
std::vector<bool> shown_actors(const Report& report, const Lineage& lineage, bool filtered) {
  std::vector<bool> shown(lineage.actors.size(), !filtered);
  for (std::size_t f = 0; filtered && f < report.files.size(); ++f) {
    for (const auto* list : {&lineage.readers[f], &lineage.writers[f]}) {
      for (std::size_t a : *list) {
        for (std::optional<std::size_t> at = a; at && !shown[*at];
             at = lineage.actors[*at].parent) {
          shown[*at] = true;
        }
      }
    }
  }
  return shown;
}

}  // namespace

void print_dot(std::ostream& out, const Report& report, const ViewOptions& options) {
  const Lineage lineage = trace_lineage(report);
  const std::vector<bool> shown = shown_actors(report, lineage, options.filter_prefix.has_value());
  out << "// roar-seccomp-report --dot ";
  if (options.filter_prefix) {
    out << "--filter-prefix " << printable(*options.filter_prefix) << ' ';
  }
  out << printable(options.source) << "\ndigraph lineage {\n"
      << "  graph [rankdir=LR];\n"
      << "  node [fontname=\"monospace\", fontsize=10];\n";
  for (std::size_t a = 0; a < lineage.actors.size(); ++a) {
    if (!shown[a]) {
      continue;
    }
    const Actor& actor = lineage.actors[a];
    std::string label = actor.process ? "" : "thread ";
    label += std::to_string(actor.id);
    label += '\n';
    label += actor.process ? command_text(report.processes[*actor.process].command)
                           : "(not a process's pid)";
    out << "  " << node_id(lineage, a) << " [shape=box, " << (actor.process ? "" : "style=dashed, ")
        << "label=" << dot_quote(label) << "];\n";
  }
  for (std::size_t f = 0; f < report.files.size(); ++f) {
    const ReportFile& file = report.files[f];
    if (file.read || file.written) {
      out << "  f" << f << " [shape=ellipse, label=" << dot_quote(printable(file.path)) << "];\n";
    }
  }
  for (std::size_t a = 0; a < lineage.actors.size(); ++a) {
    const std::optional<std::size_t> parent = lineage.actors[a].parent;
    if (shown[a] && parent && shown[*parent]) {
      out << "  " << node_id(lineage, *parent) << " -> " << node_id(lineage, a)
          << " [class=\"child\", style=dashed, color=\"#888888\"];\n";
    }
  }
  for (std::size_t f = 0; f < report.files.size(); ++f) {
    for (const std::size_t a : lineage.readers[f]) {
      out << "  f" << f << " -> " << node_id(lineage, a) << " [class=\"read\", color=\""
          << kReadColor << "\"];\n";
    }
    for (const std::size_t a : lineage.writers[f]) {
      out << "  " << node_id(lineage, a) << " -> f" << f << " [class=\"written\", color=\""
          << kWrittenColor << "\"];\n";
    }
  }
  out << "}\n";
}

}  // namespace roar::seccomp
