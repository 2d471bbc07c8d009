// Tests of the path-argument rules: truncating opens, rename, link, truncate and O_TMPFILE names.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "fake_tracee_view.hpp"
#include "roar/seccomp/attribution/attribution.hpp"
#include "test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
namespace {

using Regs = std::array<std::uint64_t, 6>;
using Kind = PendingCheck::Kind;

constexpr int kTid = 100;
constexpr int kPid = 90;
constexpr std::uint64_t kAtFdCwdReg = static_cast<std::uint32_t>(kAtFdCwd);
constexpr std::uint64_t kPathA = 0x10000;
constexpr std::uint64_t kPathB = 0x20000;

struct Env {
  FakeTraceeView view;
  AccessTable known;
  FileFacts facts;

  Env() { view.cwd = "/w"; }

  Attribution call(const char* name, const Regs& regs, Abi abi = Abi::kX86_64) {
    const SyscallSpec& spec = spec_named(name, abi);
    const AbiInfo& info = host_abi(abi);
    return attribute(spec, decode_args(spec, info, regs), info, view,
                     CallContext{known, kTid, kPid, &facts, {}});
  }
  FileStat& make_file(const std::string& path, std::uint64_t size, std::uint64_t ino) {
    return view.files[path] = FakeTraceeView::regular(size, 1, ino);
  }
};

bool written(const std::vector<FileEvent>& events, const std::string& path) {
  return std::any_of(events.begin(), events.end(), [&](const FileEvent& e) {
    return e.path == path && e.access == Access::kWritten;
  });
}

}  // namespace

TEST_CASE("attribute: opens that truncate") {
  Env env;
  env.view.put_string(kPathA, "out.txt");
  env.make_file("/w/out.txt", 10, 5);
  for (int fd : {0, 1, 2, 4}) {
    env.view.add_pipe(fd, FdAccess{true, true}, 0);
  }

  SUBCASE("O_TRUNC is no write; the descriptor the open returns is remembered") {
    const Attribution a =
        env.call("openat", {kAtFdCwdReg, kPathA, O_WRONLY | O_CREAT | O_TRUNC, 0644});
    CHECK(a.events.empty());
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kTruncatingOpen);
    CHECK(a.pending->path == "/w/out.txt");
    CHECK(a.pending->fd == 3);  // open(2) returns the lowest free number

    CHECK_FALSE(
        settle(*a.pending, env.view, env.known).truncating_fd.has_value());  // the open failed
    env.view.fds[3] =
        FakeFd{"/w/out.txt", FdAccess{false, true}, env.view.files["/w/out.txt"], 0, {}};
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.empty());
    REQUIRE(s.truncating_fd.has_value());
    CHECK(s.truncating_fd->first == 3);
    CHECK(s.truncating_fd->second == FileId{1, 5});
  }
  SUBCASE("a sibling thread's open took the number: nothing is remembered") {
    const Attribution a = env.call("openat", {kAtFdCwdReg, kPathA, O_RDWR | O_TRUNC});
    REQUIRE(a.pending.has_value());
    env.view.add_file(3, "/w/unrelated", FdAccess{true, false}, 1);
    CHECK_FALSE(settle(*a.pending, env.view, env.known).truncating_fd.has_value());
  }
  SUBCASE("relative to a directory descriptor") {
    env.view.add_directory(7, "/d");
    const Attribution a = env.call("openat", {7, kPathA, O_RDWR | O_TRUNC});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->path == "/d/out.txt");
  }
  SUBCASE("without O_TRUNC nothing is read from the caller") {
    const Attribution a = env.call("openat", {kAtFdCwdReg, kPathA, O_RDONLY});
    CHECK_FALSE(a.pending.has_value());
    CHECK(env.view.calls.read_path == 0);
  }
  SUBCASE("creat always truncates") {
    const Attribution a = env.call("creat", {kPathA, 0644});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kTruncatingOpen);
  }
  SUBCASE("openat2 takes its flags from struct open_how") {
    env.view.put_value<std::uint64_t>(0x30000, O_WRONLY | O_TRUNC);
    env.view.put_value<std::uint64_t>(0x31000, O_RDONLY);
    CHECK(env.call("openat2", {kAtFdCwdReg, kPathA, 0x30000, 24}).pending.has_value());
    CHECK_FALSE(env.call("openat2", {kAtFdCwdReg, kPathA, 0x31000, 24}).pending.has_value());
    const Attribution unreadable = env.call("openat2", {kAtFdCwdReg, kPathA, 0xdead000, 24});
    CHECK_FALSE(unreadable.pending.has_value());
    CHECK(unreadable.memory_unreadable);
  }
  SUBCASE("an O_TMPFILE open truncates nothing") {
    CHECK_FALSE(env.call("openat", {kAtFdCwdReg, kPathA, O_TMPFILE | O_RDWR | O_TRUNC})
                    .pending.has_value());
  }
  SUBCASE("an unreadable path is flagged") {
    const Attribution a = env.call("openat", {kAtFdCwdReg, 0xdead000, O_WRONLY | O_TRUNC});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.memory_unreadable);
  }
}

