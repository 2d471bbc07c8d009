// Tests of the rules of reflink clones, Linux AIO, mprotect and ia32's old mmap on a fake tracee.
#include <doctest/doctest.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
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
constexpr FdAccess kReadOnly{true, false};
constexpr FdAccess kWriteOnly{false, true};
constexpr FdAccess kReadWrite{true, true};
constexpr Timestamp kNow{1000, 0};
constexpr Timestamp kEarlier{900, 0};

struct Env {
  FakeTraceeView view;
  AccessTable known;
  FileFacts facts;

  Attribution call(const char* name, const Regs& regs, Abi abi = Abi::kX86_64,
                   std::optional<std::uint32_t> request = std::nullopt) {
    const SyscallSpec& spec = spec_named(name, abi, request);
    const AbiInfo& info = host_abi(abi);
    return attribute(spec, decode_args(spec, info, regs), info, view,
                     CallContext{known, kTid, kPid, &facts, kNow});
  }
  // A regular file at `path` behind descriptor `fd`, changed at `ctime`.
  FakeFd& file(int fd, const std::string& path, FdAccess access, std::uint64_t size,
               Timestamp ctime = kEarlier) {
    FakeFd& f = view.add_file(fd, path, access, size);
    f.stat->ctime = ctime;
    view.files[path] = *f.stat;
    return f;
  }
  // What the destination looks like after the call (size and change time).
  void changed(int fd, std::uint64_t size, Timestamp ctime) {
    FakeFd& f = view.fds[fd];
    f.stat->size = size;
    f.stat->ctime = ctime;
    view.files[*f.link] = *f.stat;
  }
};

bool has(const std::vector<FileEvent>& events, const std::string& path, Access access) {
  return std::any_of(events.begin(), events.end(),
                     [&](const FileEvent& e) { return e.path == path && e.access == access; });
}

Mapping mapping(std::uint64_t start, std::uint64_t end, bool shared, bool may_write,
                std::uint64_t ino, std::string name) {
  Mapping m;
  m.start = start;
  m.end = end;
  m.shared = shared;
  m.may_write = may_write;
  m.id = FileId{ino == 0 ? 0U : 1U, ino};
  m.name = std::move(name);
  return m;
}

// struct iocb bytes in the tracee's memory.
std::string iocb_bytes(std::uint16_t opcode, int fd, std::uint64_t buf, std::uint64_t n,
                       std::int64_t offset) {
  iocb cb{};
  cb.aio_lio_opcode = opcode;
  cb.aio_fildes = static_cast<std::uint32_t>(fd);
  cb.aio_buf = buf;
  cb.aio_nbytes = n;
  cb.aio_offset = offset;
  std::string bytes(sizeof cb, '\0');
  std::memcpy(bytes.data(), &cb, sizeof cb);
  return bytes;
}

constexpr std::uint64_t kIocbs = 0x50000;  // the pointer array
constexpr std::uint64_t kIocb0 = 0x51000;
constexpr std::uint64_t kIocb1 = 0x52000;
constexpr std::uint64_t kIocb2 = 0x53000;

void put_iocb_pointers(FakeTraceeView& view, const std::vector<std::uint64_t>& pointers,
                       unsigned width) {
  std::string bytes;
  for (const std::uint64_t p : pointers) {
    bytes.append(reinterpret_cast<const char*>(&p), width);
  }
  view.put_memory(kIocbs, bytes);
}

}  // namespace

