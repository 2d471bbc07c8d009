// The attribution rules of calls that move bytes, one method per Effect. A call is seen before it
// runs, so each rule decides from the arguments and the kernel state whether the call will move
// bytes (see the comments on the rows of filters/syscall_table.cpp).
#include "roar/seccomp/attribution/attribution.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>

#include "roar/seccomp/attribution/fd_target.hpp"
#include "roar/seccomp/filters/fast_path_abi.h"
#include "rule.hpp"

namespace roar::seccomp {
namespace detail {

// Sum of the iovec lengths, or nullopt if the array cannot be read.
std::optional<std::uint64_t> Rule::iovec_bytes(std::uint64_t iovec, std::uint64_t n) {
  if (n > kIovMax) {
    return 0;  // EINVAL
  }
  const std::size_t width = abi.pointer_size;
  unsigned char buf[kIovMax * 2 * sizeof(std::uint64_t)];
  if (!view.memory.read_memory(iovec, buf, n * 2 * width)) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t len = 0;
    if (width == 4) {
      std::uint32_t len32 = 0;
      std::memcpy(&len32, buf + (2 * i + 1) * width, width);
      len = len32;
    } else {
      std::memcpy(&len, buf + (2 * i + 1) * width, width);
    }
    total += len;
  }
  return total;
}

// False only when the call certainly moves zero bytes.
bool Rule::requests_bytes(const ByteRequest& request) {
  if (request.count) {
    return *request.count > 0;
  }
  if (request.iov_count == 0) {
    return false;
  }
  const std::optional<std::uint64_t> total = iovec_bytes(request.iovec, request.iov_count);
  if (!total) {
    out.memory_unreadable = true;  // at least one entry: assume bytes
    return true;
  }
  return *total > 0;
}

// The offset the call reads `fd` at: explicit, through a pointer, or the fd's position.
std::optional<std::uint64_t> Rule::offset_of(int fd, std::optional<std::int64_t> explicit_offset,
                                             std::uint64_t ptr, unsigned ptr_size) {
  if (explicit_offset) {
    if (*explicit_offset < 0) {
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(*explicit_offset);
  }
  if (ptr != 0) {
    std::int64_t value = 0;
    if (ptr_size == 4) {
      std::int32_t value32 = 0;
      if (!view.memory.read_memory(ptr, &value32, sizeof value32)) {
        out.memory_unreadable = true;
        return std::nullopt;
      }
      value = value32;
    } else if (!view.memory.read_memory(ptr, &value, sizeof value)) {
      out.memory_unreadable = true;
      return std::nullopt;
    }
    return value < 0 ? std::nullopt : std::optional<std::uint64_t>(value);
  }
  return view.fds.fd_position(fd);
}

// Does the readable descriptor `fd` have bytes at the offset the call will use?
Bytes Rule::source_bytes(int fd, std::optional<std::int64_t> explicit_offset, std::uint64_t ptr,
                         unsigned ptr_size) {
  const std::optional<FileStat> st = view.fds.fd_stat(fd);
  if (!st) {
    return Bytes::kUnknown;
  }
  switch (st->type) {
    case S_IFDIR: return Bytes::kNone;  // EISDIR
    case S_IFREG: {
      const auto offset = offset_of(fd, explicit_offset, ptr, ptr_size);
      if (!offset) {
        return out.memory_unreadable ? Bytes::kUnknown : Bytes::kNone;
      }
      return *offset < st->size ? Bytes::kSome : Bytes::kNone;
    }
    case S_IFIFO: {
      const std::optional<std::uint64_t> waiting = view.fds.pipe_bytes(fd);
      return waiting && *waiting > 0 ? Bytes::kSome : Bytes::kUnknown;
    }
    case S_IFCHR:  // /dev/null always reads as end of file; other devices decide themselves
      return path_of(fd) == std::optional<std::string>("/dev/null") ? Bytes::kNone : Bytes::kSome;
    default: return Bytes::kSome;  // sockets: the call itself decides
  }
}

bool Rule::readable(int fd) {
  const std::optional<FdAccess> a = view.fds.fd_access(fd);
  return a && a->readable;
}

bool Rule::writable(int fd) {
  const std::optional<FdAccess> a = view.fds.fd_access(fd);
  return a && a->writable;
}

bool Rule::pathless(int fd) {
  const std::optional<std::string> link = view.links.fd_link(fd);
  if (!link) {
    return false;
  }
  const TargetKind kind = classify_fd_link(*link).kind;
  return kind == TargetKind::kPipe || kind == TargetKind::kSocket ||
         kind == TargetKind::kAnonymous || kind == TargetKind::kMemfd;
}

// What is recorded (or already was) for this thread stays so: later calls can add nothing.
// A read through a descriptor this process truncated never counts while the descriptor stays.
Later Rule::read_from(int fd, const ByteRequest& request, std::optional<std::int64_t> offset) {
  const std::optional<std::string> path = path_of(fd);
  if (!path) {
    return pathless(fd) ? Later::kNothingNew : Later::kMayRecord;
  }
  if (known.contains(*path, Access::kRead, tid)) {
    return Later::kNothingNew;
  }
  if (!requests_bytes(request)) {
    return Later::kMayRecord;
  }
  // Asked before the access mode: the descriptor's position, where it is needed, comes with it.
  const Bytes bytes = source_bytes(fd, offset, 0, 8);
  if (!readable(fd)) {
    return Later::kMayRecord;
  }
  if (own_truncated_file(fd)) {
    return Later::kNothingNew;
  }
  if (bytes == Bytes::kNone) {
    return Later::kMayRecord;  // the file may grow
  }
  add(*path, Access::kRead);
  return Later::kNothingNew;
}

Later Rule::write_to(int fd, const ByteRequest& request) {
  const std::optional<std::string> path = path_of(fd);
  if (!path) {
    return pathless(fd) ? Later::kNothingNew : Later::kMayRecord;
  }
  if (known.contains(*path, Access::kWritten, tid)) {
    return Later::kNothingNew;
  }
  if (requests_bytes(request) && writable(fd)) {
    add(*path, Access::kWritten);
    return Later::kNothingNew;
  }
  return Later::kMayRecord;
}

// Only the plain read and write families take the fast path (the library interposes them).
void Rule::read() {
  if (read_from(args.fd_in, {args.count, args.iovec, args.iov_count.value_or(0)}, args.offset) ==
      Later::kNothingNew) {
    out.grant = FastPathGrant{args.fd_in, ROAR_FAST_PATH_READ};
  }
}

void Rule::write() {
  if (write_to(args.fd_out, {args.count, args.iovec, args.iov_count.value_or(0)}) ==
      Later::kNothingNew) {
    out.grant = FastPathGrant{args.fd_out, ROAR_FAST_PATH_WRITE};
  }
}

void Rule::transfer() {
  const std::optional<std::string> in = path_of(args.fd_in);
  const std::optional<std::string> sink = path_of(args.fd_out);
  const bool need_in = in && !known.contains(*in, Access::kRead, tid);
  const bool need_out = sink && !known.contains(*sink, Access::kWritten, tid);
  if ((!need_in && !need_out) || !readable(args.fd_in) || !writable(args.fd_out)) {
    return;
  }
  const Bytes bytes =
      source_bytes(args.fd_in, std::nullopt, args.offset_in_ptr, args.offset_in_size);
  if (bytes == Bytes::kSome) {
    if (need_in && !own_truncated_file(args.fd_in)) {
      add(*in, Access::kRead);
    }
    if (need_out) {
      add(*sink, Access::kWritten);
    }
    return;
  }
  // An empty pipe may still be filled while the call waits: the sink's offset will tell.
  if (bytes == Bytes::kUnknown && need_out) {
    const auto before = offset_of(args.fd_out, std::nullopt, args.offset_out_ptr, 8);
    if (before) {
      PendingCheck check;
      check.kind = PendingCheck::Kind::kSinkAdvanced;
      check.fd = args.fd_out;
      check.offset_ptr = args.offset_out_ptr;
      check.before = *before;
      check.path = *sink;
      out.pending = std::move(check);
    }
  }
}

// A descriptor the process opened with O_TRUNC returns only what was written through it:
// reading it back, by read, copy or mapping, takes in nothing from outside (the mmap
// rule, applied to every way of reading; GNU as reads back each object file it writes).
// Another descriptor of the same file reads it like any file.
bool Rule::own_truncated_file(int fd) {
  if (facts == nullptr || !pid) {
    return false;
  }
  const std::optional<FileStat> st = view.fds.fd_stat(fd);
  return st && facts->is_truncating_fd(*pid, fd, st->id);
}

// A descriptor about to be released: its file was opened by the tree.
void Rule::opened(int fd) {
  const std::optional<std::string> path = path_of(fd);
  if (!path || known.contains(*path)) {
    return;
  }
  // O_PATH descriptors open nothing, and directories are not files.
  const std::optional<FdAccess> access = view.fds.fd_access(fd);
  if (!access || (!access->readable && !access->writable)) {
    return;
  }
  const std::optional<FileStat> st = view.fds.fd_stat(fd);
  if (st && st->type != S_IFDIR) {
    add(*path, Access::kOpened);
  }
}

void Rule::opened_all(std::uint32_t first, std::uint32_t last) {
  for (int fd : view.fds.open_fds()) {
    const auto u = static_cast<std::uint32_t>(fd);
    if (u >= first && u <= last) {
      opened(fd);
    }
  }
}
}  // namespace detail

namespace detail {

// O_TMPFILE files print as "/dir/#<inode> (deleted)" (see d_tmpfile in fs/dcache.c).
bool is_tmpfile_name(std::string_view path, std::uint64_t inode) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = path.substr(slash + 1);
  if (name.size() < 2 || name.front() != '#') {
    return false;
  }
  std::uint64_t ino = 0;
  const auto [end, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), ino);
  return ec == std::errc() && end == name.data() + name.size() && ino == inode;
}

}  // namespace detail

