// Turns a notification's raw argument registers into named values, driven by the table's roles.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"

namespace roar::seccomp {

inline constexpr int kNoFd = -1;
inline constexpr int kAtFdCwd = -100;  // AT_FDCWD

// Named argument values of one call; a field stays at its default when the row has no such role.
struct SyscallArgs {
  int fd_in = kNoFd;
  int fd_out = kNoFd;
  int fd_mapped = kNoFd;
  int fd_closed = kNoFd;
  std::uint32_t fd_first = 0;
  std::uint32_t fd_last = 0;
  std::optional<std::uint64_t> count;      // kCount
  std::uint64_t iovec = 0;                 // kIovec address
  std::optional<std::uint64_t> iov_count;  // kIovCount
  std::optional<std::int64_t> offset;      // kOffset / kOffsetOrPos (nullopt: fd position)
  std::uint64_t offset_in_ptr = 0;         // kOffsetInPtr / kOffTInPtr address, 0 = NULL
  unsigned offset_in_size = 8;             // bytes at offset_in_ptr
  std::uint64_t offset_out_ptr = 0;        // kOffsetOutPtr address, 0 = NULL
  std::uint64_t map_length = 0;
  std::uint64_t map_prot = 0;
  std::uint64_t map_flags = 0;
  std::uint64_t map_offset = 0;  // bytes, also for kMapPages
  std::uint64_t map_args = 0;    // kMapArgs: address of ia32 old mmap's six words
  std::uint64_t map_addr = 0;    // kMapAddr
  int path_dirfd = kAtFdCwd;
  std::uint64_t path = 0;  // address of the kPath string, 0 = none
  int new_path_dirfd = kAtFdCwd;
  std::uint64_t new_path = 0;
  std::optional<std::uint32_t> open_flags;  // nullopt: the call has none (creat)
  std::uint64_t open_how = 0;               // address of struct open_how
  std::uint32_t rename_flags = 0;
  std::uint32_t at_flags = 0;
  std::optional<std::int64_t> length;
  std::optional<std::uint64_t> unshare_flags;
  std::uint64_t argv = 0;         // address of an exec's argv array
  std::uint64_t envp = 0;         // address of an exec's environment array
  std::uint64_t clone_range = 0;  // address of struct file_clone_range
  std::uint64_t iocb_count = 0;
  std::uint64_t iocb_array = 0;    // address of the iocb pointer array
  std::uint64_t registration = 0;  // address of struct roar_fast_path_registration
};

// Decodes `regs` (seccomp_data.args) of a call described by `spec` on `abi`. Integer arguments
// use the low 32 bits, as the kernel does; 64-bit values follow the ABI's register layout.
SyscallArgs decode_args(const SyscallSpec& spec, const AbiInfo& abi,
                        const std::array<std::uint64_t, 6>& regs) noexcept;

}  // namespace roar::seccomp