TEST_CASE("attribute: FICLONE") {
  Env env;
  env.file(3, "/w/src", kReadOnly, 8192);
  env.file(4, "/w/dst", kReadWrite, 0, kNow);  // just created, as cp does
  const Regs regs{4, FICLONE, 3};

  SUBCASE("into an empty destination: its size tells whether the clone worked") {
    const Attribution a = env.call("ioctl", regs, Abi::kX86_64, FICLONE);
    CHECK(a.events.empty());
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->kind == Kind::kCloned);
    CHECK(a.pending->size_decides);
    // Refused (EOPNOTSUPP, EXDEV): the destination is as it was, although changed this tick.
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
    env.changed(4, 8192, kNow);
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 2);
    CHECK(has(s.events, "/w/src", Access::kRead));
    CHECK(has(s.events, "/w/dst", Access::kWritten));
  }
  SUBCASE("an empty source shares nothing") {
    env.file(3, "/w/src", kReadOnly, 0);
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
  }
  SUBCASE("a source not open for reading or a destination not open for writing: EBADF") {
    env.file(3, "/w/src", kWriteOnly, 8192);
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
    env.file(3, "/w/src", kReadOnly, 8192);
    env.file(4, "/w/dst", kReadOnly, 0);
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
  }
  SUBCASE("only regular files clone") {
    env.view.add_directory(4, "/w/d");
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
    env.view.add_pipe(3, kReadOnly, 10);
    env.file(4, "/w/dst", kReadWrite, 0);
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
  }
  SUBCASE("what is already recorded for this thread needs no check") {
    env.known.record("/w/src", Access::kRead, kTid);
    env.known.record("/w/dst", Access::kWritten, kTid);
    CHECK_FALSE(env.call("ioctl", regs, Abi::kX86_64, FICLONE).pending.has_value());
    env.known = AccessTable{};
    env.known.record("/w/dst", Access::kWritten, kTid);
    const Attribution a = env.call("ioctl", regs, Abi::kX86_64, FICLONE);
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->path.empty());
    env.changed(4, 8192, kNow);
    const Settlement s = settle(*a.pending, env.view, env.known);
    CHECK(s.events.size() == 1);
    CHECK(has(s.events, "/w/src", Access::kRead));
  }
  SUBCASE("reading back a file this process truncated is no read") {
    env.facts.truncating_fd(kPid, 3, env.view.fds[3].stat->id);
    const Attribution a = env.call("ioctl", regs, Abi::kX86_64, FICLONE);
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->source.empty());
  }
}

TEST_CASE("attribute: FICLONERANGE") {
  Env env;
  env.file(3, "/w/src", kReadOnly, 16384);
  env.file(4, "/w/dst", kReadWrite, 16384);
  constexpr std::uint64_t kRange = 0x60000;
  const auto range = [&](std::int64_t src, std::uint64_t src_offset, std::uint64_t length,
                         std::uint64_t dest_offset) {
    const std::uint64_t words[4] = {static_cast<std::uint64_t>(src), src_offset, length,
                                    dest_offset};
    std::string bytes(sizeof words, '\0');
    std::memcpy(bytes.data(), words, sizeof words);
    env.view.put_memory(kRange, bytes);
    return env.call("ioctl", {4, FICLONERANGE, kRange}, Abi::kX86_64, FICLONERANGE);
  };

  SUBCASE("inside the destination: its change time tells") {
    const Attribution a = range(3, 4096, 4096, 0);
    REQUIRE(a.pending.has_value());
    CHECK_FALSE(a.pending->size_decides);
    CHECK_FALSE(a.pending->assume_done);
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
    env.changed(4, 16384, kNow);
    CHECK(settle(*a.pending, env.view, env.known).events.size() == 2);
  }
  SUBCASE("a destination changed in this clock tick: unchanged counts as done") {
    env.changed(4, 16384, kNow);
    const Attribution a = range(3, 0, 4096, 0);
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->assume_done);
    CHECK(settle(*a.pending, env.view, env.known).events.size() == 2);
  }
  SUBCASE("to the source's end, past the destination's: the size decides") {
    const Attribution a = range(3, 8192, 0, 12288);  // 8 KiB from 12 KiB: ends at 20 KiB
    REQUIRE(a.pending.has_value());
    CHECK(a.pending->size_decides);
    env.changed(4, 16384, Timestamp{2000, 0});  // touched, but not grown: not this clone
    CHECK(settle(*a.pending, env.view, env.known).events.empty());
  }
  SUBCASE("an offset at or past the source's end shares nothing") {
    CHECK_FALSE(range(3, 16384, 0, 0).pending.has_value());
  }
  SUBCASE("a source descriptor that is not an int is refused") {
    CHECK_FALSE(range(0x1'0000'0003, 0, 0, 0).pending.has_value());
  }
  SUBCASE("an unreadable argument makes the report incomplete") {
    env.view.memory.clear();
    const Attribution a = env.call("ioctl", {4, FICLONERANGE, kRange}, Abi::kX86_64, FICLONERANGE);
    CHECK(a.unattributed != nullptr);
    CHECK(a.events.empty());
  }
}