TEST_CASE("attribute: reading back through the process's own O_TRUNC descriptor is no read") {
  Env env;
  env.view.add_file(3, "/w/out", FdAccess{true, true}, 100);
  env.view.fds[4] = env.view.fds[3];  // another open of the same file
  env.view.add_file(5, "/w/sink", FdAccess{false, true}, 0);
  const FileId id = env.view.fds[3].stat->id;
  const Regs map3{0, 4096, PROT_READ, MAP_SHARED, 3, 0};
  env.facts.truncating_fd(kPid, 3, id);

  SUBCASE("read, mapping and copying out of it") {
    CHECK(env.call("read", {3, 0x7000, 10}).events.empty());
    CHECK(env.call("mmap", map3).events.empty());
    const Attribution copy = env.call("copy_file_range", {3, 0, 5, 0, 100, 0});
    CHECK(copy.events.size() == 1);
    CHECK(written(copy.events, "/w/sink"));
  }
  SUBCASE("another descriptor of the file reads it") {
    CHECK(env.call("read", {4, 0x7000, 10}).events.size() == 1);
  }
  SUBCASE("another process's descriptor with that number reads it") {
    FileFacts other;
    other.truncating_fd(kPid + 1, 3, id);
    env.facts = other;
    CHECK(env.call("mmap", map3).events.size() == 1);
  }
  SUBCASE("the number now refers to another file") {
    env.view.fds[3].stat = FakeTraceeView::regular(100, 1, 999);
    CHECK(env.call("read", {3, 0x7000, 10}).events.size() == 1);
  }
  SUBCASE("once released, the number reads like any other") {
    env.facts.release_fds(kPid, 3, 3);
    CHECK(env.call("read", {3, 0x7000, 10}).events.size() == 1);
  }
  SUBCASE("a process that exits or execs releases them all") {
    env.facts.forget_process(kPid);
    CHECK(env.call("mmap", map3).events.size() == 1);
  }
}

TEST_CASE("attribute: rename") {
  Env env;
  env.view.put_string(kPathA, "a");
  env.view.put_string(kPathB, "b");
  env.make_file("/w/a", 10, 1);

  SUBCASE("the new name is written once it names the moved file") {
    const Attribution a = env.call("rename", {kPathA, kPathB});
    CHECK(a.events.empty());
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kRenamed);
    CHECK(a.pending->path == "/w/b");
    CHECK(settle(*a.pending, env.view, env.known).events.empty());  // not moved (yet): failed

    env.view.files["/w/b"] = env.view.files["/w/a"];
    env.view.files.erase("/w/a");
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 1);
    CHECK(written(s.events, "/w/b"));
  }
  SUBCASE("replacing an existing file") {
    env.make_file("/w/b", 3, 2);
    const Attribution a = env.call("renameat", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB});
    REQUIRE(a.pending.has_value());
    CHECK(settle(*a.pending, env.view, env.known).events.empty());  // b is still the old file
  }
  SUBCASE("a missing source fails") {
    env.view.files.erase("/w/a");
    CHECK_FALSE(env.call("rename", {kPathA, kPathB}).pending.has_value());
  }
  SUBCASE("RENAME_NOREPLACE onto an existing name fails") {
    env.make_file("/w/b", 3, 2);
    CHECK_FALSE(env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_NOREPLACE})
                    .pending.has_value());
  }
  SUBCASE("two names of one file: nothing changes") {
    env.view.files["/w/b"] = env.view.files["/w/a"];
    CHECK_FALSE(env.call("rename", {kPathA, kPathB}).pending.has_value());
  }
  SUBCASE("RENAME_EXCHANGE writes both names once they swapped") {
    env.make_file("/w/b", 3, 2);
    const Attribution a =
        env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_EXCHANGE});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kExchanged);
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
    std::swap(env.view.files["/w/a"], env.view.files["/w/b"]);
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 2);
    CHECK(written(s.events, "/w/a"));
    CHECK(written(s.events, "/w/b"));
  }
  SUBCASE("RENAME_EXCHANGE with nothing to exchange with fails") {
    CHECK_FALSE(env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_EXCHANGE})
                    .pending.has_value());
  }
  SUBCASE("an unreadable path is flagged, and what the rename published is unknown") {
    const Attribution a = env.call("rename", {kPathA, 0xdead000});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.memory_unreadable);
    CHECK(a.published_unknown);
  }
  SUBCASE("a new name that was not looked up is left to the check") {
    env.make_file("/w/b", 3, 2);
    env.view.not_looked_up.insert("/w/b");
    const Attribution a =
        env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_NOREPLACE});
    REQUIRE(a.pending.has_value());
    CHECK_FALSE(a.path_unresolved);
    CHECK(settle(*a.pending, env.view, env.known)
              .events.empty());  // refused: b is still the old file
    env.view.files["/w/b"] = env.view.files["/w/a"];
    CHECK(written(settle(*a.pending, env.view, env.known).events, "/w/b"));
  }
  SUBCASE("a source that was not looked up loses the rename, and says so") {
    env.view.not_looked_up.insert("/w/a");
    const Attribution a = env.call("rename", {kPathA, kPathB});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.path_unresolved);
  }
  SUBCASE("RENAME_EXCHANGE needs both names looked up") {
    env.make_file("/w/b", 3, 2);
    env.view.not_looked_up.insert("/w/b");
    const Attribution a =
        env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_EXCHANGE});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.path_unresolved);
  }
}

