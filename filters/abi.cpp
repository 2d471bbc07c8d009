// Host ABI descriptions: one entry per ABI whose system calls the filter must see.
#include "roar/seccomp/filters/abi.hpp"

#include <linux/audit.h>
#include <seccomp.h>

namespace roar::seccomp {
namespace {

constexpr std::uint32_t kX32SyscallBit = 0x40000000U;

#if defined(__x86_64__)
constexpr AbiInfo kHostAbis[] = {
    {Abi::kX86_64, SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, 8, 8, false},
    {Abi::kI386, SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, 4, 4, true},
    // x32 uses 64-bit registers and a 64-bit off_t but 32-bit pointers and iovecs.
    {Abi::kX32, SCMP_ARCH_X32, AUDIT_ARCH_X86_64, kX32SyscallBit, 4, 8, false},
};
#elif defined(__aarch64__)
constexpr AbiInfo kHostAbis[] = {
    {Abi::kAarch64, SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, 0, 8, 8, false},
    {Abi::kArm, SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 0, 4, 4, true},
};
#else
#error "roar-seccomp knows the system-call ABIs of x86-64 and aarch64 hosts only"
#endif

}  // namespace

std::span<const AbiInfo> host_abis() noexcept {
  return kHostAbis;
}

const AbiInfo* abi_of(std::uint32_t audit_arch, std::int32_t nr) noexcept {
  const bool x32_numbered = (static_cast<std::uint32_t>(nr) & kX32SyscallBit) != 0;
  for (const AbiInfo& abi : kHostAbis) {
    // x86_64 and x32 share AUDIT_ARCH_X86_64; the x32 bit in the number tells them apart.
    if (abi.audit_arch == audit_arch && (abi.nr_flag != 0) == x32_numbered) {
      return &abi;
    }
  }
  return nullptr;
}

}  // namespace roar::seccomp
