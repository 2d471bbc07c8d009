// Tests of the syscall table, its per-ABI resolution, the reverse index and ABI detection.
#include "roar/seccomp/filters/syscall_table.hpp"

#include <doctest/doctest.h>
#include <linux/audit.h>
#include <linux/fs.h>
#include <seccomp.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"
#include "test_support.hpp"

namespace roar::seccomp {
namespace {

constexpr std::uint32_t kX32Bit = 0x40000000U;

bool resolved_on(const std::vector<ResolvedSyscall>& resolved, std::string_view name, Abi abi) {
  return std::any_of(resolved.begin(), resolved.end(), [&](const ResolvedSyscall& r) {
    return r.abi->abi == abi && name == r.spec->name;
  });
}

// Calls that x86-64 and x32 do not have (they pass 64-bit values in one register, or replaced
// the call). A row missing on x86-64 must be listed here, so that a misspelt name, which
// libseccomp resolves nowhere, cannot silently trap nothing.
bool is_ia32_only(std::string_view name) {
  return name == "mmap2" || name == "sendfile64" || name == "truncate64" || name == "ftruncate64" ||
         name == "waitpid";
}

}  // namespace

TEST_CASE("syscall table: a name has one row per ABI and every row has a printable effect") {
  std::set<std::string> names;
  const auto rows = traced_syscalls();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string name = rows[i].name;
    CAPTURE(name);
    names.insert(rows[i].name);
    CHECK(std::string_view(to_string(rows[i].effect)) != "?");
    CHECK(rows[i].abis != 0);
    for (std::size_t j = i + 1; j < rows.size(); ++j) {
      // Two rows for one (name, ABI) would make the decoding of that call ambiguous, unless
      // different values of one argument (ioctl's request) tell them apart.
      const bool same_name = std::string_view(rows[i].name) == rows[j].name;
      const bool told_apart = rows[i].when.arg >= 0 && rows[i].when.arg == rows[j].when.arg &&
                              rows[i].when.value != rows[j].when.value;
      CHECK_FALSE((same_name && (rows[i].abis & rows[j].abis) != 0 && !told_apart));
    }
  }
  // The rules of the semantics (README) need at least these rows; losing one silently loses
  // attribution.
  for (const char* needed : {"read",
                             "pread64",
                             "readv",
                             "preadv",
                             "preadv2",
                             "write",
                             "pwrite64",
                             "writev",
                             "pwritev",
                             "pwritev2",
                             "sendfile",
                             "splice",
                             "copy_file_range",
                             "mmap",
                             "close",
                             "close_range",
                             "dup2",
                             "dup3",
                             "execve",
                             "execveat",
                             "exit",
                             "exit_group",
                             "io_uring_setup",
                             "ioctl",
                             "io_submit",
                             "mprotect",
                             "pkey_mprotect"}) {
    const std::string name = needed;
    CAPTURE(name);
    CHECK(names.count(needed) == 1);
  }
}

TEST_CASE("syscall table: no call the launcher child makes between filter and exec is trapped") {
  // The child sends the listener to the tracer and only then execs; if any of these calls were
  // notified, the child would wait for a supervisor that is waiting for the listener. (Its
  // seccomp call comes before its filter exists; filter_builder_test pins which seccomp calls
  // notify.)
  for (const char* handoff : {"sendmsg", "sendto", "recvmsg", "recvfrom", "prctl", "rt_sigprocmask",
                              "getppid", "newfstatat", "stat"}) {
    const std::string name = handoff;
    CAPTURE(name);
    for (const SyscallSpec& spec : traced_syscalls()) {
      CHECK(std::string_view(handoff) != spec.name);
    }
  }
}

TEST_CASE("syscall table: process creation is never trapped") {
  // A notified fork that a signal interrupts before the supervisor receives it fails with
  // EINTR, which shells such as dash report as "Cannot fork"; children are found otherwise.
  for (const char* call : {"fork", "vfork", "clone", "clone3"}) {
    const std::string name = call;
    CAPTURE(name);
    for (const SyscallSpec& spec : traced_syscalls()) {
      CHECK(name != spec.name);
    }
  }
}