TEST_CASE("attribute: link") {
  Env env;
  env.view.put_string(kPathA, "a");
  env.view.put_string(kPathB, "/w/c");
  env.make_file("/w/a", 10, 1);

  SUBCASE("the new name is written once it names the file") {
    const Attribution a = env.call("link", {kPathA, kPathB});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kLinked);
    CHECK(a.pending->path == "/w/c");
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
    env.view.files["/w/c"] = env.view.files["/w/a"];
    CHECK(written(settle(*a.pending, env.view, env.known).events, "/w/c"));
  }
  SUBCASE("a taken name fails (EEXIST)") {
    env.make_file("/w/c", 1, 2);
    CHECK_FALSE(env.call("link", {kPathA, kPathB}).pending.has_value());
  }
  SUBCASE("a new name that was not looked up is left to the check") {
    env.make_file("/w/c", 1, 2);
    env.view.not_looked_up.insert("/w/c");
    const Attribution a = env.call("link", {kPathA, kPathB});
    REQUIRE(a.pending.has_value());
    CHECK_FALSE(a.path_unresolved);
    CHECK(settle(*a.pending, env.view, env.known).events.empty());  // EEXIST: c is another file
  }
  SUBCASE("a source that was not looked up loses the link, and says so") {
    env.view.not_looked_up.insert("/w/a");
    const Attribution a = env.call("link", {kPathA, kPathB});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.path_unresolved);
  }
  SUBCASE("an O_TMPFILE file gets its name, and keeps it for later reports") {
    env.view.fds[4] = FakeFd{
        "/w/#777 (deleted)", FdAccess{true, true}, FakeTraceeView::regular(5, 0, 777), 0, {}};
    CHECK_FALSE(file_path_of(env.view, 4, &env.facts).has_value());

    env.view.put_string(0x40000, "");
    const Attribution a = env.call("linkat", {4, 0x40000, kAtFdCwdReg, kPathB, AT_EMPTY_PATH});
    REQUIRE(a.pending.has_value());
    env.view.files["/w/c"] = *env.view.fds[4].stat;
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(written(s.events, "/w/c"));
    REQUIRE(s.tmpfile_name.has_value());
    CHECK(s.tmpfile_name->first == FileId{1, 777});
    CHECK(s.tmpfile_name->second == "/w/c");

    env.facts.name_tmpfile(s.tmpfile_name->first, s.tmpfile_name->second);
    CHECK(file_path_of(env.view, 4, &env.facts) == std::optional<std::string>("/w/c"));
  }
}

TEST_CASE("file_path_of: a name that only looks like an O_TMPFILE one") {
  FakeTraceeView view;
  FileFacts facts;
  // "#12" but inode 13: an ordinary unlinked file that happens to be called "#12".
  view.fds[3] =
      FakeFd{"/w/#12 (deleted)", FdAccess{true, false}, FakeTraceeView::regular(1, 0, 13), 0, {}};
  CHECK(file_path_of(view, 3, &facts) == std::optional<std::string>("/w/#12"));
}