std::optional<std::string> file_path_of(const CallerView& view, int fd, const FileFacts* facts) {
  if (fd < 0) {
    return std::nullopt;
  }
  const std::optional<std::string> link = view.links.fd_link(fd);
  if (!link) {
    return std::nullopt;
  }
  FdTarget target = classify_fd_link(*link);
  switch (target.kind) {
    case TargetKind::kPath: return std::move(target.path);
    case TargetKind::kDeleted: {
      const std::optional<FileStat> st = view.fds.fd_stat(fd);
      if (st && detail::is_tmpfile_name(target.path, st->id.ino)) {
        // An O_TMPFILE file has no path until linkat gives it one (and keeps printing so).
        const std::string* name = facts != nullptr ? facts->tmpfile_name(st->id) : nullptr;
        return name != nullptr ? std::optional<std::string>(*name) : std::nullopt;
      }
      // Unlinked files keep their original path; a file really named "x (deleted)" keeps it all.
      if (st && st->nlink > 0) {
        return *link;
      }
      return std::move(target.path);
    }
    case TargetKind::kMemfd:
    case TargetKind::kPipe:
    case TargetKind::kSocket:
    case TargetKind::kAnonymous: return std::nullopt;
  }
  return std::nullopt;
}

Attribution attribute(const SyscallSpec& spec, const SyscallArgs& args, const AbiInfo& abi,
                      const CallerView& view, const CallContext& context) {
  Attribution out;
  detail::Rule rule{args,        abi,           view, context.known, context.tid,
                    context.pid, context.facts, out,  context.now};
  switch (spec.effect) {
    case Effect::kRead: rule.read(); break;
    case Effect::kWrite: rule.write(); break;
    case Effect::kTransfer: rule.transfer(); break;
    case Effect::kMap: rule.map(); break;
    case Effect::kProtect: rule.protect(); break;
    case Effect::kClone: rule.clone(); break;
    case Effect::kAioSubmit: rule.aio_submit(); break;
    case Effect::kUnattributed:
      out.unattributed = spec.when.arg >= 0 ? spec.when.label : spec.name;
      break;
    case Effect::kClose: rule.opened(args.fd_closed); break;
    case Effect::kCloseRange: rule.opened_all(args.fd_first, args.fd_last); break;
    case Effect::kOpen: rule.open(); break;
    case Effect::kRename: rule.rename(); break;
    case Effect::kLink: rule.link(); break;
    case Effect::kResizePath: rule.resize_path(); break;
    case Effect::kResizeFd: rule.resize_fd(); break;
    case Effect::kExec:
    case Effect::kExitProcess: rule.opened_all(0, UINT32_MAX); break;
    case Effect::kExitThread:
    case Effect::kWait:
    case Effect::kUnshare:
    case Effect::kDenyIoUring:
    case Effect::kOwnListener:
    case Effect::kFastPathRegistration: break;
  }
  return out;
}

}  // namespace roar::seccomp
