// Tests of the msgpack report: round trip, and the raw encoding roar's Python decoder depends on.
#include "roar/seccomp/report/report.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <msgpack.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace roar::seccomp {
namespace {

const std::string kBadPath = std::string("/bad") + '\xff';
const std::string kBadArg = std::string("a") + '\xff';

Report full_report() {
  Report r;
  r.processes.push_back(ReportProcess{10, std::nullopt, {"cmd", kBadArg}, {{"K", "V"}}});
  r.processes.push_back(ReportProcess{11, 10, {"child"}, {}});
  r.files.push_back(ReportFile{kBadPath, true, false, {11}, {}});
  r.files.push_back(ReportFile{"/in", true, false, {10, 11}, {}});
  r.files.push_back(ReportFile{"/opened", false, false, {}, {}});
  r.files.push_back(ReportFile{"/out", false, true, {}, {10}});
  r.env_accessed = {{"K", "V"}};
  r.start_time = 1700000000.5;
  r.end_time = 1700000002.25;
  r.warnings = {"something was not observed"};
  return r;
}

std::string key_of(const msgpack::object_kv& kv) {
  REQUIRE(kv.key.type == msgpack::type::STR);
  return std::string(kv.key.via.str.ptr, kv.key.via.str.size);
}

std::vector<std::string> keys(const msgpack::object& map) {
  REQUIRE(map.type == msgpack::type::MAP);
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    out.push_back(key_of(map.via.map.ptr[i]));
  }
  return out;
}

const msgpack::object& at(const msgpack::object& map, std::string_view key) {
  REQUIRE(map.type == msgpack::type::MAP);
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    if (key_of(map.via.map.ptr[i]) == key) {
      return map.via.map.ptr[i].val;
    }
  }
  FAIL("no key " << std::string(key));
  throw std::logic_error("unreachable");
}

using Packer = msgpack::packer<msgpack::sbuffer>;

// A map whose only key `key` holds what `value` packs.
std::string report_with(const char* key, const std::function<void(Packer&)>& value) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  pk.pack_map(1);
  pk.pack(std::string(key));
  value(pk);
  return std::string(buffer.data(), buffer.size());
}

// Decodes in a child process, so that a crash fails this check rather than ending the test run.
bool rejected_without_crashing(const std::string& bytes) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // doctest's crash handlers would report a second test run from the child.
    for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) {
      signal(sig, SIG_DFL);
    }
    _exit(decode_report(bytes).ok() ? 1 : 0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string str_of(const msgpack::object& o) {
  REQUIRE(o.type == msgpack::type::STR);
  return std::string(o.via.str.ptr, o.via.str.size);
}

}  // namespace

TEST_CASE("encode_report: top-level keys in roar's order") {
  SUBCASE("every key present") {
    const std::string bytes = encode_report(full_report());
    const msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    CHECK(keys(h.get()) == std::vector<std::string>{"version", "processes", "files", "opened_files",
                                                    "read_files", "written_files", "env_accessed",
                                                    "start_time", "end_time", "tracer_mode",
                                                    "events_dropped", "complete", "warnings"});
  }
  SUBCASE("empty lists and maps are omitted") {
    Report r;
    r.processes.push_back(ReportProcess{10, std::nullopt, {"true"}, {}});
    const std::string bytes = encode_report(r);
    const msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    CHECK(keys(h.get()) == std::vector<std::string>{"version", "processes", "files", "start_time",
                                                    "end_time", "tracer_mode", "events_dropped",
                                                    "complete"});
    CHECK(at(h.get(), "files").via.array.size == 0);
  }
  SUBCASE("only read files: no written_files key") {
    Report r;
    r.files.push_back(ReportFile{"/in", true, false, {1}, {}});
    const std::string bytes = encode_report(r);
    const msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    const std::vector<std::string> k = keys(h.get());
    CHECK(std::find(k.begin(), k.end(), "read_files") != k.end());
    CHECK(std::find(k.begin(), k.end(), "written_files") == k.end());
  }
}

