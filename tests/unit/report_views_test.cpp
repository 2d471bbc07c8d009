// Tests of the report tool's pure parts: escaping, shortening, path prefixes, lineage, diff
// matching.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "report_diff.hpp"
#include "report_lineage.hpp"
#include "report_text.hpp"

namespace roar::seccomp {
namespace {

ReportProcess proc(int pid, std::optional<int> parent, std::vector<std::string> argv) {
  return ReportProcess{pid, parent, std::move(argv), {}};
}

std::vector<std::vector<std::string>> commands(const std::vector<DiffProcess>& processes) {
  std::vector<std::vector<std::string>> out;
  for (const DiffProcess& p : processes) {
    out.push_back(p.command);
  }
  return out;
}

}  // namespace

TEST_CASE("printable: distinct byte strings stay distinct, and nothing is broken") {
  CHECK(printable("/a b/c.txt") == "/a b/c.txt");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("back\\slash") == "back\\\\slash");
  CHECK(printable(std::string("nl\n\x7f\xff", 5)) == "nl\\x0a\\x7f\\xff");
  CHECK(printable("\xe2\x80\xae") == "\\xe2\\x80\\xae");  // right-to-left override
  CHECK(printable("\xc3") == "\\xc3");                    // a sequence cut short
  CHECK(printable("\\xff") != printable("\xff"));
}

TEST_CASE("shorten cuts between characters and escapes only") {
  CHECK(shorten("abcdef", 6) == "abcdef");
  CHECK(shorten("abcdefg", 6) == "abc...");
  CHECK(shorten("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4) == "\xc3\xa9...");
  CHECK(shorten(printable("a\xff\xff\xff\xff\xff"), 5) == "a\\xff...");
  CHECK(shorten(printable("\\\\\\\\\\\\"), 4) == "\\\\...");
}

TEST_CASE("is_under compares whole components") {
  CHECK(is_under("/a/b/c", "/a/b"));
  CHECK(is_under("/a/b", "/a/b/"));
  CHECK(is_under("/a/b", "/a/b"));
  CHECK_FALSE(is_under("/a/bc", "/a/b"));
  CHECK(is_under("/x", "/"));
  CHECK(is_under("/x", "//"));
}

TEST_CASE("trace_lineage: threads map to processes by pid, other threads stand alone") {
  Report r;
  r.processes = {proc(10, std::nullopt, {"sh"}), proc(11, 10, {"cc"}), proc(11, 10, {"reused"})};
  r.files = {ReportFile{"/in", true, false, {11, 11, 99}, {}},
             ReportFile{"/out", false, true, {}, {12, 10}}};
  const Lineage l = trace_lineage(r);
  REQUIRE(l.actors.size() == 5);
  CHECK(l.actors[3].id == 12);
  CHECK(l.actors[4].id == 99);
  CHECK_FALSE(l.actors[3].process.has_value());
  CHECK(l.actors[1].parent == std::optional<std::size_t>(0));
  CHECK(l.readers[0] == std::vector<std::size_t>{1, 4});  // the first process with pid 11
  CHECK(l.writers[1] == std::vector<std::size_t>{0, 3});
}

TEST_CASE("diff_reports: siblings pair by argv, then by program, then in pid order") {
  Report before;
  before.processes = {proc(1, std::nullopt, {"make"}), proc(2, 1, {"cc", "a.c"}),
                      proc(3, 1, {"cc", "b.c"}), proc(4, 1, {"ld", "x"}), proc(5, 4, {"as"})};
  Report after;
  after.processes = {proc(7, std::nullopt, {"make"}), proc(8, 7, {"ld", "y"}),
                     proc(9, 7, {"cc", "b.c"}), proc(10, 7, {"cc", "c.c"}), proc(11, 7, {"strip"})};
  const ReportDiff d = diff_reports(before, after);
  REQUIRE(d.commands_changed.size() == 2);
  CHECK(d.commands_changed[0].first.command == std::vector<std::string>{"cc", "a.c"});
  CHECK(d.commands_changed[0].second.command == std::vector<std::string>{"cc", "c.c"});
  CHECK(d.commands_changed[1].first.command == std::vector<std::string>{"ld", "x"});
  CHECK(d.commands_changed[1].second.command == std::vector<std::string>{"ld", "y"});
  CHECK(commands(d.processes_added) == std::vector<std::vector<std::string>>{{"strip"}});
  CHECK(commands(d.processes_removed) == std::vector<std::vector<std::string>>{{"as"}});
  CHECK_FALSE(d.same());
  CHECK(diff_reports(before, before).same());
}

TEST_CASE("diff_reports: inputs and outputs added and removed, bytewise") {
  Report before;
  before.files = {ReportFile{"/a", true, false, {1}, {}}, ReportFile{"/b", true, true, {1}, {1}},
                  ReportFile{std::string("/\xff"), false, true, {}, {1}}};
  Report after;
  after.files = {ReportFile{"/a", true, true, {1}, {1}}, ReportFile{"/c", true, false, {1}, {}}};
  after.complete = false;
  const ReportDiff d = diff_reports(before, after);
  CHECK(d.inputs_added == std::vector<std::string>{"/c"});
  CHECK(d.inputs_removed == std::vector<std::string>{"/b"});
  CHECK(d.outputs_added == std::vector<std::string>{"/a"});
  CHECK(d.outputs_removed == std::vector<std::string>{"/b", std::string("/\xff")});
  CHECK(d.old_complete);
  CHECK_FALSE(d.new_complete);
}

}  // namespace roar::seccomp
