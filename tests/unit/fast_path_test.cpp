// Tests of FastPath: what it writes into the preload library's tables, and when.
#include "roar/seccomp/attribution/fast_path.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

namespace roar::seccomp {
namespace {

constexpr std::uint64_t kTableA = 0x10000;
constexpr std::uint64_t kTableB = 0x20000;
constexpr std::uint64_t kCloses = 0x30000;

// The tables as a process would see them: bytes by address, per process.
class FakeWriter final : public TableWriter {
 public:
  std::map<std::pair<int, std::uint64_t>, std::uint8_t> memory;
  std::set<int> refuse;  // pids whose memory cannot be written
  std::set<int> forgotten;
  int writes = 0;

  bool write(int pid, int tid, std::uint64_t address, const void* bytes,
             std::size_t size) override {
    static_cast<void>(tid);
    if (refuse.contains(pid)) {
      return false;
    }
    ++writes;
    for (std::size_t i = 0; i < size; ++i) {
      memory[{pid, address + i}] = static_cast<const std::uint8_t*>(bytes)[i];
    }
    return true;
  }
  void forget(int pid) override { forgotten.insert(pid); }

  static std::uint64_t entry(std::uint64_t table, int fd) {
    return table + offsetof(roar_fast_path_table, entries) +
           static_cast<unsigned>(fd) * sizeof(roar_fast_path_entry);
  }
  std::uint32_t flags(int pid, std::uint64_t table, int fd) {
    return static_cast<std::uint32_t>(
        word(pid, entry(table, fd) + offsetof(roar_fast_path_entry, flags)));
  }
  std::uint32_t closes(int pid, std::uint64_t table, int fd) {
    return static_cast<std::uint32_t>(
        word(pid, entry(table, fd) + offsetof(roar_fast_path_entry, closes)));
  }
  std::int32_t word(int pid, std::uint64_t address) {
    std::uint8_t b[4];
    for (unsigned i = 0; i < 4; ++i) {
      b[i] = memory[{pid, address + i}];
    }
    std::int32_t v = 0;
    std::memcpy(&v, b, 4);
    return v;
  }
  std::int32_t owner(int pid, std::uint64_t table) { return word(pid, table); }
  std::int32_t enabled(int pid, std::uint64_t table) { return word(pid, table + 4); }
};

roar_fast_path_registration registration(std::uint64_t table) {
  return {ROAR_FAST_PATH_VERSION, ROAR_FAST_PATH_DESCRIPTORS, table, kCloses};
}

}  // namespace

TEST_CASE("FastPath: a registered table gets its owner and is enabled") {
  FakeWriter writer;
  FastPath fast(true, writer);
  CHECK(fast.register_table(10, 11, registration(kTableA)) == 0);
  CHECK(writer.owner(10, kTableA) == 11);
  CHECK(writer.enabled(10, kTableA) == 1);
  CHECK(fast.has_table(11));
  SUBCASE("off: refused with ENOSYS, nothing written") {
    FakeWriter quiet;
    FastPath off(false, quiet);
    CHECK(off.register_table(10, 11, registration(kTableA)) == ENOSYS);
    CHECK(quiet.writes == 0);
  }
  SUBCASE("a malformed registration is refused") {
    roar_fast_path_registration bad = registration(kTableB);
    bad.version = 99;
    CHECK(fast.register_table(10, 12, bad) == EINVAL);
    bad = registration(kTableB + 1);
    CHECK(fast.register_table(10, 12, bad) == EINVAL);
    bad = registration(kTableB);
    bad.descriptors = 1;
    CHECK(fast.register_table(10, 12, bad) == EINVAL);
    CHECK_FALSE(fast.has_table(12));
  }
  SUBCASE("memory that cannot be written: refused") {
    writer.refuse.insert(20);
    CHECK(fast.register_table(20, 21, registration(kTableB)) == EPERM);
    CHECK_FALSE(fast.has_table(21));
  }
}

TEST_CASE("FastPath: grants are written once, per thread and direction") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  REQUIRE(fast.register_table(10, 12, registration(kTableB)) == 0);
  const int before = writer.writes;
  fast.allow(11, 3, ROAR_FAST_PATH_READ, 0, false);
  CHECK(writer.flags(10, kTableA, 3) == ROAR_FAST_PATH_READ);
  CHECK(writer.flags(10, kTableB, 3) == 0);  // the other thread has not read it
  fast.allow(11, 3, ROAR_FAST_PATH_READ, 0, false);
  CHECK(writer.writes == before + 1);  // nothing new: nothing written
  fast.allow(11, 3, ROAR_FAST_PATH_WRITE, 0, false);
  CHECK(writer.flags(10, kTableA, 3) == (ROAR_FAST_PATH_READ | ROAR_FAST_PATH_WRITE));
  // A thread without a table, a negative or too large descriptor: nothing.
  fast.allow(99, 3, ROAR_FAST_PATH_READ, 0, false);
  fast.allow(11, -1, ROAR_FAST_PATH_READ, 0, false);
  fast.allow(11, static_cast<int>(ROAR_FAST_PATH_DESCRIPTORS), ROAR_FAST_PATH_READ, 0, false);
  CHECK(writer.writes == before + 2);
}

