// Tests of AccessTable: per-path aggregation, the fast-path query and the report order.
#include "roar/seccomp/attribution/access_table.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace roar::seccomp {

TEST_CASE("AccessTable: record and contains") {
  AccessTable log;
  CHECK_FALSE(log.contains("/f"));
  CHECK_FALSE(log.contains("/f", Access::kOpened, 1));

  log.record("/f", Access::kOpened, 1);
  CHECK(log.contains("/f"));
  CHECK(log.contains("/f", Access::kOpened, 1));
  // Any recorded access implies the open, whichever thread asks.
  CHECK(log.contains("/f", Access::kOpened, 2));
  CHECK_FALSE(log.contains("/f", Access::kRead, 1));
  CHECK_FALSE(log.contains("/f", Access::kWritten, 1));

  log.record("/f", Access::kRead, 1);
  CHECK(log.contains("/f", Access::kRead, 1));
  CHECK_FALSE(log.contains("/f", Access::kRead, 2));
  CHECK_FALSE(log.contains("/f", Access::kWritten, 1));

  log.record("/g", Access::kWritten, 2);
  CHECK(log.contains("/g", Access::kWritten, 2));
  CHECK_FALSE(log.contains("/g", Access::kRead, 2));
  CHECK(log.size() == 2);
}

TEST_CASE("AccessTable: opened only is neither read nor written") {
  AccessTable log;
  log.record("/f", Access::kOpened, 1);
  const auto files = log.sorted();
  REQUIRE(files.size() == 1);
  CHECK_FALSE(files[0].second.read);
  CHECK_FALSE(files[0].second.written);
  CHECK(files[0].second.read_threads.empty());
  CHECK(files[0].second.written_threads.empty());
}

TEST_CASE("AccessTable: threads are sorted and unique, memory grows with threads not calls") {
  AccessTable log;
  for (int tid : {30, 10, 20, 10, 30, 30}) {
    log.record("/f", Access::kRead, tid);
  }
  log.record("/f", Access::kWritten, 7);
  log.record("/f", Access::kWritten, 7);
  const auto files = log.sorted();
  REQUIRE(files.size() == 1);
  CHECK(files[0].second.read);
  CHECK(files[0].second.written);
  CHECK(files[0].second.read_threads == std::vector<int>{10, 20, 30});
  CHECK(files[0].second.written_threads == std::vector<int>{7});
}

TEST_CASE("AccessTable: sorted is bytewise, with bytes >= 0x80 after ASCII") {
  AccessTable log;
  const std::string high = std::string("/a") + '\xc3' + '\xa9';  // "/aé"
  const std::string highest = std::string("/a") + '\xff';
  for (const std::string& p : {highest, std::string("/b"), high, std::string("/a/x"),
                               std::string("/a"), std::string("/A")}) {
    log.record(p, Access::kOpened, 1);
  }
  std::vector<std::string> order;
  for (const auto& [path, access] : log.sorted()) {
    order.push_back(path);
  }
  // A signed-char comparison would put the high bytes first.
  CHECK(order == std::vector<std::string>{"/A", "/a", "/a/x", high, highest, "/b"});
}

TEST_CASE("AccessTable: written_below finds what was written below a directory, at any depth") {
  AccessTable log;
  log.record("/w/d/a", Access::kWritten, 1);
  log.record("/w/d/x/y", Access::kWritten, 1);
  log.record("/w/d/read", Access::kRead, 1);
  log.record("/w/d/opened", Access::kOpened, 1);
  log.record("/w/dd/a", Access::kWritten, 1);
  log.record("/w/d", Access::kWritten, 1);
  std::vector<std::string> below = log.written_below("/w/d");
  std::sort(below.begin(), below.end());
  CHECK(below == std::vector<std::string>{"/w/d/a", "/w/d/x/y"});
  CHECK(log.written_below("/w/none").empty());
  CHECK(log.written_below("/").size() == 4);
  CHECK(log.written_below("").empty());
}

}  // namespace roar::seccomp
