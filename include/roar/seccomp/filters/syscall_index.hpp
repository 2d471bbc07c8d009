// Maps (ABI, syscall number) of a notification back to its table row.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"

namespace roar::seccomp {

// A table row resolved to a number on one ABI; the filter and the index are built from these.
struct ResolvedSyscall {
  const AbiInfo* abi;
  int nr;  // as the kernel reports it (x32 numbers include __X32_SYSCALL_BIT)
  const SyscallSpec* spec;
};

// Resolves every row on every host ABI through libseccomp; rows whose name does not exist on
// an ABI (open on aarch64, mmap2 on x86-64) are skipped there.
std::vector<ResolvedSyscall> resolve_table(std::span<const SyscallSpec> table);

class SyscallIndex {
 public:
  explicit SyscallIndex(const std::vector<ResolvedSyscall>& resolved);

  // The row for a notification (its arguments pick among rows of one call, see ArgEquals), or
  // nullptr if the call is not one we trace on that ABI.
  [[nodiscard]] const SyscallSpec* find(const AbiInfo& abi, std::int32_t nr,
                                        const std::array<std::uint64_t, 6>& args) const noexcept;

 private:
  static constexpr std::uint32_t kMaxNr = 1024;
  // The rows of slot (abi, nr) are rows_[begin_[slot] .. begin_[slot + 1]).
  std::vector<std::uint32_t> begin_;  // kAbiCount * kMaxNr + 1 entries
  std::vector<const SyscallSpec*> rows_;
};

}  // namespace roar::seccomp
