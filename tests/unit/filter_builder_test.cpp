// Tests of the generated BPF program, run through a small classic-BPF interpreter, and its listing.
#include "roar/seccomp/filters/filter_builder.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "roar/seccomp/filters/fast_path_abi.h"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"

namespace roar::seccomp {
namespace {

constexpr std::uint32_t kX32Bit = 0x40000000U;

const BpfProgram& program() {
  static const BpfProgram built = [] {
    Result<BpfProgram> p = build_filter(resolve_table(traced_syscalls()));
    REQUIRE(p.ok());
    return std::move(p.value());
  }();
  return built;
}

// Runs the program the way the kernel does on struct seccomp_data; nullopt if it uses an
// instruction this interpreter does not know (the test then fails instead of guessing).
std::optional<std::uint32_t> run(const BpfProgram& prog, std::uint32_t arch, std::int32_t nr,
                                 const std::array<std::uint64_t, 6>& args,
                                 std::uint64_t instruction_pointer = 0x401000) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  data.instruction_pointer = instruction_pointer;
  for (std::size_t i = 0; i < args.size(); ++i) {
    data.args[i] = args[i];
  }
  unsigned char bytes[sizeof data];
  std::memcpy(bytes, &data, sizeof data);
  std::uint32_t a = 0;
  std::uint32_t x = 0;
  std::array<std::uint32_t, BPF_MEMWORDS> mem{};
  const auto& insns = prog.instructions;
  for (std::size_t pc = 0; pc < insns.size(); ++pc) {
    const sock_filter& in = insns[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k + 4 > sizeof bytes) {
          return std::nullopt;
        }
        std::memcpy(&a, bytes + in.k, 4);
        break;
      case BPF_LD | BPF_IMM: a = in.k; break;
      case BPF_LDX | BPF_IMM: x = in.k; break;
      case BPF_LD | BPF_MEM: a = mem.at(in.k); break;
      case BPF_LDX | BPF_MEM: x = mem.at(in.k); break;
      case BPF_ST: mem.at(in.k) = a; break;
      case BPF_STX: mem.at(in.k) = x; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      case BPF_ALU | BPF_OR | BPF_K: a |= in.k; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & in.k) != 0 ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? in.jt : in.jf; break;
      case BPF_RET | BPF_K: return in.k;
      case BPF_RET | BPF_A: return a;
      default: return std::nullopt;
    }
  }
  return std::nullopt;  // fell off the end: the kernel rejects such a program
}

// Whether the kernel's action cache (Linux 5.11, seccomp_is_const_allow) finds that the program
// allows call `nr` of `arch` whatever its arguments and address, and so skips it: the same walk,
// which gives up at a load of anything but the number and the architecture.
bool constant_allow(const BpfProgram& prog, std::uint32_t arch, std::uint32_t nr) {
  std::uint32_t a = 0;
  const auto& insns = prog.instructions;
  for (std::size_t pc = 0; pc < insns.size(); ++pc) {
    const sock_filter& in = insns[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k == offsetof(seccomp_data, nr)) {
          a = nr;
        } else if (in.k == offsetof(seccomp_data, arch)) {
          a = arch;
        } else {
          return false;
        }
        break;
      case BPF_RET | BPF_K: return in.k == SECCOMP_RET_ALLOW;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & in.k) != 0 ? in.jt : in.jf; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      default: return false;
    }
  }
  return false;
}

std::int32_t nr_of(std::uint32_t scmp_arch, const char* name) {
  return seccomp_syscall_resolve_name_arch(scmp_arch, name);
}

}  // namespace