TEST_CASE("FastPath: a grant holds for the close count it was read with") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  REQUIRE(fast.register_table(10, 12, registration(kTableB)) == 0);
  CHECK(fast.closes_address(11, 3) == kCloses + 3 * sizeof(std::uint32_t));
  CHECK_FALSE(fast.closes_address(99, 3));
  CHECK_FALSE(fast.closes_address(11, -1));
  CHECK_FALSE(fast.closes_address(11, static_cast<int>(ROAR_FAST_PATH_DESCRIPTORS)));

  fast.allow(11, 3, ROAR_FAST_PATH_READ, 4, true);
  CHECK(writer.flags(10, kTableA, 3) == (ROAR_FAST_PATH_READ | ROAR_FAST_PATH_CLOSE));
  CHECK(writer.closes(10, kTableA, 3) == 4);
  CHECK(fast.close_unseen(10, 3));
  CHECK_FALSE(fast.close_unseen(10, 4));
  CHECK_FALSE(fast.close_unseen(30, 3));
  SUBCASE("the same count adds the direction; a grant without close takes the close away") {
    fast.allow(11, 3, ROAR_FAST_PATH_WRITE, 4, false);
    CHECK(writer.flags(10, kTableA, 3) == (ROAR_FAST_PATH_READ | ROAR_FAST_PATH_WRITE));
    CHECK_FALSE(fast.close_unseen(10, 3));
  }
  SUBCASE("after an unseen close, what was granted before is another file's: not kept") {
    fast.allow(11, 3, ROAR_FAST_PATH_WRITE, 6, false);
    CHECK(writer.flags(10, kTableA, 3) == ROAR_FAST_PATH_WRITE);
    CHECK(writer.closes(10, kTableA, 3) == 6);
  }
  SUBCASE("an odd count is a close under way: nothing is granted") {
    const int before = writer.writes;
    fast.allow(12, 3, ROAR_FAST_PATH_READ, 5, true);
    CHECK(writer.writes == before);
    CHECK(writer.flags(10, kTableB, 3) == 0);
  }
  SUBCASE("a release clears the close flag too: the next close is seen") {
    fast.revoke(10, 3, 3);
    CHECK(writer.flags(10, kTableA, 3) == 0);
    CHECK_FALSE(fast.close_unseen(10, 3));
  }
}