TEST_CASE("settle: a clone whose destination descriptor was released is judged by its name") {
  Env env;
  env.file(3, "/w/src", kReadOnly, 100);
  env.file(4, "/w/dst", kReadWrite, 0);
  const Attribution a = env.call("ioctl", {4, FICLONE, 3}, Abi::kX86_64, FICLONE);
  REQUIRE(a.pending.has_value());
  env.view.files["/w/dst"].size = 100;
  env.view.fds.erase(4);
  CHECK(settle(*a.pending, env.view, env.known).events.size() == 2);
  env.view.files["/w/dst"].id.ino = 77;  // another file now has the name
  CHECK(settle(*a.pending, env.view, env.known).events.empty());
}

TEST_CASE("attribute: io_submit") {
  Env env;
  env.file(3, "/w/in", kReadOnly, 100);
  env.file(4, "/w/out", kWriteOnly, 0);

  SUBCASE("each iocb is a pread or a pwrite") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 64, 0));
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PWRITE, 4, 0x9000, 10, 0));
    const Attribution a = env.call("io_submit", {0x1234, 2, kIocbs});
    CHECK(a.events.size() == 2);
    CHECK(has(a.events, "/w/in", Access::kRead));
    CHECK(has(a.events, "/w/out", Access::kWritten));
  }
  SUBCASE("vectored iocbs sum their iovecs") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1}, 8);
    env.view.put_iovecs(0x9000, {0, 0}, 8);
    env.view.put_iovecs(0xa000, {0, 5}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PREADV, 3, 0x9000, 2, 0));
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PWRITEV, 4, 0xa000, 2, 0));
    const Attribution a = env.call("io_submit", {0x1234, 2, kIocbs});
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/out", Access::kWritten));
  }
  SUBCASE("a read at the end of the file or of zero bytes reads nothing") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1, kIocb2}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 64, 100));
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 0, 0));
    env.view.put_memory(kIocb2, iocb_bytes(IOCB_CMD_FSYNC, 4, 0, 0, 0));
    CHECK(env.call("io_submit", {0x1234, 3, kIocbs}).events.empty());
  }
  SUBCASE("submission stops at the first iocb the kernel refuses") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1, kIocb2}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PWRITE, 4, 0x9000, 10, 0));
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PREAD, 4, 0x9000, 10, 0));  // EBADF
    env.view.put_memory(kIocb2, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 10, 0));
    const Attribution a = env.call("io_submit", {0x1234, 3, kIocbs});
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/out", Access::kWritten));
  }
  SUBCASE("an unknown opcode or a reserved field stops it too") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(4, 3, 0x9000, 10, 0));  // the old PREADX
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 10, 0));
    CHECK(env.call("io_submit", {0x1234, 2, kIocbs}).events.empty());
  }
  SUBCASE("the iocbs cannot be read at all: the report is incomplete") {
    const Attribution a = env.call("io_submit", {0x1234, 1, kIocbs});
    CHECK(a.events.empty());
    CHECK(a.unattributed != nullptr);
  }
  SUBCASE("an array that ends early stops the kernel with EFAULT, not us") {
    put_iocb_pointers(env.view, {kIocb0}, 8);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PREAD, 3, 0x9000, 64, 0));
    const Attribution a = env.call("io_submit", {0x1234, 100, kIocbs});
    CHECK(a.events.size() == 1);
    CHECK(a.unattributed == nullptr);
  }
  SUBCASE("ia32: 32-bit pointers, the same iocbs, 32-bit iovecs") {
    put_iocb_pointers(env.view, {kIocb0, kIocb1}, 4);
    env.view.put_iovecs(0x9000, {0, 3}, 4);
    env.view.put_memory(kIocb0, iocb_bytes(IOCB_CMD_PREADV, 3, 0x9000, 2, 0));
    env.view.put_memory(kIocb1, iocb_bytes(IOCB_CMD_PWRITE, 4, 0x9000, 1, 0));
    const Attribution a = env.call("io_submit", {0x1234, 2, kIocbs}, Abi::kI386);
    CHECK(a.events.size() == 2);
  }
}

