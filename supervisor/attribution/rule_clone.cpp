// The attribution rule of reflink clones (ioctl FICLONE, FICLONERANGE) and the check settling it.
#include <sys/stat.h>

#include "rule.hpp"

namespace roar::seccomp {
namespace detail {

// struct file_clone_range (linux/fs.h): the same 32 bytes on every ABI.
struct CloneRange {
  std::int64_t src_fd;
  std::uint64_t src_offset;
  std::uint64_t src_length;  // 0: to the end of the source
  std::uint64_t dest_offset;
};
static_assert(sizeof(CloneRange) == 32);

// What the kernel refuses up front (EBADF, EINVAL for non-regular files or an empty range) is
// decided here; whether the file system clones at all (EOPNOTSUPP on ext4 and tmpfs, EXDEV
// across file systems, EINVAL for unaligned ranges) only shows afterwards.
void Rule::clone() {
  CloneRange range{args.fd_in, 0, 0, 0};
  if (args.clone_range != 0 && !view.memory.read_memory(args.clone_range, &range, sizeof range)) {
    out.unattributed = warning::kCloneRangeUnreadable;
    return;
  }
  const int src = static_cast<int>(range.src_fd);
  const int dst = args.fd_out;
  const std::optional<std::string> in = path_of(src);
  const std::optional<std::string> sink = path_of(dst);
  const bool need_in = in && !known.contains(*in, Access::kRead, tid);
  const bool need_out = sink && !known.contains(*sink, Access::kWritten, tid);
  if ((!need_in && !need_out) || range.src_fd != src || !readable(src) || !writable(dst)) {
    return;
  }
  const std::optional<FileStat> src_st = view.fds.fd_stat(src);
  const std::optional<FileStat> dst_st = view.fds.fd_stat(dst);
  if (!src_st || !dst_st || src_st->type != S_IFREG || dst_st->type != S_IFREG ||
      range.src_offset >= src_st->size) {
    return;  // EINVAL, or nothing to share
  }
  PendingCheck check;
  check.kind = PendingCheck::Kind::kCloned;
  check.fd = dst;
  check.expect = dst_st->id;
  check.length = dst_st->size;
  check.ctime = dst_st->ctime;
  // A clone that reaches the source's end (all of FICLONE) past the destination's end makes the
  // destination that long: its size then tells. Otherwise the change time does, unless it was
  // stamped in the current clock tick, which the clone may stamp again (kernels and file systems
  // without fine-grained change times).
  const std::uint64_t rest = src_st->size - range.src_offset;
  const bool to_the_end = range.src_length == 0 || range.src_length >= rest;
  check.size_decides = to_the_end && range.dest_offset + rest > dst_st->size;
  check.assume_done = !check.size_decides && dst_st->ctime >= now;
  if (need_out) {
    check.path = *sink;
  }
  if (need_in && !own_truncated_file(src)) {
    check.source = *in;
  }
  if (!check.path.empty() || !check.source.empty()) {
    out.pending = std::move(check);
  }
}

Settlement settle_clone(const PendingCheck& check, const CallerView& view) {
  Settlement out;
  std::optional<FileStat> now = view.fds.fd_stat(check.fd);
  if ((!now || now->id != check.expect) && !check.path.empty()) {
    now = view.paths.lstat(check.path);  // the descriptor was released: the name still tells
  }
  if (!now || now->id != check.expect) {
    return out;
  }
  const bool done = check.size_decides ? now->size != check.length
                                       : now->size != check.length || now->ctime != check.ctime ||
                                             check.assume_done;
  if (done) {
    if (!check.source.empty()) {
      out.events.push_back({check.source, Access::kRead});
    }
    if (!check.path.empty()) {
      out.events.push_back({check.path, Access::kWritten});
    }
  }
  return out;
}

}  // namespace detail
}  // namespace roar::seccomp