TEST_CASE("encode_report: values and their msgpack types") {
  const std::string bytes = encode_report(full_report());
  const msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
  const msgpack::object& root = h.get();

  CHECK(at(root, "version").as<int>() == 1);
  CHECK(str_of(at(root, "tracer_mode")) == "seccomp");
  CHECK(at(root, "events_dropped").type == msgpack::type::POSITIVE_INTEGER);
  CHECK(at(root, "events_dropped").as<std::uint64_t>() == 0);
  // Documented extra key: roar ignores it, tools read it.
  CHECK(at(root, "complete").type == msgpack::type::BOOLEAN);
  CHECK(at(root, "complete").as<bool>());

  SUBCASE("times are float64") {
    CHECK(at(root, "start_time").type == msgpack::type::FLOAT64);
    CHECK(at(root, "end_time").type == msgpack::type::FLOAT64);
    CHECK(at(root, "start_time").as<double>() == 1700000000.5);
    // The encoder picks the format byte: 0xcb is float64, 0xca would be float32.
    const std::string key = std::string("\xaa") + "start_time";
    const std::size_t pos = bytes.find(key);
    REQUIRE(pos != std::string::npos);
    CHECK(static_cast<unsigned char>(bytes.at(pos + key.size())) == 0xcb);
  }
  SUBCASE("processes: parent_pid nil for the root, argv made valid UTF-8") {
    const msgpack::object& procs = at(root, "processes");
    REQUIRE(procs.type == msgpack::type::ARRAY);
    REQUIRE(procs.via.array.size == 2);
    const msgpack::object& p0 = procs.via.array.ptr[0];
    const msgpack::object& p1 = procs.via.array.ptr[1];
    CHECK(keys(p0) == std::vector<std::string>{"pid", "parent_pid", "command", "env"});
    CHECK(at(p0, "pid").as<int>() == 10);
    CHECK(at(p0, "parent_pid").type == msgpack::type::NIL);
    CHECK(at(p1, "parent_pid").as<int>() == 10);
    const msgpack::object& argv = at(p0, "command");
    REQUIRE(argv.via.array.size == 2);
    CHECK(str_of(argv.via.array.ptr[1]) == "a\xef\xbf\xbd");
    CHECK(str_of(at(at(p0, "env"), "K")) == "V");
    CHECK(at(p1, "env").type == msgpack::type::MAP);
  }
  SUBCASE("files: str when UTF-8, bin when not; thread lists only when non-empty") {
    const msgpack::object& files = at(root, "files");
    REQUIRE(files.via.array.size == 4);
    const msgpack::object& bad = files.via.array.ptr[0];
    REQUIRE(at(bad, "path").type == msgpack::type::BIN);
    CHECK(std::string(at(bad, "path").via.bin.ptr, at(bad, "path").via.bin.size) == kBadPath);
    CHECK(keys(bad) == std::vector<std::string>{"path", "read", "written", "read_threads"});
    const msgpack::object& in = files.via.array.ptr[1];
    CHECK(str_of(at(in, "path")) == "/in");
    CHECK(at(in, "read").type == msgpack::type::BOOLEAN);
    CHECK(at(in, "read").as<bool>());
    CHECK_FALSE(at(in, "written").as<bool>());
    CHECK(at(in, "read_threads").as<std::vector<int>>() == std::vector<int>{10, 11});
    const msgpack::object& opened = files.via.array.ptr[2];
    CHECK(keys(opened) == std::vector<std::string>{"path", "read", "written"});
    const msgpack::object& out = files.via.array.ptr[3];
    CHECK(keys(out) == std::vector<std::string>{"path", "read", "written", "written_threads"});
  }
  SUBCASE("the path lists agree with files") {
    const msgpack::object& opened = at(root, "opened_files");
    const msgpack::object& read = at(root, "read_files");
    const msgpack::object& written = at(root, "written_files");
    REQUIRE(opened.via.array.size == 4);
    CHECK(opened.via.array.ptr[0].type == msgpack::type::BIN);
    CHECK(str_of(opened.via.array.ptr[2]) == "/opened");
    REQUIRE(read.via.array.size == 2);
    CHECK(read.via.array.ptr[0].type == msgpack::type::BIN);
    CHECK(str_of(read.via.array.ptr[1]) == "/in");
    REQUIRE(written.via.array.size == 1);
    CHECK(str_of(written.via.array.ptr[0]) == "/out");
  }
  SUBCASE("env_accessed and warnings") {
    CHECK(str_of(at(at(root, "env_accessed"), "K")) == "V");
    const msgpack::object& w = at(root, "warnings");
    REQUIRE(w.via.array.size == 1);
    CHECK(str_of(w.via.array.ptr[0]) == "something was not observed");
  }
}

