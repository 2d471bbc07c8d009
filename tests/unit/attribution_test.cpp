// Tests of the attribution rules (one per Effect, see filters/syscall_table.cpp) on a fake tracee.
#include "roar/seccomp/attribution/attribution.hpp"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "fake_tracee_view.hpp"
#include "test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
namespace {

using Regs = std::array<std::uint64_t, 6>;

constexpr int kTid = 100;
constexpr FdAccess kReadOnly{true, false};
constexpr FdAccess kWriteOnly{false, true};
constexpr FdAccess kReadWrite{true, true};
constexpr FdAccess kOPath{false, false};

constexpr int kPid = 90;

Attribution call(FakeTraceeView& view, const char* name, const Regs& regs,
                 const AccessTable& known = AccessTable{}, Abi abi = Abi::kX86_64,
                 const FileFacts* facts = nullptr) {
  const SyscallSpec& spec = spec_named(name, abi);
  const AbiInfo& info = host_abi(abi);
  return attribute(spec, decode_args(spec, info, regs), info, view,
                   CallContext{known, kTid, kPid, facts, {}});
}

bool has(const Attribution& a, const std::string& path, Access access) {
  return std::any_of(a.events.begin(), a.events.end(),
                     [&](const FileEvent& e) { return e.path == path && e.access == access; });
}

}  // namespace

