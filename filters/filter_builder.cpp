// Builds the BPF filter from the resolved table with libseccomp: one context per ABI, merged.
#include "roar/seccomp/filters/filter_builder.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <memory>

#include "roar/seccomp/filters/fast_path_abi.h"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

// libseccomp refuses SCMP_ACT_NOTIFY unless the running kernel passes its API-level probe (which
// also demands TSYNC_ESRCH, Linux 5.7). The rules are therefore emitted as TRACE with a marker
// value and the exported program is patched to USER_NOTIF: the filter then needs only what the
// kernel that loads it offers (5.5 for CONTINUE), and printing it works anywhere.
constexpr std::uint32_t kMarker = 0x0a55;
constexpr std::uint32_t kMarkedReturn = SECCOMP_RET_TRACE | kMarker;

struct ContextDeleter {
  void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using ScmpContext = std::unique_ptr<void, ContextDeleter>;

// Argument conditions follow from roles alone: a zero count or an anonymous mapping cannot
// touch a file, only opens that truncate matter, only unshares of the descriptor table, only
// protection changes that add PROT_WRITE, and only the ioctl requests the table names, so other
// calls are never notified.
std::vector<scmp_arg_cmp> conditions_for(const SyscallSpec& spec) {
  std::vector<scmp_arg_cmp> conds;
  for (unsigned i = 0; i < spec.args.size(); ++i) {
    switch (spec.args[i]) {
      case ArgRole::kCount:
      case ArgRole::kIovCount:
      case ArgRole::kIocbCount: conds.push_back(scmp_arg_cmp{i, SCMP_CMP_NE, 0, 0}); break;
      case ArgRole::kProtWrite:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, PROT_WRITE, PROT_WRITE});
        break;
      case ArgRole::kIoctlRequest:
        // The kernel reads the request as an unsigned int: whatever the upper half holds.
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, 0xffffffffU, spec.when.value});
        break;
      case ArgRole::kMapFlags:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, 0});
        break;
      case ArgRole::kOpenFlags:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC});
        break;
      case ArgRole::kSeccompOp:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER, 0});
        break;
      case ArgRole::kSeccompFlags:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                                     SECCOMP_FILTER_FLAG_NEW_LISTENER});
        break;
      case ArgRole::kUnshareFlags:
        conds.push_back(scmp_arg_cmp{i, SCMP_CMP_MASKED_EQ, CLONE_FILES, CLONE_FILES});
        break;
      default: break;
    }
  }
  return conds;
}

Result<ScmpContext> context_for(const AbiInfo& abi, const std::vector<ResolvedSyscall>& resolved) {
  ScmpContext ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    return Error{ENOMEM, "seccomp_init"};
  }
  // Calls of an ABI without rules must run, not die: libseccomp's default kills them.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
  if (rc == 0) {
    rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary tree of numbers
  }
  if (rc == 0 && abi.scmp_arch != seccomp_arch_native()) {
    rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
    if (rc == 0) {
      rc = seccomp_arch_add(ctx.get(), abi.scmp_arch);
    }
  }
  for (const ResolvedSyscall& r : resolved) {
    if (rc != 0) {
      break;
    }
    if (r.abi != &abi) {
      continue;
    }
    // libseccomp checks rule numbers against the native table even in a foreign-ABI context,
    // so rules name the call by its native (or pseudo) number and libseccomp translates it.
    const std::vector<scmp_arg_cmp> conds = conditions_for(*r.spec);
    rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_TRACE(kMarker),
                                seccomp_syscall_resolve_name(r.spec->name),
                                static_cast<unsigned>(conds.size()), conds.data());
  }
  if (rc != 0) {
    return Error{-rc, std::string("libseccomp: building the ") + to_string(abi.abi) + " filter"};
  }
  return ctx;
}

Result<ScmpContext> merged_context(const std::vector<ResolvedSyscall>& resolved) {
  ScmpContext merged;
  for (const AbiInfo& abi : host_abis()) {
    Result<ScmpContext> ctx = context_for(abi, resolved);
    if (!ctx) {
      return ctx.error();
    }
    if (!merged) {
      merged = std::move(ctx.value());
      continue;
    }
    // seccomp_merge consumes the source context on success only.
    const int rc = seccomp_merge(merged.get(), ctx->get());
    if (rc != 0) {
      return Error{-rc, "libseccomp: merging per-ABI filters"};
    }
    static_cast<void>(ctx->release());
  }
  return merged;
}

