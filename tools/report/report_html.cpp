// The HTML view: one self-contained page (inline CSS and script, no network) over the report.
#include <algorithm>

#include "report_html_assets.hpp"
#include "report_lineage.hpp"
#include "report_text.hpp"
#include "report_views.hpp"
#include "roar/seccomp/report/json.hpp"
#include "roar/seccomp/util/version.hpp"

namespace roar::seccomp {
namespace {

// Text for HTML: printable() first (escaped bytes, never broken characters), then markup escaped.
std::string html(std::string_view bytes) {
  std::string out;
  for (const char c : printable(bytes)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The data the page's script renders, compact: actors [id, parent index or -1, command, is a
// thread], files [path, 1 read | 2 written, reader actor indices, writer actor indices]. Texts
// are printable() already. Inside <script>, "<" is written as \u003c so that no path can end
// the element.
std::string page_data(const Report& r) {
  const Lineage lineage = trace_lineage(r);
  JsonWriter w;
  w.begin_object();
  w.key("actors");
  w.begin_array();
  for (const Actor& a : lineage.actors) {
    w.begin_array();
    w.number(a.id);
    w.number(a.parent ? static_cast<std::int64_t>(*a.parent) : std::int64_t{-1});
    w.string(a.process ? printable_command(r.processes[*a.process].command) : std::string());
    w.number(a.process ? 0 : 1);
    w.end_array();
  }
  w.end_array();
  w.key("files");
  w.begin_array();
  for (std::size_t i = 0; i < r.files.size(); ++i) {
    const ReportFile& f = r.files[i];
    w.begin_array();
    w.string(printable(f.path));
    w.number((f.read ? 1 : 0) | (f.written ? 2 : 0));
    for (const auto* actors : {&lineage.readers[i], &lineage.writers[i]}) {
      w.begin_array();
      for (const std::size_t a : *actors) {
        w.number(static_cast<std::uint64_t>(a));
      }
      w.end_array();
    }
    w.end_array();
  }
  w.end_array();
  w.end_object();
  std::string json = std::move(w).finish();
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

void print_summary(std::ostream& out, const Report& r, const ViewOptions& options) {
  const auto read =
      std::count_if(r.files.begin(), r.files.end(), [](const ReportFile& f) { return f.read; });
  const auto written =
      std::count_if(r.files.begin(), r.files.end(), [](const ReportFile& f) { return f.written; });
  out << "<section id=\"summary\"><h2>Summary</h2>\n<dl class=\"summary\">\n"
      << "<dt>Duration</dt><dd id=\"duration\">" << seconds_text(r.end_time - r.start_time)
      << "</dd>\n<dt>Start</dt><dd>" << iso8601_utc(r.start_time) << "</dd>\n<dt>End</dt><dd>"
      << iso8601_utc(r.end_time) << "</dd>\n<dt>Complete</dt>";
  if (r.complete) {
    out << "<dd id=\"complete\" class=\"yes\">yes: no file I/O is known to be missing</dd>\n";
  } else {
    out << "<dd id=\"complete\" class=\"no\">no: some file I/O was certainly not observed "
           "(see the warnings)</dd>\n";
  }
  out << "<dt>Processes</dt><dd id=\"process-count\">" << r.processes.size() << "</dd>\n"
      << "<dt>Files</dt><dd id=\"file-count\">" << r.files.size() << " (" << read << " read, "
      << written << " written)";
  if (options.filter_prefix) {
    out << " under <code>" << html(*options.filter_prefix) << "</code>";
  }
  out << "</dd>\n<dt>Events dropped</dt><dd>" << r.events_dropped << "</dd>\n"
      << "<dt>Tracer</dt><dd>" << html(r.tracer_mode) << ", report version " << r.version
      << "</dd>\n</dl>\n<h3>Warnings (" << r.warnings.size() << ")</h3>\n";
  if (r.warnings.empty()) {
    out << "<p id=\"warnings\" class=\"none\">none</p>\n";
  } else {
    out << "<ul id=\"warnings\">\n";
    for (const std::string& warning : r.warnings) {
      out << "<li>" << html(warning) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "</section>\n";
}

}  // namespace

void print_html(std::ostream& out, const Report& r, const ViewOptions& options) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing may be loaded from anywhere: the page is whole as written.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"roar-seccomp-report " << kVersion << "\">\n"
      << "<title>roar-seccomp report: " << html(options.source) << "</title>\n<style>\n"
      << kReportPageCss << "</style>\n</head>\n<body>\n<header><h1>roar-seccomp report</h1>"
      << "<p class=\"source\"><code>" << html(options.source) << "</code></p></header>\n<main>\n";
  print_summary(out, r, options);
  out << "<noscript><p class=\"note\">The process tree, the files table and the lineage graph "
         "are drawn by the page's own script: allow scripts to see them.</p></noscript>\n"
      << "<section id=\"processes\"><h2>Processes</h2><div id=\"tree\"></div></section>\n"
      << "<section id=\"files\"><h2>Files</h2><div id=\"file-view\"></div></section>\n"
      << "<section id=\"lineage\"><h2>Lineage</h2><div id=\"graph\"></div></section>\n"
      << "</main>\n<script type=\"application/json\" id=\"report-data\">" << page_data(r)
      << "</script>\n<script>\n"
      << kReportPageJs << "</script>\n</body>\n</html>\n";
}

}  // namespace roar::seccomp