TEST_CASE("attribute: read") {
  FakeTraceeView view;
  SUBCASE("before the end of the file it reads") {
    view.add_file(3, "/in", kReadOnly, 100, 99);
    const Attribution a = call(view, "read", {3, 0x7000, 10});
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/in", Access::kRead));
    CHECK_FALSE(a.pending.has_value());
    CHECK_FALSE(a.memory_unreadable);
  }
  SUBCASE("at the end of the file it reads nothing") {
    view.add_file(3, "/in", kReadOnly, 100, 100);
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("an empty file has nothing to read") {
    view.add_file(3, "/in", kReadOnly, 0, 0);
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("a count of zero reads nothing") {
    view.add_file(3, "/in", kReadOnly, 100, 0);
    CHECK(call(view, "read", {3, 0x7000, 0}).events.empty());
  }
  SUBCASE("a write-only descriptor cannot read") {
    view.add_file(3, "/out", kWriteOnly, 100, 0);
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("an O_PATH descriptor cannot read") {
    view.add_file(3, "/p", kOPath, 100, 0);
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("a directory cannot be read (EISDIR)") {
    view.add_directory(3, "/dir");
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("a pipe is no file") {
    view.add_pipe(3, kReadOnly, 10);
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("a character device with data is read") {
    view.fds[3] = FakeFd{
        "/dev/urandom", kReadOnly, FakeTraceeView::stat_of(S_IFCHR, 0, 1, FileId{5, 9}), 0, {}};
    CHECK(has(call(view, "read", {3, 0x7000, 10}), "/dev/urandom", Access::kRead));
  }
  SUBCASE("a descriptor that is gone reads nothing") {
    CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
  }
  SUBCASE("an unlinked file is read under its original path") {
    view.fds[3] = FakeFd{"/tmp/gone (deleted)", kReadOnly, FakeTraceeView::regular(10, 0), 0, {}};
    const Attribution a = call(view, "read", {3, 0x7000, 10});
    CHECK(has(a, "/tmp/gone", Access::kRead));
  }
}

// A read that returns 0 bytes is no read. /dev/null never returns more.
TEST_CASE("attribute: a read of /dev/null reads nothing") {
  FakeTraceeView view;
  view.fds[3] =
      FakeFd{"/dev/null", kReadWrite, FakeTraceeView::stat_of(S_IFCHR, 0, 1, FileId{5, 4}), 0, {}};
  CHECK(call(view, "read", {3, 0x7000, 10}).events.empty());
}

TEST_CASE("attribute: pread uses its own offset, not the fd position") {
  FakeTraceeView view;
  view.add_file(3, "/in", kReadOnly, 100, 100);  // position at the end
  CHECK(has(call(view, "pread64", {3, 0x7000, 10, 99}), "/in", Access::kRead));
  CHECK(call(view, "pread64", {3, 0x7000, 10, 100}).events.empty());
  CHECK(call(view, "pread64", {3, 0x7000, 10, 5000}).events.empty());
  SUBCASE("preadv2 with -1 falls back to the position") {
    view.put_iovecs(0x8000, {16}, 8);
    CHECK(call(view, "preadv2", {3, 0x8000, 1, ~0ULL, 0, 0}).events.empty());
    CHECK(has(call(view, "preadv2", {3, 0x8000, 1, 0, 0, 0}), "/in", Access::kRead));
  }
}

TEST_CASE("attribute: readv sums its iovec lengths") {
  FakeTraceeView view;
  view.add_file(3, "/in", kReadOnly, 100, 0);
  SUBCASE("64-bit iovecs") {
    view.put_iovecs(0x8000, {0, 0, 0}, 8);
    view.put_iovecs(0x9000, {0, 5, 0}, 8);
    CHECK(call(view, "readv", {3, 0x8000, 3}).events.empty());
    CHECK(has(call(view, "readv", {3, 0x9000, 3}), "/in", Access::kRead));
  }
  SUBCASE("ia32 iovecs are 8 bytes: a 4-byte base and a 4-byte length") {
    view.put_iovecs(0x8000, {0, 0}, 4);
    view.put_iovecs(0x9000, {0, 7}, 4);
    CHECK(call(view, "readv", {3, 0x8000, 2}, AccessTable{}, Abi::kI386).events.empty());
    CHECK(
        has(call(view, "readv", {3, 0x9000, 2}, AccessTable{}, Abi::kI386), "/in", Access::kRead));
  }
  SUBCASE("unreadable iovec memory: bytes are assumed and the loss is flagged") {
    const Attribution a = call(view, "readv", {3, 0xdead0000, 2});
    CHECK(has(a, "/in", Access::kRead));
    CHECK(a.memory_unreadable);
  }
  SUBCASE("more than UIO_MAXIOV entries fail (EINVAL) without a memory read") {
    CHECK(call(view, "readv", {3, 0x8000, 1025}).events.empty());
    CHECK(view.calls.read_memory == 0);
  }
  SUBCASE("an iovec array that is only partly mapped is unreadable") {
    view.put_iovecs(0x8000, {5}, 8);  // one entry mapped, two requested
    const Attribution a = call(view, "readv", {3, 0x8000, 2});
    CHECK(a.memory_unreadable);
  }
}

TEST_CASE("attribute: write") {
  FakeTraceeView view;
  SUBCASE("bytes into a writable file") {
    view.add_file(4, "/out", kWriteOnly, 0);
    const Attribution a = call(view, "write", {4, 0x7000, 10});
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/out", Access::kWritten));
  }
  SUBCASE("a read-only descriptor cannot write") {
    view.add_file(4, "/out", kReadOnly, 0);
    CHECK(call(view, "write", {4, 0x7000, 10}).events.empty());
  }
  SUBCASE("a zero-byte write writes nothing") {
    view.add_file(4, "/out", kReadWrite, 0);
    CHECK(call(view, "write", {4, 0x7000, 0}).events.empty());
    view.put_iovecs(0x8000, {0, 0}, 8);
    CHECK(call(view, "writev", {4, 0x8000, 2}).events.empty());
  }
  SUBCASE("pwrite64 and writev with bytes") {
    view.add_file(4, "/out", kReadWrite, 0);
    CHECK(has(call(view, "pwrite64", {4, 0x7000, 3, 1000}), "/out", Access::kWritten));
    view.put_iovecs(0x8000, {0, 1}, 8);
    CHECK(has(call(view, "writev", {4, 0x8000, 2}), "/out", Access::kWritten));
  }
}

TEST_CASE("attribute: an access already recorded for the thread costs one readlink") {
  FakeTraceeView view;
  view.add_file(3, "/in", kReadWrite, 100, 0);
  AccessTable known;
  SUBCASE("read") {
    known.record("/in", Access::kRead, kTid);
    CHECK(call(view, "read", {3, 0x7000, 10}, known).events.empty());
    CHECK(view.calls.fd_link == 1);
    CHECK(view.calls.total() == 1);
  }
  SUBCASE("write") {
    known.record("/in", Access::kWritten, kTid);
    CHECK(call(view, "write", {3, 0x7000, 10}, known).events.empty());
    CHECK(view.calls.total() == 1);
  }
  SUBCASE("another thread's read does not count for this one") {
    known.record("/in", Access::kRead, kTid + 1);
    CHECK(has(call(view, "read", {3, 0x7000, 10}, known), "/in", Access::kRead));
    CHECK(view.calls.fd_stat >= 1);
  }
  SUBCASE("a written file is still checked for reads") {
    known.record("/in", Access::kWritten, kTid);
    CHECK(has(call(view, "read", {3, 0x7000, 10}, known), "/in", Access::kRead));
  }
}

TEST_CASE("attribute: in-kernel transfers") {
  FakeTraceeView view;
  view.add_file(5, "/sink", kWriteOnly, 0, 0);
  SUBCASE("from a regular file at its end nothing moves") {
    view.add_file(3, "/src", kReadOnly, 100, 100);
    const Attribution a = call(view, "copy_file_range", {3, 0, 5, 0, 4096, 0});
    CHECK(a.events.empty());
    CHECK_FALSE(a.pending.has_value());
  }
  SUBCASE("from a regular file before its end: source read, sink written") {
    view.add_file(3, "/src", kReadOnly, 100, 10);
    const Attribution a = call(view, "copy_file_range", {3, 0, 5, 0, 4096, 0});
    CHECK(a.events.size() == 2);
    CHECK(has(a, "/src", Access::kRead));
    CHECK(has(a, "/sink", Access::kWritten));
  }
  SUBCASE("sendfile reads at its offset pointer, not at the position") {
    view.add_file(3, "/src", kReadOnly, 100, 0);
    view.put_value<std::int64_t>(0x7000, 100);
    view.put_value<std::int64_t>(0x7100, 50);
    CHECK(call(view, "sendfile", {5, 3, 0x7000, 10, 0, 0}).events.empty());
    CHECK(has(call(view, "sendfile", {5, 3, 0x7100, 10, 0, 0}), "/src", Access::kRead));
  }
  SUBCASE("ia32 sendfile's offset is a 4-byte off_t") {
    view.add_file(3, "/src", kReadOnly, 100, 0);
    // 4 bytes of 99 followed by garbage that an 8-byte read would take as the high word
    view.put_memory(0x7000, std::string("\x63\x00\x00\x00\xff\xff\xff\x7f", 8));
    CHECK(has(call(view, "sendfile", {5, 3, 0x7000, 10, 0, 0}, AccessTable{}, Abi::kI386), "/src",
              Access::kRead));
  }
  SUBCASE("a read-only sink receives nothing") {
    view.add_file(3, "/src", kReadOnly, 100, 0);
    view.add_file(6, "/ro", kReadOnly, 0, 0);
    CHECK(call(view, "copy_file_range", {3, 0, 6, 0, 4096, 0}).events.empty());
  }
  SUBCASE("from a pipe holding bytes: the sink is written") {
    view.add_pipe(3, kReadOnly, 512);
    const Attribution a = call(view, "splice", {3, 0, 5, 0, 4096, 0});
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/sink", Access::kWritten));
    CHECK_FALSE(a.pending.has_value());
  }
  SUBCASE("from an empty pipe: a check settled by the sink's position") {
    view.add_pipe(3, kReadOnly, 0);
    view.fds[5].position = 40;
    const Attribution a = call(view, "splice", {3, 0, 5, 0, 4096, 0});
    CHECK(a.events.empty());
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->fd == 5);
    CHECK(a.pending->offset_ptr == 0);
    CHECK(a.pending->before == 40);
    CHECK(a.pending->path == "/sink");

    SUBCASE("the position moved: written") {
      view.fds[5].position = 48;
      const std::vector<FileEvent> settled = settle(*a.pending, view, AccessTable{}).events;
      REQUIRE(settled.size() == 1);
      CHECK(settled[0].path == "/sink");
      CHECK(settled[0].access == Access::kWritten);
    }
    SUBCASE("the position did not move: nothing") {
      CHECK(settle(*a.pending, view, AccessTable{}).events.empty());
    }
    SUBCASE("the sink is gone: nothing") {
      view.fds.erase(5);
      CHECK(settle(*a.pending, view, AccessTable{}).events.empty());
    }
  }
  SUBCASE("from an empty pipe to an explicit output offset: settled by that offset") {
    view.add_pipe(3, kReadOnly, 0);
    view.put_value<std::int64_t>(0x7008, 4096);
    const Attribution a = call(view, "splice", {3, 0, 5, 0x7008, 4096, 0});
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->offset_ptr == 0x7008);
    CHECK(a.pending->before == 4096);
    CHECK(settle(*a.pending, view, AccessTable{}).events.empty());
    view.put_value<std::int64_t>(0x7008, 4100);
    CHECK(settle(*a.pending, view, AccessTable{}).events.size() == 1);
  }
}

TEST_CASE("attribute: mappings") {
  FakeTraceeView view;
  SUBCASE("PROT_READ before the end of a readable file reads it") {
    view.add_file(3, "/lib.so", kReadOnly, 8192);
    CHECK(has(call(view, "mmap", {0, 4096, PROT_READ, MAP_PRIVATE, 3, 4096}), "/lib.so",
              Access::kRead));
  }
  SUBCASE("PROT_EXEC counts as reading, as ld.so maps code") {
    view.add_file(3, "/lib.so", kReadOnly, 8192);
    CHECK(
        has(call(view, "mmap", {0, 4096, PROT_EXEC, MAP_PRIVATE, 3, 0}), "/lib.so", Access::kRead));
  }
  SUBCASE("at or beyond the end there is nothing to read") {
    view.add_file(3, "/lib.so", kReadOnly, 8192);
    CHECK(call(view, "mmap", {0, 4096, PROT_READ, MAP_PRIVATE, 3, 8192}).events.empty());
  }
  SUBCASE("MAP_SHARED with PROT_WRITE on a read-write fd writes") {
    view.add_file(3, "/db", kReadWrite, 8192);
    const Attribution w = call(view, "mmap", {0, 4096, PROT_WRITE, MAP_SHARED, 3, 0});
    CHECK(w.events.size() == 1);
    CHECK(has(w, "/db", Access::kWritten));
    const Attribution rw = call(view, "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0});
    CHECK(has(rw, "/db", Access::kRead));
    CHECK(has(rw, "/db", Access::kWritten));
  }
  SUBCASE("MAP_PRIVATE with PROT_WRITE writes nothing back") {
    view.add_file(3, "/db", kReadWrite, 8192);
    const Attribution a = call(view, "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3, 0});
    CHECK(has(a, "/db", Access::kRead));
    CHECK_FALSE(has(a, "/db", Access::kWritten));
  }
  SUBCASE("a write-only fd cannot be mapped (EACCES)") {
    view.add_file(3, "/out", kWriteOnly, 8192);
    CHECK(call(view, "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0}).events.empty());
  }
  SUBCASE("a shared writable mapping of a read-only fd fails (EACCES)") {
    view.add_file(3, "/ro", kReadOnly, 8192);
    CHECK_FALSE(has(call(view, "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0}), "/ro",
                    Access::kWritten));
  }
  SUBCASE("a zero length fails (EINVAL)") {
    view.add_file(3, "/lib.so", kReadOnly, 8192);
    CHECK(call(view, "mmap", {0, 0, PROT_READ, MAP_PRIVATE, 3, 0}).events.empty());
  }
  SUBCASE("ia32 mmap2 offsets are pages") {
    view.add_file(3, "/lib.so", kReadOnly, 8192);
    CHECK(
        has(call(view, "mmap2", {0, 4096, PROT_READ, MAP_PRIVATE, 3, 1}, AccessTable{}, Abi::kI386),
            "/lib.so", Access::kRead));
    CHECK(call(view, "mmap2", {0, 4096, PROT_READ, MAP_PRIVATE, 3, 2}, AccessTable{}, Abi::kI386)
              .events.empty());
  }
}

TEST_CASE("attribute: a released descriptor's file was opened") {
  FakeTraceeView view;
  SUBCASE("close of a file") {
    view.add_file(3, "/f", kReadOnly, 0);
    const Attribution a = call(view, "close", {3});
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/f", Access::kOpened));
  }
  SUBCASE("close of a directory, an O_PATH fd or a pipe opens nothing") {
    view.add_directory(3, "/dir");
    view.add_file(4, "/p", kOPath, 10);
    view.add_pipe(5, kWriteOnly, 0);
    CHECK(call(view, "close", {3}).events.empty());
    CHECK(call(view, "close", {4}).events.empty());
    CHECK(call(view, "close", {5}).events.empty());
  }
  SUBCASE("a path already in the log is not looked at further") {
    view.add_file(3, "/f", kReadOnly, 0);
    AccessTable known;
    known.record("/f", Access::kOpened, kTid + 7);
    CHECK(call(view, "close", {3}, known).events.empty());
    CHECK(view.calls.total() == 1);
  }
  SUBCASE("dup2 releases its second descriptor") {
    view.add_file(3, "/old", kReadOnly, 0);
    view.add_file(1, "/replaced", kWriteOnly, 0);
    const Attribution a = call(view, "dup2", {3, 1});
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/replaced", Access::kOpened));
  }
}

TEST_CASE("attribute: close_range, exec and exit_group scan the descriptor table") {
  FakeTraceeView view;
  view.add_pipe(1, kWriteOnly, 0);
  view.add_file(3, "/a", kReadOnly, 0);
  view.add_file(5, "/b", kReadWrite, 0);
  view.add_file(7, "/c", kWriteOnly, 0);
  view.add_directory(8, "/d");
  SUBCASE("close_range releases only its range") {
    const Attribution a = call(view, "close_range", {4, 6});
    CHECK(view.calls.open_fds == 1);
    CHECK(a.events.size() == 1);
    CHECK(has(a, "/b", Access::kOpened));
  }
  SUBCASE("close_range up to ~0U") {
    const Attribution a = call(view, "close_range", {5, 0xffffffff});
    CHECK(a.events.size() == 2);
    CHECK(has(a, "/b", Access::kOpened));
    CHECK(has(a, "/c", Access::kOpened));
  }
  SUBCASE("exec and exit_group release every descriptor") {
    for (const char* name : {"execve", "exit_group"}) {
      const std::string captured = name;
      CAPTURE(captured);
      const Attribution a = call(view, name, {});
      CHECK(a.events.size() == 3);
      CHECK(has(a, "/a", Access::kOpened));
      CHECK(has(a, "/b", Access::kOpened));
      CHECK(has(a, "/c", Access::kOpened));
    }
  }
}

TEST_CASE("attribute: a thread's exit and io_uring_setup touch no file") {
  FakeTraceeView view;
  view.add_file(3, "/a", kReadOnly, 0);
  CHECK(call(view, "exit", {}).events.empty());
  CHECK(call(view, "io_uring_setup", {8, 0x7000}).events.empty());
  CHECK(view.calls.total() == 0);
}

TEST_CASE("file_path_of") {
  FakeTraceeView view;
  SUBCASE("an unlinked file (no links left) is reported without the suffix") {
    view.fds[3] = FakeFd{"/tmp/f (deleted)", kReadOnly, FakeTraceeView::regular(1, 0), 0, {}};
    CHECK(file_path_of(view, 3) == std::optional<std::string>("/tmp/f"));
  }
  SUBCASE("a linked file whose name ends in \" (deleted)\" keeps its whole name") {
    view.fds[3] = FakeFd{"/tmp/f (deleted)", kReadOnly, FakeTraceeView::regular(1, 1), 0, {}};
    CHECK(file_path_of(view, 3) == std::optional<std::string>("/tmp/f (deleted)"));
  }
  SUBCASE("objects without a path") {
    view.fds[3] = FakeFd{"/memfd:x (deleted)", kReadWrite, FakeTraceeView::regular(1, 0), 0, {}};
    view.add_pipe(4, kReadOnly, 0);
    view.fds[5] = FakeFd{
        "socket:[77]", kReadWrite, FakeTraceeView::stat_of(S_IFSOCK, 0, 1, FileId{}), {}, {}};
    view.fds[6] = FakeFd{"anon_inode:[eventfd]", kReadWrite, {}, {}, {}};
    CHECK_FALSE(file_path_of(view, 3).has_value());
    CHECK_FALSE(file_path_of(view, 4).has_value());
    CHECK_FALSE(file_path_of(view, 5).has_value());
    CHECK_FALSE(file_path_of(view, 6).has_value());
  }
  SUBCASE("negative descriptors are not looked up") {
    CHECK_FALSE(file_path_of(view, -100).has_value());
    CHECK(view.calls.fd_link == 0);
  }
  SUBCASE("a plain path needs no stat") {
    view.add_file(3, "/x", kReadOnly, 0);
    CHECK(file_path_of(view, 3) == std::optional<std::string>("/x"));
    CHECK(view.calls.fd_stat == 0);
  }
}
#endif

}  // namespace roar::seccomp
