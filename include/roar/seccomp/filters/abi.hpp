// The system-call ABIs of the host: how libseccomp and the kernel name them and lay out arguments.
#pragma once

#include <cstdint>
#include <span>

#include "roar/seccomp/filters/syscall_spec.hpp"

namespace roar::seccomp {

struct AbiInfo {
  Abi abi;
  std::uint32_t scmp_arch;   // SCMP_ARCH_* token for libseccomp
  std::uint32_t audit_arch;  // AUDIT_ARCH_* value the kernel puts in seccomp_data.arch
  std::uint32_t nr_flag;     // bit set in every syscall number of this ABI (x32), else 0
  unsigned pointer_size;     // bytes in a user pointer and in each half of a struct iovec
  unsigned off_t_size;       // bytes in off_t (sendfile's offset pointer)
  bool split_64bit_args;     // a 64-bit argument spans two registers, low word first
};

// The ABIs a program on this host can use, native first. On x86-64: x86_64, ia32 and x32.
std::span<const AbiInfo> host_abis() noexcept;

// The ABI of a notification, from seccomp_data.arch and .nr; nullptr for an ABI we do not know.
const AbiInfo* abi_of(std::uint32_t audit_arch, std::int32_t nr) noexcept;

}  // namespace roar::seccomp