TEST_CASE("encode_report/decode_report round trip") {
  const Report in = full_report();
  const Result<Report> out = decode_report(encode_report(in));
  REQUIRE(out.ok());
  CHECK(out->version == 1);
  CHECK(out->start_time == in.start_time);
  CHECK(out->end_time == in.end_time);
  CHECK(out->tracer_mode == "seccomp");
  CHECK(out->events_dropped == 0);
  CHECK(out->complete);
  CHECK(out->env_accessed == in.env_accessed);
  CHECK(out->warnings == in.warnings);
  REQUIRE(out->processes.size() == 2);
  CHECK(out->processes[0].pid == 10);
  CHECK_FALSE(out->processes[0].parent_pid.has_value());
  CHECK(out->processes[1].parent_pid == std::optional<int>(10));
  CHECK(out->processes[0].command == std::vector<std::string>{"cmd", "a\xef\xbf\xbd"});
  CHECK(out->processes[0].env == in.processes[0].env);
  REQUIRE(out->files.size() == in.files.size());
  for (std::size_t i = 0; i < in.files.size(); ++i) {
    CAPTURE(i);
    // Paths are bytes and come back byte for byte, bin or not.
    CHECK(out->files[i].path == in.files[i].path);
    CHECK(out->files[i].read == in.files[i].read);
    CHECK(out->files[i].written == in.files[i].written);
    CHECK(out->files[i].read_threads == in.files[i].read_threads);
    CHECK(out->files[i].written_threads == in.files[i].written_threads);
  }
}

TEST_CASE("encode_report: an incomplete report says so") {
  Report r = full_report();
  r.complete = false;
  const std::string bytes = encode_report(r);
  const msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
  CHECK_FALSE(at(h.get(), "complete").as<bool>());
  const Result<Report> back = decode_report(bytes);
  REQUIRE(back.ok());
  CHECK_FALSE(back->complete);
}

TEST_CASE("decode_report rejects what is not a report") {
  CHECK_FALSE(decode_report("").ok());
  CHECK_FALSE(decode_report("\xc1").ok());  // never used in msgpack
  CHECK_FALSE(decode_report(std::string_view("\x93\x01\x02\x03", 4)).ok());  // an array
  const Result<Report> r = decode_report(std::string_view("\x93\x01\x02\x03", 4));
  CHECK(r.error().code == EINVAL);
}

// roar-seccomp-report reads files it is pointed at: a wrong type must be an error, never a read
// through the wrong member of msgpack's object union.
TEST_CASE("decode_report rejects values of the wrong type") {
  using Pk = Packer;
  // The well-typed map is accepted: the checks below fail for the types alone.
  CHECK_FALSE(rejected_without_crashing(report_with("files", [](Pk& pk) { pk.pack_array(0); })));
  CHECK(
      rejected_without_crashing(report_with("version", [](Pk& pk) { pk.pack(std::string("1")); })));
  CHECK(rejected_without_crashing(
      report_with("processes", [](Pk& pk) { pk.pack(std::string("abcdefghijklmnop")); })));
  CHECK(
      rejected_without_crashing(report_with("files", [](Pk& pk) { pk.pack(0x7fffffffffffULL); })));
  CHECK(rejected_without_crashing(report_with("processes", [](Pk& pk) {
    pk.pack_array(1);
    pk.pack_map(1);
    pk.pack(std::string("command"));
    pk.pack(std::string("not an array of strings"));
  })));
  CHECK(rejected_without_crashing(report_with("files", [](Pk& pk) {
    pk.pack_array(1);
    pk.pack_map(1);
    pk.pack(std::string("read_threads"));
    pk.pack(std::string("x"));
  })));
}

}  // namespace roar::seccomp

namespace roar::seccomp {

// roar-seccomp-report prints these after the file's name: each says what is wrong.
TEST_CASE("decode_report says what is wrong with what it rejects") {
  const auto why = [](std::string_view bytes) {
    const Result<Report> r = decode_report(bytes);
    REQUIRE_FALSE(r.ok());
    return r.error().context;
  };
  const std::string whole = encode_report(full_report());
  CHECK(why("") == "empty file, not a report");
  CHECK(why(std::string_view(whole).substr(0, whole.size() / 2)) ==
        "truncated: the file ends inside the msgpack data");
  CHECK(why("\xc1") == "not msgpack: the file holds bytes that no msgpack value starts with");
  CHECK(why("\x05") ==
        "not a roar-seccomp report: the file holds one msgpack value that is not a map");
  CHECK(why(whole + "x") == "not a roar-seccomp report: bytes after the report map");
  CHECK(why(report_with("version", [](Packer& pk) { pk.pack(std::string("1")); })) ==
        "not a roar-seccomp report: a value has the wrong type");
}

}  // namespace roar::seccomp