TEST_CASE("attribute: truncate by path") {
  Env env;
  env.view.put_string(kPathA, "/w/a");
  env.make_file("/w/a", 10, 1);

  SUBCASE("written once the file has the requested size") {
    const Attribution a = env.call("truncate", {kPathA, 0});
    CHECK(a.events.empty());
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kResized);
    CHECK(a.pending->length == 0);
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
    env.view.files["/w/a"].size = 0;
    CHECK(written(settle(*a.pending, env.view, env.known).events, "/w/a"));
  }
  SUBCASE("a file that was not looked up loses the truncate, and says so") {
    env.view.not_looked_up.insert("/w/a");
    const Attribution a = env.call("truncate", {kPathA, 0});
    CHECK_FALSE(a.pending.has_value());
    CHECK(a.path_unresolved);
  }
  SUBCASE("to the size it already has: written at once") {
    const Attribution a = env.call("truncate", {kPathA, 10});
    CHECK(written(a.events, "/w/a"));
    CHECK_FALSE(a.pending.has_value());
  }
  SUBCASE("a negative length, a directory or nothing at the path fail") {
    CHECK_FALSE(env.call("truncate", {kPathA, ~0ULL}).pending.has_value());
    env.view.files["/w/a"].type = S_IFDIR;
    CHECK_FALSE(env.call("truncate", {kPathA, 0}).pending.has_value());
    env.view.files.erase("/w/a");
    CHECK_FALSE(env.call("truncate", {kPathA, 0}).pending.has_value());
  }
  SUBCASE("ia32 truncate64 joins its 64-bit length from two registers") {
    const Attribution a = env.call("truncate64", {kPathA, 0, 1}, Abi::kI386);
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->length == 0x100000000ULL);
  }
}

TEST_CASE("attribute: ftruncate and fallocate") {
  Env env;
  env.view.add_file(3, "/w/rw", FdAccess{true, true}, 10);
  env.view.add_file(4, "/w/ro", FdAccess{true, false}, 10);
  env.view.add_pipe(5, FdAccess{false, true}, 0);
  CHECK(written(env.call("ftruncate", {3, 0}).events, "/w/rw"));
  CHECK(written(env.call("fallocate", {3, 0, 0, 4096}).events, "/w/rw"));
  CHECK(env.call("ftruncate", {4, 0}).events.empty());
  CHECK(env.call("ftruncate", {5, 0}).events.empty());
  CHECK(env.call("ftruncate", {3, ~0ULL}).events.empty());  // EINVAL
  env.known.record("/w/rw", Access::kWritten, kTid);
  CHECK(env.call("ftruncate", {3, 0}).events.empty());
}
TEST_CASE("attribute: rename of a directory") {
  Env env;
  env.view.put_string(kPathA, "stage");
  env.view.put_string(kPathB, "out");
  env.view.files["/w/stage"] = FakeTraceeView::stat_of(S_IFDIR, 4096, 2, FileId{1, 50});
  // What the tree wrote below the directory, and what it only read or is elsewhere.
  env.known.record("/w/stage/a", Access::kWritten, kTid);
  env.known.record("/w/stage/sub/b", Access::kWritten, kTid);
  env.known.record("/w/stage/gone", Access::kWritten, kTid);
  env.known.record("/w/stage/only-read", Access::kRead, kTid);
  env.known.record("/w/stagecoach", Access::kWritten, kTid);
  const auto moved = [&env] {
    env.view.files["/w/out"] = env.view.files["/w/stage"];
    env.view.files.erase("/w/stage");
    env.make_file("/w/out/a", 1, 60);
    env.make_file("/w/out/sub/b", 1, 61);
    env.make_file("/w/out/only-read", 1, 62);
  };

  SUBCASE("the directory is never written; what the tree wrote below it moves with it") {
    const Attribution a = env.call("rename", {kPathA, kPathB});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->dir);
    CHECK(settle(*a.pending, env.view, env.known).events.empty());  // not moved (yet)
    moved();
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 2);
    CHECK(written(s.events, "/w/out/a"));
    CHECK(written(s.events, "/w/out/sub/b"));  // at any depth; "gone" is no longer there
  }
  SUBCASE("exchanged with a file: the file is written at the directory's old name") {
    env.make_file("/w/out", 3, 70);
    const Attribution a =
        env.call("renameat2", {kAtFdCwdReg, kPathA, kAtFdCwdReg, kPathB, RENAME_EXCHANGE});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->dir);
    CHECK_FALSE(a.pending->dir2);
    const FileStat file = env.view.files["/w/out"];
    moved();
    env.view.files["/w/stage"] = file;
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 3);
    CHECK(written(s.events, "/w/stage"));
    CHECK(written(s.events, "/w/out/a"));
  }
}
#endif

}  // namespace roar::seccomp
