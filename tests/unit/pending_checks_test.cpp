// Tests of PendingChecks: a check is its thread's until that thread traps again, then the end's.
#include "roar/seccomp/notify/pending_checks.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace roar::seccomp {
namespace {

PendingCheck renamed(const std::string& path) {
  PendingCheck check;
  check.kind = PendingCheck::Kind::kRenamed;
  check.path = path;
  return check;
}

PendingCheck sink(int fd) {
  PendingCheck check;
  check.kind = PendingCheck::Kind::kSinkAdvanced;
  check.fd = fd;
  return check;
}

std::vector<std::string> paths(const std::vector<PendingChecks::Entry>& entries) {
  std::vector<std::string> out;
  for (const PendingChecks::Entry& e : entries) {
    out.push_back(e.check.path);
  }
  return out;
}

// The same, where the order is not specified (checks orphaned at once, from a hash table).
std::vector<std::string> sorted_paths(const std::vector<PendingChecks::Entry>& entries) {
  std::vector<std::string> out = paths(entries);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("PendingChecks: a thread's check is settled at its next call") {
  PendingChecks checks;
  checks.add(21, 20, renamed("/a"));
  REQUIRE(checks.to_settle(21, 20) != nullptr);
  CHECK(checks.to_settle(21, 20)->path == "/a");
  CHECK(checks.to_settle(22, 20) == nullptr);  // another thread's

  SUBCASE("settled: gone, and nothing is left for the end") {
    checks.trapped_again(21, true);
    CHECK(checks.to_settle(21, 20) == nullptr);
    CHECK(checks.take_all().empty());
  }
  SUBCASE("a newer call of the thread replaces it") {
    checks.add(21, 20, renamed("/b"));
    CHECK(checks.to_settle(21, 20)->path == "/b");
    CHECK(paths(checks.take_all()) == std::vector<std::string>{"/b"});
  }
  SUBCASE("a trap of a thread without a check changes nothing") {
    checks.trapped_again(22, false);
    CHECK(checks.to_settle(21, 20) != nullptr);
  }
}

TEST_CASE("PendingChecks: a reused tid does not settle a dead thread's check") {
  PendingChecks checks;
  checks.add(21, 20, renamed("/a"));
  // Thread 21 died; tid 21 is now a thread of process 30.
  CHECK(checks.to_settle(21, 30) == nullptr);
  checks.trapped_again(21, false);
  CHECK(checks.to_settle(21, 20) == nullptr);
  // The file system may still show what the dead thread published: kept for the end.
  CHECK(paths(checks.take_all()) == std::vector<std::string>{"/a"});
}

TEST_CASE("PendingChecks: the checks of threads that will not trap again wait for the end") {
  PendingChecks checks;
  checks.add(20, 20, renamed("/by-20"));
  checks.add(21, 20, renamed("/by-21"));
  checks.add(31, 30, renamed("/by-31"));

  SUBCASE("an exec ends the other threads of the process") {
    checks.orphan_checks_of(20, 20);
    CHECK(checks.to_settle(20, 20) != nullptr);
    CHECK(checks.to_settle(21, 20) == nullptr);
    CHECK(checks.to_settle(31, 30) != nullptr);
    // Orphans first, then the checks of threads alive at the end.
    const std::vector<std::string> all = paths(checks.take_all());
    REQUIRE(all.size() == 3);
    CHECK(all[0] == "/by-21");
  }
  SUBCASE("an exit ends them all") {
    checks.orphan_checks_of(20, 0);
    CHECK(checks.to_settle(20, 20) == nullptr);
    CHECK(checks.to_settle(21, 20) == nullptr);
  }
  SUBCASE("a nested run takes only its own orphans") {
    checks.orphan_checks_of(20, 0);
    checks.orphan_checks_of(30, 0);
    const auto of_20 = [](const PendingChecks::Entry& e) { return e.pid == 20; };
    CHECK(sorted_paths(checks.take_orphans(of_20)) == std::vector<std::string>{"/by-20", "/by-21"});
    CHECK(checks.take_orphans(of_20).empty());
    CHECK(paths(checks.take_all()) == std::vector<std::string>{"/by-31"});
  }
}

TEST_CASE("PendingChecks: without its thread a descriptor check cannot be settled") {
  PendingChecks checks;
  checks.add(21, 20, sink(5));
  checks.add(22, 20, renamed("/a"));
  checks.orphan_checks_of(20, 0);
  SUBCASE("taken and dropped by a nested run") {
    const auto all = [](const PendingChecks::Entry&) { return true; };
    CHECK(paths(checks.take_orphans(all)) == std::vector<std::string>{"/a"});
    CHECK(checks.take_all().empty());
  }
  SUBCASE("dropped at the end") {
    CHECK(paths(checks.take_all()) == std::vector<std::string>{"/a"});
  }
}

}  // namespace roar::seccomp