// libseccomp 2.5 exports only to a file descriptor; a memfd keeps it in memory.
Result<std::string> export_to_string(void* ctx, int (*exporter)(const scmp_filter_ctx, int)) {
  UniqueFd fd(memfd_create("roar-seccomp-filter", MFD_CLOEXEC));
  if (!fd) {
    return Error::from_errno("memfd_create");
  }
  if (const int rc = exporter(ctx, fd.get()); rc != 0) {
    return Error{-rc, "libseccomp: exporting the filter"};
  }
  std::string out;
  char buf[4096];
  for (off_t pos = 0;;) {
    const ssize_t n = pread(fd.get(), buf, sizeof buf, pos);
    if (n < 0) {
      return Error::from_errno("pread(filter memfd)");
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
    pos += n;
  }
  return out;
}

// The stub's test, put before libseccomp's program (whose jumps are relative, so they stay right):
// an x86-64 call of ROAR_FAST_PATH_CALLS whose instruction pointer is the instruction after the
// stub's `syscall` is allowed. The architecture and the number are tested before the pointer: the
// kernel then still sees that every call the table does not name is allowed whatever its
// arguments, and skips the filter for them (its action cache, Linux 5.11), which a load of the
// pointer first would defeat for every call.
Result<std::vector<sock_filter>> fast_path_stub_test() {
  constexpr auto kIpLow = static_cast<std::uint32_t>(offsetof(seccomp_data, instruction_pointer));
  constexpr std::uint32_t kIpHigh = kIpLow + 4;
  constexpr auto kArch = static_cast<std::uint32_t>(offsetof(seccomp_data, arch));
  constexpr auto kNr = static_cast<std::uint32_t>(offsetof(seccomp_data, nr));
  constexpr std::uint64_t kReturn = ROAR_FAST_PATH_STUB_RETURN;
  constexpr auto kLow = static_cast<std::uint32_t>(kReturn & 0xffffffffU);
  constexpr auto kHigh = static_cast<std::uint32_t>(kReturn >> 32);
  std::vector<std::uint32_t> numbers;
  for (const char* name : {ROAR_FAST_PATH_CALLS}) {
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
    if (nr < 0) {
      return Error{EINVAL, std::string("libseccomp does not know the x86-64 call ") + name};
    }
    numbers.push_back(static_cast<std::uint32_t>(nr));
  }
  // Layout: arch test, number load, one test per number, the pointer's tests, the allow; a
  // failed test jumps to `out`, the first instruction after the block.
  const auto calls = static_cast<std::uint32_t>(numbers.size());
  const std::uint32_t pointer = 3 + calls;  // index of the pointer's first instruction
  const std::uint32_t out = pointer + 5;
  auto skip_to = [](std::uint32_t target, std::uint32_t from) {
    return static_cast<std::uint8_t>(target - from - 1);
  };
  std::vector<sock_filter> test;
  test.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch));
  test.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, skip_to(out, 1)));
  test.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr));
  for (std::uint32_t i = 0; i < calls; ++i) {
    const std::uint32_t at = 3 + i;
    const std::uint8_t miss = i + 1 == calls ? skip_to(out, at) : 0;
    test.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, numbers[i], skip_to(pointer, at), miss));
  }
  test.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLow));
  test.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kLow, 0, skip_to(out, pointer + 1)));
  test.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHigh));
  test.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kHigh, 0, skip_to(out, pointer + 3)));
  test.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return test;
}

}  // namespace

Result<BpfProgram> build_filter(const std::vector<ResolvedSyscall>& resolved,
                                FilterOptions options) {
  Result<ScmpContext> ctx = merged_context(resolved);
  if (!ctx) {
    return ctx.error();
  }
  Result<std::string> bytes = export_to_string(ctx->get(), seccomp_export_bpf);
  if (!bytes) {
    return bytes.error();
  }
  if (bytes->size() % sizeof(sock_filter) != 0 || bytes->empty()) {
    return Error{EINVAL, "libseccomp exported a malformed BPF program"};
  }
  BpfProgram program;
  program.instructions.resize(bytes->size() / sizeof(sock_filter));
  std::memcpy(program.instructions.data(), bytes->data(), bytes->size());
  for (sock_filter& insn : program.instructions) {
    if (insn.code == (BPF_RET | BPF_K) && insn.k == kMarkedReturn) {
      insn.k = SECCOMP_RET_USER_NOTIF;
    }
  }
  if (options.fast_path_stub) {
    Result<std::vector<sock_filter>> test = fast_path_stub_test();
    if (!test) {
      return test.error();
    }
    program.instructions.insert(program.instructions.begin(), test->begin(), test->end());
  }
  return program;
}

Result<std::string> filter_listing(const std::vector<ResolvedSyscall>& resolved) {
  Result<ScmpContext> ctx = merged_context(resolved);
  if (!ctx) {
    return ctx.error();
  }
  Result<std::string> text = export_to_string(ctx->get(), seccomp_export_pfc);
  if (!text) {
    return text.error();
  }
  const std::string marked = "action TRACE(" + std::to_string(kMarker) + ")";
  for (std::size_t at = text->find(marked); at != std::string::npos; at = text->find(marked, at)) {
    text->replace(at, marked.size(), "action USER_NOTIF");
  }
  return text;
}

}  // namespace roar::seccomp
