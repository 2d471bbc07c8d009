// Resolution of table rows to per-ABI syscall numbers, and the reverse lookup for notifications.
#include "roar/seccomp/filters/syscall_index.hpp"

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

namespace {

constexpr std::uint32_t kSlots = kAbiCount * 1024;

std::uint32_t slot_of(const AbiInfo& abi, std::int32_t nr, std::uint32_t max_nr) {
  const auto index = static_cast<std::uint32_t>(nr) & ~abi.nr_flag;
  return index < max_nr ? static_cast<std::uint32_t>(abi.abi) * max_nr + index : kSlots;
}

}  // namespace

SyscallIndex::SyscallIndex(const std::vector<ResolvedSyscall>& resolved) : begin_(kSlots + 1, 0) {
  static_assert(kSlots == kAbiCount * kMaxNr);
  // Counting sort by slot, so that the rows of one call are adjacent.
  for (const ResolvedSyscall& r : resolved) {
    if (const std::uint32_t slot = slot_of(*r.abi, r.nr, kMaxNr); slot < kSlots) {
      ++begin_[slot + 1];
    }
  }
  for (std::uint32_t slot = 0; slot < kSlots; ++slot) {
    begin_[slot + 1] += begin_[slot];
  }
  rows_.resize(begin_[kSlots]);
  std::vector<std::uint32_t> next(begin_.begin(), begin_.end() - 1);
  for (const ResolvedSyscall& r : resolved) {
    if (const std::uint32_t slot = slot_of(*r.abi, r.nr, kMaxNr); slot < kSlots) {
      rows_[next[slot]++] = r.spec;
    }
  }
}

const SyscallSpec* SyscallIndex::find(const AbiInfo& abi, std::int32_t nr,
                                      const std::array<std::uint64_t, 6>& args) const noexcept {
  const std::uint32_t slot = slot_of(abi, nr, kMaxNr);
  if (slot >= kSlots) {
    return nullptr;
  }
  for (std::uint32_t i = begin_[slot]; i < begin_[slot + 1]; ++i) {
    if (rows_[i]->matches(args)) {
      return rows_[i];
    }
  }
  return nullptr;
}

}  // namespace roar::seccomp
