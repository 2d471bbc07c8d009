// Tests of the report's name when the command wrote the report path itself, and of the write.
#include "roar/seccomp/launch/report_writer.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

namespace roar::seccomp {
namespace {

namespace fs = std::filesystem;

// Keeps the error line a fallback name brings out of the test's output.
class SilentStderr {
 public:
  SilentStderr() : saved_(dup(STDERR_FILENO)) {
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(null >= 0);
    dup2(null, STDERR_FILENO);
    close(null);
  }
  ~SilentStderr() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }
  SilentStderr(const SilentStderr&) = delete;
  SilentStderr& operator=(const SilentStderr&) = delete;

 private:
  int saved_;
};

Report report_writing(const std::vector<std::string>& written) {
  Report report;
  for (const std::string& path : written) {
    ReportFile file;
    file.path = path;
    file.written = true;
    report.files.push_back(file);
  }
  return report;
}

void create(const std::string& path, const std::string& contents) {
  std::ofstream(path) << contents;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

TEST_CASE("choose_report_path: a fresh name only when the command wrote the report path") {
  TempDir dir;
  const std::string path = dir / "r.msgpack";
  const std::string canonical = "/real" + path;  // as the kernel names the directory

  CHECK(choose_report_path(report_writing({}), path, canonical) == path);
  CHECK(choose_report_path(report_writing({"/elsewhere"}), path, canonical) == path);
  CHECK(choose_report_path(report_writing({canonical}), path, std::nullopt) == path);
  SUBCASE("read but not written: the report replaces it") {
    Report report;
    ReportFile file;
    file.path = canonical;
    file.read = true;
    report.files.push_back(file);
    CHECK(choose_report_path(report, path, canonical) == path);
  }
  SUBCASE("written: the first name that neither exists nor was written") {
    CHECK(choose_report_path(report_writing({canonical}), path, canonical) ==
          path + ".roar-seccomp");
    create(path + ".roar-seccomp", "someone's");
    CHECK(choose_report_path(report_writing({canonical}), path, canonical) ==
          path + ".roar-seccomp.1");
    const Report also_wrote_1 = report_writing({canonical, canonical + ".roar-seccomp.1"});
    CHECK(choose_report_path(also_wrote_1, path, canonical) == path + ".roar-seccomp.2");
  }
}

TEST_CASE("ReportWriter: the report lands where choose_report_path says") {
  TempDir dir;
  const std::string path = dir / "r.msgpack";
  const Result<ReportWriter> writer = ReportWriter::open(path);
  REQUIRE(writer.ok());
  const Logger quiet(LogLevel::kWarn);

  SUBCASE("the path given") {
    const Report report = report_writing({"/elsewhere"});
    writer->write(report, quiet);
    const Result<Report> back = decode_report(contents(path));
    REQUIRE(back.ok());
    CHECK(back->files.size() == 1);
  }
  SUBCASE("next to the command's own file") {
    create(path, "the command's");
    const std::string canonical = fs::canonical(path).string();
    {
      const SilentStderr silent;
      writer->write(report_writing({canonical}), quiet);
    }
    CHECK(contents(path) == "the command's");
    const Result<Report> back = decode_report(contents(path + ".roar-seccomp"));
    REQUIRE(back.ok());
    CHECK(back->files.front().path == canonical);
  }
}

TEST_CASE("ReportWriter: an unwritable path fails before anything runs") {
  TempDir dir;
  const Result<ReportWriter> writer = ReportWriter::open(dir / "missing/r.msgpack");
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.error().code == ENOENT);
}

}  // namespace roar::seccomp