TEST_CASE("attribute: mmap notes a shared mapping through a writable descriptor") {
  Env env;
  env.file(3, "/w/f", kReadWrite, 8192);
  env.file(4, "/w/g", kReadOnly, 8192);
  SUBCASE("shared and writable descriptor: noted, even without PROT_WRITE") {
    const Attribution a = env.call("mmap", {0, 8192, PROT_READ, MAP_SHARED, 3, 0});
    CHECK(a.writable_shared_mapping);
    CHECK(has(a.events, "/w/f", Access::kRead));
  }
  SUBCASE("a read-only descriptor or a private mapping: not") {
    CHECK_FALSE(env.call("mmap", {0, 8192, PROT_READ, MAP_SHARED, 4, 0}).writable_shared_mapping);
    CHECK_FALSE(env.call("mmap", {0, 8192, PROT_READ, MAP_PRIVATE, 3, 0}).writable_shared_mapping);
  }
  SUBCASE("once noted, never again") {
    env.facts.note_writable_shared_mapping();
    CHECK_FALSE(env.call("mmap", {0, 8192, PROT_READ, MAP_SHARED, 3, 0}).writable_shared_mapping);
  }
}

TEST_CASE("attribute: ia32 old mmap reads its arguments from memory") {
  Env env;
  env.file(3, "/w/f", kReadWrite, 8192);
  const auto put = [&](std::uint32_t prot, std::uint32_t flags) {
    const std::uint32_t words[6] = {0, 8192, prot, flags, 3, 0};
    std::string bytes(sizeof words, '\0');
    std::memcpy(bytes.data(), words, sizeof words);
    env.view.put_memory(0x7000, bytes);
    return env.call("mmap", {0x7000}, Abi::kI386);
  };
  const Attribution shared = put(PROT_READ | PROT_WRITE, MAP_SHARED);
  CHECK(has(shared.events, "/w/f", Access::kRead));
  CHECK(has(shared.events, "/w/f", Access::kWritten));
  CHECK(put(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS).events.empty());
  env.view.memory.clear();
  CHECK(env.call("mmap", {0x7000}, Abi::kI386).unattributed != nullptr);
}

