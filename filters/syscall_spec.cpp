// The table's vocabulary: printable names of its enumerations, for diagnostics and the printer.
#include "roar/seccomp/filters/syscall_spec.hpp"

namespace roar::seccomp {

const char* to_string(ArgRole role) noexcept {
  switch (role) {
    case ArgRole::kNone: return "-";
    case ArgRole::kFdIn: return "fd_in";
    case ArgRole::kFdOut: return "fd_out";
    case ArgRole::kFdMapped: return "fd_mapped";
    case ArgRole::kFdClosed: return "fd_closed";
    case ArgRole::kFdFirst: return "fd_first";
    case ArgRole::kFdLast: return "fd_last";
    case ArgRole::kCount: return "count";
    case ArgRole::kIovec: return "iovec";
    case ArgRole::kIovCount: return "iov_count";
    case ArgRole::kOffset: return "offset";
    case ArgRole::kOffsetOrPos: return "offset_or_pos";
    case ArgRole::kOffsetInPtr: return "offset_in_ptr";
    case ArgRole::kOffsetOutPtr: return "offset_out_ptr";
    case ArgRole::kOffTInPtr: return "off_t_in_ptr";
    case ArgRole::kMapLength: return "map_length";
    case ArgRole::kMapProt: return "map_prot";
    case ArgRole::kMapFlags: return "map_flags";
    case ArgRole::kMapOffset: return "map_offset";
    case ArgRole::kMapPages: return "map_pages";
    case ArgRole::kMapArgs: return "map_args";
    case ArgRole::kMapAddr: return "map_addr";
    case ArgRole::kProtWrite: return "prot_write";
    case ArgRole::kPathDirFd: return "path_dirfd";
    case ArgRole::kPath: return "path";
    case ArgRole::kNewPathDirFd: return "new_path_dirfd";
    case ArgRole::kNewPath: return "new_path";
    case ArgRole::kOpenFlags: return "open_flags";
    case ArgRole::kOpenHow: return "open_how";
    case ArgRole::kRenameFlags: return "rename_flags";
    case ArgRole::kAtFlags: return "at_flags";
    case ArgRole::kLength: return "length";
    case ArgRole::kLength64: return "length64";
    case ArgRole::kUnshareFlags: return "unshare_flags";
    case ArgRole::kArgv: return "argv";
    case ArgRole::kEnvp: return "envp";
    case ArgRole::kSeccompOp: return "seccomp_op";
    case ArgRole::kSeccompFlags: return "seccomp_flags";
    case ArgRole::kCloneRange: return "clone_range";
    case ArgRole::kIocbCount: return "iocb_count";
    case ArgRole::kIocbArray: return "iocb_array";
    case ArgRole::kIoctlRequest: return "ioctl_request";
    case ArgRole::kRegistration: return "registration";
  }
  return "?";
}

const char* to_string(Effect effect) noexcept {
  switch (effect) {
    case Effect::kRead: return "read";
    case Effect::kWrite: return "write";
    case Effect::kTransfer: return "transfer";
    case Effect::kMap: return "map";
    case Effect::kProtect: return "protect";
    case Effect::kClone: return "clone";
    case Effect::kAioSubmit: return "aio_submit";
    case Effect::kUnattributed: return "unattributed";
    case Effect::kFastPathRegistration: return "fast_path_registration";
    case Effect::kClose: return "close";
    case Effect::kCloseRange: return "close_range";
    case Effect::kOpen: return "open";
    case Effect::kRename: return "rename";
    case Effect::kLink: return "link";
    case Effect::kResizePath: return "resize_path";
    case Effect::kResizeFd: return "resize_fd";
    case Effect::kWait: return "wait";
    case Effect::kUnshare: return "unshare";
    case Effect::kExec: return "exec";
    case Effect::kExitThread: return "exit_thread";
    case Effect::kExitProcess: return "exit_process";
    case Effect::kDenyIoUring: return "deny_io_uring";
    case Effect::kOwnListener: return "own_listener";
  }
  return "?";
}

const char* to_string(Abi abi) noexcept {
  switch (abi) {
    case Abi::kX86_64: return "x86_64";
    case Abi::kI386: return "ia32";
    case Abi::kX32: return "x32";
    case Abi::kAarch64: return "aarch64";
    case Abi::kArm: return "arm";
  }
  return "?";
}

}  // namespace roar::seccomp
