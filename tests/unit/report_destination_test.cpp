// Tests of ReportDestination: the early writability check and the atomic write.
#include "roar/seccomp/report/report_destination.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace roar::seccomp {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "roar-unit-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }

 private:
  fs::path path_;
};

std::string contents(const fs::path& p) {
  std::string bytes(fs::file_size(p), '\0');
  std::ifstream in(p, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(in.good());
  return bytes;
}

}  // namespace

TEST_CASE("ReportDestination: the report appears whole, and nothing else does") {
  TempDir dir;
  const std::string path = (dir.path() / "report.msgpack").string();
  Result<ReportDestination> dest = ReportDestination::open(path);
  REQUIRE(dest.ok());
  CHECK(dest->path() == path);
  // The probe that proved the directory writable is gone again.
  CHECK(dir.entries().empty());

  const std::string bytes("\x82\xa1k\x00\xff", 5);
  REQUIRE(dest->write(bytes).ok());
  CHECK(contents(path) == bytes);
  CHECK(dir.entries() == std::vector<std::string>{"report.msgpack"});

  SUBCASE("writing again replaces the report") {
    REQUIRE(dest->write("second").ok());
    CHECK(contents(path) == "second");
    CHECK(dir.entries() == std::vector<std::string>{"report.msgpack"});
  }
  SUBCASE("an empty report is an empty file") {
    REQUIRE(dest->write("").ok());
    CHECK(fs::file_size(path) == 0);
  }
}

TEST_CASE("ReportDestination: a relative path stays where it was when opened") {
  TempDir dir;
  const fs::path original = fs::current_path();
  fs::current_path(dir.path());
  Result<ReportDestination> dest = ReportDestination::open("rel.msgpack");
  fs::current_path(original);
  REQUIRE(dest.ok());
  REQUIRE(dest->write("x").ok());
  CHECK(contents(dir.path() / "rel.msgpack") == "x");
  CHECK_FALSE(fs::exists(original / "rel.msgpack"));
}

TEST_CASE("ReportDestination: unusable paths fail before anything runs") {
  TempDir dir;
  SUBCASE("a missing directory") {
    const Result<ReportDestination> r =
        ReportDestination::open((dir.path() / "missing" / "report").string());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ENOENT);
  }
  SUBCASE("an existing directory") {
    fs::create_directory(dir.path() / "sub");
    const Result<ReportDestination> r = ReportDestination::open((dir.path() / "sub").string());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == EISDIR);
    CHECK_FALSE(ReportDestination::open((dir.path() / "sub").string() + "/").ok());
    CHECK_FALSE(ReportDestination::open(dir.path().string() + "/.").ok());
  }
  SUBCASE("an empty path") {
    CHECK_FALSE(ReportDestination::open("").ok());
  }
  SUBCASE("a file where a directory should be") {
    std::ofstream(dir.path() / "file") << "x";
    CHECK_FALSE(ReportDestination::open((dir.path() / "file" / "report").string()).ok());
  }
  SUBCASE("a directory where no one may create files, not even root") {
    CHECK_FALSE(ReportDestination::open("/proc/roar-unit-report").ok());
  }
  CHECK(dir.entries().size() <= 1);  // at most what the subcase made itself
}

// Root may write anywhere, so the permission check only means something for other users.
TEST_CASE("ReportDestination: a read-only directory fails" * doctest::skip(geteuid() == 0)) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  const Result<ReportDestination> r = ReportDestination::open((dir.path() / "report").string());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == EACCES);
}

}  // namespace roar::seccomp
