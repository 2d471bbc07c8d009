// THE table of traced syscalls: the BPF filter and the supervisor's decoding both derive from it.
//
// Adding a syscall whose arguments have known roles is one row here. The comment after a row is
// the rule that decides, at notification time, whether the call will succeed and what it moves;
// supervisor/attribution.cpp implements each rule once per Effect, not once per syscall.
#include "roar/seccomp/filters/syscall_table.hpp"

#include <linux/f2fs.h>  // F2FS_IOC_MOVE_RANGE
#include <linux/fs.h>    // FICLONE, FICLONERANGE

#include "roar/seccomp/filters/fast_path_abi.h"

namespace roar::seccomp {
namespace {

using enum ArgRole;
constexpr AbiMask kNotIa32 =
    static_cast<AbiMask>(kAllAbis & ~abi_bit(Abi::kI386) & ~abi_bit(Abi::kArm));
constexpr AbiMask kIa32 = abi_bit(Abi::kI386);
constexpr AbiMask kX86_64Only = abi_bit(Abi::kX86_64);

// ioctl request numbers that Debian 12's linux-libc-dev does not define: _IOW('X', 129, struct
// xfs_exchange_range) (Linux 6.10), _IOWR('f', 15, struct move_extent) (ext4's own header), both
// 40 bytes on every ABI; and F2FS_IOC_MOVE_RANGE as ia32 programs spell it (its struct is 28
// bytes there: a u64 after a u32 is only 4-aligned).
constexpr std::uint32_t kXfsExchangeRange = 0x40285881;
constexpr std::uint32_t kExt4MoveExt = 0xc028660f;
constexpr std::uint32_t kF2fsMoveRange32 = 0xc01cf509;

// clang-format off
constexpr SyscallSpec kTable[] = {
  // name              effect                 a0         a1            a2          a3            a4          a5
  // Read family. Read iff count > 0, the fd is open for reading, is not a directory, and for a
  // regular file the offset (explicit, or the fd position) lies before the end of the file.
  {"read",             Effect::kRead,         {kFdIn,    kNone,        kCount}},
  {"pread64",          Effect::kRead,         {kFdIn,    kNone,        kCount,     kOffset}},
  {"readv",            Effect::kRead,         {kFdIn,    kIovec,       kIovCount}},
  {"preadv",           Effect::kRead,         {kFdIn,    kIovec,       kIovCount,  kOffset}},
  {"preadv2",          Effect::kRead,         {kFdIn,    kIovec,       kIovCount,  kOffsetOrPos}},
  // Write family. Written iff count > 0 and the fd is open for writing.
  {"write",            Effect::kWrite,        {kFdOut,   kNone,        kCount}},
  {"pwrite64",         Effect::kWrite,        {kFdOut,   kNone,        kCount,     kOffset}},
  {"writev",           Effect::kWrite,        {kFdOut,   kIovec,       kIovCount}},
  {"pwritev",          Effect::kWrite,        {kFdOut,   kIovec,       kIovCount,  kOffset}},
  {"pwritev2",         Effect::kWrite,        {kFdOut,   kIovec,       kIovCount,  kOffsetOrPos}},
  // In-kernel copies. Both sides count iff count > 0, the source is readable and the sink
  // writable, and the source has bytes at its offset: a regular file before its end, a pipe
  // holding data. A splice from an empty pipe is confirmed afterwards by the sink's position.
  {"sendfile",         Effect::kTransfer,     {kFdOut,   kFdIn,        kOffTInPtr, kCount}},
  {"sendfile64",       Effect::kTransfer,     {kFdOut,   kFdIn,        kOffsetInPtr, kCount}},
  {"splice",           Effect::kTransfer,     {kFdIn,    kOffsetInPtr, kFdOut,     kOffsetOutPtr, kCount}},
  {"copy_file_range",  Effect::kTransfer,     {kFdIn,    kOffsetInPtr, kFdOut,     kOffsetOutPtr, kCount}},
  // Mappings of a file (anonymous ones never notify). Read iff PROT_READ or PROT_EXEC, the fd is
  // readable and the offset lies before the end of the file; written iff MAP_SHARED with
  // PROT_WRITE on an fd open for writing. ia32's "mmap" takes a struct pointer: not decoded.
  {"mmap",             Effect::kMap,          {kNone,    kMapLength,   kMapProt,   kMapFlags,    kFdMapped,  kMapOffset}, kNotIa32},
  {"mmap2",            Effect::kMap,          {kNone,    kMapLength,   kMapProt,   kMapFlags,    kFdMapped,  kMapPages}},
  // ia32's old "mmap" passes the same six values in memory: every call notifies (the filter
  // cannot see through the pointer) and the rule reads them.
  {"mmap",             Effect::kMap,          {kMapArgs}, kIa32},
  // A mapping made writable later. Only calls that add PROT_WRITE notify. Written iff, walking
  // the mappings of the range in order as the kernel does (it stops at a hole or at a mapping
  // that may not become writable), a MAP_SHARED mapping of a named file that may be written
  // (VmFlags "mw": its file was open for writing when mapped) is reached. Skipped without a /proc
  // read while the run has made no shared mapping through a writable descriptor.
  {"mprotect",         Effect::kProtect,      {kMapAddr, kMapLength,   kProtWrite}},
  {"pkey_mprotect",    Effect::kProtect,      {kMapAddr, kMapLength,   kProtWrite}},
  // Reflink clones (XFS, btrfs, OCFS2, NFS 4.2; cp clones by default): the destination shares
  // the source's extents. Only these two requests notify. Nothing moves unless both are regular
  // files, the source is readable and has bytes in the range, and the destination writable; the
  // outcome (EXDEV, EOPNOTSUPP, EINVAL are common) is settled when the thread traps again: done
  // iff the destination's size or change time moved. FIDEDUPERANGE is not traced: it shares
  // extents only where the contents are already equal, so no file's content changes.
  {"ioctl",            Effect::kClone,        {kFdOut,   kIoctlRequest, kFdIn},      kAllAbis, {1, FICLONE, "FICLONE"}},
  {"ioctl",            Effect::kClone,        {kFdOut,   kIoctlRequest, kCloneRange}, kAllAbis, {1, FICLONERANGE, "FICLONERANGE"}},
  // ioctls that move file contents between files in ways no rule decodes (an exchange of
  // ranges, a move of extents): whatever they do, the report says it is incomplete and names
  // them. Privileged ones (btrfs encoded I/O, XFS_IOC_SWAPEXT of xfs_fsr) are out of scope.
  {"ioctl",            Effect::kUnattributed, {kNone,    kIoctlRequest}, kAllAbis, {1, kXfsExchangeRange, "XFS_IOC_EXCHANGE_RANGE"}},
  {"ioctl",            Effect::kUnattributed, {kNone,    kIoctlRequest}, kAllAbis, {1, F2FS_IOC_MOVE_RANGE, "F2FS_IOC_MOVE_RANGE"}},
  {"ioctl",            Effect::kUnattributed, {kNone,    kIoctlRequest}, kIa32,    {1, kF2fsMoveRange32, "F2FS_IOC32_MOVE_RANGE"}},
  {"ioctl",            Effect::kUnattributed, {kNone,    kIoctlRequest}, kAllAbis, {1, kExt4MoveExt, "EXT4_IOC_MOVE_EXT"}},
  // The preload library of the fast path offers a thread's table (an ioctl on descriptor -1, which
  // only it makes): the supervisor answers it itself, and without a supervisor the kernel's EBADF
  // tells the library to stay out of the way. x86-64 only, as the library.
  {"ioctl",            Effect::kFastPathRegistration, {kNone, kIoctlRequest, kRegistration}, kX86_64Only, {1, ROAR_FAST_PATH_REGISTER, "ROAR_FAST_PATH_REGISTER"}},
  // Linux AIO: each iocb of the array is a pread/pwrite (PREADV/PWRITEV: vectored) of its own
  // fd at its own offset, decided by the read and write rules above. The kernel submits them in
  // order and stops at the first it refuses (a descriptor not open for that direction, an
  // unknown opcode), as the rule does. FSYNC, FDSYNC, POLL and NOOP move nothing.
  {"io_submit",        Effect::kAioSubmit,    {kNone,    kIocbCount,   kIocbArray}},
  // Descriptor life cycle: whatever an fd refers to just before it goes away (close, or the
  // target of dup2/dup3) was opened by the tree.
  {"close",            Effect::kClose,        {kFdClosed}},
  {"close_range",      Effect::kCloseRange,   {kFdFirst, kFdLast}},
  {"dup2",             Effect::kClose,        {kNone,    kFdClosed}},
  {"dup3",             Effect::kClose,        {kNone,    kFdClosed}},
  // Opens that truncate (the filter lets every other open run unseen). Not a write: only bytes
  // written count. The descriptor returned (the lowest free number, checked when the thread
  // traps again) is remembered: reading back through it is no read. creat(2) has no flags
  // argument: it always truncates.
  {"open",             Effect::kOpen,         {kPath,    kOpenFlags}},
  {"openat",           Effect::kOpen,         {kPathDirFd, kPath,      kOpenFlags}},
  {"creat",            Effect::kOpen,         {kPath}},
  {"openat2",          Effect::kOpen,         {kPathDirFd, kPath,      kOpenHow}},
  // Publishing a name. The call is seen before it runs, so the outcome is checked when the
  // thread next traps (or when the run ends): kNewPath must then name the object kPath named
  // (for RENAME_EXCHANGE, each must name the other's). Only then is kNewPath (and, exchanged,
  // kPath) written. A failed or RENAME_NOREPLACE-refused call leaves the names as they were.
  {"rename",           Effect::kRename,       {kPath,    kNewPath}},
  {"renameat",         Effect::kRename,       {kPathDirFd, kPath,      kNewPathDirFd, kNewPath}},
  {"renameat2",        Effect::kRename,       {kPathDirFd, kPath,      kNewPathDirFd, kNewPath, kRenameFlags}},
  {"link",             Effect::kLink,         {kPath,    kNewPath}},
  {"linkat",           Effect::kLink,         {kPathDirFd, kPath,      kNewPathDirFd, kNewPath, kAtFlags}},
  // Explicit size changes. By path: written iff the file (symlinks followed) has the requested
  // size afterwards; a truncate to the size it already has cannot be told apart from a failure
  // and counts. By fd: written iff the fd is open for writing on a regular file.
  {"truncate",         Effect::kResizePath,   {kPath,    kLength}},
  {"truncate64",       Effect::kResizePath,   {kPath,    kLength64}},
  {"ftruncate",        Effect::kResizeFd,     {kFdOut,   kLength}},
  {"ftruncate64",      Effect::kResizeFd,     {kFdOut,   kLength64}},
  {"fallocate",        Effect::kResizeFd,     {kFdOut}},
  // Processes are not notified when they fork: a notified fork or clone that a signal
  // interrupts before the tracer receives it fails with EINTR, which shells such as dash take
  // for "Cannot fork". A process that makes no traced call of its own is still found: its
  // parent's children are listed in /proc when the parent waits or exits. A thread that stops
  // sharing its descriptor table (unshare) makes cached fd paths unreliable.
  {"unshare",          Effect::kUnshare,      {kUnshareFlags}},
  {"wait4",            Effect::kWait,         {}},
  {"waitid",           Effect::kWait,         {}},
  {"waitpid",          Effect::kWait,         {}},
  // Process life cycle: argv and environment are read back from /proc when the process next
  // traps (the exec has then succeeded or failed); the argv given to exec is kept for a process
  // that dies before that.
  {"execve",           Effect::kExec,         {kPath,    kArgv,        kEnvp}},
  {"execveat",         Effect::kExec,         {kPathDirFd, kPath,      kArgv,      kEnvp,        kAtFlags}},
  {"exit",             Effect::kExitThread,   {}},
  {"exit_group",       Effect::kExitProcess,  {}},
  // Refused: io_uring performs file I/O without system calls that seccomp sees.
  {"io_uring_setup",   Effect::kDenyIoUring,  {}},
  // A program that wants its own seccomp listener gets the kernel's EBUSY (one listener per
  // filter chain); the report says so. Plain filters stack on ours and are not notified.
  {"seccomp",          Effect::kOwnListener,  {kSeccompOp, kSeccompFlags}},
};
// clang-format on

constexpr bool equal(const char* a, const char* b) {
  for (; *a != '\0' && *a == *b; ++a, ++b) {
  }
  return *a == *b;
}

constexpr bool has(const SyscallSpec& row, ArgRole role) {
  for (ArgRole r : row.args) {
    if (r == role) {
      return true;
    }
  }
  return false;
}

// Each effect needs the roles its attribution rule reads; a row missing one is a table bug.
constexpr bool roles_fit_effect(const SyscallSpec& row) {
  const bool counted = has(row, kCount) || (has(row, kIovec) && has(row, kIovCount));
  const bool selected =
      row.when.arg >= 0 && row.args[static_cast<std::size_t>(row.when.arg)] == kIoctlRequest;
  if ((row.when.arg >= 0) != has(row, kIoctlRequest) || (row.when.arg >= 0 && !selected)) {
    return false;  // a request row must say which request, in the request's register
  }
  switch (row.effect) {
    case Effect::kRead: return has(row, kFdIn) && counted;
    case Effect::kWrite: return has(row, kFdOut) && counted;
    case Effect::kTransfer: return has(row, kFdIn) && has(row, kFdOut) && has(row, kCount);
    case Effect::kMap:
      return has(row, kMapArgs) ||
             (has(row, kFdMapped) && has(row, kMapProt) && has(row, kMapFlags) &&
              has(row, kMapLength) && (has(row, kMapOffset) || has(row, kMapPages)));
    case Effect::kProtect:
      return has(row, kMapAddr) && has(row, kMapLength) && has(row, kProtWrite);
    case Effect::kClone:
      return selected && has(row, kFdOut) && (has(row, kFdIn) || has(row, kCloneRange));
    case Effect::kAioSubmit: return has(row, kIocbCount) && has(row, kIocbArray);
    case Effect::kUnattributed: return true;
    case Effect::kFastPathRegistration: return selected && has(row, kRegistration);
    case Effect::kClose: return has(row, kFdClosed);
    case Effect::kCloseRange: return has(row, kFdFirst) && has(row, kFdLast);
    case Effect::kOpen: return has(row, kPath);
    case Effect::kRename:
    case Effect::kLink: return has(row, kPath) && has(row, kNewPath);
    case Effect::kResizePath: return has(row, kPath) && (has(row, kLength) || has(row, kLength64));
    case Effect::kResizeFd: return has(row, kFdOut);
    case Effect::kWait: return true;
    case Effect::kUnshare: return has(row, kUnshareFlags);
    case Effect::kExec:
    case Effect::kExitThread:
    case Effect::kExitProcess:
    case Effect::kDenyIoUring: return true;
    case Effect::kOwnListener: return has(row, kSeccompOp) && has(row, kSeccompFlags);
  }
  return false;
}

// A 64-bit value spans two registers on 32-bit ABIs, so the register after it must be free.
constexpr bool offsets_have_room(const SyscallSpec& row) {
  for (std::size_t i = 0; i < row.args.size(); ++i) {
    if (row.args[i] == kOffset || row.args[i] == kOffsetOrPos || row.args[i] == kLength64) {
      if (i + 1 >= row.args.size() || row.args[i + 1] != kNone) {
        return false;
      }
    }
  }
  return true;
}

consteval bool validate_table() {
  for (std::size_t i = 0; i < std::size(kTable); ++i) {
    if (!roles_fit_effect(kTable[i]) || !offsets_have_room(kTable[i])) {
      return false;
    }
    for (std::size_t j = i + 1; j < std::size(kTable); ++j) {
      const SyscallSpec& a = kTable[i];
      const SyscallSpec& b = kTable[j];
      // Two rows of one call on one ABI must be told apart by different values of one argument.
      const bool distinct =
          a.when.arg >= 0 && a.when.arg == b.when.arg && a.when.value != b.when.value;
      if (equal(a.name, b.name) && (a.abis & b.abis) != 0 && !distinct) {
        return false;
      }
    }
  }
  return true;
}
static_assert(validate_table(),
              "syscall table: a name twice for one ABI without distinct `when` values, or roles "
              "that do not fit the effect");

}  // namespace

std::span<const SyscallSpec> traced_syscalls() noexcept {
  return kTable;
}

}  // namespace roar::seccomp
