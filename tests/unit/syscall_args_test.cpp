// Tests of decode_args: register layouts per ABI, driven by the table's argument roles.
#include "roar/seccomp/filters/syscall_args.hpp"

#include <doctest/doctest.h>
#include <sys/mman.h>

#include "test_support.hpp"

namespace roar::seccomp {

#if defined(__x86_64__)
namespace {

using Regs = std::array<std::uint64_t, 6>;

SyscallArgs decode(const char* name, Abi abi, const Regs& regs) {
  return decode_args(spec_named(name, abi), host_abi(abi), regs);
}

}  // namespace

TEST_CASE("decode_args: read family") {
  SUBCASE("read names the fd and the count, and nothing else") {
    const SyscallArgs a = decode("read", Abi::kX86_64, {5, 0x7000, 100, 0, 0, 0});
    CHECK(a.fd_in == 5);
    CHECK(a.count == std::optional<std::uint64_t>(100));
    CHECK(a.fd_out == kNoFd);
    CHECK_FALSE(a.offset.has_value());
    CHECK_FALSE(a.iov_count.has_value());
  }
  SUBCASE("pread64 takes its offset from one register on x86-64") {
    const SyscallArgs a = decode("pread64", Abi::kX86_64, {3, 0x7000, 10, 0x123456789a, 0, 0});
    CHECK(a.offset == std::optional<std::int64_t>(0x123456789a));
  }
  SUBCASE("pread64 on ia32 joins the low and the high register") {
    const SyscallArgs a = decode("pread64", Abi::kI386, {3, 0x7000, 10, 0x89abcdef, 0x1, 0});
    CHECK(a.offset == std::optional<std::int64_t>(0x189abcdefLL));
    CHECK(a.count == std::optional<std::uint64_t>(10));
  }
  SUBCASE("readv names the iovec array and its length") {
    const SyscallArgs a = decode("readv", Abi::kX86_64, {4, 0x7000, 3, 0, 0, 0});
    CHECK(a.fd_in == 4);
    CHECK(a.iovec == 0x7000);
    CHECK(a.iov_count == std::optional<std::uint64_t>(3));
    CHECK_FALSE(a.count.has_value());
  }
  SUBCASE("preadv2 with offset -1 reads at the fd position") {
    CHECK_FALSE(decode("preadv2", Abi::kX86_64, {3, 0x7000, 1, ~0ULL, 0, 0}).offset.has_value());
    CHECK_FALSE(decode("preadv2", Abi::kI386, {3, 0x7000, 1, 0xffffffff, 0xffffffff, 0})
                    .offset.has_value());
    CHECK(decode("preadv2", Abi::kX86_64, {3, 0x7000, 1, 0, 0, 0}).offset ==
          std::optional<std::int64_t>(0));
    CHECK(decode("preadv2", Abi::kI386, {3, 0x7000, 1, 16, 0, 0}).offset ==
          std::optional<std::int64_t>(16));
  }
}

TEST_CASE("decode_args: descriptors use the low 32 bits of their register") {
  CHECK(decode("read", Abi::kX86_64, {0xffffffff00000005ULL, 0, 1, 0, 0, 0}).fd_in == 5);
  CHECK(decode("write", Abi::kX86_64, {0xffffffffffffff9cULL, 0, 1, 0, 0, 0}).fd_out == -100);
  CHECK(decode("write", Abi::kX86_64, {0xffffff9cULL, 0, 1, 0, 0, 0}).fd_out == -100);
  CHECK(decode("close", Abi::kX86_64, {0xabcd000000000007ULL, 0, 0, 0, 0, 0}).fd_closed == 7);
}

TEST_CASE("decode_args: in-kernel copies") {
  SUBCASE("sendfile's off_t is 8 bytes on x86-64") {
    const SyscallArgs a = decode("sendfile", Abi::kX86_64, {1, 3, 0x7ff0, 4096, 0, 0});
    CHECK(a.fd_out == 1);
    CHECK(a.fd_in == 3);
    CHECK(a.offset_in_ptr == 0x7ff0);
    CHECK(a.offset_in_size == 8);
    CHECK(a.count == std::optional<std::uint64_t>(4096));
  }
  SUBCASE("sendfile's off_t is 4 bytes on ia32") {
    const SyscallArgs a = decode("sendfile", Abi::kI386, {1, 3, 0x7ff0, 4096, 0, 0});
    CHECK(a.offset_in_ptr == 0x7ff0);
    CHECK(a.offset_in_size == 4);
  }
  SUBCASE("sendfile's off_t is 8 bytes on x32, whose pointers are 32 bits") {
    const SyscallArgs a = decode("sendfile", Abi::kX32, {1, 3, 0xdead00007ff0ULL, 4096, 0, 0});
    CHECK(a.offset_in_ptr == 0x7ff0);
    CHECK(a.offset_in_size == 8);
  }
  SUBCASE("sendfile64 on ia32 takes a loff_t") {
    const SyscallArgs a = decode("sendfile64", Abi::kI386, {1, 3, 0x7ff0, 4096, 0, 0});
    CHECK(a.fd_in == 3);
    CHECK(a.fd_out == 1);
    CHECK(a.offset_in_size == 8);
  }
  SUBCASE("splice and copy_file_range name both sides and both offsets") {
    for (const char* name : {"splice", "copy_file_range"}) {
      const std::string captured = name;
      CAPTURE(captured);
      const SyscallArgs a = decode(name, Abi::kX86_64, {3, 0x7000, 4, 0x7008, 65536, 0});
      CHECK(a.fd_in == 3);
      CHECK(a.offset_in_ptr == 0x7000);
      CHECK(a.offset_in_size == 8);
      CHECK(a.fd_out == 4);
      CHECK(a.offset_out_ptr == 0x7008);
      CHECK(a.count == std::optional<std::uint64_t>(65536));
    }
  }
}

TEST_CASE("decode_args: mappings") {
  SUBCASE("mmap on x86-64") {
    const SyscallArgs a =
        decode("mmap", Abi::kX86_64, {0, 8192, PROT_READ, MAP_PRIVATE, 3, 0x200000000ULL});
    CHECK(a.fd_mapped == 3);
    CHECK(a.map_length == 8192);
    CHECK(a.map_prot == PROT_READ);
    CHECK(a.map_flags == MAP_PRIVATE);
    CHECK(a.map_offset == 0x200000000ULL);
  }
  SUBCASE("mmap2 on ia32 counts its offset in 4096-byte pages") {
    const SyscallArgs a =
        decode("mmap2", Abi::kI386, {0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 3});
    CHECK(a.map_offset == 3 * 4096);
    CHECK(a.map_prot == (PROT_READ | PROT_WRITE));
    CHECK(a.map_flags == MAP_SHARED);
    // Page offsets reach beyond 4 GiB: the product must not wrap at 32 bits.
    CHECK(decode("mmap2", Abi::kI386, {0, 4096, PROT_READ, MAP_PRIVATE, 3, 0x100000}).map_offset ==
          0x100000000ULL);
  }
}

TEST_CASE("decode_args: descriptor life cycle") {
  CHECK(decode("close", Abi::kX86_64, {9, 0, 0, 0, 0, 0}).fd_closed == 9);
  const SyscallArgs range = decode("close_range", Abi::kX86_64, {3, 0xffffffff, 0, 0, 0, 0});
  CHECK(range.fd_first == 3);
  CHECK(range.fd_last == 0xffffffffU);
  // dup2(old, new) releases whatever `new` referred to, not `old`.
  const SyscallArgs dup = decode("dup2", Abi::kX86_64, {3, 1, 0, 0, 0, 0});
  CHECK(dup.fd_closed == 1);
}

TEST_CASE("decode_args: path operations") {
  SUBCASE("openat: directory fd, path address and flags") {
    const SyscallArgs a = decode("openat", Abi::kX86_64, {0xffffff9c, 0x1000, 01101, 0644, 0, 0});
    CHECK(a.path_dirfd == kAtFdCwd);
    CHECK(a.path == 0x1000);
    CHECK(a.open_flags == std::optional<std::uint32_t>(01101));
  }
  SUBCASE("open has no directory fd: relative paths start at the cwd") {
    const SyscallArgs a = decode("open", Abi::kX86_64, {0x1000, 01101, 0644, 0, 0, 0});
    CHECK(a.path_dirfd == kAtFdCwd);
    CHECK(a.open_flags == std::optional<std::uint32_t>(01101));
  }
  SUBCASE("creat has no flags at all") {
    CHECK_FALSE(decode("creat", Abi::kX86_64, {0x1000, 0644, 0, 0, 0, 0}).open_flags.has_value());
  }
  SUBCASE("renameat2 and linkat") {
    const SyscallArgs r = decode("renameat2", Abi::kX86_64, {3, 0x1000, 4, 0x2000, 2, 0});
    CHECK(r.path_dirfd == 3);
    CHECK(r.path == 0x1000);
    CHECK(r.new_path_dirfd == 4);
    CHECK(r.new_path == 0x2000);
    CHECK(r.rename_flags == 2);
    const SyscallArgs l = decode("linkat", Abi::kX86_64, {3, 0x1000, 4, 0x2000, 0x1000, 0});
    CHECK(l.at_flags == 0x1000);
  }
  SUBCASE("x32 path pointers are 32 bits wide") {
    CHECK(decode("rename", Abi::kX32, {0xffffffff00001000ULL, 0x2000, 0, 0, 0, 0}).path == 0x1000);
  }
}

TEST_CASE("decode_args: lengths as wide as the kernel's long or off_t") {
  CHECK(decode("truncate", Abi::kX86_64, {0x1000, 0x140000000ULL, 0, 0, 0, 0}).length ==
        std::optional<std::int64_t>(0x140000000LL));
  CHECK(decode("ftruncate", Abi::kX86_64, {3, ~0ULL, 0, 0, 0, 0}).length ==
        std::optional<std::int64_t>(-1));
  // ia32's long is 32 bits: its sign bit is the value's.
  CHECK(decode("ftruncate", Abi::kI386, {3, 0xffffffff, 0, 0, 0, 0}).length ==
        std::optional<std::int64_t>(-1));
  CHECK(decode("ftruncate64", Abi::kI386, {3, 0x2, 0x1, 0, 0, 0}).length ==
        std::optional<std::int64_t>(0x100000002LL));
  // x32 calls the 64-bit ftruncate/truncate entry points with a 64-bit off_t in one register.
  CHECK(decode("ftruncate", Abi::kX32, {3, 0x140000000ULL, 0, 0, 0, 0}).length ==
        std::optional<std::int64_t>(0x140000000LL));
  CHECK(decode("truncate", Abi::kX32, {0x1000, 0x80000000ULL, 0, 0, 0, 0}).length ==
        std::optional<std::int64_t>(0x80000000LL));
}

TEST_CASE("decode_args: x32 pointers and sizes are 32 bits wide") {
  const SyscallArgs readv = decode("readv", Abi::kX32, {3, 0xdeadbeef00001000ULL, 2, 0, 0, 0});
  CHECK(readv.iovec == 0x1000);
  const SyscallArgs read = decode("read", Abi::kX32, {3, 0, 0xffffffff00000010ULL, 0, 0, 0});
  CHECK(read.count == std::optional<std::uint64_t>(16));
  // x32 passes 64-bit offsets in one register, unlike ia32.
  const SyscallArgs pread = decode("pread64", Abi::kX32, {3, 0, 1, 0x100000000ULL, 0, 0});
  CHECK(pread.offset == std::optional<std::int64_t>(0x100000000LL));
}
#endif

}  // namespace roar::seccomp