#if defined(__x86_64__)
TEST_CASE("resolve_table on x86-64") {
  const std::vector<ResolvedSyscall> resolved = resolve_table(traced_syscalls());

  SUBCASE("every row resolves natively except the ia32-only ones") {
    for (const SyscallSpec& spec : traced_syscalls()) {
      if ((spec.abis & abi_bit(Abi::kX86_64)) == 0) {
        continue;  // a row for another ABI's layout of the same name
      }
      const std::string name = spec.name;
      CAPTURE(name);
      CHECK(resolved_on(resolved, spec.name, Abi::kX86_64) != is_ia32_only(spec.name));
    }
  }
  SUBCASE("the ia32-only rows do resolve on ia32") {
    for (const SyscallSpec& spec : traced_syscalls()) {
      if (is_ia32_only(spec.name)) {
        const std::string name = spec.name;
        CAPTURE(name);
        CHECK(resolved_on(resolved, spec.name, Abi::kI386));
      }
    }
  }
  SUBCASE("every name resolves on some host ABI") {
    for (const SyscallSpec& spec : traced_syscalls()) {
      const std::string name = spec.name;
      CAPTURE(name);
      bool anywhere = false;
      for (const AbiInfo& abi : host_abis()) {
        anywhere = anywhere || resolved_on(resolved, spec.name, abi.abi);
      }
      CHECK(anywhere);
    }
  }
  SUBCASE("ia32 has mmap2, sendfile64 and a struct-pointer mmap of its own") {
    CHECK(resolved_on(resolved, "mmap2", Abi::kI386));
    CHECK(resolved_on(resolved, "sendfile64", Abi::kI386));
    CHECK(resolved_on(resolved, "read", Abi::kI386));
    CHECK(spec_named("mmap", Abi::kI386).args[0] == ArgRole::kMapArgs);
    CHECK(resolved_on(resolved, "mmap", Abi::kI386));
    CHECK(spec_named("mmap", Abi::kX32).args[4] == ArgRole::kFdMapped);
  }
  SUBCASE("numbers are libseccomp's for that ABI") {
    for (const ResolvedSyscall& r : resolved) {
      const std::string name = r.spec->name;
      const std::string abi = to_string(r.abi->abi);
      CAPTURE(name);
      CAPTURE(abi);
      CHECK(r.nr == seccomp_syscall_resolve_name_arch(r.abi->scmp_arch, r.spec->name));
    }
  }
  SUBCASE("x32 numbers carry the x32 bit and the others do not") {
    int x32_rows = 0;
    for (const ResolvedSyscall& r : resolved) {
      const std::string name = r.spec->name;
      CAPTURE(name);
      const bool has_bit = (static_cast<std::uint32_t>(r.nr) & kX32Bit) != 0;
      CHECK(has_bit == (r.abi->abi == Abi::kX32));
      x32_rows += r.abi->abi == Abi::kX32 ? 1 : 0;
    }
    CHECK(x32_rows > 0);
  }
  SUBCASE("every resolved row maps back through the index on its own ABI") {
    const SyscallIndex index(resolved);
    for (const ResolvedSyscall& r : resolved) {
      const std::string name = r.spec->name;
      const std::string abi = to_string(r.abi->abi);
      CAPTURE(name);
      CAPTURE(abi);
      // A row picked by an argument value (an ioctl request) is found with that value.
      std::array<std::uint64_t, 6> args{};
      if (r.spec->when.arg >= 0) {
        args[static_cast<std::size_t>(r.spec->when.arg)] = r.spec->when.value;
      }
      CHECK(index.find(*r.abi, r.nr, args) == r.spec);
      // The ABI found from the notification's arch and number must be the row's own.
      CHECK(abi_of(r.abi->audit_arch, r.nr) == r.abi);
    }
  }
}

TEST_CASE("SyscallIndex: calls we do not trace give nullptr") {
  const SyscallIndex index(resolve_table(traced_syscalls()));
  const AbiInfo& x86_64 = host_abi(Abi::kX86_64);
  const AbiInfo& ia32 = host_abi(Abi::kI386);
  const std::array<std::uint64_t, 6> none{};
  CHECK(index.find(x86_64, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "getpid"), none) ==
        nullptr);
  CHECK(index.find(x86_64, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "getdents64"),
                   none) == nullptr);
  CHECK(index.find(x86_64, 100000, none) == nullptr);
  CHECK(index.find(x86_64, -1, none) == nullptr);
  // ia32 number 3 is read, but x86-64 number 3 is close: the ABI must select the row.
  CHECK(std::string_view(index.find(ia32, 3, none)->name) == "read");
  CHECK(std::string_view(index.find(x86_64, 3, none)->name) == "close");
}

TEST_CASE("SyscallIndex: an ioctl is traced only for the requests the table names") {
  const SyscallIndex index(resolve_table(traced_syscalls()));
  const AbiInfo& x86_64 = host_abi(Abi::kX86_64);
  const int ioctl = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "ioctl");
  const auto request = [&](std::uint64_t value) {
    return index.find(x86_64, ioctl, {3, value, 4, 0, 0, 0});
  };
  REQUIRE(request(FICLONE) != nullptr);
  CHECK(request(FICLONE)->effect == Effect::kClone);
  CHECK(request(FICLONERANGE)->args[2] == ArgRole::kCloneRange);
  // The kernel reads the request as an unsigned int: the upper half does not matter.
  CHECK(request(0xdead'beef'0000'0000ULL | FICLONE) == request(FICLONE));
  CHECK(request(FIDEDUPERANGE) == nullptr);
  CHECK(request(TCGETS) == nullptr);
  CHECK(request(0) == nullptr);
}

TEST_CASE("abi_of tells x86-64, x32 and ia32 apart") {
  const AbiInfo* native = abi_of(AUDIT_ARCH_X86_64, 0);
  REQUIRE(native != nullptr);
  CHECK(native->abi == Abi::kX86_64);
  CHECK(native->pointer_size == 8);

  const AbiInfo* x32 = abi_of(AUDIT_ARCH_X86_64, static_cast<std::int32_t>(kX32Bit | 0U));
  REQUIRE(x32 != nullptr);
  CHECK(x32->abi == Abi::kX32);
  CHECK(x32->nr_flag == kX32Bit);
  CHECK(x32->pointer_size == 4);
  CHECK(x32->off_t_size == 8);
  CHECK_FALSE(x32->split_64bit_args);

  const AbiInfo* ia32 = abi_of(AUDIT_ARCH_I386, 3);
  REQUIRE(ia32 != nullptr);
  CHECK(ia32->abi == Abi::kI386);
  CHECK(ia32->off_t_size == 4);
  CHECK(ia32->split_64bit_args);

  CHECK(abi_of(AUDIT_ARCH_AARCH64, 63) == nullptr);
  CHECK(abi_of(0, 0) == nullptr);
}
#endif

}  // namespace roar::seccomp