TEST_CASE("build_filter: only USER_NOTIF and ALLOW, never the TRACE marker") {
  const BpfProgram& prog = program();
  REQUIRE_FALSE(prog.instructions.empty());
  CHECK(prog.instructions.size() <= BPF_MAXINSNS);
  bool notifies = false;
  for (const sock_filter& in : prog.instructions) {
    if (in.code != (BPF_RET | BPF_K)) {
      continue;
    }
    CAPTURE(in.k);
    notifies = notifies || in.k == SECCOMP_RET_USER_NOTIF;
    // Any other action (KILL for a bad arch, TRACE left unpatched) would break the command.
    CHECK((in.k == SECCOMP_RET_USER_NOTIF || in.k == SECCOMP_RET_ALLOW));
    CHECK((in.k & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_TRACE);
  }
  CHECK(notifies);
}

#if defined(__x86_64__)
TEST_CASE("build_filter: which calls notify") {
  const BpfProgram& prog = program();
  const auto notified = [&](std::uint32_t arch, std::int32_t nr,
                            const std::array<std::uint64_t, 6>& args) {
    const std::optional<std::uint32_t> action = run(prog, arch, nr, args);
    REQUIRE(action.has_value());
    return *action == SECCOMP_RET_USER_NOTIF;
  };
  const std::int32_t read64 = nr_of(SCMP_ARCH_X86_64, "read");
  const std::int32_t mmap64 = nr_of(SCMP_ARCH_X86_64, "mmap");

  SUBCASE("read notifies only with a non-zero count") {
    CHECK(notified(AUDIT_ARCH_X86_64, read64, {3, 0x1000, 10, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, read64, {3, 0x1000, 0, 0, 0, 0}));
    // The count is 64 bits wide on x86-64: a count of 2^32 is not zero.
    CHECK(notified(AUDIT_ARCH_X86_64, read64, {3, 0x1000, 1ULL << 32, 0, 0, 0}));
  }
  SUBCASE("readv notifies only with a non-zero iovec count") {
    const std::int32_t readv64 = nr_of(SCMP_ARCH_X86_64, "readv");
    CHECK(notified(AUDIT_ARCH_X86_64, readv64, {3, 0x1000, 1, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, readv64, {3, 0x1000, 0, 0, 0, 0}));
  }
  SUBCASE("anonymous mappings do not notify, file mappings do") {
    CHECK(notified(AUDIT_ARCH_X86_64, mmap64, {0, 4096, PROT_READ, MAP_PRIVATE, 3, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, mmap64,
                         {0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ~0ULL, 0}));
  }
  SUBCASE("calls outside the table run unseen") {
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "getpid"), {}));
    CHECK_FALSE(
        notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "sendmsg"), {3, 0, 0, 0, 0, 0}));
    CHECK(notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "close"), {3, 0, 0, 0, 0, 0}));
  }
  SUBCASE("ia32 calls are trapped by their own numbers") {
    const std::int32_t read32 = nr_of(SCMP_ARCH_X86, "read");
    CHECK(notified(AUDIT_ARCH_I386, read32, {3, 0x1000, 10, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_I386, read32, {3, 0x1000, 0, 0, 0, 0}));
    const std::int32_t mmap2 = nr_of(SCMP_ARCH_X86, "mmap2");
    CHECK(notified(AUDIT_ARCH_I386, mmap2, {0, 4096, PROT_READ, MAP_PRIVATE, 3, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_I386, mmap2,
                         {0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0xffffffff, 0}));
    // ia32 number 3 is read; on x86-64, getpid (39) must not be mistaken for anything.
    CHECK_FALSE(notified(AUDIT_ARCH_I386, nr_of(SCMP_ARCH_X86, "getpid"), {}));
  }
  SUBCASE("x32 calls carry the x32 bit and are trapped") {
    const std::int32_t read_x32 = nr_of(SCMP_ARCH_X32, "read");
    CHECK((static_cast<std::uint32_t>(read_x32) & kX32Bit) != 0);
    CHECK(notified(AUDIT_ARCH_X86_64, read_x32, {3, 0x1000, 10, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, read_x32, {3, 0x1000, 0, 0, 0, 0}));
    CHECK(notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X32, "readv"), {3, 0x1000, 1, 0, 0, 0}));
  }
  SUBCASE("opens notify only when they truncate") {
    const std::int32_t openat = nr_of(SCMP_ARCH_X86_64, "openat");
    CHECK(notified(AUDIT_ARCH_X86_64, openat,
                   {0xffffff9c, 0x1000, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, openat, {0xffffff9c, 0x1000, O_RDONLY, 0, 0, 0}));
    CHECK_FALSE(
        notified(AUDIT_ARCH_X86_64, openat, {0xffffff9c, 0x1000, O_WRONLY | O_CREAT, 0644, 0, 0}));
    CHECK(
        notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "creat"), {0x1000, 0644, 0, 0, 0, 0}));
  }
  SUBCASE("unshare notifies only for the descriptor table") {
    const std::int32_t unshare = nr_of(SCMP_ARCH_X86_64, "unshare");
    CHECK(notified(AUDIT_ARCH_X86_64, unshare, {CLONE_FILES, 0, 0, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, unshare, {CLONE_NEWNS, 0, 0, 0, 0, 0}));
  }
  SUBCASE("forks never notify: a notified fork that a signal interrupts fails with EINTR") {
    for (const char* name : {"fork", "vfork", "clone", "clone3"}) {
      const std::string captured = name;
      CAPTURE(captured);
      CHECK_FALSE(notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, name),
                           {CLONE_FILES | SIGCHLD, 0, 0, 0, 0, 0}));
    }
  }
  SUBCASE("seccomp notifies only a request for a listener of its own") {
    const std::int32_t seccomp = nr_of(SCMP_ARCH_X86_64, "seccomp");
    CHECK(notified(AUDIT_ARCH_X86_64, seccomp,
                   {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x1000, 0, 0, 0}));
    // Plain filters (a sandboxed program, strace --seccomp-bpf) stack on ours unseen.
    CHECK_FALSE(
        notified(AUDIT_ARCH_X86_64, seccomp, {SECCOMP_SET_MODE_FILTER, 0, 0x1000, 0, 0, 0}));
    CHECK_FALSE(notified(AUDIT_ARCH_X86_64, seccomp,
                         {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, 0x1000, 0, 0, 0}));
    CHECK_FALSE(
        notified(AUDIT_ARCH_X86_64, seccomp, {SECCOMP_GET_ACTION_AVAIL, 0, 0x1000, 0, 0, 0}));
  }
  SUBCASE("the launcher child's handoff calls never notify") {
    for (const char* name : {"sendmsg", "sendto", "recvfrom", "prctl", "rt_sigprocmask"}) {
      const std::string captured = name;
      CAPTURE(captured);
      CHECK_FALSE(
          notified(AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, name), {3, 0x1000, 8, 0, 0, 0}));
    }
  }
  SUBCASE("an unknown architecture is allowed, not killed") {
    CHECK_FALSE(notified(AUDIT_ARCH_AARCH64, 63, {3, 0x1000, 10, 0, 0, 0}));
  }
}
#endif