TEST_CASE("FastPath: a release clears the descriptors in every table of the process") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  REQUIRE(fast.register_table(10, 12, registration(kTableB)) == 0);
  REQUIRE(fast.register_table(30, 31, registration(kTableA)) == 0);
  for (const int tid : {11, 12, 31}) {
    fast.allow(tid, 3, ROAR_FAST_PATH_READ, 0, false);
    fast.allow(tid, 5, ROAR_FAST_PATH_WRITE, 0, false);
  }
  fast.revoke(10, 3, 4);
  CHECK(writer.flags(10, kTableA, 3) == 0);
  CHECK(writer.flags(10, kTableB, 3) == 0);
  CHECK(writer.flags(10, kTableA, 5) == ROAR_FAST_PATH_WRITE);  // outside the range
  CHECK(writer.flags(30, kTableA, 3) == ROAR_FAST_PATH_READ);   // another process
  SUBCASE("all of them (exec, close_range to the end)") {
    fast.revoke(10, 0, UINT32_MAX);
    CHECK(writer.flags(10, kTableA, 5) == 0);
    CHECK(writer.flags(10, kTableB, 5) == 0);
  }
  SUBCASE("a flag that cannot be cleared turns its table off") {
    fast.allow(11, 7, ROAR_FAST_PATH_READ, 0, false);
    writer.refuse.insert(10);
    fast.revoke(10, 7, 7);
    writer.refuse.clear();
    CHECK(writer.enabled(10, kTableA) == 1);  // the write of `enabled` was refused too...
    CHECK(writer.flags(10, kTableA, 7) == ROAR_FAST_PATH_READ);
    // ...so the grant stays known, and the next release tries again.
    fast.revoke(10, 7, 7);
    CHECK(writer.flags(10, kTableA, 7) == 0);
  }
}

TEST_CASE("FastPath: a thread waiting for a check is notified until it is settled") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  fast.suspend(11);
  CHECK(fast.suspended(11));
  CHECK(writer.enabled(10, kTableA) == 0);
  fast.resume(11);
  CHECK_FALSE(fast.suspended(11));
  CHECK(writer.enabled(10, kTableA) == 1);
}

TEST_CASE("FastPath: forgetting threads and processes, and turning it all off") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  REQUIRE(fast.register_table(10, 12, registration(kTableB)) == 0);
  REQUIRE(fast.register_table(30, 31, registration(kTableA)) == 0);
  fast.forget_thread(11);
  CHECK_FALSE(fast.has_table(11));
  CHECK_FALSE(writer.forgotten.contains(10));  // thread 12 still uses the process's memory
  fast.forget_thread(12);
  CHECK(writer.forgotten.contains(10));
  fast.forget_process(30);
  CHECK_FALSE(fast.has_table(31));
  CHECK(writer.forgotten.contains(30));
  REQUIRE(fast.register_table(40, 41, registration(kTableA)) == 0);
  fast.disable();
  CHECK_FALSE(fast.enabled());
  CHECK(writer.enabled(40, kTableA) == 0);
  CHECK(fast.register_table(40, 42, registration(kTableB)) == ENOSYS);
}

TEST_CASE("FastPath: memory written for a process without a table is let go at its exec or exit") {
  // An exec's environment is edited through the writer before any table is registered: the
  // descriptor it keeps names memory the exec replaces, or a pid another process may reuse.
  FakeWriter writer;
  FastPath fast(true, writer);
  const std::uint64_t null = 0;
  REQUIRE(fast.writer().write(60, 60, 0x8000, &null, sizeof null));
  fast.forget_process(60);
  CHECK(writer.forgotten.contains(60));
}

TEST_CASE("FastPath: a reused thread id starts over") {
  FakeWriter writer;
  FastPath fast(true, writer);
  REQUIRE(fast.register_table(10, 11, registration(kTableA)) == 0);
  fast.allow(11, 3, ROAR_FAST_PATH_READ, 0, false);
  REQUIRE(fast.register_table(50, 11, registration(kTableB)) == 0);
  fast.revoke(10, 0, UINT32_MAX);  // the old process is no longer where thread 11 is
  CHECK(writer.flags(10, kTableA, 3) == ROAR_FAST_PATH_READ);
  fast.allow(11, 4, ROAR_FAST_PATH_WRITE, 0, false);
  CHECK(writer.flags(50, kTableB, 4) == ROAR_FAST_PATH_WRITE);
}

}  // namespace roar::seccomp
