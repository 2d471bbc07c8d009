// The vocabulary of the syscall table: what each argument means and what the call does.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace roar::seccomp {

// The system-call ABIs a traced program may use. On x86-64 a process can issue 64-bit, ia32
// (int 0x80) and x32 system calls; each has its own numbers and argument layouts.
enum class Abi : std::uint8_t { kX86_64, kI386, kX32, kAarch64, kArm };
inline constexpr std::size_t kAbiCount = 5;

// Set of ABIs a table row applies to.
using AbiMask = std::uint8_t;
constexpr AbiMask abi_bit(Abi abi) {
  return static_cast<AbiMask>(1U << static_cast<unsigned>(abi));
}
inline constexpr AbiMask kAllAbis = 0xff;

// The role of one argument register. The decoder switches only over roles, never over syscalls,
// so a new syscall with a known shape is one table row.
enum class ArgRole : std::uint8_t {
  kNone,          // not decoded; must stay first so that omitted trailing arguments default to it
  kFdIn,          // bytes flow out of this fd's file into the process (or to kFdOut)
  kFdOut,         // bytes flow into this fd's file
  kFdMapped,      // the fd whose file an mmap maps
  kFdClosed,      // the fd the call releases (close, or the target of dup2/dup3)
  kFdFirst,       // first fd of a close_range
  kFdLast,        // last fd of a close_range
  kCount,         // size_t byte count; zero moves nothing, so the filter skips it
  kIovec,         // struct iovec* whose lengths add up to the byte count
  kIovCount,      // number of iovec entries; zero moves nothing, so the filter skips it
  kOffset,        // 64-bit file offset; on ia32 it spans this register (low) and the next (high)
  kOffsetOrPos,   // like kOffset, but -1 means "the fd's current position" (preadv2, pwritev2)
  kOffsetInPtr,   // loff_t* offset for kFdIn; NULL means the fd's current position
  kOffsetOutPtr,  // loff_t* offset for kFdOut; NULL means the fd's current position
  kOffTInPtr,     // off_t* offset for kFdIn (sendfile): its width is the ABI's off_t
  kMapLength,     // mmap length in bytes
  kMapProt,       // mmap PROT_* bits
  kMapFlags,      // mmap MAP_* bits; the filter skips anonymous mappings
  kMapOffset,     // mmap file offset in bytes
  kMapPages,      // mmap2 file offset in 4096-byte units
  kMapArgs,       // ia32 old mmap: pointer to six 32-bit words (addr, len, prot, flags, fd, off)
  kMapAddr,       // start address of a range of mappings (mprotect)
  kProtWrite,     // new PROT_* bits; the filter notifies only those that add PROT_WRITE
  kPathDirFd,     // directory fd (or AT_FDCWD) that a relative kPath starts from
  kPath,          // pointer to a NUL-terminated path in the caller's memory
  kNewPathDirFd,  // directory fd (or AT_FDCWD) that a relative kNewPath starts from
  kNewPath,       // the second path of rename/link: the name that is published
  kOpenFlags,     // O_* flags of an open; the filter notifies only opens with O_TRUNC
  kOpenHow,       // struct open_how* of openat2 (its flags are read from memory)
  kRenameFlags,   // RENAME_* flags of renameat2
  kAtFlags,       // AT_* flags (linkat: AT_EMPTY_PATH, AT_SYMLINK_FOLLOW)
  kLength,        // a length as wide as the ABI's long (truncate, ftruncate)
  kLength64,      // a 64-bit length; on ia32 it spans this register (low) and the next (high)
  kUnshareFlags,  // CLONE_* flags of unshare; the filter notifies only CLONE_FILES
  kArgv,          // char* const argv[] of an exec
  kEnvp,          // char* const envp[] of an exec
  kSeccompOp,     // seccomp(2) operation; the filter notifies only SECCOMP_SET_MODE_FILTER
  kSeccompFlags,  // seccomp(2) flags; the filter notifies only SECCOMP_FILTER_FLAG_NEW_LISTENER
  kCloneRange,    // struct file_clone_range* of FICLONERANGE (source fd, offsets, length)
  kIocbCount,     // number of iocbs io_submit is given; zero moves nothing
  kIocbArray,     // struct iocb** of io_submit (pointers as wide as the ABI's)
  kIoctlRequest,  // the request of an ioctl: the row's `when` picks which one
  kRegistration,  // struct roar_fast_path_registration* of the preload library's registration
};

