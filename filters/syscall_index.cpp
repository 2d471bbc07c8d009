// Resolution of table rows to per-ABI syscall numbers, and the reverse lookup for notifications.
#include "roar/seccomp/syscall_index.hpp"

#include <seccomp.h>

namespace roar::seccomp {

std::vector<ResolvedSyscall> resolve_table(std::span<const SyscallSpec> table) {
  std::vector<ResolvedSyscall> resolved;
  for (const AbiInfo& abi : host_abis()) {
    for (const SyscallSpec& spec : table) {
      if ((spec.abis & abi_bit(abi.abi)) == 0) {
        continue;
      }
      const int nr = seccomp_syscall_resolve_name_arch(abi.scmp_arch, spec.name);
      // Negative numbers are libseccomp's pseudo-syscalls: the call does not exist on this ABI.
      if (nr < 0) {
        continue;
      }
      resolved.push_back({&abi, nr, &spec});
    }
  }
  return resolved;
}

SyscallIndex::SyscallIndex(const std::vector<ResolvedSyscall>& resolved)
    : rows_(kAbiCount * kMaxNr, nullptr) {
  for (const ResolvedSyscall& r : resolved) {
    const auto nr = static_cast<std::uint32_t>(r.nr) & ~r.abi->nr_flag;
    if (nr < kMaxNr) {
      rows_[static_cast<std::size_t>(r.abi->abi) * kMaxNr + nr] = r.spec;
    }
  }
}

const SyscallSpec* SyscallIndex::find(const AbiInfo& abi, std::int32_t nr) const noexcept {
  const auto index = static_cast<std::uint32_t>(nr) & ~abi.nr_flag;
  if (index >= kMaxNr) {
    return nullptr;
  }
  return rows_[static_cast<std::size_t>(abi.abi) * kMaxNr + index];
}

}  // namespace roar::seccomp
