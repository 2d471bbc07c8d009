// Tests of the PATH search: the candidates execvp tries, the errno it ends with, and preflight's
// lookup, which must agree with what a run would exec.
#include "roar/seccomp/launch/executable_search.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace roar::seccomp {
namespace {

namespace fs = std::filesystem;
using Paths = std::vector<std::string>;

constexpr fs::perms kExecutable = fs::perms::owner_all;
constexpr fs::perms kNotExecutable = fs::perms::owner_read | fs::perms::owner_write;

// Creates the file `name` in `dir` with permission bits `mode`; returns its path.
std::string make_file(const TempDir& dir, const std::string& name, fs::perms mode) {
  const std::string path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n";
  fs::permissions(path, mode);
  return path;
}

// Runs preflight's lookup from `dir` as the cwd, so that empty PATH entries mean `dir`.
std::string resolve_in(const std::string& dir, const std::string& name, const char* path) {
  const fs::path before = fs::current_path();
  fs::current_path(dir);
  std::string resolved = resolve_command(name, path);
  fs::current_path(before);
  return resolved;
}

}  // namespace

TEST_CASE("executable_candidates: the places execvp tries, in order") {
  CHECK(executable_candidates("", "/usr/bin").empty());
  CHECK(executable_candidates("./tool", "/usr/bin") == Paths{"./tool"});
  CHECK(executable_candidates("/opt/x/tool", nullptr) == Paths{"/opt/x/tool"});
  CHECK(executable_candidates("tool", "/a:/b") == Paths{"/a/tool", "/b/tool"});
  SUBCASE("glibc's default without PATH") {
    CHECK(executable_candidates("tool", nullptr) == Paths{"/bin/tool", "/usr/bin/tool"});
  }
  SUBCASE("an empty entry, wherever it is, means the cwd") {
    CHECK(executable_candidates("tool", ":/a") == Paths{"tool", "/a/tool"});
    CHECK(executable_candidates("tool", "/a::/b") == Paths{"/a/tool", "tool", "/b/tool"});
    CHECK(executable_candidates("tool", "/a:") == Paths{"/a/tool", "tool"});
    CHECK(executable_candidates("tool", "") == Paths{"tool"});
  }
}

TEST_CASE("ExecSearch: the errno a search by execve ends with") {
  TempDir dir;
  const std::string exists = make_file(dir, "present", kNotExecutable);
  const std::string missing = dir / "missing";

  SUBCASE("nothing tried or nothing found: not found") {
    CHECK(ExecSearch().error() == ENOENT);
    ExecSearch search;
    CHECK(search.failed(missing, ENOENT));
    CHECK(search.failed(missing, ENOTDIR));
    CHECK(search.error() == ENOTDIR);
  }
  SUBCASE("a file without permission is remembered while the search goes on") {
    ExecSearch search;
    CHECK(search.failed(exists, EACCES));
    CHECK(search.failed(missing, ENOENT));
    CHECK(search.error() == EACCES);
  }
  SUBCASE("EACCES for something that does not exist (a locked directory) is not found") {
    ExecSearch search;
    CHECK(search.failed(missing, EACCES));
    CHECK(search.failed(dir / "also-missing", ENOENT));
    CHECK(search.error() == ENOENT);
  }
  SUBCASE("the entries execvp skips: stale, absent or slow file systems") {
    for (const int error : {ESTALE, ENODEV, ETIMEDOUT}) {
      ExecSearch search;
      CHECK(search.failed(missing, error));
      CHECK(search.error() == error);
    }
  }
  SUBCASE("any other failure stops the search with its errno") {
    ExecSearch search;
    CHECK(search.failed(exists, EACCES));
    CHECK_FALSE(search.failed(exists, E2BIG));
    CHECK(search.error() == E2BIG);
  }
}

TEST_CASE("resolve_command: the first executable regular file among the candidates") {
  TempDir first;
  TempDir second;
  TempDir cwd;
  const std::string path = first.str() + ":" + second.str();
  static_cast<void>(make_file(first, "tool", kNotExecutable));
  const std::string tool = make_file(second, "tool", kExecutable);
  fs::create_directory(first / "dir");
  const std::string dir = make_file(second, "dir", kExecutable);
  static_cast<void>(make_file(cwd, "only-here", kExecutable));

  CHECK(resolve_command("", path.c_str()).empty());
  CHECK(resolve_command("tool", path.c_str()) == tool);
  CHECK(resolve_command("dir", path.c_str()) == dir);
  CHECK(resolve_command("nothing", path.c_str()).empty());
  CHECK(resolve_command(tool, nullptr) == tool);
  CHECK(resolve_command(first / "tool", nullptr).empty());
  SUBCASE("found in the cwd through an empty entry: given as ./NAME") {
    CHECK(resolve_in(cwd.str(), "only-here", (":" + path).c_str()) == "./only-here");
    CHECK(resolve_in(cwd.str(), "only-here", (path + ":").c_str()) == "./only-here");
    CHECK(resolve_in(cwd.str(), "only-here", "") == "./only-here");
    CHECK(resolve_in(cwd.str(), "only-here", path.c_str()).empty());
  }
}

}  // namespace roar::seccomp