// What the call does to files, as far as attribution is concerned.
enum class Effect : std::uint8_t {
  kRead,          // bytes from kFdIn's file reach the process
  kWrite,         // bytes from the process reach kFdOut's file
  kTransfer,      // bytes move from kFdIn's file to kFdOut's file inside the kernel
  kMap,           // kFdMapped's file is mapped: readable mapping = read, shared writable = written
  kProtect,       // mappings in kMapAddr..+kMapLength become writable: shared file ones = written
  kClone,         // kFdOut's file shares kFdIn's extents (reflink): read and written, if it worked
  kAioSubmit,     // Linux AIO: each iocb is a pread/pwrite (vectored or not) of its own fd
  kUnattributed,  // may move file bytes in a way no rule decodes: the report is incomplete
  kFastPathRegistration,  // the preload library offers a thread's table (fast_path_abi.h)
  kClose,                 // kFdClosed is released
  kCloseRange,            // kFdFirst..kFdLast are released (or marked close-on-exec)
  kOpen,                  // an open that truncates: reading back through its descriptor is no read
  kRename,                // kPath is moved to kNewPath (both swap with RENAME_EXCHANGE)
  kLink,         // kNewPath becomes a new name of kPath (or of the fd kPathDirFd, AT_EMPTY_PATH)
  kResizePath,   // kPath's file is truncated or extended to kLength
  kResizeFd,     // kFdOut's file is truncated, extended or allocated
  kWait,         // the caller waits for children: they (zombies included) are looked up
  kUnshare,      // the caller stops sharing its descriptor table with its threads
  kExec,         // the process image is replaced and close-on-exec fds are released
  kExitThread,   // the calling thread ends
  kExitProcess,  // every thread of the process ends and its fds are released
  kDenyIoUring,  // refused with ENOSYS: io_uring moves bytes without syscalls we can see
  kOwnListener,  // the program asks for a seccomp listener of its own: the kernel refuses it
};

// A row that applies only when one argument register (its low 32 bits, as the kernel reads an
// `unsigned int`) has one value: ioctl's request. The filter tests it, and notifications are
// matched to the row by it, so other requests never notify.
struct ArgEquals {
  int arg = -1;  // -1: the row applies whatever the arguments
  std::uint32_t value = 0;
  const char* label = "";  // the value's name, for the filter printer
};

// One row of the table. Rows are keyed by name; numbers come from libseccomp per ABI. A name
// may have several rows when its argument layout differs between ABIs (their masks must not
// overlap) or between values of one argument (`when`).
struct SyscallSpec {
  const char* name;  // libseccomp's name; NUL-terminated because libseccomp needs a C string
  Effect effect;
  std::array<ArgRole, 6> args{};
  AbiMask abis = kAllAbis;  // ABIs where `name` has the meaning described by `args`
  ArgEquals when{};

  // Whether a call with these argument registers is the one this row describes.
  [[nodiscard]] constexpr bool matches(const std::array<std::uint64_t, 6>& regs) const noexcept {
    return when.arg < 0 ||
           static_cast<std::uint32_t>(regs[static_cast<std::size_t>(when.arg)]) == when.value;
  }
};

// Human-readable names for diagnostics and the filter printer.
const char* to_string(ArgRole role) noexcept;
const char* to_string(Effect effect) noexcept;
const char* to_string(Abi abi) noexcept;

}  // namespace roar::seccomp