TEST_CASE("build_filter: the fast path's stub is let through, only there and only on x86-64") {
  Result<BpfProgram> with_stub =
      build_filter(resolve_table(traced_syscalls()), FilterOptions{.fast_path_stub = true});
  REQUIRE(with_stub.ok());
  const int read = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "read");
  const std::array<std::uint64_t, 6> one_byte{3, 0x1000, 1};
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, read, one_byte, ROAR_FAST_PATH_STUB_RETURN) ==
        SECCOMP_RET_ALLOW);
  // Anywhere else, and without the option, the same call is notified.
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, read, one_byte) == SECCOMP_RET_USER_NOTIF);
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, read, one_byte, ROAR_FAST_PATH_STUB) ==
        SECCOMP_RET_USER_NOTIF);
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, read, one_byte,
            ROAR_FAST_PATH_STUB_RETURN + (1ULL << 32)) == SECCOMP_RET_USER_NOTIF);
  CHECK(run(program(), AUDIT_ARCH_X86_64, read, one_byte, ROAR_FAST_PATH_STUB_RETURN) ==
        SECCOMP_RET_USER_NOTIF);
  // An ia32 call from that address (int 0x80 there) is no fast-path call.
  CHECK(run(*with_stub, AUDIT_ARCH_I386, 3, one_byte, ROAR_FAST_PATH_STUB_RETURN) ==
        SECCOMP_RET_USER_NOTIF);
  // Only the library's calls pass there: a dup2 or a truncating open made there is notified.
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "dup2"), {4, 3},
            ROAR_FAST_PATH_STUB_RETURN) == SECCOMP_RET_USER_NOTIF);
  CHECK(run(*with_stub, AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "openat"),
            {static_cast<std::uint64_t>(AT_FDCWD), 0x1000, O_WRONLY | O_TRUNC},
            ROAR_FAST_PATH_STUB_RETURN) == SECCOMP_RET_USER_NOTIF);
  for (const char* name : {ROAR_FAST_PATH_CALLS}) {
    CAPTURE(std::string(name));
    CHECK(run(*with_stub, AUDIT_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, name), {3, 0x1000, 1, 0, 0, 0},
              ROAR_FAST_PATH_STUB_RETURN) == SECCOMP_RET_ALLOW);
  }
}

