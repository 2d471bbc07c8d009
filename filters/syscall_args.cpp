// Role-driven decoding of argument registers; the only place that knows register layouts.
#include "roar/seccomp/filters/syscall_args.hpp"

namespace roar::seccomp {
namespace {

int as_fd(std::uint64_t reg) {
  return static_cast<int>(static_cast<std::uint32_t>(reg));
}

// A 64-bit value in register i: whole on 64-bit ABIs, low word in i and high word in i+1 on
// ia32 and arm (the table reserves the next register for it).
std::uint64_t wide(const AbiInfo& abi, const std::array<std::uint64_t, 6>& regs, std::size_t i) {
  if (!abi.split_64bit_args) {
    return regs[i];
  }
  const std::uint64_t high = i + 1 < regs.size() ? (regs[i + 1] & 0xffffffffU) : 0;
  return (high << 32) | (regs[i] & 0xffffffffU);
}

// A pointer or size_t register: 32 bits wide on ABIs with 4-byte pointers.
std::uint64_t word(const AbiInfo& abi, std::uint64_t reg) {
  return abi.pointer_size == 4 ? (reg & 0xffffffffU) : reg;
}

}  // namespace

SyscallArgs decode_args(const SyscallSpec& spec, const AbiInfo& abi,
                        const std::array<std::uint64_t, 6>& regs) noexcept {
  SyscallArgs a;
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    const std::uint64_t reg = regs[i];
    switch (spec.args[i]) {
      case ArgRole::kNone: break;
      case ArgRole::kFdIn: a.fd_in = as_fd(reg); break;
      case ArgRole::kFdOut: a.fd_out = as_fd(reg); break;
      case ArgRole::kFdMapped: a.fd_mapped = as_fd(reg); break;
      case ArgRole::kFdClosed: a.fd_closed = as_fd(reg); break;
      case ArgRole::kFdFirst: a.fd_first = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kFdLast: a.fd_last = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kCount: a.count = word(abi, reg); break;
      case ArgRole::kIovec: a.iovec = word(abi, reg); break;
      case ArgRole::kIovCount: a.iov_count = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kOffset: a.offset = static_cast<std::int64_t>(wide(abi, regs, i)); break;
      case ArgRole::kOffsetOrPos: {
        const auto offset = static_cast<std::int64_t>(wide(abi, regs, i));
        if (offset != -1) {
          a.offset = offset;
        }
        break;
      }
      case ArgRole::kOffsetInPtr:
        a.offset_in_ptr = word(abi, reg);
        a.offset_in_size = 8;
        break;
      case ArgRole::kOffTInPtr:
        a.offset_in_ptr = word(abi, reg);
        a.offset_in_size = abi.off_t_size;
        break;
      case ArgRole::kOffsetOutPtr: a.offset_out_ptr = word(abi, reg); break;
      case ArgRole::kMapLength: a.map_length = word(abi, reg); break;
      case ArgRole::kMapProt: a.map_prot = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kMapFlags: a.map_flags = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kMapOffset:
        a.map_offset = abi.split_64bit_args ? (reg & 0xffffffffU) : reg;
        break;
      case ArgRole::kMapPages: a.map_offset = word(abi, reg) * 4096U; break;
      case ArgRole::kMapArgs: a.map_args = word(abi, reg); break;
      case ArgRole::kMapAddr: a.map_addr = word(abi, reg); break;
      case ArgRole::kProtWrite: a.map_prot = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kPathDirFd: a.path_dirfd = as_fd(reg); break;
      case ArgRole::kPath: a.path = word(abi, reg); break;
      case ArgRole::kNewPathDirFd: a.new_path_dirfd = as_fd(reg); break;
      case ArgRole::kNewPath: a.new_path = word(abi, reg); break;
      case ArgRole::kOpenFlags: a.open_flags = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kOpenHow: a.open_how = word(abi, reg); break;
      case ArgRole::kRenameFlags: a.rename_flags = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kAtFlags: a.at_flags = static_cast<std::uint32_t>(reg); break;
      case ArgRole::kLength:
        // long: 32 bits on ia32 (x32 passes these calls a 64-bit off_t in a 64-bit register)
        a.length =
            abi.split_64bit_args ? static_cast<std::int32_t>(reg) : static_cast<std::int64_t>(reg);
        break;
      case ArgRole::kLength64: a.length = static_cast<std::int64_t>(wide(abi, regs, i)); break;
      case ArgRole::kUnshareFlags: a.unshare_flags = word(abi, reg); break;
      case ArgRole::kArgv: a.argv = word(abi, reg); break;
      case ArgRole::kEnvp: a.envp = word(abi, reg); break;
      case ArgRole::kCloneRange: a.clone_range = word(abi, reg); break;
      // io_submit's nr is a long: a negative count fails with EINVAL.
      case ArgRole::kIocbCount:
        a.iocb_count = abi.pointer_size == 4
                           ? (static_cast<std::int32_t>(reg) < 0 ? 0 : reg & 0xffffffffU)
                           : (static_cast<std::int64_t>(reg) < 0 ? 0 : reg);
        break;
      case ArgRole::kIocbArray: a.iocb_array = word(abi, reg); break;
      case ArgRole::kRegistration: a.registration = word(abi, reg); break;
      case ArgRole::kSeccompOp:
      case ArgRole::kSeccompFlags:
      case ArgRole::kIoctlRequest: break;  // the filter already selected the calls that matter
    }
  }
  return a;
}

}  // namespace roar::seccomp