TEST_CASE("attribute: mprotect adding PROT_WRITE") {
  Env env;
  constexpr std::uint64_t kBase = 0x7f0000000000;
  const Regs regs{kBase, 3 * 4096, PROT_READ | PROT_WRITE};

  SUBCASE("before any shared mapping through a writable descriptor, nothing is read") {
    CHECK(env.call("mprotect", regs).events.empty());
    CHECK(env.view.calls.mappings == 0);
  }
  env.facts.note_writable_shared_mapping();
  SUBCASE("a shared mapping of a file opened for writing: written") {
    env.view.maps = std::vector<Mapping>{mapping(kBase, kBase + 3 * 4096, true, true, 5, "/w/f")};
    const Attribution a = env.call("mprotect", regs);
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/f", Access::kWritten));
    env.known.record("/w/f", Access::kWritten, kTid);
    CHECK(env.call("mprotect", regs).events.empty());
  }
  SUBCASE("private mappings are passed over; the shared one after them counts") {
    env.view.maps =
        std::vector<Mapping>{mapping(kBase, kBase + 4096, false, true, 0, ""),
                             mapping(kBase + 4096, kBase + 2 * 4096, false, true, 6, "/w/private"),
                             mapping(kBase + 2 * 4096, kBase + 3 * 4096, true, true, 5, "/w/f")};
    const Attribution a = env.call("mprotect", regs);
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/f", Access::kWritten));
  }
  SUBCASE("the kernel stops at a mapping that may not become writable (EACCES)") {
    env.view.maps =
        std::vector<Mapping>{mapping(kBase, kBase + 4096, true, false, 4, "/w/ro"),
                             mapping(kBase + 4096, kBase + 3 * 4096, true, true, 5, "/w/f")};
    CHECK(env.call("mprotect", regs).events.empty());
  }
  SUBCASE("and at a hole (ENOMEM), keeping what came before it") {
    env.view.maps = std::vector<Mapping>{
        mapping(kBase, kBase + 4096, true, true, 5, "/w/f"),
        mapping(kBase + 2 * 4096, kBase + 3 * 4096, true, true, 7, "/w/after")};
    const Attribution a = env.call("mprotect", regs);
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/f", Access::kWritten));
    env.view.maps =
        std::vector<Mapping>{mapping(kBase + 4096, kBase + 3 * 4096, true, true, 5, "/w/f")};
    CHECK(env.call("mprotect", regs).events.empty());  // the range starts in a hole
  }
  SUBCASE("shared memory without a file, and files without a name, are no paths") {
    env.view.maps = std::vector<Mapping>{
        mapping(kBase, kBase + 4096, true, true, 8, "/dev/zero (deleted)"),
        mapping(kBase + 4096, kBase + 2 * 4096, true, true, 9, "/SYSV00000000 (deleted)"),
        mapping(kBase + 2 * 4096, kBase + 3 * 4096, true, true, 10, "/memfd:x (deleted)")};
    CHECK(env.call("mprotect", regs).events.empty());
  }
  SUBCASE("an unlinked file keeps its name; an O_TMPFILE file is named by linkat") {
    env.view.maps = std::vector<Mapping>{
        mapping(kBase, kBase + 4096, true, true, 11, "/w/gone (deleted)"),
        mapping(kBase + 4096, kBase + 3 * 4096, true, true, 12, "/w/#12 (deleted)")};
    Attribution a = env.call("mprotect", regs);
    CHECK(a.events.size() == 1);
    CHECK(has(a.events, "/w/gone", Access::kWritten));
    env.facts.name_tmpfile(FileId{1, 12}, "/w/named");
    a = env.call("mprotect", regs);
    CHECK(has(a.events, "/w/named", Access::kWritten));
  }
  SUBCASE("an unaligned start fails (EINVAL); a zero length does nothing") {
    env.view.maps = std::vector<Mapping>{mapping(kBase, kBase + 3 * 4096, true, true, 5, "/w/f")};
    CHECK(env.call("mprotect", {kBase + 1, 4096, PROT_READ | PROT_WRITE}).events.empty());
    CHECK(env.call("mprotect", {kBase, 0, PROT_READ | PROT_WRITE}).events.empty());
  }
  SUBCASE("mappings that cannot be read make the report incomplete") {
    env.view.maps.reset();
    CHECK(env.call("mprotect", regs).unattributed != nullptr);
  }
  SUBCASE("pkey_mprotect is the same rule") {
    env.view.maps = std::vector<Mapping>{mapping(kBase, kBase + 3 * 4096, true, true, 5, "/w/f")};
    CHECK(has(env.call("pkey_mprotect", {kBase, 3 * 4096, PROT_WRITE, UINT32_MAX}).events, "/w/f",
              Access::kWritten));
  }
}
#endif

}  // namespace roar::seccomp
