// The JSON view: the report's keys and nesting as JSON, paths that are not UTF-8 as bytes_hex.
#include <utility>

#include "report_text.hpp"
#include "report_views.hpp"
#include "roar/seccomp/report/report_layout.hpp"

namespace roar::seccomp {
namespace {

// write_report's output as indented JSON.
class JsonOut {
 public:
  void begin_map(std::size_t) { w_.begin_object(); }
  void end_map() { w_.end_object(); }
  void begin_array(std::size_t) { w_.begin_array(); }
  void end_array() { w_.end_array(); }
  void key(std::string_view name) { w_.key(name); }
  void entry(std::string_view name) { w_.key(name); }
  void text(std::string_view s) { w_.string(s); }
  void path(std::string_view p) { json_path(w_, p); }
  void integer(int v) { w_.number(v); }
  void integer(std::uint64_t v) { w_.number(v); }
  void real(double v) { w_.real(v); }
  void boolean(bool v) { w_.boolean(v); }
  void nil() { w_.null(); }
  [[nodiscard]] std::string finish() && { return std::move(w_).finish() + '\n'; }

 private:
  JsonWriter w_{JsonWriter::Layout::kIndented};
};

}  // namespace

void json_path(JsonWriter& w, std::string_view path) {
  if (is_valid_utf8(path)) {
    w.string(path);
    return;
  }
  // On one line, as a string path would be.
  std::string text = "{\"bytes_hex\": \"";
  text += hex_bytes(path);
  text += "\"}";
  w.raw(text);
}

std::string render_json(const Report& report) {
  JsonOut out;
  write_report(report, out);
  return std::move(out).finish();
}

}  // namespace roar::seccomp