TEST_CASE("build_filter: the kernel can skip the filter for every call it never notifies") {
  Result<BpfProgram> with_stub =
      build_filter(resolve_table(traced_syscalls()), FilterOptions{.fast_path_stub = true});
  REQUIRE(with_stub.ok());
  // The stub's test must not hide from the kernel's action cache what libseccomp's program
  // shows: gettid, futex, getpid... run without the filter, with or without the fast path.
  using ArchPair = std::pair<std::uint32_t, std::uint32_t>;  // audit arch, libseccomp arch
  for (const auto& [arch, scmp_arch] :
       {ArchPair{AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64}, ArchPair{AUDIT_ARCH_I386, SCMP_ARCH_X86}}) {
    for (const char* name : {"gettid", "futex", "getpid", "clock_gettime", "brk"}) {
      CAPTURE(std::string(name));
      const auto nr = static_cast<std::uint32_t>(nr_of(scmp_arch, name));
      CHECK(constant_allow(program(), arch, nr));
      CHECK(constant_allow(*with_stub, arch, nr));
    }
    for (std::uint32_t nr = 0; nr < 512; ++nr) {
      CAPTURE(nr);
      CHECK(constant_allow(*with_stub, arch, nr) == constant_allow(program(), arch, nr));
    }
  }
  CHECK_FALSE(constant_allow(*with_stub, AUDIT_ARCH_X86_64,
                             static_cast<std::uint32_t>(nr_of(SCMP_ARCH_X86_64, "read"))));
}

TEST_CASE("filter_listing: every traced name, USER_NOTIF and the argument conditions") {
  const std::vector<ResolvedSyscall> resolved = resolve_table(traced_syscalls());
  const Result<std::string> listing = filter_listing(resolved);
  REQUIRE(listing.ok());
  const std::string& text = *listing;
  for (const ResolvedSyscall& r : resolved) {
    const std::string name = r.spec->name;
    CAPTURE(name);
    CHECK(text.find("\"" + std::string(r.spec->name) + "\"") != std::string::npos);
  }
  // The listing documents what the program does: the marker action must be shown as USER_NOTIF.
  CHECK(text.find("USER_NOTIF") != std::string::npos);
  CHECK(text.find("TRACE(") == std::string::npos);
#if defined(__x86_64__)
  CHECK(text.find("filter for arch x86_64") != std::string::npos);
  CHECK(text.find("filter for arch x86 ") != std::string::npos);
  CHECK(text.find("filter for arch x32") != std::string::npos);
#endif
  // mmap's flags are tested against MAP_ANONYMOUS; read's count against zero.
  CHECK(text.find("& 0x00000020 == 0)") != std::string::npos);
  CHECK(text.find("if ($a2.lo32 == 0)") != std::string::npos);
}

}  // namespace roar::seccomp
