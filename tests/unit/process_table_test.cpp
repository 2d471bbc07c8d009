// Tests of ProcessTable: roots, threads, execs, exits and pids reused after an exit.
#include "roar/seccomp/attribution/process_table.hpp"

#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

namespace roar::seccomp {

TEST_CASE("ProcessTable: the root") {
  ProcessTable t;
  t.add_root(10, std::string("cmd\0a\0", 6), std::string("K=V\0", 4));
  CHECK(t.root_pid() == 10);
  t.set_watched(10, true);
  CHECK(t.tgid_of(10) == std::optional<int>(10));
  const ProcessRecord* root = t.live(10);
  REQUIRE(root != nullptr);
  CHECK_FALSE(root->parent_pid.has_value());
  CHECK(root->cmdline == std::string("cmd\0a\0", 6));
  CHECK(root->environ == std::string("K=V\0", 4));
  CHECK_FALSE(root->image_may_have_changed);
  CHECK_FALSE(root->exited);
}

TEST_CASE("ProcessTable: only threads of watched processes are known for certain") {
  ProcessTable t;
  t.add_root(10, "root", "");
  t.remember_thread(11, 10);
  // Without a pidfd the process may have died and its tids been reused since.
  CHECK_FALSE(t.tgid_of(10).has_value());
  CHECK_FALSE(t.tgid_of(11).has_value());
  t.set_watched(10, true);
  CHECK(t.tgid_of(11) == std::optional<int>(10));
  CHECK(t.live(10)->watched);
  t.set_watched(10, false);
  CHECK_FALSE(t.tgid_of(11).has_value());
  t.set_watched(99, true);  // not a process we know: nothing to mark
  CHECK(t.live(99) == nullptr);
}

TEST_CASE("ProcessTable: threads and sightings") {
  ProcessTable t;
  t.add_root(10, "root", "");
  t.set_watched(10, true);
  CHECK_FALSE(t.tgid_of(11).has_value());
  t.remember_thread(11, 10);
  CHECK(t.tgid_of(11) == std::optional<int>(10));

  t.apply(sighting(20, 10, std::string("child"), std::string("E=1")));
  t.set_watched(20, true);
  const ProcessRecord* child = t.live(20);
  REQUIRE(child != nullptr);
  CHECK(child->parent_pid == std::optional<int>(10));
  CHECK(child->cmdline == "child");

  SUBCASE("a sighting without cmdline keeps what was known") {
    t.apply(sighting(20, 10, std::nullopt, std::nullopt, true));
    CHECK(t.live(20)->cmdline == "child");
    CHECK(t.live(20)->environ == "E=1");
    CHECK(t.live(20)->image_may_have_changed);
  }
  SUBCASE("thread_exited forgets only that thread") {
    t.remember_thread(21, 20);
    t.remember_thread(22, 20);
    t.thread_exited(21);
    CHECK_FALSE(t.tgid_of(21).has_value());
    CHECK(t.tgid_of(22) == std::optional<int>(20));
    CHECK(t.live(20) != nullptr);
  }
}

TEST_CASE("ProcessTable: exec_started") {
  ProcessTable t;
  t.add_root(10, "root", "");
  t.set_watched(10, true);
  t.apply(sighting(20, 10, std::string("old"), std::string()));
  t.set_watched(20, true);
  t.remember_thread(20, 20);
  t.remember_thread(21, 20);
  t.remember_thread(11, 10);
  t.exec_started(20);
  // The exec ends the other threads and their tids may be reused by anyone; the pid's own tid
  // names the process whether the exec succeeds or not.
  CHECK(t.tgid_of(20) == std::optional<int>(20));
  CHECK_FALSE(t.tgid_of(21).has_value());
  CHECK(t.tgid_of(11) == std::optional<int>(10));
  REQUIRE(t.live(20) != nullptr);
  CHECK(t.live(20)->image_may_have_changed);
  CHECK(t.live(20)->cmdline == "old");
  CHECK(t.live(10)->image_may_have_changed == false);

  t.apply(sighting(20, 10, std::string("new"), std::string()));
  CHECK(t.live(20)->cmdline == "new");
  CHECK_FALSE(t.live(20)->image_may_have_changed);
}

TEST_CASE("ProcessTable: process_exited and a reused pid") {
  ProcessTable t;
  t.add_root(10, "root", "");
  t.apply(sighting(20, 10, std::string("first"), std::string()));
  t.set_watched(20, true);
  t.remember_thread(20, 20);
  t.remember_thread(23, 20);
  t.process_exited(20);
  CHECK(t.live(20) == nullptr);
  CHECK_FALSE(t.tgid_of(20).has_value());
  CHECK_FALSE(t.tgid_of(23).has_value());

  t.apply(sighting(20, 10, std::string("second"), std::string()));
  // The new incarnation starts unwatched: the old one's watch must not carry over.
  CHECK_FALSE(t.live(20)->watched);
  t.apply(sighting(5, 10, std::string("low"), std::string()));
  const std::vector<ProcessRecord> all = t.sorted();
  REQUIRE(all.size() == 4);
  CHECK(all[0].pid == 5);
  CHECK(all[1].pid == 10);
  CHECK(all[2].pid == 20);
  CHECK(all[2].cmdline == "first");
  CHECK(all[2].exited);
  CHECK(all[3].pid == 20);
  CHECK(all[3].cmdline == "second");
  CHECK_FALSE(all[3].exited);
}

}  // namespace roar::seccomp
